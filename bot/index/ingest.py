"""Ingest: knowledge files -> clean -> chunks -> vectors and keyword index, incrementally."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from bot.index.chunking import split_document
from bot.index.embeddings import ModelEmbeddings
from bot.index.passages import Chunk
from bot.index.storage import (
    FIX_COMMAND,
    DocEntry,
    IndexModelMismatch,
    IndexUnavailable,
    Manifest,
    chroma_client,
    collections,
    remove_old_generations,
    sentence_id,
    write_generation,
)
from bot.knowledge.catalog import check_knowledge
from bot.knowledge.documents import Document, load_documents
from bot.settings import Settings
from bot.text.analyzer import TextAnalyzer

log = logging.getLogger(__name__)
LOCK_WAIT_SECONDS = 300
Status = str  # "missing" | "stale" | "fresh" | "model-mismatch"


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    chunks: int = 0
    embedded_chunks: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        return (f"{len(self.added)} added, {len(self.updated)} updated, {len(self.removed)} removed, "
                f"{len(self.unchanged)} unchanged; {self.chunks} chunks, {self.embedded_chunks} embedded; "
                f"{self.seconds:.1f} s")


def embedding_input(chunk: Chunk) -> str:
    """What the dense index sees: title and section give a chunk its context."""
    return f"{chunk.title}｜{chunk.heading}\n{chunk.text}" if chunk.heading else f"{chunk.title}\n{chunk.text}"


def keyword_input(chunk: Chunk) -> str:
    return f"{chunk.heading} {chunk.text}"


def index_status(settings: Settings, analyzer: TextAnalyzer, model_id: str | None = None,
                 docs: list[Document] | None = None) -> Status:
    """Compare the manifest with knowledge/ (or the documents already read from it) without loading any model."""
    manifest = Manifest.read(settings.data_dir)
    if manifest is None or not (settings.data_dir / manifest.generation).exists():
        return "missing"
    if model_id and manifest.embedding_model != model_id:
        return "model-mismatch"
    docs = load_documents(settings.knowledge_dir) if docs is None else docs
    current = {d.id: d.content_hash for d in docs}
    recorded = {k: v.hash for k, v in manifest.docs.items()}
    if current != recorded or manifest.lexicon != analyzer.fingerprint:
        return "stale"
    return "fresh"


def _progress(total: int, quiet: bool) -> tqdm:
    return tqdm(total=total, unit="chunk", desc="ingest", file=sys.stderr,
                disable=quiet or not sys.stderr.isatty())


@contextlib.contextmanager
def ingest_lock(data_dir: Path, wait: float = LOCK_WAIT_SECONDS) -> Iterator[None]:
    """One ingest at a time per index (CLI, web admin and bot may all start one).

    An flock: a process killed mid-ingest releases it with its file descriptors.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / "ingest.lock", "w") as handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise IndexUnavailable(f"another ingest into {data_dir} is still running") from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


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

    A different embedding model than the index was built with is refused unless
    `rebuild` is set: vectors of two models are never mixed.
    """
    with ingest_lock(settings.data_dir):
        return _ingest(settings, embeddings, analyzer, rebuild=rebuild, quiet=quiet, before_commit=before_commit,
                       progress=progress)


def _ingest(settings: Settings, embeddings: ModelEmbeddings, analyzer: TextAnalyzer, *, rebuild: bool,
            quiet: bool, before_commit: Callable[[], None] | None,
            progress: Callable[[int, int], None] | None) -> IngestReport:
    started = time.monotonic()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    docs = load_documents(settings.knowledge_dir)
    check_knowledge(settings.knowledge_dir, docs)  # every programme, station and FAQ quote still in its article
    manifest = None if rebuild else Manifest.read(settings.data_dir)  # a rebuild needs no old manifest
    client = chroma_client(settings)
    if manifest and manifest.embedding_model != embeddings.model_id and not rebuild:
        raise IndexModelMismatch(
            f"the index was built with {manifest.embedding_model}, the settings ask for "
            f"{embeddings.model_id}; run `{FIX_COMMAND}` to re-embed everything with the new model"
        )
    if rebuild:
        for name in ("_chunks", "_sentences"):
            with contextlib.suppress(Exception):  # a collection that does not exist yet
                client.delete_collection(settings.chroma_collection + name)
        manifest = None
    chunk_col, sent_col = collections(client, settings, embeddings.model_id)

    report = IngestReport()
    old = manifest.docs if manifest else {}
    chunks_by_doc: dict[str, list[Chunk]] = {d.id: split_document(d) for d in docs}
    todo: list[Document] = []
    for doc in docs:
        entry = old.get(doc.id)
        if entry and entry.hash == doc.content_hash:
            report.unchanged.append(doc.id)
        else:
            (report.updated if entry else report.added).append(doc.id)
            todo.append(doc)
    report.removed = sorted(set(old) - {d.id for d in docs})

    total = sum(len(chunks_by_doc[d.id]) for d in todo)
    if progress:
        progress(0, total)
    with _progress(total, quiet) as bar:
        for doc in todo:
            chunks = chunks_by_doc[doc.id]
            log.info("embedding %s: %d chunks", doc.id, len(chunks))
            vectors = embeddings.embed_documents_array([embedding_input(c) for c in chunks])
            chunk_col.upsert(
                ids=[c.id for c in chunks], embeddings=vectors.tolist(), documents=[c.text for c in chunks],
                metadatas=[{"doc_id": c.doc_id, "published": c.published, "heading": c.heading,
                            "ordinal": c.ordinal} for c in chunks],
            )
            sent_ids = [sentence_id(c.id, k) for c in chunks for k in range(len(c.sentences))]
            sent_texts = [s for c in chunks for s in c.sentences]
            sent_vectors = embeddings.embed_documents_array(sent_texts)
            sent_col.upsert(ids=sent_ids, embeddings=sent_vectors.tolist(), documents=sent_texts,
                            metadatas=[{"doc_id": doc.id}] * len(sent_ids))
            report.embedded_chunks += len(chunks)
            bar.update(len(chunks))
            if progress:
                progress(report.embedded_chunks, total)

    all_chunks = [c for d in docs for c in chunks_by_doc[d.id]]
    report.chunks = len(all_chunks)
    changed = bool(todo or report.removed or manifest is None or manifest.lexicon != analyzer.fingerprint)
    if changed:
        generation = f"gen-{uuid.uuid4().hex[:10]}"
        write_generation(settings.data_dir, generation,
                         all_chunks, [analyzer.tokens(keyword_input(c)) for c in all_chunks])
        if before_commit:
            before_commit()
        Manifest(
            embedding_model=embeddings.model_id, dim=embeddings.dim, lexicon=analyzer.fingerprint,
            generation=generation,
            docs={d.id: DocEntry(d.content_hash, d.title, d.published.iso(),
                                 [c.id for c in chunks_by_doc[d.id]]) for d in docs},
        ).write(settings.data_dir)
        remove_old_generations(settings.data_dir, generation)
    _drop_stale_vectors(chunk_col, sent_col, all_chunks)
    report.seconds = time.monotonic() - started
    return report


def _drop_stale_vectors(chunk_col: object, sent_col: object, chunks: list[Chunk]) -> None:
    """Delete vectors no committed chunk uses (removed documents, earlier versions, crashes)."""
    live_chunks = {c.id for c in chunks}
    live_sents = {sentence_id(c.id, k) for c in chunks for k in range(len(c.sentences))}
    for col, live in ((chunk_col, live_chunks), (sent_col, live_sents)):
        stored = set(col.get(include=[])["ids"])  # type: ignore[attr-defined]
        stale = sorted(stored - live)
        for i in range(0, len(stale), 500):
            col.delete(ids=stale[i:i + 500])  # type: ignore[attr-defined]
