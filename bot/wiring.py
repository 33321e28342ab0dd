"""One place that turns settings into ready parts for every channel: index, engine, store.

`prepare_index` brings the index up to date with knowledge/ (the one-machine start; in production the
ingest job does it). `open_engine` only reads: the committed generation and the knowledge files it
was built from. `EngineHolder` keeps a channel's engine on the newest generation by itself.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from bot.answering.engine import Engine
from bot.answering.llm import LlmWriter
from bot.answering.templates import load_templates
from bot.index import snapshot
from bot.index.embeddings import ModelEmbeddings, make_embeddings
from bot.index.ingest import index_status, ingest, open_service
from bot.index.retrieval import LoadedIndex
from bot.index.storage import FIX_COMMAND, IndexModelMismatch, IndexStore, IndexUnavailable, Manifest
from bot.knowledge.catalog import check_knowledge
from bot.knowledge.service import Audit, Indexed, KnowledgeService, Progress, Reindexer
from bot.settings import Settings
from bot.state.store import Store
from bot.text.analyzer import TextAnalyzer

log = logging.getLogger(__name__)


def prepare_index(settings: Settings, embeddings: ModelEmbeddings, *, quiet: bool = True) -> None:
    """Ingest knowledge/ when the index is missing, stale or damaged (a damaged store is moved aside
    first). An index built with another embedding model is not touched: the error names the fix."""
    service, recovered = open_service(settings, recover=True)
    analyzer = TextAnalyzer(settings.knowledge_dir / "lexicon")
    try:
        status = "corrupt" if recovered else index_status(settings, analyzer, embeddings.model_id, service=service)
    except IndexUnavailable as exc:
        log.warning("%s; rebuilding", exc)
        status = "corrupt"
    if status == "model-mismatch":
        current = service.current()
        raise IndexModelMismatch(f"the index was built with {current.embedding_model if current else '?'} but the "
                                 f"settings ask for {embeddings.model_id}; run `{FIX_COMMAND}`")
    if status != "fresh":
        log.warning("index %s: ingesting knowledge/ into %s", status, settings.data_dir)
        report = ingest(settings, embeddings, analyzer, rebuild=status == "corrupt", quiet=quiet)
        log.warning("ingest: %s", report.summary())


def _knowledge_dir_for(settings: Settings, service: IndexStore, manifest: Manifest) -> Path:
    """knowledge/ itself when it is what the generation was built from, else the generation's copy."""
    if settings.knowledge_dir.is_dir() and \
            snapshot.fingerprint(snapshot.collect(settings.knowledge_dir)) == manifest.knowledge:
        return settings.knowledge_dir
    return snapshot.materialize(service.files(manifest.generation), settings.data_dir / "knowledge-copies",
                                manifest.generation)


def open_engine(settings: Settings, embeddings: ModelEmbeddings, service: IndexStore | None = None,
                manifest: Manifest | None = None) -> Engine:
    """An engine on the committed generation (or the one given). Builds nothing."""
    service = service or IndexStore(settings)
    manifest = manifest or service.current()
    if manifest is None:
        raise IndexUnavailable("no index yet; run `python -m bot ingest`")
    index = LoadedIndex.open(settings, embeddings, service, manifest)
    knowledge_dir = _knowledge_dir_for(settings, service, manifest)
    analyzer = TextAnalyzer(knowledge_dir / "lexicon")
    return Engine(settings, embeddings, analyzer, index, load_templates(settings.prompts_dir),
                  check_knowledge(knowledge_dir), llm=LlmWriter.from_settings(settings))


