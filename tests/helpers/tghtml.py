"""Telegram's HTML parse mode as the Bot API applies it, for the Bot API stand-in: the text a user sees and
its entities (offsets in UTF-16 code units), or the "can't parse entities" error Telegram answers with.

Per https://core.telegram.org/bots/api#html-style: only the listed tags, no unescaped < or &, only the
named entities &lt; &gt; &amp; &quot; (numeric ones too), tags closed in order, block quotes not nested.
"""

from __future__ import annotations

import re
from typing import Any

_KINDS = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
          "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough", "tg-spoiler": "spoiler",
          "span": "spoiler", "a": "text_link", "code": "code", "pre": "pre", "blockquote": "blockquote",
          "tg-emoji": "custom_emoji"}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TOKEN = re.compile(r"<(/?)([a-zA-Z-]+)((?:\s[^<>]*)?)>|&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z]+);|([<&])")
MAX_TEXT = 4096


class EntityError(ValueError):
    """What Telegram says to malformed HTML (a 400 Bad Request)."""


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse(markup: str) -> tuple[str, list[dict[str, Any]]]:
    text: list[str] = []
    length = 0
    open_tags: list[tuple[str, int, str]] = []  # tag, offset, its attributes
    entities: list[dict[str, Any]] = []
    at = 0

    def add(piece: str) -> None:
        nonlocal length
        text.append(piece)
        length += _units(piece)

    for m in _TOKEN.finditer(markup):
        add(markup[at:m.start()])
        at = m.end()
        closing, tag, attrs, ref, bare = m.group(1), (m.group(2) or "").lower(), m.group(3) or "", m.group(4), m[5]
        if bare:
            raise EntityError(f"Bad Request: can't parse entities: unsupported start tag or unescaped "
                              f"{bare!r} at byte offset {len(markup[:m.start()].encode())}")
        if ref is not None:
            if ref.startswith("#"):
                add(chr(int(ref[2:], 16) if ref[1] in "xX" else int(ref[1:])))
            elif ref in _NAMED:
                add(_NAMED[ref])
            else:
                raise EntityError(f"Bad Request: can't parse entities: unsupported HTML entity &{ref};")
            continue
        if tag not in _KINDS:
            raise EntityError(f"Bad Request: can't parse entities: unsupported start tag \"{tag}\"")
        if not closing:
            if tag == "blockquote" and any(t == "blockquote" for t, _, _ in open_tags):
                raise EntityError("Bad Request: can't parse entities: nested blockquote entities are not allowed")
            open_tags.append((tag, length, attrs))
            continue
        if not open_tags or open_tags[-1][0] != tag:
            raise EntityError(f"Bad Request: can't parse entities: unmatched end tag \"{tag}\"")
        _, start, attrs = open_tags.pop()
        if length > start:
            kind = _KINDS[tag]
            if tag == "blockquote" and "expandable" in attrs:
                kind = "expandable_blockquote"
            entity: dict[str, Any] = {"type": kind, "offset": start, "length": length - start}
            if tag == "a":
                href = re.search(r'href="([^"]*)"', attrs)
                entity["url"] = href[1] if href else ""
            entities.append(entity)
    add(markup[at:])
    if open_tags:
        raise EntityError(f"Bad Request: can't parse entities: can't find end tag corresponding to start tag "
                          f"\"{open_tags[-1][0]}\"")
    plain = "".join(text)
    if not plain.strip():
        raise EntityError("Bad Request: message text is empty")
    if len(plain) > MAX_TEXT:
        raise EntityError("Bad Request: message is too long")
    return plain, sorted(entities, key=lambda e: (e["offset"], -e["length"]))


def entity_text(message: dict[str, Any], kind: str) -> list[str]:
    """The pieces of a message's text that entities of one kind cover."""
    raw = message.get("text", "").encode("utf-16-le")
    return [raw[2 * e["offset"]:2 * (e["offset"] + e["length"])].decode("utf-16-le")
            for e in message.get("entities", []) if e["type"] == kind]
