"""Split clean Markdown into chunks of a few hundred characters, on sentence boundaries."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

from bot.index.passages import Chunk
from bot.knowledge.documents import Document
from bot.text.sentences import sentences

CHUNK_TARGET = 220
CHUNK_MAX = 400


def sections(body: str) -> Iterator[tuple[str, list[str]]]:
    """(heading, paragraphs) for each `##` section; text before the first heading has ''."""
    heading, paragraphs = "", list[str]()
    for block in re.split(r"\n\s*\n", body):
        block = block.strip()
        if not block:
            continue
        if block.startswith("#"):
            if paragraphs:
                yield heading, paragraphs
            heading, paragraphs = block.lstrip("#").strip(), []
        else:
            paragraphs.append(block)
    if paragraphs:
        yield heading, paragraphs


def _chunk_id(doc_id: str, ordinal: int, text: str) -> str:
    return f"{doc_id}#{ordinal:03d}-{hashlib.sha1(text.encode()).hexdigest()[:8]}"


def split_document(doc: Document, target: int = CHUNK_TARGET, limit: int = CHUNK_MAX) -> list[Chunk]:
    """Chunks that never cross a section and end on a sentence boundary.

    Sentences accumulate until the chunk reaches `target` characters; a paragraph end
    closes a chunk that has half the target; a chunk grows past `limit` only when one
    sentence alone is longer.
    """
    chunks: list[Chunk] = []

    def emit(heading: str, sents: list[str]) -> None:
        text = "".join(sents)
        ordinal = len(chunks)
        chunks.append(Chunk(
            id=_chunk_id(doc.id, ordinal, text), doc_id=doc.id, title=doc.title,
            published=doc.published.iso(), heading=heading, text=text, ordinal=ordinal,
            sentences=tuple(sents),
        ))

    for heading, paragraphs in sections(doc.body):
        current: list[str] = []
        size = 0
        for paragraph in paragraphs:
            for sentence in sentences(paragraph):
                if current and size + len(sentence) > limit:
                    emit(heading, current)
                    current, size = [], 0
                current.append(sentence)
                size += len(sentence)
                if size >= target:
                    emit(heading, current)
                    current, size = [], 0
            if size >= target // 2:
                emit(heading, current)
                current, size = [], 0
        if current:
            emit(heading, current)
    return chunks
