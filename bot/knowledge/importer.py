"""Turn a raw article (text copied from a newspaper page) into a knowledge file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.knowledge.documents import parse_document, render_document
from bot.text.cleaning import clean_raw
from bot.text.dates import PubDate


def import_raw(
    raw_text: str,
    *,
    doc_id: str,
    title: str,
    published: str | None,
    publication: str = "公益时报",
    topics: list[str] | None = None,
    date_basis: str | None = None,
) -> tuple[str, list[str]]:
    """Return the knowledge-file text and the lines that cleaning dropped.

    The date comes from the argument or, failing that, from the page header; with
    neither, the import fails rather than invent one.
    """
    cleaned = clean_raw(raw_text)
    date = published or cleaned.header_date
    if not date:
        raise ValueError("no published date: give --published (the page header carries none)")
    meta: dict[str, Any] = {
        "id": doc_id,
        "title": title,
        "publication": publication,
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


def write_import(target_dir: Path, text: str, doc_id: str, overwrite: bool = False) -> Path:
    target_dir.mkdir(parents=True, exist_ok=True)
    path = target_dir / f"{doc_id}.md"
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass --overwrite to replace it")
    path.write_text(text, encoding="utf-8")
    return path
