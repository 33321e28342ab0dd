"""Deadlines and stages of a programme round, judged against today's date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from bot.knowledge.programmes import Programme, Stage
from bot.text.dates import named_years

WindowStatus = Literal["not_open", "open", "closed"]


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


def asked_years(text: str, today: dt.date) -> list[int]:
    """Years a question names, "今年" and "明年" read against today."""
    return [year for year, _ in named_years(text, today)]


def current_stage(programme: Programme, today: dt.date) -> Stage | None:
    """The stage under way on `today` (the first in the programme's order when they overlap)."""
    return next((s for s in programme.stages if s.start <= today <= s.end), None)
