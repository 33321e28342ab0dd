"""Numbers and durations in applicants' Chinese (and simple English), each with the span it came from.

Chinese numerals go through `cn2an` ("smart" mode) one captured span at a time, never whole
sentences. Durations are intervals in years: "三年多" is more than 3 and less than 4;
"2019年注册" depends on today.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import cn2an

from bot.text.dates import MONTH_STEP, RELATIVE_YEARS, time_mentions, years_since, years_until

CN_NUM = "零〇一二两三四五六七八九十百千万"
NUM = rf"(?:\d+(?:\.\d+)?|[{CN_NUM}]+|[俩仨])"  # 俩/仨: "two"/"three" in speech
_EN_NUM = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
           "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20}
INF = float("inf")
_SPOKEN = {"俩": 2.0, "仨": 3.0}


@dataclass(frozen=True)
class Span:
    """A value read from text[start:end]; an approximate one ("八九", "十几") also has an upper bound."""

    text: str
    start: int
    end: int
    value: float
    high: float | None = None

    @property
    def top(self) -> float:
        return self.value if self.high is None else self.high


class Count(int):
    """A count read from text: an int (the least it can be); a range ("八九个人") keeps its upper bound."""

    high: int

    def __new__(cls, low: int, high: int | None = None) -> Count:
        obj = super().__new__(cls, low)
        obj.high = low if high is None else max(low, high)
        return obj

    def describe(self) -> str:
        return f"{int(self)}" if self.high == int(self) else f"{int(self)}～{self.high}"


def count_of(span: Span) -> Count:
    return Count(int(span.value), int(span.top))


@dataclass(frozen=True)
class Years:
    """A duration known to lie between `low` and `high` years (both inclusive)."""

    low: float
    high: float
    text: str = ""

    def describe(self) -> str:
        if self.low == self.high:
            years, months = int(self.low), round((self.low - int(self.low)) * 12)
            if months == 12:
                years, months = years + 1, 0
            return f"{years}年{months}个月" if months else f"{years}年"
        if self.high == INF:
            return f"{self.low:g}年以上"
        return f"{self.low:g}～{self.high:g}年"


def parse_number(token: str) -> float | None:
    """A number written in digits or Chinese numerals; None when the token is not one."""
    token = token.strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", token):
        return float(token)
    if token.lower() in _EN_NUM:
        return float(_EN_NUM[token.lower()])
    if token in _SPOKEN:
        return _SPOKEN[token]
    if token and re.fullmatch(f"[{CN_NUM}]+", token):
        if token == "两":
            return 2.0
        try:
            value = cn2an.cn2an(token.replace("两", "二"), "smart")
        except (ValueError, KeyError, IndexError, TypeError):
            return None
        return float(value) if isinstance(value, int | float) else None
    return None


# "一" that begins a word is no number: 一直, 一些, 一起, 一般, 一样, 一定, 一下, 一切, 一共, 一同, 一旦, 一致.
_WORD_AFTER_ONE = re.compile(r"[直些起般样定下切共同旦致]")


_DIGIT = "一二两三四五六七八九"
# Approximate counts: 两三个 (2-3), 八九个 (8-9), 十五六个 (15-16), 二十七八 (27-28), 十几个 (11-19),
# 二十几 (21-29), 8到9个 / 8-9个 / 8~9个. Read as ranges, never as 23 or 89.
_APPROX = re.compile(rf"(?:([{_DIGIT}])?十)?([{_DIGIT}])([{_DIGIT}])(?=\s*(?:个|名|位|人|家|年|多|来|\s|$))|"
                     rf"([{_DIGIT}])?十几|(\d+)\s*(?:到|至|-|~|～|—)\s*(\d+)(?=\s*[个名位人家年])")


def _digit(ch: str | None) -> int:
    return 0 if not ch else 2 if ch == "两" else "一二三四五六七八九".index(ch) + 1


def _approximate(text: str) -> list[Span]:
    out = []
    for m in _APPROX.finditer(text):
        if m[2]:
            a, b = _digit(m[2]), _digit(m[3])
            if b != a + 1:
                continue
            tens = (_digit(m[1]) * 10 if m[1] else 10) if "十" in m[0] else 0
            out.append(Span(m[0], m.start(), m.end(), float(tens + a), float(tens + b)))
        elif m[5]:
            low, high = int(m[5]), int(m[6])
            if low < high:
                out.append(Span(m[0], m.start(), m.end(), float(low), float(high)))
        else:
            tens = _digit(m[4]) * 10 if m[4] else 10
            out.append(Span(m[0], m.start(), m.end(), float(tens + 1), float(tens + 9)))
    return out


def numbers(text: str) -> list[Span]:
    """Every number in the text with its span; "一打" (a dozen) is 12; ranges keep their upper bound."""
    out = _approximate(text)
    taken = [(s.start, s.end) for s in out]
    for m in re.finditer(rf"{NUM}|(?<![a-z])(?:{'|'.join(_EN_NUM)})(?![a-z])", text, re.I):
        if any(a < m.end() and m.start() < b for a, b in taken):
            continue
        if m[0] == "一" and _WORD_AFTER_ONE.match(text, m.end()):
            continue
        value = parse_number(m[0])
        if value is not None:
            if text.startswith("打", m.end()):
                out.append(Span(m[0] + "打", m.start(), m.end() + 1, value * 12))
            else:
                out.append(Span(m[0], m.start(), m.end(), value))
    return sorted(out, key=lambda span: span.start)


_DURATION_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # "离满三年还差一个月", "还差俩月满三年": so much short of a whole number of years
    (re.compile(rf"(?:离|距)满?\s*({NUM})\s*(?:周)?年\s*(?:还)?差\s*({NUM})\s*个?\s*月|"
                rf"差\s*({NUM})\s*个?\s*月(?:就)?满?\s*({NUM})\s*(?:周)?年"), "short_of"),
    (re.compile(rf"({NUM})\s*年\s*(?:(?:零|又)\s*({NUM})\s*个?|({NUM})\s*个)\s*月"), "years_months"),
    (re.compile(rf"({NUM})\s*年(?:以)?前(?:的今天|的这个时候|的这时候)?"), "years"),  # "三年前成立": so long ago
    (re.compile(rf"({NUM})\s*年半"), "years_half"),
    (re.compile(rf"({NUM})\s*个半月"), "months_half"),
    (re.compile(rf"({NUM})\s*(?:多|余)\s*年|({NUM})\s*年\s*(?:多|出头)"), "years_more"),
    (re.compile(rf"(?:快|将近|接近|差不多|差一点|马上就?)(?:满|有|到)?\s*({NUM})\s*(?:周)?年"), "years_almost"),
    (re.compile(rf"(?:不到|不足|未满|没满|不满)\s*({NUM})\s*(?:周)?年"), "years_less"),
    (re.compile(rf"({NUM})\s*(?:周)?年\s*(?:以上|及以上|有余)"), "years_plus"),
    (re.compile(rf"({NUM})\s*(?:周)?年(?![前后级底初度份中月])"), "years"),
    (re.compile(rf"({NUM})\s*个\s*年头"), "years_span"),
    (re.compile(rf"({NUM})\s*个\s*月"), "months"),
    (re.compile(r"半年"), "half"),
    (re.compile(r"(\d+)\s*\+\s*years?|(?:more than|over|at least)\s+(\d+|[a-z]+)\s+years?", re.I), "years_plus"),
    (re.compile(r"(\d+(?:\.\d+)?|[a-z]+)(?:\s+and\s+a\s+half)?\s+years?", re.I), "en_years"),
]
_MONTHS_EN = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_CN_MONTH = r"(\d{1,2}|[一二三四五六七八九十]{1,3})\s*月"
_DATE_ANCHOR = re.compile(r"((?:19|20)\d{2})\s*年\s*(?:(\d{1,2})\s*月)?(?:份)?|"
                          rf"(大前年|前年|去年|今年)(?:\s*{_CN_MONTH})?|"
                          rf"\b(?:in|since)\s+(?:({'|'.join(_MONTHS_EN)})[a-z]*\.?\s+)?"
                          r"((?:19|20)\d{2})\b|"
                          # "上个月刚招进来": a month counted back from this one
                          r"(上上|上|这|本|当)个?月(?![初中底末])|"
                          # "20年注册的", "17年底在朝阳登记": a year said with two digits, then what happened in it
                          r"(?<![\d.])(\d{2})\s*年(?:\s*(\d{1,2})\s*月)?(?:份|底|初|中|年底|年初)?的?(?=\s*(?:在[^，。,]{0,14})?"
                          r"(?:注册|成立|登记|创办|创立|建立|挂牌|拿(?:的|到了?)?(?:登记)?证))", re.I)


def _anchor(m: re.Match[str], today: dt.date) -> tuple[int, int | None]:
    """The year (and month, when said) a date anchor names."""
    if m[1]:
        month = int(m[2]) if m[2] else None
        return int(m[1]), month if month is not None and 1 <= month <= 12 else None
    if m[3]:
        month = int(parse_number(m[4]) or 0) if m[4] else None
        return today.year + RELATIVE_YEARS[m[3]], month if month is not None and 1 <= month <= 12 else None
    if m[6]:
        return int(m[6]), _MONTHS_EN.index(m[5].lower()) + 1 if m[5] else None
    if m[7]:
        index = today.year * 12 + today.month - 1 + MONTH_STEP[m[7]]
        return index // 12, index % 12 + 1
    year = 2000 + int(m[8]) if 2000 + int(m[8]) <= today.year else 1900 + int(m[8])
    return year, int(m[9]) if m[9] and 1 <= int(m[9]) <= 12 else None


def _exact_day(text: str, today: dt.date) -> tuple[dt.date, str] | None:
    """A day in the past written in full (2019年3月28日, 二〇一九年三月二十五号), with its words."""
    for mention in time_mentions(text, today):
        day = mention.day
        if day is not None and day <= today and "年" in mention.text and re.search(r"[日号]$", mention.text):
            return day, mention.text
    return None


_CN_YEAR = re.compile(r"([〇零一二三四五六七八九]{4})\s*年(?:\s*([一二三四五六七八九十]{1,3})\s*月)?")


def _digit_dates(text: str) -> str:
    """"二〇二〇年五月" -> "2020年5月": a year written digit by digit in Chinese numerals."""
    def convert(m: re.Match[str]) -> str:
        year = "".join(str("〇一二三四五六七八九".index(c)) if c != "零" else "0" for c in m[1])
        month = parse_number(m[2]) if m[2] else None
        return f"{year}年" + (f"{int(month)}月" if month else "")

    return _CN_YEAR.sub(convert, text)


_YEAR_END = re.compile(r"(?<![\d.])((?:19|20)?\d{2})\s*年(?:底|末)")
_YEAR_START = re.compile(r"(?<![\d.])((?:19|20)?\d{2})\s*年初")


def duration(text: str, today: dt.date) -> Years | None:
    """The first duration in the text: "两年半", "三年多", "满三年", "2019年注册", "5 years"; a full date
    (2019年3月28日) is exact to the day, a range ("四五年") is a range."""
    text = _YEAR_END.sub(r"\1年12月", _YEAR_START.sub(r"\1年1月", _digit_dates(text)))  # "2019年底": its December
    exact = _exact_day(text, today) if re.search(r"[日号]", text) else None
    if exact is not None:
        years = round(years_since(exact[0], today), 3)
        return Years(years, years, exact[1])
    m = _DATE_ANCHOR.search(text)
    if m:
        year, month = _anchor(m, today)
        if year > today.year or (year == today.year and month is not None and month > today.month):
            return None  # a date still to come says nothing about how long
        low, high = years_until(year, month, today)
        return Years(round(low, 2), round(high, 2), m[0])
    for span in _approximate(text):
        if span.text.endswith("年"):
            return Years(span.value, span.top, span.text)
        unit = re.match(r"\s*(?:周)?年(?![前后级底初度份中月])", text[span.end:])
        if unit:
            return Years(span.value, span.top, text[span.start:span.end + unit.end()])
    for pattern, kind in _DURATION_PATTERNS:
        hit = pattern.search(text)
        if not hit:
            continue
        groups = [g for g in hit.groups() if g]
        value = parse_number(groups[0]) if groups else None
        if value is not None and value >= 200:  # a calendar year, not a number of years
            continue
        if kind == "half":
            return Years(0.5, 0.5, hit[0])
        if value is None:
            continue
        if kind == "short_of":
            other = parse_number(groups[1]) or 0.0
            short, whole = (other, value) if hit[1] else (value, other)
            v = max(0.0, whole - short / 12)
            return Years(round(v, 2), round(v, 2), hit[0])
        if kind == "years_months":
            months = parse_number(groups[1]) or 0.0
            v = value + months / 12
            return Years(round(v, 2), round(v, 2), hit[0])
        if kind == "years_half":
            return Years(value + 0.5, value + 0.5, hit[0])
        if kind == "months_half":
            return Years(round((value + 0.5) / 12, 2), round((value + 0.5) / 12, 2), hit[0])
        if kind == "years_more":
            return Years(value + 0.01, value + 0.99, hit[0])
        if kind == "years_less":
            return Years(0.0, max(0.0, value - 0.01), hit[0])
        if kind == "years_almost":  # "快三年了": a little short of it
            return Years(max(0.0, value - 0.5), max(0.0, value - 0.01), hit[0])
        if kind == "years_plus":
            return Years(value, INF, hit[0])
        if kind == "months":
            return Years(round(value / 12, 2), round(value / 12, 2), hit[0])
        if kind == "years_span":  # "五个年头": five calendar years touched, so between four and five
            return Years(max(0.0, value - 1), value, hit[0])
        if kind == "en_years":
            v = value + (0.5 if "half" in hit[0].lower() else 0.0)
            return Years(v, v, hit[0])
        return Years(value, value, hit[0])
    return None
