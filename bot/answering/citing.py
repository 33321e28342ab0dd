"""How a reply names its sources: a document or a retrieved passage as a citation, and the 来源 list."""

from __future__ import annotations

from bot.answering.reply import NEXT_ITEM, SAME_LINE, Cited, Part
from bot.answering.templates import Templates
from bot.index.passages import Source
from bot.knowledge.documents import Document


def cite(doc: Document) -> Cited:
    return Cited(doc.id, doc.title, doc.publication, doc.published)


def cite_passage(source: Source, publication: str) -> Cited:
    """A retrieved passage's document, dated as the passage is."""
    return Cited(source.chunk.doc_id, source.chunk.title, publication, source.published)


def source_list(t: Templates, cited: list[Cited]) -> list[Part]:
    """"来源：〔1〕《…》，公益时报，2022年3月；〔2〕…" as a heading and one part per source."""
    return [Part("sources", t.render("sources_header")),
            *(Part("source", t.render("source_line", n=i, title=c.title, publication=c.publication, date=c.date),
                   SAME_LINE if i == 1 else NEXT_ITEM, c) for i, c in enumerate(cited, 1))]
