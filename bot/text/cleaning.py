"""Cleaning of newspaper text: from raw page text to clean Markdown paragraphs.

`clean_raw` turns text copied from a printed page into Markdown; `normalize_text` is the
idempotent part that ingest applies again to every knowledge file.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_PUNCT = "\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\u2014\u2018-\u201f\u2026\u00b7"
_SPACE_AROUND_CJK = re.compile(rf"(?<=[{CJK}{CJK_PUNCT}])[ \t\u00a0\u3000]+|[ \t\u00a0\u3000]+(?=[{CJK}{CJK_PUNCT}])")
_INVISIBLE = re.compile("[\ufffd\u200b\u200c\u200d\ufeff]")
_FW_DOT_IN_NUMBER = re.compile(r"(?<=\d)．(?=\d)")  # "２０22．3.29"; 。 ends sentences, even after a number
# Sentence-final punctuation, optionally followed by closing quotes or brackets.
_TERMINAL = re.compile(r"[。！？；…：:!?][”’」』）)]*$")

_MARKER = re.compile(r"^(#{1,6}|[-*>])\s+(.*)$")
PAGE_NUMBER = re.compile(r"^\d{1,3}$")
PAGE_HEADER = re.compile(r"责编[:：]|美编[:：]")
HEADER_DATE = re.compile(r"(20\d{2}|19\d{2})[.．/-](\d{1,2})[.．/-](\d{1,2})")
CONTINUED = re.compile(r"^[（(][上下][接转]\s*\d+\s*版[）)]$")
BYLINE = re.compile(r"^■?\s*本报记者\s*(.+)$")
AUTHOR_NOTE = re.compile(r"^[（(]([^（）()/]{1,12})/文[）)]$")
SOURCE_NOTE = re.compile(r"^[（(]((?:来源|据)[:：]?[^（）()]{1,60})[）)]$")
CAPTION_MARK = "\ufffd"


def _fullwidth_to_ascii(ch: str) -> str:
    code = ord(ch)
    if 0xFF10 <= code <= 0xFF19 or 0xFF21 <= code <= 0xFF3A or 0xFF41 <= code <= 0xFF5A:
        return chr(code - 0xFEE0)
    return ch


def normalize_text(text: str) -> str:
    """Full-width digits and letters to ASCII, no spaces around Chinese, no invisible characters.

    Idempotent: normalize_text(normalize_text(x)) == normalize_text(x).
    """
    text = unicodedata.normalize("NFC", text)
    text = "".join(_fullwidth_to_ascii(c) for c in text)
    text = _INVISIBLE.sub("", text)
    text = _SPACE_AROUND_CJK.sub("", text)
    text = _FW_DOT_IN_NUMBER.sub(".", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def is_cjk(ch: str) -> bool:
    return bool(re.match(rf"[{CJK}{CJK_PUNCT}]", ch))


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


def ends_sentence(text: str) -> bool:
    return bool(_TERMINAL.search(text.strip()))


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
