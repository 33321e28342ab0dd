"""One place that turns settings into ready parts for every channel: knowledge, index, engine, store.

The knowledge directory is read once per start; the index is brought up to date here (when the
caller allows it) and the engine only reads it.
"""

from __future__ import annotations

import logging

from bot.answering.engine import Engine
from bot.answering.llm import LlmWriter
from bot.answering.templates import load_templates
from bot.index.embeddings import ModelEmbeddings, make_embeddings
from bot.index.ingest import index_status, ingest
from bot.index.retrieval import LoadedIndex
from bot.index.storage import IndexUnavailable, Manifest
from bot.knowledge.catalog import Knowledge, check_knowledge
from bot.knowledge.service import Audit, Indexed, KnowledgeService, Progress, Reindexer
from bot.settings import Settings
from bot.state.store import Store
from bot.text.analyzer import TextAnalyzer

log = logging.getLogger(__name__)


def open_index(settings: Settings, embeddings: ModelEmbeddings, analyzer: TextAnalyzer, knowledge: Knowledge, *,
               auto_ingest: bool = True, quiet: bool = True) -> LoadedIndex:
    """The committed index, first built or updated from knowledge/ when it is missing or stale
    (with `auto_ingest`; otherwise IndexUnavailable says which command to run).

    An index built with another embedding model is not touched: IndexModelMismatch says which
    command rebuilds it.
    """
    try:
        status = index_status(settings, analyzer, embeddings.model_id, knowledge.docs)
    except IndexUnavailable as exc:
        log.warning("%s; rebuilding", exc)
        status = "corrupt"
    if status == "model-mismatch":
        LoadedIndex.open(settings, embeddings)  # raises with the fix command
    if status != "fresh":
        if not auto_ingest:
            raise IndexUnavailable(f"the index is {status}; run `python -m bot ingest`")
        log.warning("index %s: ingesting knowledge/ into %s", status, settings.data_dir)
        report = ingest(settings, embeddings, analyzer, rebuild=status == "corrupt", quiet=quiet)
        log.warning("ingest: %s", report.summary())
    try:
        return LoadedIndex.open(settings, embeddings)
    except IndexUnavailable as exc:
        if not auto_ingest or "was built with" in str(exc):
            raise
        log.warning("%s; rebuilding", exc)
        ingest(settings, embeddings, analyzer, rebuild=True, quiet=quiet)
        return LoadedIndex.open(settings, embeddings)


def build_engine(settings: Settings, *, embeddings: ModelEmbeddings | None = None, auto_ingest: bool = True,
                 quiet: bool = True) -> Engine:
    """Settings -> a ready engine: templates, lexicon, knowledge (read once), index, optional model."""
    templates = load_templates(settings.prompts_dir)
    analyzer = TextAnalyzer(settings.knowledge_dir / "lexicon")
    embeddings = embeddings or make_embeddings(settings)
    knowledge = check_knowledge(settings.knowledge_dir)
    index = open_index(settings, embeddings, analyzer, knowledge, auto_ingest=auto_ingest, quiet=quiet)
    return Engine(settings, embeddings, analyzer, index, templates, knowledge, llm=LlmWriter.from_settings(settings))


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
        manifest = Manifest.read(settings.data_dir)
        return Indexed(report.summary(), {k: len(v.chunks) for k, v in manifest.docs.items()} if manifest else {})

    return run


def knowledge_service(settings: Settings, *, embeddings: ModelEmbeddings | None = None,
                      analyzer: TextAnalyzer | None = None, audit: Audit | None = None,
                      reindex: bool = True) -> KnowledgeService:
    """The knowledge-editing service every channel uses; `reindex` False only writes knowledge/."""
    return KnowledgeService(settings, reindex=reindexer(settings, embeddings, analyzer) if reindex else None,
                            audit=audit)
