"""A question in, a reply out: the values a channel hands the engine, and the structured reply it renders.

A reply is a list of parts in reading order, each with its role (a lead, the answer, a verbatim quote,
a note, the verdict, where to ask, the sources) and, where it quotes or names a document, that document
with its date. `Reply.answer` is the one plain-text rendering of the parts; every channel renders the
parts its own way (HTML for Telegram and the web chat, plain text for WeChat and the terminal).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.index.passages import Source
from bot.rules.eligibility import Eligibility
from bot.text.dates import PubDate


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

PartRole = Literal[
    "lead",       # introduces what follows: "据《公益时报》2022年3月报道：", "我理解您说的是…", a list's heading
    "answer",     # what the reply says in its own words (a rule's output, a decline, the model's text)
    "quote",      # sentences of a source, word for word
    "verdict",    # the eligibility verdict
    "criterion",  # one criterion of a programme with its quoted clause
    "note",       # a remark on the answer: its date, a newer round, what is still needed
    "contact",    # where to ask instead
    "sources",    # the heading of the source list ("来源：")
    "source",     # one source named with its date
]
LINE, PARAGRAPH, SAME_LINE, NEXT_ITEM = "\n", "\n\n", "", "；"  # what a part's `sep` may be


@dataclass(frozen=True)
class Cited:
    """A document a part quotes or names, as a reader finds it: title, publisher and date."""

    doc_id: str
    title: str
    publication: str
    published: PubDate

    @property
    def date(self) -> str:
        """The date as people read it: 2022年3月, 2022年3月29日."""
        return self.published.zh()

    def to_json(self) -> dict[str, str]:
        return {"doc_id": self.doc_id, "title": self.title, "publication": self.publication,
                "published": self.published.iso(), "date": self.date}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Cited:
        return cls(str(raw["doc_id"]), str(raw["title"]), str(raw.get("publication") or ""),
                   PubDate.parse(raw["published"]))


@dataclass(frozen=True)
class Part:
    """One piece of a reply. `sep` is what divides it from the part before in plain text (LINE, PARAGRAPH,
    SAME_LINE or NEXT_ITEM); `quote` is the words of `text` taken verbatim from `source` (for role "quote",
    the whole text)."""

    role: PartRole
    text: str
    sep: str = LINE
    source: Cited | None = None
    quote: str = ""

    @property
    def verbatim(self) -> str:
        """The words of a source this part repeats word for word ("" when none)."""
        return self.text if self.role == "quote" else self.quote

    def to_json(self) -> dict[str, Any]:
        return {"role": self.role, "text": self.text, "sep": self.sep,
                "source": self.source.to_json() if self.source else None, "quote": self.verbatim}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Part:
        source = raw.get("source")
        role = str(raw["role"])
        return cls(role, str(raw["text"]), str(raw.get("sep", LINE)),  # type: ignore[arg-type]
                   Cited.from_json(source) if isinstance(source, dict) else None,
                   "" if role == "quote" else str(raw.get("quote") or ""))


def plain_text(parts: list[Part]) -> str:
    """The reply as plain text: the parts in order, each after its separator."""
    return "".join((p.sep if i else "") + p.text for i, p in enumerate(parts))


def lines(parts: list[Part]) -> list[list[Part]]:
    """The parts grouped into the lines they make in plain text (a part whose separator breaks the line
    starts a new one); what a channel lays out as its blocks."""
    out: list[list[Part]] = []
    for p in parts:
        if not out or "\n" in p.sep:
            out.append([p])
        else:
            out[-1].append(p)
    return out


@dataclass
class Reply:
    """What the engine answers; channels only render it."""

    parts: list[Part]
    answered: bool
    kind: ReplyKind
    sources: list[Source] = field(default_factory=list)
    cited: list[Source] = field(default_factory=list)
    eligibility: Eligibility | None = None  # the verdict of an eligibility reply, criterion by criterion
    confidence: float = 0.0
    latency_ms: float = 0.0
    generator: str = "extractive"  # "llm" when a language model wrote it and it passed the grounding check
    programme: str = ""  # the id of the programme round a rules reply was decided by

    @property
    def answer(self) -> str:
        """The reply as plain text (what JSONL, the CLI and the stored history hold)."""
        return plain_text(self.parts)

    @property
    def verbatim(self) -> list[str]:
        """The words of sources the reply repeats word for word (never rewritten, not even into Traditional)."""
        return [p.verbatim for p in self.parts if p.verbatim]

    def add(self, *parts: Part) -> None:
        self.parts.extend(parts)


def eligibility_json(e: Eligibility | None) -> dict[str, Any] | None:
    if e is None:
        return None
    return {"verdict": e.verdict,
            "criteria": [{"id": c.id, "status": c.status, "reason": c.reason} for c in e.criteria]}


def reply_json(req_id: str | None, reply: Reply) -> dict[str, Any]:
    """A reply as one JSON object: what the JSONL interface writes and the evaluation keeps."""
    return {
        "id": req_id,
        "answer": reply.answer,
        "parts": [p.to_json() for p in reply.parts],
        "answered": reply.answered,
        "sources": [{"doc_id": s.chunk.doc_id, "title": s.chunk.title, "published": s.chunk.published,
                     "heading": s.chunk.heading, "text": s.chunk.text, "score": s.score}
                    for s in reply.sources],
        "eligibility": eligibility_json(reply.eligibility),
        "latency_ms": reply.latency_ms,
        "generator": reply.generator,
    }
