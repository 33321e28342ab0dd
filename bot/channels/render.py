"""Channel-independent views of a Reply: plain text for the terminal, the words of a part that show its
source (for channels that format them), the cited passages for every channel."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from bot.answering.reply import Part, Reply, plain_text

MAX_PASSAGES = 3


SpanKind = Literal["text", "quote", "title", "date"]
_NAMES_SOURCE = ("lead", "source")  # roles whose text names their source and its date


def spans(part: Part) -> list[tuple[SpanKind, str]]:
    """A part's text cut where it shows its source: the words quoted verbatim, the source's 《title》 and,
    where the part names its source, the date. The pieces put together are the part's text."""
    if part.role == "quote":
        return [("quote", part.text)]
    text = part.text
    marks: list[tuple[int, int, SpanKind]] = []

    def mark(word: str, kind: SpanKind, start: int = 0) -> None:
        at = text.find(word, start) if word else -1
        while at >= 0:
            if not any(a < at + len(word) and at < b for a, b, _ in marks):
                marks.append((at, at + len(word), kind))
                return
            at = text.find(word, at + 1)

    quoted = text.find(f"“{part.quote}”") if part.quote else -1  # where the part quotes it, not a label like it
    mark(part.quote, "quote", quoted + 1 if quoted >= 0 else 0)
    if part.source is not None:
        mark(f"《{part.source.title}》", "title")
        if part.role in _NAMES_SOURCE:
            mark(part.source.date, "date")
    out: list[tuple[SpanKind, str]] = []
    at = 0
    for start, end, kind in sorted(marks):
        out += [("text", text[at:start])] if start > at else []
        out.append((kind, text[start:end]))
        at = end
    return out + ([("text", text[at:])] if at < len(text) else [])


def render_text(reply: Reply, show_sources: bool = False) -> str:
    """The terminal's rendering: the parts as plain text, with the retrieved passages on request."""
    lines = [plain_text(reply.parts)]
    if show_sources and reply.sources:
        lines.append("")
        lines.append("检索到的段落：")
        for i, src in enumerate(reply.sources[:5], 1):
            lines.append(f"  [{i}] {src.chunk.title}（{src.published.zh()}）{src.chunk.text[:60]}…")
    return "\n".join(lines)


def cited_passages(reply: Reply) -> list[dict[str, str]]:
    """The passages a reply rests on (at most three), as stored with the interaction and shown on request."""
    if not reply.answered:
        return []
    sources = reply.cited or reply.sources[:2]
    return [{"title": s.chunk.title, "published": s.published.zh(), "text": s.chunk.text}
            for s in sources[:MAX_PASSAGES]]


def split_parts(text: str, limit: int, size: Callable[[str], int] = len) -> list[str]:
    """Parts of at most `limit` by `size` (characters, escaped length, bytes), cut at line ends where possible."""
    parts: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        while size(line) > limit:  # one very long line: cut it
            cut = limit
            while size(line[:cut]) > limit:
                cut -= max(1, cut // 10)
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:cut])
            line = line[cut:]
        if size(current + line) > limit:
            parts.append(current)
            current = ""
        current += line
    if current or not parts:
        parts.append(current)
    return [p.rstrip("\n") for p in parts]
