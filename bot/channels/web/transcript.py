"""What the web chat shows: the conversation as entries, kept in the store per browser, and how a
Reply or a self-check step becomes an entry (the web channel's whole rendering of the engine's output)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from markupsafe import Markup

from bot.channels.conversation import Answered
from bot.channels.screening import Step
from bot.channels.web.markup import parts_from_json, reply_html
from bot.state.store import Store

MAX_ENTRIES = 40


@dataclass
class Entry:
    n: int
    role: Literal["user", "bot"]
    text: str
    iid: int | None = None  # the recorded interaction, for 👍/👎
    sources: list[dict[str, str]] = field(default_factory=list)  # title, published, text
    options: list[tuple[str, str]] = field(default_factory=list)  # self-check answers (label, text sent)
    vote: int = 0
    parts: list[dict[str, Any]] = field(default_factory=list)  # a reply's parts (Part.to_json), rendered as HTML

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Entry:
        return cls(int(raw["n"]), raw["role"], str(raw["text"]), raw.get("iid"), list(raw.get("sources") or []),
                   [(str(a), str(b)) for a, b in raw.get("options") or []], int(raw.get("vote") or 0),
                   list(raw.get("parts") or []))

    @property
    def body(self) -> Markup | None:
        """A reply's parts as HTML; None for an entry that is plain text (a question, a self-check step)."""
        return reply_html(parts_from_json(self.parts)) if self.parts else None


def reply_entry(n: int, answered: Answered) -> Entry:
    """An answer with the passages it cites (shown on tap) and feedback buttons."""
    return Entry(n, "bot", answered.reply.answer,
                 iid=answered.interaction_id if answered.reply.kind != "invalid" else None,
                 sources=answered.passages, parts=[p.to_json() for p in answered.reply.parts])


def step_entry(n: int, step: Step) -> Entry:
    """A self-check step: the question with its answers as buttons, or the verdict."""
    return Entry(n, "bot", step.text, options=step.options if step.active else [])


class Transcripts:
    """The entries of each browser's conversation (newest last, the oldest dropped past MAX_ENTRIES)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @staticmethod
    def _key(cid: str) -> str:
        return f"web:transcript:{cid}"

    def load(self, cid: str) -> tuple[int, list[Entry]]:
        raw = self.store.get_state(self._key(cid)) or {}
        return int(raw.get("next", 1)), [Entry.from_json(e) for e in raw.get("entries", [])]

    def _save(self, cid: str, next_n: int, entries: list[Entry]) -> None:
        self.store.set_state(self._key(cid), {"next": next_n, "entries": [asdict(e) for e in entries[-MAX_ENTRIES:]]})

    def next_number(self, cid: str) -> int:
        return self.load(cid)[0]

    def append(self, cid: str, *new: Entry) -> None:
        _, entries = self.load(cid)
        for e in entries:  # only the newest self-check question keeps its buttons
            e.options = []
        entries.extend(new)
        self._save(cid, max(e.n for e in entries) + 1, entries)

    def vote(self, cid: str, iid: int, value: int) -> Entry | None:
        """Mark an answer of this conversation as liked or not; None when it is not this conversation's."""
        next_n, entries = self.load(cid)
        for e in entries:
            if e.iid == iid:
                e.vote = value
                self._save(cid, next_n, entries)
                return e
        return None

    def clear(self, cid: str) -> None:
        self.store.drop_state(self._key(cid))
