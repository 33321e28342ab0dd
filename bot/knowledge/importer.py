"""Turn a raw article (text copied from a newspaper page) into a knowledge file."""

from __future__ import annotations

import re
from typing import Any

from bot.knowledge.documents import parse_document, render_document
from bot.text.cleaning import clean_raw
from bot.text.dates import PubDate
from bot.text.normalize import squash_words

_SOURCE_LINE = re.compile(r"^\s*[（(]?\s*(?:来源|稿件来源|文章来源|出处)\s*[:：]\s*《?([^（）()《》\s]{2,30})》?"
                          r"\s*[）)]?\s*$")


def publication_in(raw_text: str) -> str | None:
    """The publisher a raw article names in a source line ("来源：北京日报"), if it has one."""
    for line in raw_text.splitlines():
        m = _SOURCE_LINE.match(line)
        if m:
            return m[1]
    return None


def without_headline(raw_text: str, title: str) -> str:
    """The raw text without its headline when it opens with the title (it is in the front matter):
    cleaning would otherwise join an unpunctuated headline to the first paragraph."""
    lines = raw_text.replace("\r\n", "\n").split("\n")
    want = squash_words(title)
    if not want:
        return raw_text
    seen = ""
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        seen += squash_words(line)
        if seen == want:
            return "\n".join(lines[i + 1:])
        if not want.startswith(seen) or i > 5:
            break
    return raw_text


def import_raw(
    raw_text: str,
    *,
    doc_id: str,
    title: str,
    published: str | None,
    publication: str,
    topics: list[str] | None = None,
    date_basis: str | None = None,
) -> tuple[str, list[str]]:
    """Return the knowledge-file text and the lines that cleaning dropped.

    The date comes from the argument or, failing that, from the page header; with
    neither, the import fails rather than invent one.
    """
    if not publication.strip():
        raise ValueError("没有发布单位：请用 --publication 写明出处（导入不会替你猜）")
    cleaned = clean_raw(raw_text)
    date = published or cleaned.header_date
    if not date:
        raise ValueError("没有发布日期：请用 --published 给出（版面页眉里也没有日期）")
    meta: dict[str, Any] = {
        "id": doc_id,
        "title": title,
        "publication": publication.strip(),
        "published": PubDate.parse(date).iso(),
    }
    if date_basis or (not published and cleaned.header_date):
        meta["date_basis"] = date_basis or f"版面页眉日期 {cleaned.header_date}"
    if cleaned.authors:
        meta["authors"] = cleaned.authors
    if cleaned.via:
        meta["via"] = cleaned.via
    meta["topics"] = topics or []
    text = render_document(meta, cleaned.markdown)
    parse_document(text, doc_id)  # the result must load
    return text, cleaned.dropped
