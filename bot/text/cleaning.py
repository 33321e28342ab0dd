"""Cleaning of newspaper text: from raw page text to clean Markdown paragraphs.

`clean_raw` turns text copied from a printed page into Markdown; `clean_markdown` is the idempotent
part that ingest applies again to every knowledge file (each paragraph in bot/text/normalize.py's
stored form).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.text.normalize import is_cjk, normalize_text
from bot.text.sentences import ends_sentence

_MARKER = re.compile(r"^(#{1,6}|[-*>])\s+(.*)$")
PAGE_NUMBER = re.compile(r"^\d{1,3}$")
PAGE_HEADER = re.compile(r"责编[:：]|美编[:：]")
HEADER_DATE = re.compile(r"(20\d{2}|19\d{2})[.．/-](\d{1,2})[.．/-](\d{1,2})")
CONTINUED = re.compile(r"^[（(][上下][接转]\s*\d+\s*版[）)]$")
BYLINE = re.compile(r"^■?\s*本报记者\s*(.+)$")
AUTHOR_NOTE = re.compile(r"^[（(]([^（）()/]{1,12})/文[）)]$")
SOURCE_NOTE = re.compile(r"^[（(]((?:来源|据)[:：]?[^（）()]{1,60})[）)]$")
CAPTION_MARK = "\ufffd"


def join_lines(lines: list[str]) -> str:
    """Join the lines of one paragraph: no space between Chinese, one space between Latin words."""
    out = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if out and not (is_cjk(out[-1]) or is_cjk(line[0])):
            out += " "
        out += line
    return normalize_text(out)


@dataclass
class CleanResult:
    """Markdown body plus what the page furniture told about the article."""

    markdown: str
    authors: list[str] = field(default_factory=list)
    via: str | None = None
    header_date: str | None = None
    dropped: list[str] = field(default_factory=list)


def _blocks(text: str) -> list[list[str]]:
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in text.splitlines():
        if line.strip():
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _is_heading(text: str, n_lines: int) -> bool:
    if n_lines > 1 and "、" in text:  # a list split over narrow columns, not a heading
        return False
    return n_lines <= 3 and len(text) <= 32 and not re.search(r"[，。！？；：,]", text)


def clean_raw(text: str) -> CleanResult:
    """Clean text copied from a newspaper page into Markdown.

    Drops page numbers, page headers (keeping their date), continuation notes and bylines
    (keeping the names), photo captions after the source note or marked by a broken
    character; joins line wraps inside sentences, also across the blank lines that
    column breaks leave; marks short unpunctuated blocks as `##` headings.
    """
    result = CleanResult(markdown="")
    kept: list[list[str]] = []
    after_source = False
    for block in _blocks(text.replace("\r\n", "\n")):
        lines: list[str] = []
        caption = False
        for raw in block:
            line = normalize_text(raw) if CAPTION_MARK not in raw else ""
            if CAPTION_MARK in raw:
                caption = True
                result.dropped.append(normalize_text(raw))
                continue
            if PAGE_NUMBER.match(line) or CONTINUED.match(line):
                result.dropped.append(line)
                continue
            if PAGE_HEADER.search(line):
                m = HEADER_DATE.search(line)
                if m:
                    result.header_date = f"{int(m[1]):04d}-{int(m[2]):02d}-{int(m[3]):02d}"
                result.dropped.append(line)
                continue
            if m := BYLINE.match(line):
                result.authors.append(m[1].strip())
                continue
            if m := AUTHOR_NOTE.match(line):
                result.authors.append(m[1].strip())
                continue
            if m := SOURCE_NOTE.match(line):
                result.via = m[1].strip()
                after_source = True
                continue
            lines.append(line)
        if not lines:
            continue
        joined = join_lines(lines)
        if caption or (after_source and not ends_sentence(joined) and len(joined) <= 40):
            result.dropped.append(joined)
            continue
        kept.append(lines)

    paragraphs: list[str] = []
    pending = ""  # text of a paragraph cut by a column break, waiting for its continuation
    for lines in kept:
        joined = join_lines(lines)
        if pending:
            joined = join_lines([pending, joined])
            pending = ""
        elif _is_heading(joined, len(lines)):
            paragraphs.append("## " + joined)
            continue
        if ends_sentence(joined):
            paragraphs.append(joined)
        else:
            pending = joined
    if pending:
        paragraphs.append(pending)
    result.markdown = "\n\n".join(paragraphs) + "\n"
    return result


def clean_markdown(body: str) -> str:
    """Normalise a Markdown body already in the knowledge base (idempotent).

    Joins soft line wraps inside paragraphs and normalises each paragraph; headings,
    list items and blank-line paragraph breaks are kept.
    """
    out: list[str] = []
    for block in re.split(r"\n\s*\n", body.replace("\r\n", "\n")):
        lines = [ln for ln in block.splitlines() if ln.strip()]
        if not lines:
            continue
        if all(_MARKER.match(ln.strip()) for ln in lines):
            for ln in lines:
                m = _MARKER.match(ln.strip())
                assert m is not None
                out.append(f"{m[1]} {normalize_text(m[2])}")
        else:
            out.append(join_lines(lines))
    return "\n\n".join(out) + "\n"
