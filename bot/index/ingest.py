"""Ingest: knowledge files -> clean -> chunks -> vectors and keyword tokens, as a new index generation.

The new generation is built beside the committed one (only new or changed documents are embedded;
the others' vectors are copied) and committed by one atomic pointer switch; then generations no
reader needs any more are dropped. One ingest runs at a time.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tqdm import tqdm

from bot.index import snapshot, vocabulary
from bot.index.chunking import split_document
from bot.index.embeddings import ModelEmbeddings
from bot.index.locks import ingest_lock, shared_ingest_lock
from bot.index.passages import Chunk
from bot.index.storage import (
    FIX_COMMAND,
    DocEntry,
    IndexCorrupt,
    IndexModelMismatch,
    IndexStore,
    IndexUnavailable,
    Manifest,
    move_aside,
    new_generation_name,
    remove_legacy_files,
    sentence_id,
)
from bot.knowledge.catalog import check_knowledge
from bot.knowledge.documents import Document, load_documents
from bot.settings import Settings
from bot.text.analyzer import TextAnalyzer

log = logging.getLogger(__name__)
Status = str  # "missing" | "stale" | "fresh" | "model-mismatch"


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    chunks: int = 0
    embedded_chunks: int = 0
    embedded_words: int = 0  # words of the vocabulary embedded (the others' vectors were copied)
    seconds: float = 0.0
    generation: str | None = None  # the generation committed, None when nothing changed
    recovered: str | None = None  # where a damaged store was moved before rebuilding

    def summary(self) -> str:
        return (f"{len(self.added)} added, {len(self.updated)} updated, {len(self.removed)} removed, "
                f"{len(self.unchanged)} unchanged; {self.chunks} chunks, {self.embedded_chunks} embedded; "
                f"{self.embedded_words} new words; "
                f"{self.seconds:.1f} s")


def embedding_input(chunk: Chunk) -> str:
    """What the dense index sees: title and section give a chunk its context."""
    return f"{chunk.title}｜{chunk.heading}\n{chunk.text}" if chunk.heading else f"{chunk.title}\n{chunk.text}"


def keyword_input(chunk: Chunk) -> str:
    return f"{chunk.heading} {chunk.text}"


def open_service(settings: Settings, *, recover: bool = False) -> tuple[IndexStore, str | None]:
    """The knowledge service; with `recover`, a damaged embedded store is moved aside first (its new
    place is returned, and logged) so that the caller rebuilds from knowledge/."""
    try:
        return IndexStore(settings), None
    except IndexCorrupt as exc:
        if not recover or settings.chroma_host:
            raise IndexCorrupt(f"{exc}; run `{FIX_COMMAND}`") from exc
        moved = move_aside(settings)
        log.warning("%s: moved it to %s and rebuilding the index from %s", exc, moved, settings.knowledge_dir)
        return IndexStore(settings), str(moved)


def index_status(settings: Settings, analyzer: TextAnalyzer, model_id: str | None = None,
                 docs: list[Document] | None = None, service: IndexStore | None = None) -> Status:
    """Compare the committed generation with knowledge/ without loading any model."""
    service = service or IndexStore(settings)
    manifest = service.current()
    if manifest is None:
        return "missing"
    if model_id and manifest.embedding_model != model_id:
        return "model-mismatch"
    if snapshot.fingerprint(snapshot.collect(settings.knowledge_dir)) != manifest.knowledge \
            or manifest.lexicon != analyzer.fingerprint or manifest.words < 0:
        return "stale"  # changed knowledge or lexicon, or built before the vocabulary was kept
    return "fresh"


def _progress(total: int, quiet: bool) -> tqdm:
    return tqdm(total=total, unit="chunk", desc="ingest", file=sys.stderr,
                disable=quiet or not sys.stderr.isatty())


def ingest(
    settings: Settings,
    embeddings: ModelEmbeddings,
    analyzer: TextAnalyzer,
    *,
    rebuild: bool = False,
    quiet: bool = False,
    before_commit: Callable[[], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> IngestReport:
    """Bring the index in line with knowledge/; only new or changed documents are embedded.

    A different embedding model than the index was built with is refused unless `rebuild` is set:
    vectors of two models are never mixed. A damaged embedded store is moved aside and rebuilt.
    """
    with ingest_lock(settings.data_dir), shared_ingest_lock(settings):
        service, recovered = open_service(settings, recover=True)
        report = _ingest(settings, service, embeddings, analyzer, rebuild=rebuild or recovered is not None,
                         quiet=quiet, before_commit=before_commit, progress=progress)
        report.recovered = recovered
        return report


def _chunk_record(chunk: Chunk, tokens: list[str]) -> dict[str, Any]:
    return {"doc_id": chunk.doc_id, "title": chunk.title, "published": chunk.published, "heading": chunk.heading,
            "ordinal": chunk.ordinal, "sentences": json.dumps(list(chunk.sentences), ensure_ascii=False),
            "tokens": json.dumps(tokens, ensure_ascii=False)}


def _copy(old: Any, new: Any, ids: list[str], records: list[dict[str, Any]] | None, texts: list[str]) -> bool:
    """Copy vectors of unchanged passages into the new generation; False if any is missing."""
    if not ids:
        return True
    got = old.get(ids=ids, include=["embeddings"])
    by_id = dict(zip(got["ids"], got["embeddings"], strict=True))
    if any(i not in by_id for i in ids):
        return False
    new.add(ids=ids, embeddings=[list(map(float, by_id[i])) for i in ids], documents=texts, metadatas=records)
    return True


def _ingest(settings: Settings, service: IndexStore, embeddings: ModelEmbeddings, analyzer: TextAnalyzer, *,
            rebuild: bool, quiet: bool, before_commit: Callable[[], None] | None,
            progress: Callable[[int, int], None] | None) -> IngestReport:
    started = time.monotonic()
    docs = load_documents(settings.knowledge_dir)
    check_knowledge(settings.knowledge_dir, docs)  # every programme, station and FAQ quote still in its article
    files = snapshot.collect(settings.knowledge_dir)
    try:
        current = service.current()
    except IndexUnavailable:
        if not rebuild:
            raise
        current = None  # a rebuild needs nothing of the committed generation
    if current and current.embedding_model != embeddings.model_id and not rebuild:
        raise IndexModelMismatch(
            f"the index was built with {current.embedding_model}, the settings ask for "
            f"{embeddings.model_id}; run `{FIX_COMMAND}` to re-embed everything with the new model"
        )
    base = None if rebuild else current

    report = IngestReport()
    old = base.docs if base else {}
    chunks_by_doc: dict[str, list[Chunk]] = {d.id: split_document(d) for d in docs}
    for doc in docs:
        entry = old.get(doc.id)
        if entry and entry.hash == doc.content_hash:
            report.unchanged.append(doc.id)
        else:
            (report.updated if entry else report.added).append(doc.id)
    report.removed = sorted(set(old) - {d.id for d in docs})
    all_chunks = [c for d in docs for c in chunks_by_doc[d.id]]
    report.chunks = len(all_chunks)
    knowledge = snapshot.fingerprint(files)
    vectors_change = base is None or bool(report.added or report.updated or report.removed) \
        or base.lexicon != analyzer.fingerprint
    if not vectors_change and base is not None and base.knowledge == knowledge and base.words >= 0:
        report.seconds = time.monotonic() - started
        return report  # nothing to do: the committed generation is current

    generation = new_generation_name()
    manifest = Manifest(
        embedding_model=embeddings.model_id, dim=embeddings.dim, lexicon=analyzer.fingerprint, knowledge=knowledge,
        generation=generation, vectors=base.vectors if base and not vectors_change else generation,
        docs={d.id: DocEntry(d.content_hash, d.title, d.published.iso(), [c.id for c in chunks_by_doc[d.id]])
              for d in docs},
        chunks=len(all_chunks), sentences=sum(len(c.sentences) for c in all_chunks))
    if vectors_change:
        _build_vectors(service, base, manifest, docs, chunks_by_doc, embeddings, analyzer, report, quiet, progress)
    _build_vocabulary(service, base, manifest, all_chunks, embeddings, analyzer, report)
    service.write_files(generation, files)
    if before_commit:
        before_commit()
    service.commit(manifest)
    report.generation = generation
    dropped = service.prune()
    if dropped:
        log.info("dropped superseded generations: %s", ", ".join(dropped))
    if not settings.chroma_host:
        remove_legacy_files(settings.data_dir)
    report.seconds = time.monotonic() - started
    return report


def _build_vocabulary(service: IndexStore, base: Manifest | None, manifest: Manifest, chunks: list[Chunk],
                      embeddings: ModelEmbeddings, analyzer: TextAnalyzer, report: IngestReport) -> None:
    """The new generation's vocabulary; the words the previous generation held keep their vectors."""
    words = vocabulary.vocabulary(analyzer, chunks)
    previous = None
    if base is not None and base.words > 0:
        with contextlib.suppress(IndexUnavailable):  # gone: every word is embedded again
            previous = service.vocabulary(base.generation)
    collection = service.vocabulary(manifest.generation, embeddings.model_id, create=True)
    report.embedded_words = vocabulary.build(collection, words, embeddings, previous)
    if collection.count() != len(words):
        raise IndexUnavailable(f"the vocabulary of generation {manifest.generation} is incomplete "
                               f"({collection.count()} of {len(words)} words); the previous one keeps answering")
    manifest.words = len(words)


