"""Which round of a programme a question is about: the one the calendar points to, or the year named.

With several rounds known, "now" means the round whose application window is open, else the
next one to open, else the newest (closed). A question naming a year is about that year's round;
a round before the present one is answered as history.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.knowledge.programmes import Programme
from bot.text.dates import named_years
from bot.understanding.message import asking_part

# "2020年注册的" names when the organisation was founded, not a round.
_FOUNDING = re.compile(r"^\s*年?\s*(?:\d{1,2}\s*月)?\s*(?:份|底|初|中)?\s*(?:就|才|刚)?\s*"
                       r"(?:注册|成立|登记|创办|创立|建立)")


@dataclass(frozen=True)
class Rounds:
    """The rounds of a programme, newest first (by when their windows open)."""

    programmes: list[Programme]

    @property
    def newest(self) -> Programme:
        return self.programmes[0]

    def by_id(self, programme_id: str) -> Programme | None:
        return next((p for p in self.programmes if p.id == programme_id), None)

    def current(self, today: dt.date) -> Programme:
        """Open today, else the next to open, else the newest."""
        open_now = [p for p in self.programmes if p.window.start <= today <= p.window.end]
        if open_now:
            return max(open_now, key=lambda p: p.window.start)
        upcoming = [p for p in self.programmes if p.window.start > today]
        if upcoming:
            return min(upcoming, key=lambda p: p.window.start)
        return self.newest

    def for_year(self, year: int) -> Programme | None:
        return next((p for p in self.programmes if p.year == year), None)

    def asked(self, texts: Iterable[str], today: dt.date) -> tuple[Programme | None, int | None]:
        """The round the texts name by year (the latest text naming a known round wins), or
        (None, year) when they name only years no round is known for, or (None, None)."""
        unknown: int | None = None
        for text in texts:
            # the year of the clause that asks: "2023年的创投啥时候征集？去年没赶上" asks about 2023
            asking = asking_part(text)
            for year in round_years(asking, today) or round_years(text, today):
                found = self.for_year(year)
                if found is not None:
                    return found, None
                unknown = unknown if unknown is not None else year
        return None, unknown

    def is_single(self) -> bool:
        return len(self.programmes) == 1

    def view(self, today: dt.date, texts: Iterable[str] = (), programme: Programme | None = None) -> RoundView:
        """How a reply on `today` sees a round: the one given, else the one the texts name by year, else
        the current one; with the present round, and whether the round is an earlier one."""
        unknown: int | None = None
        if programme is None:
            programme, unknown = self.asked(texts, today)
        present = self.current(today)
        chosen = programme if programme is not None else None if unknown is not None else present
        history = (chosen is not None and not self.is_single() and chosen is not present
                   and chosen.window.start < present.window.start)
        return RoundView(chosen, unknown, present, self.newest, not self.is_single(), history)


@dataclass(frozen=True)
class RoundView:
    """One round as a reply sees it on a day (all a reply needs to know of the rounds, in one look)."""

    programme: Programme | None  # None: the question names a year no round is known for
    unknown_year: int | None
    present: Programme  # open today, else the next to open, else the newest
    newest: Programme
    several: bool  # more than one round is known
    history: bool  # the round came before the present one


def round_years(text: str, today: dt.date) -> list[int]:
    """Years a question names as the round asked about ("2023年的创投计划", "今年"), not founding years."""
    out = []
    for year, end in named_years(text, today):
        if not _FOUNDING.match(text[end:]) and 2000 <= year <= today.year + 5:
            out.append(year)
    return out

