"""Time expressions as people write them (下周三, 这周日, 前天, 上个月, 4月10号, 12年), resolved against today.

Parsing is jionlp's (a maintained parser of Chinese time expressions); this module only adapts it:
it is imported lazily and quietly (it greets on stdout, which the JSONL channel keeps for replies),
relative months it does not read (上个月, 下个月, 这个月) are read here, and every mention becomes a
span of days [first, last].
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
import time
from dataclasses import dataclass
from functools import cache
from typing import Any

# "上个月", "下月初", and "月底" alone (this month's); "3月底" is the parser's.
_MONTH = re.compile(r"(上上|上|下下|下|这|本|当)(?:个)?月(初|中|底|末)?"
                    r"|(?<![\d一二三四五六七八九十正腊个])月(初|中|底|末)")
_MONTH_STEP = {"上上": -2, "上": -1, "这": 0, "本": 0, "当": 0, "下": 1, "下下": 2}


@dataclass(frozen=True)
class TimeMention:
    """A moment or span a message names, as the days it covers."""

    text: str
    start: int
    end: int
    first: dt.date
    last: dt.date

    @property
    def day(self) -> dt.date | None:
        """The day, when the mention names exactly one."""
        return self.first if self.first == self.last else None

    def zh(self) -> str:
        if self.first == self.last:
            return f"{self.first.month}月{self.first.day}日"
        if self.first.year == self.last.year:
            return f"{self.first.month}月{self.first.day}日至{self.last.month}月{self.last.day}日"
        return f"{self.first.isoformat()}至{self.last.isoformat()}"


@cache
def _jionlp() -> Any:
    with contextlib.redirect_stdout(io.StringIO()):  # its banner is no one's business: stdout carries JSONL
        import jionlp

    return jionlp


def _month_span(year: int, month: int, part: str | None) -> tuple[dt.date, dt.date]:
    first = dt.date(year, month, 1)
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1))
    if part == "初":
        return first, first.replace(day=10)
    if part == "中":
        return first.replace(day=11), first.replace(day=20)
    if part in ("底", "末"):
        return first.replace(day=21), last
    return first, last


def _relative_months(text: str, today: dt.date) -> list[TimeMention]:
    out = []
    for m in _MONTH.finditer(text):
        index = today.year * 12 + today.month - 1 + _MONTH_STEP[m[1] or "这"]
        first, last = _month_span(index // 12, index % 12 + 1, m[2] or m[3])
        out.append(TimeMention(m[0], m.start(), m.end(), first, last))
    return out


def _day(value: str) -> dt.date:
    return dt.datetime.strptime(value[:10], "%Y-%m-%d").date()


def time_mentions(text: str, today: dt.date) -> list[TimeMention]:
    """The moments and spans a message names, in order; durations ("三年", jionlp's time_delta) are left out."""
    found = _relative_months(text, today)
    taken = [(m.start, m.end) for m in found]
    base = time.mktime((today.year, today.month, today.day, 12, 0, 0, 0, 0, -1))
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            items = _jionlp().ner.extract_time(text, time_base=base, with_parsing=True)
    except Exception:  # the parser gives up on odd input; a question without dates is still a question
        items = []
    for item in items:
        start, end = item["offset"]
        detail = item.get("detail") or {}
        if detail.get("type") not in ("time_point", "time_span") or any(s < end and start < e for s, e in taken):
            continue
        span = detail.get("time")
        if not isinstance(span, list) or len(span) != 2 or "inf" in str(span):
            continue
        try:
            first, last = _day(span[0]), _day(span[1])
        except ValueError:
            continue
        found.append(TimeMention(item["text"], start, end, first, last))
    return sorted(found, key=lambda m: m.start)