def _build_vectors(service: IndexStore, base: Manifest | None, manifest: Manifest, docs: list[Document],
                   chunks_by_doc: dict[str, list[Chunk]], embeddings: ModelEmbeddings, analyzer: TextAnalyzer,
                   report: IngestReport, quiet: bool, progress: Callable[[int, int], None] | None) -> None:
    """The new generation's collections: unchanged documents copied, the rest embedded."""
    chunk_col, sent_col = service.collections(manifest.generation, embeddings.model_id, create=True)
    old_cols = None
    if base is not None:
        with contextlib.suppress(IndexUnavailable):  # vectors gone: everything is embedded again
            old_cols = service.collections(base.vectors)
    todo: list[Document] = []
    records_by_doc = {d.id: [_chunk_record(c, analyzer.tokens(keyword_input(c))) for c in chunks_by_doc[d.id]]
                      for d in docs}
    for doc in docs:
        chunks = chunks_by_doc[doc.id]
        records = records_by_doc[doc.id]
        sent_ids = [sentence_id(c.id, k) for c in chunks for k in range(len(c.sentences))]
        sent_texts = [s for c in chunks for s in c.sentences]
        if doc.id in report.unchanged and old_cols is not None \
                and _copy(old_cols[0], chunk_col, [c.id for c in chunks], records, [c.text for c in chunks]) \
                and _copy(old_cols[1], sent_col, sent_ids, [{"doc_id": doc.id}] * len(sent_ids), sent_texts):
            continue
        todo.append(doc)
    total = sum(len(chunks_by_doc[d.id]) for d in todo)
    if progress:
        progress(0, total)
    with _progress(total, quiet) as bar:
        for doc in todo:
            chunks = chunks_by_doc[doc.id]
            log.info("embedding %s: %d chunks", doc.id, len(chunks))
            vectors = embeddings.embed_documents_array([embedding_input(c) for c in chunks])
            chunk_col.upsert(ids=[c.id for c in chunks], embeddings=vectors.tolist(),
                             documents=[c.text for c in chunks],
                             metadatas=records_by_doc[doc.id])
            sent_ids = [sentence_id(c.id, k) for c in chunks for k in range(len(c.sentences))]
            sent_texts = [s for c in chunks for s in c.sentences]
            if sent_ids:
                sent_col.upsert(ids=sent_ids, embeddings=embeddings.embed_documents_array(sent_texts).tolist(),
                                documents=sent_texts, metadatas=[{"doc_id": doc.id}] * len(sent_ids))
            report.embedded_chunks += len(chunks)
            bar.update(len(chunks))
            if progress:
                progress(report.embedded_chunks, total)
    if chunk_col.count() != manifest.chunks or sent_col.count() != manifest.sentences:
        raise IndexUnavailable(f"generation {manifest.generation} is incomplete ({chunk_col.count()} of "
                               f"{manifest.chunks} passages); the previous one keeps answering")
