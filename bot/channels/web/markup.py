"""The web chat's HTML for a reply's parts: a block per line, a verbatim quote as a block quote, each source
as its own element with its title (<cite>) and date (<time>), the verdict in bold."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from bot.answering.reply import PARAGRAPH, Part, lines
from bot.channels.render import SpanKind, spans


def _span(kind: SpanKind, text: str, part: Part) -> Markup:
    words = escape(text)
    if kind == "title":
        return Markup("<cite>{}</cite>").format(words)
    if kind == "date" and part.source is not None:
        return Markup('<time datetime="{}">{}</time>').format(part.source.published.iso(), words)
    if kind == "quote" and part.role != "quote":
        return Markup('<span class="verbatim">{}</span>').format(words)
    return words


def part_html(part: Part, starts_line: bool = False) -> Markup:
    inner = Markup("").join(_span(kind, text, part) for kind, text in spans(part))
    if part.role == "quote":
        return Markup('<blockquote class="quote">{}</blockquote>').format(inner)
    sep = "" if starts_line else escape(part.sep)  # within a line: "；" between sources
    if part.role == "verdict":
        return Markup('{}<strong class="verdict">{}</strong>').format(sep, inner)
    return Markup('{}<span class="part-{}">{}</span>').format(sep, part.role, inner)


def reply_html(parts: list[Part]) -> Markup:
    """The parts as the body of an answer: one block per line of the plain text."""
    blocks = []
    for i, line in enumerate(lines(parts)):
        gap = " gap" if i and line[0].sep == PARAGRAPH else ""
        inner = Markup("").join(part_html(p, starts_line=not j) for j, p in enumerate(line))
        blocks.append(Markup('<div class="line{}">{}</div>').format(gap, inner))
    return Markup("").join(blocks)


def parts_from_json(raw: list[Any]) -> list[Part]:
    return [Part.from_json(p) for p in raw if isinstance(p, dict)]
