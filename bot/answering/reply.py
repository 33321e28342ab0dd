"""A question in, a reply out: the values a channel hands the engine and renders."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from bot.index.passages import Source
from bot.rules.eligibility import Eligibility


@dataclass(frozen=True)
class Turn:
    role: Literal["user", "assistant"]
    content: str


@dataclass
class Question:
    text: str
    today: dt.date = field(default_factory=dt.date.today)
    history: list[Turn] = field(default_factory=list)


ReplyKind = Literal["answer", "decline", "invalid", "eligibility", "criteria", "timeline", "station", "faq", "chat",
                    "fact"]


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
    programme: str = ""  # the id of the programme round a rules reply was decided by
    verbatim: list[str] = field(default_factory=list)  # source sentences quoted word for word (never rewritten)
