"""Passages: the chunks a document is cut into, and a chunk as retrieved for a question."""

from __future__ import annotations

from dataclasses import dataclass

from bot.text.dates import PubDate


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

    @property
    def with_subject(self) -> str:
        """What the passage says, with the title and heading that name its subject."""
        return f"{self.title} {self.heading} {self.text}"


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


def led_by(lead: list[Source], sources: list[Source]) -> list[Source]:
    """The passages of `lead` first (those an answer quotes), then the others, each passage once (as it came
    first)."""
    out: dict[str, Source] = {}
    for s in [*lead, *sources]:
        out.setdefault(s.chunk.id, s)
    return list(out.values())
