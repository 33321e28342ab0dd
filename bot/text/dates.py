"""Dates, all in one place: the calendar arithmetic and Chinese spellings every part uses, publication
dates known to the year, month or day, the years a text names, and time expressions as people write
them (下周三, 这周日, 前天, 上个月, 4月10号, 12年), resolved against today.

Parsing time expressions is jionlp's (a maintained parser of Chinese time expressions); this module
only adapts it: it is imported lazily and quietly (it greets on stdout, which the JSONL channel keeps
for replies), relative months it does not read (上个月, 下个月, 这个月) are read here, and every mention
becomes a span of days [first, last].
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import logging
import re
import time
from dataclasses import dataclass
from functools import cache
from typing import Any

# Years named relative to today, as offsets from this year.
RELATIVE_YEARS = {"大前年": -3, "前年": -2, "去年": -1, "今年": 0, "明年": 1, "后年": 2}
_ISO = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
# A year followed by a month is a date ("去年6月就启动了"), not a round or a year asked about.
_YEAR = re.compile(r"(?:(?<!\d)(20\d{2})(?!\d)|(今年|明年|去年|前年|后年))"
                   r"(?!\s*年?\s*(?:\d{1,2}|[一二三四五六七八九十]{1,2})\s*月)")
# "上个月", "下月初", and "月底" alone (this month's); "3月底" is the parser's.
_MONTH = re.compile(r"(上上|上|下下|下|这|本|当)(?:个)?月(初|中|底|末)?"
                    r"|(?<![\d一二三四五六七八九十正腊个])月(初|中|底|末)")
MONTH_STEP = {"上上": -2, "上": -1, "这": 0, "本": 0, "当": 0, "下": 1, "下下": 2}


def month_end(year: int, month: int) -> dt.date:
    """The last day of a month."""
    return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


def zh_date(date: dt.date) -> str:
    """2022年4月10日"""
    return f"{date.year}年{date.month}月{date.day}日"


def zh_month_day(date: dt.date) -> str:
    """4月10日"""
    return f"{date.month}月{date.day}日"


def given_day(value: str) -> dt.date:
    """A day given as YYYY-MM-DD (a command's --today); the message says what is wrong, in Chinese."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"日期无效：{value!r}（应为 YYYY-MM-DD，例如 2022-04-01）") from None


def years_since(day: dt.date, today: dt.date) -> float:
    """Calendar years from a day until today: exactly 3.0 on the third anniversary, 2.99… the day before."""
    full = today.year - day.year - ((today.month, today.day) < (day.month, day.day))
    if full < 0:
        return 0.0
    try:
        anniversary = day.replace(year=day.year + full)
    except ValueError:  # 29 February
        anniversary = day.replace(year=day.year + full, day=28)
    return full + (today - anniversary).days / 366.0


def _years_between(earlier: dt.date, later: dt.date) -> float:
    return max(0.0, (later - earlier).days / 365.25)


def years_until(year: int, month: int | None, today: dt.date) -> tuple[float, float]:
    """Years from a date known to the year or month until today: (least, most)."""
    first = dt.date(year, month or 1, 1)
    last = month_end(year, month) if month else dt.date(year, 12, 31)
    return _years_between(min(last, today), today), _years_between(min(first, today), today)


def named_years(text: str, today: dt.date) -> list[tuple[int, int]]:
    """Years a text names, "今年" and "明年" read against today, each with where its mention ends."""
    return [(int(m[1]) if m[1] else today.year + RELATIVE_YEARS[m[2]], m.end()) for m in _YEAR.finditer(text)]


@dataclass(frozen=True, order=True)
class PubDate:
    """A publication date known to the year, the month or the day."""

    year: int
    month: int | None = None
    day: int | None = None

    @classmethod
    def parse(cls, value: object) -> PubDate:
        if isinstance(value, dt.date):
            return cls(value.year, value.month, value.day)
        m = _ISO.match(str(value).strip())
        if not m:
            raise ValueError(f"not a date (YYYY, YYYY-MM or YYYY-MM-DD): {value!r}")
        year, month, day = int(m[1]), int(m[2]) if m[2] else None, int(m[3]) if m[3] else None
        dt.date(year, month or 1, day or 1)  # raises on 2022-13 or 2022-02-30
        return cls(year, month, day)

    def iso(self) -> str:
        parts = [f"{self.year:04d}"]
        if self.month:
            parts.append(f"{self.month:02d}")
            if self.day:
                parts.append(f"{self.day:02d}")
        return "-".join(parts)

    def zh(self) -> str:
        text = f"{self.year}年"
        if self.month:
            text += f"{self.month}月"
            if self.day:
                text += f"{self.day}日"
        return text

    def first_day(self) -> dt.date:
        """The earliest day this date may stand for."""
        return dt.date(self.year, self.month or 1, self.day or 1)

    def last_day(self) -> dt.date:
        """The latest day this date may stand for."""
        if self.day and self.month:
            return dt.date(self.year, self.month, self.day)
        if self.month:
            return month_end(self.year, self.month)
        return dt.date(self.year, 12, 31)


_DAY_WORDS = re.compile(r"[日号天周礼拜星期月]")
_DAY_PARTS = re.compile(r"白天|晚上|上午|下午|中午|早上|凌晨|傍晚|夜里")


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

    def names_days(self) -> bool:
        """A day, a week or part of a month ("下礼拜一", "月底"), not a year or a time of day ("白天")."""
        return ((self.last - self.first).days <= 31 and bool(_DAY_WORDS.search(self.text))
                and not _DAY_PARTS.fullmatch(self.text))

    def zh(self) -> str:
        if self.first == self.last:
            return zh_month_day(self.first)
        if self.first.year == self.last.year:
            return f"{zh_month_day(self.first)}至{zh_month_day(self.last)}"
        return f"{self.first.isoformat()}至{self.last.isoformat()}"


class _ParserGaveUp(logging.Filter):
    """jionlp logs a traceback on the root logger when it gives up on a phrase ("每年大概"); that is an answer
    (no date there), not an error of ours, and the user's words do not belong in the error log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno >= logging.ERROR and "jionlp" in record.pathname)


@cache
def _jionlp() -> Any:
    with contextlib.redirect_stdout(io.StringIO()):  # its banner is no one's business: stdout carries JSONL
        import jionlp

    logging.getLogger().addFilter(_ParserGaveUp())
    return jionlp


def _month_span(year: int, month: int, part: str | None) -> tuple[dt.date, dt.date]:
    first = dt.date(year, month, 1)
    if part == "初":
        return first, first.replace(day=10)
    if part == "中":
        return first.replace(day=11), first.replace(day=20)
    if part in ("底", "末"):
        return first.replace(day=21), month_end(year, month)
    return first, month_end(year, month)


def _relative_months(text: str, today: dt.date) -> list[TimeMention]:
    out = []
    for m in _MONTH.finditer(text):
        index = today.year * 12 + today.month - 1 + MONTH_STEP[m[1] or "这"]
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
