"""Channel-independent views of a Reply: plain text for the terminal, the cited passages for every channel."""

from __future__ import annotations

from collections.abc import Callable

from bot.answering.reply import Reply

MAX_PASSAGES = 3


def render_text(reply: Reply, show_sources: bool = False) -> str:
    lines = [reply.answer]
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
