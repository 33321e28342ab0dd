"""Deadlines and stages of a programme round, judged against today's date."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from bot.knowledge.programmes import Programme, Stage

WindowStatus = Literal["not_open", "open", "closed"]

_STAGE_WORDS = {
    "signing": re.compile(r"签约|签合同|sign", re.I),
    "review": re.compile(r"立项评审|评审|答辩|review", re.I),
    "initial_selection": re.compile(r"初选|初审|初步评选|shortlist", re.I),
}
_RELATIVE = {"今年": 0, "明年": 1, "去年": -1, "前年": -2, "后年": 2}
_YEAR = re.compile(r"(?<!\d)(20\d{2})(?!\d)|(今年|明年|去年|前年|后年)")


@dataclass(frozen=True)
class WindowState:
    status: WindowStatus
    days: int  # days until it opens, days left (counting the last day), or days since it closed


def window_state(programme: Programme, today: dt.date) -> WindowState:
    w = programme.window
    if today < w.start:
        return WindowState("not_open", (w.start - today).days)
    if today <= w.end:
        return WindowState("open", (w.end - today).days + 1)
    return WindowState("closed", (today - w.end).days)


def asked_stage(programme: Programme, text: str) -> Stage | None:
    for stage in programme.stages:
        pattern = _STAGE_WORDS.get(stage.id)
        if (pattern and pattern.search(text)) or stage.label in text:
            return stage
    return None


def asked_years(text: str, today: dt.date) -> list[int]:
    """Years a question names, "今年" and "明年" read against today."""
    out = []
    for m in _YEAR.finditer(text):
        out.append(int(m[1]) if m[1] else today.year + _RELATIVE[m[2]])
    return out


def md(date: dt.date) -> str:
    return f"{date.month}月{date.day}日"


def ymd(date: dt.date) -> str:
    return f"{date.year}年{date.month}月{date.day}日"