def build_engine(settings: Settings, *, embeddings: ModelEmbeddings | None = None, auto_ingest: bool = True,
                 quiet: bool = True) -> Engine:
    """Settings -> a ready engine. With `auto_ingest` (the one-machine start) the index is first brought
    up to date; without it the committed generation is used as it is."""
    embeddings = embeddings or make_embeddings(settings)
    if auto_ingest:
        prepare_index(settings, embeddings, quiet=quiet)
    try:
        return open_engine(settings, embeddings)
    except IndexModelMismatch:
        raise
    except IndexUnavailable as exc:
        if not auto_ingest:
            raise
        log.warning("%s; rebuilding", exc)
        ingest(settings, embeddings, TextAnalyzer(settings.knowledge_dir / "lexicon"), rebuild=True, quiet=quiet)
        return open_engine(settings, embeddings)


def open_store(settings: Settings) -> Store:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return Store(settings.database, settings.retention_days)


def reindexer(settings: Settings, embeddings: ModelEmbeddings | None = None,
              analyzer: TextAnalyzer | None = None) -> Reindexer:
    """Re-indexing for the knowledge service: an incremental ingest (the model is loaded on first use)."""
    loaded: list[tuple[ModelEmbeddings, TextAnalyzer]] = []

    def run(progress: Progress | None = None) -> Indexed:
        if not loaded:
            loaded.append((embeddings or make_embeddings(settings),
                           analyzer or TextAnalyzer(settings.knowledge_dir / "lexicon")))
        report = ingest(settings, *loaded[0], quiet=True, progress=progress)
        manifest = IndexStore(settings).current()
        return Indexed(report.summary(), {k: len(v.chunks) for k, v in manifest.docs.items()} if manifest else {})

    return run


def knowledge_service(settings: Settings, *, embeddings: ModelEmbeddings | None = None,
                      analyzer: TextAnalyzer | None = None, audit: Audit | None = None,
                      reindex: bool = True) -> KnowledgeService:
    """The knowledge-editing service every channel uses; `reindex` False only writes knowledge/."""
    return KnowledgeService(settings, reindex=reindexer(settings, embeddings, analyzer) if reindex else None,
                            audit=audit)


class EngineHolder:
    """The engine a channel answers with, kept on the newest generation by itself.

    A thread polls the knowledge service's pointer every `interval` seconds; when another generation
    is committed it builds an engine for it beside the current one and swaps them, so questions in
    flight finish on the old engine and the next ones use the new. Listeners hear of each swap.
    """

    def __init__(self, settings: Settings, engine: Engine, *, interval: float | None = None,
                 service: IndexStore | None = None) -> None:
        self.settings = settings
        self._engine = engine
        self.interval = settings.generation_poll_seconds if interval is None else interval
        self._service = service
        self._listeners: list[Callable[[Engine], None]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.failures = 0

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def generation(self) -> str:
        return self._engine.generation

    def subscribe(self, listener: Callable[[Engine], None]) -> None:
        self._listeners.append(listener)

    def adopt(self, engine: Engine) -> None:
        """Use an engine built elsewhere (e.g. right after this process's own re-index)."""
        with self._lock:
            self._engine = engine
        for listener in self._listeners:
            listener(engine)

    def refresh(self) -> bool:
        """Swap to the committed generation if it is not the one answering; True when swapped.
        Any failure leaves the current engine answering (and is logged)."""
        with self._lock:
            try:
                if self._service is None:
                    self._service = IndexStore(self.settings)
                name = self._service.current_name()
                if name is None or name == self.generation:
                    return False
                engine = open_engine(self.settings, self._engine.embeddings, self._service,
                                     self._service.manifest(name))
            except Exception as exc:
                self.failures += 1
                log.warning("could not open the new index generation (still answering from %s): %s",
                            self.generation, exc)
                self._service = None  # reconnect next time
                return False
            old = self.generation
            self._engine = engine
        log.warning("index generation %s -> %s", old, name)
        for listener in self._listeners:
            listener(engine)
        return True

    def start(self) -> EngineHolder:
        if self._thread is None and self.interval > 0:
            self._thread = threading.Thread(target=self._poll, name="generation-poll", daemon=True)
            self._thread.start()
        return self

    def _poll(self) -> None:
        while not self._stop.wait(self.interval):
            self.refresh()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
