"""Deadlines and stages of a programme round, judged against today's date."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from bot.knowledge.programmes import Programme, Stage

WindowStatus = Literal["not_open", "open", "closed"]

_RELATIVE = {"今年": 0, "明年": 1, "去年": -1, "前年": -2, "后年": 2}
# A year followed by a month is a date ("去年6月就启动了"), not the round asked about.
_YEAR = re.compile(r"(?:(?<!\d)(20\d{2})(?!\d)|(今年|明年|去年|前年|后年))"
                   r"(?!\s*年?\s*(?:\d{1,2}|[一二三四五六七八九十]{1,2})\s*月)")


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
    """The stage a question asks about, by the words of its kind (programme-kinds.yaml) or its label."""
    kinds = programme.kinds.stages if programme.kinds else {}
    for stage in programme.stages:
        kind = kinds.get(stage.id)
        if (kind and kind.pattern.search(text)) or stage.label in text:
            return stage
    return None


def named_years(text: str, today: dt.date) -> list[tuple[int, int]]:
    """Years a text names, "今年" and "明年" read against today, each with where its mention ends."""
    return [(int(m[1]) if m[1] else today.year + _RELATIVE[m[2]], m.end()) for m in _YEAR.finditer(text)]


def asked_years(text: str, today: dt.date) -> list[int]:
    """Years a question names, "今年" and "明年" read against today."""
    return [year for year, _ in named_years(text, today)]


def md(date: dt.date) -> str:
    return f"{date.month}月{date.day}日"


def ymd(date: dt.date) -> str:
    return f"{date.year}年{date.month}月{date.day}日"


def current_stage(programme: Programme, today: dt.date) -> Stage | None:
    """The stage under way on `today` (the first in the programme's order when they overlap)."""
    return next((s for s in programme.stages if s.start <= today <= s.end), None)
