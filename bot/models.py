"""Typed values passed between layers: documents, chunks, questions, replies."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Literal

_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


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
        m = _DATE.match(str(value).strip())
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

    def last_day(self) -> dt.date:
        """The latest day this date may stand for."""
        if self.day and self.month:
            return dt.date(self.year, self.month, self.day)
        if self.month:
            nxt = dt.date(self.year + (self.month == 12), self.month % 12 + 1, 1)
            return nxt - dt.timedelta(days=1)
        return dt.date(self.year, 12, 31)


@dataclass
class Document:
    """One knowledge file: front matter plus a clean Markdown body."""

    id: str
    title: str
    publication: str
    published: PubDate
    body: str
    path: str = ""
    topics: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    via: str | None = None
    date_basis: str | None = None
    content_hash: str = ""
    programme: str | None = None
    valid_from: PubDate | None = None
    valid_until: PubDate | None = None
    superseded_by: str | None = None

    def lapsed(self, today: dt.date) -> str | None:
        """Why this document no longer speaks for the present, or None while it does."""
        if self.superseded_by:
            return "superseded"
        if self.valid_until and self.valid_until.last_day() < today:
            return "expired"
        return None

    def covers_year(self, year: int) -> bool:
        """Whether a question about `year` is about this document's period."""
        first = (self.valid_from or self.published).year
        last = self.valid_until.year if self.valid_until else self.published.year
        return min(first, self.published.year) <= year <= max(last, first)


@dataclass(frozen=True)
class Chunk:
    """A passage of a few hundred characters cut on sentence boundaries."""

    id: str
    doc_id: str
    title: str
    published: str
    heading: str
    text: str
    ordinal: int
    sentences: tuple[str, ...] = ()


@dataclass
class Source:
    """A retrieved chunk as shown to the user and in the JSONL contract."""

    chunk: Chunk
    score: float
    dense_rank: int | None = None
    keyword_rank: int | None = None

    @property
    def published(self) -> PubDate:
        return PubDate.parse(self.chunk.published)


@dataclass(frozen=True)
class Turn:
    role: Literal["user", "assistant"]
    content: str


@dataclass
class Question:
    text: str
    today: dt.date = field(default_factory=dt.date.today)
    history: list[Turn] = field(default_factory=list)


CriterionStatus = Literal["pass", "fail", "unknown"]
Verdict = Literal["eligible", "ineligible", "unknown"]


@dataclass
class CriterionResult:
    id: str
    label: str
    status: CriterionStatus
    reason: str
    quote: str = ""
    doc_id: str = ""


@dataclass
class Eligibility:
    verdict: Verdict
    criteria: list[CriterionResult]
    missing: list[str] = field(default_factory=list)


ReplyKind = Literal["answer", "decline", "invalid", "eligibility", "criteria", "timeline", "station", "faq"]


@dataclass
class Reply:
    """What the engine answers; channels only render it."""

    answer: str
    answered: bool
    kind: ReplyKind
    sources: list[Source] = field(default_factory=list)
    cited: list[Source] = field(default_factory=list)
    eligibility: Eligibility | None = None
    confidence: float = 0.0
    latency_ms: float = 0.0
    generator: str = "extractive"  # "llm" when a language model wrote it and it passed the grounding check
