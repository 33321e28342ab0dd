"""Plain-text rendering of a Reply for the terminal (the CLI and the chat)."""

from __future__ import annotations

from bot.answering.reply import Reply


def render_text(reply: Reply, show_sources: bool = False) -> str:
    lines = [reply.answer]
    if show_sources and reply.sources:
        lines.append("")
        lines.append("检索到的段落：")
        for i, src in enumerate(reply.sources[:5], 1):
            lines.append(f"  [{i}] {src.chunk.title}（{src.published.zh()}）{src.chunk.text[:60]}…")
    return "\n".join(lines)
