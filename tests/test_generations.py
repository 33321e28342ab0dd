"""Index generations: built beside the committed one, switched atomically, picked up by readers by
themselves; a damaged store is moved aside and rebuilt; a read-only data directory says so in one line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bot.answering.reply import Question
from bot.index.embeddings import E5Embeddings
from bot.index.ingest import ingest
from bot.index.storage import IndexStore
from bot.settings import PROJECT_ROOT, Settings
from bot.text.analyzer import TextAnalyzer
from bot.wiring import EngineHolder, build_engine
from tests.helpers.articles import write_article

pytestmark = pytest.mark.slow
NEW_QUESTION = "月光村社工站为留守儿童开设了什么？"


def _analyzer(s: Settings) -> TextAnalyzer:
    return TextAnalyzer(s.knowledge_dir / "lexicon")


def _cli(settings: Settings, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BOT_KNOWLEDGE_DIR": str(settings.knowledge_dir), "BOT_DATA_DIR": str(settings.data_dir)}
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=PROJECT_ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def _answers_new(engine_holder: EngineHolder) -> bool:
    sources = engine_holder.engine.ask(Question(NEW_QUESTION)).sources
    return bool(sources) and sources[0].chunk.doc_id == "gamma"


def test_a_reader_picks_up_a_generation_another_process_committed(small_kb: Settings, e5: E5Embeddings) -> None:
    holder = EngineHolder(small_kb, build_engine(small_kb, embeddings=e5), interval=0.2).start()
    try:
        first = holder.generation
        write_article(small_kb.knowledge_dir, "gamma", "丙文", "2024-02", "月光村社工站开设了留守儿童托管班。")
        assert not _answers_new(holder)
        done = _cli(small_kb, "ingest", "--quiet")
        assert done.returncode == 0, done.stderr
        deadline = time.monotonic() + 10
        while holder.generation == first and time.monotonic() < deadline:
            time.sleep(0.05)
        assert holder.generation != first, "the reader did not notice the new generation within 10 s"
        assert _answers_new(holder)
    finally:
        holder.stop()


def test_rebuild_in_another_process_never_fails_a_reader(small_kb: Settings, e5: E5Embeddings) -> None:
    """`ingest --rebuild` used to delete the collections under every running reader."""
    holder = EngineHolder(small_kb, build_engine(small_kb, embeddings=e5), interval=0.2).start()
    first = holder.generation
    failures: list[str] = []
    answered = 0
    stop = threading.Event()

    def ask_all_the_time() -> None:
        nonlocal answered
        while not stop.is_set():
            try:
                reply = holder.engine.ask(Question("阳光社区社工站什么时候开展老年人健康讲座？"))
                if not (reply.answered and "每周三" in reply.answer):
                    failures.append(reply.answer)
                answered += 1
            except Exception as exc:
                failures.append(repr(exc))

    asker = threading.Thread(target=ask_all_the_time)
    asker.start()
    try:
        done = _cli(small_kb, "ingest", "--rebuild", "--quiet")
        assert done.returncode == 0, done.stderr
        deadline = time.monotonic() + 10
        while holder.generation == first and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
    finally:
        stop.set()
        asker.join()
        holder.stop()
    assert holder.generation != first
    assert answered > 0 and failures == []


def test_no_reader_sees_a_half_built_generation(small_kb: Settings, e5: E5Embeddings) -> None:
    holder = EngineHolder(small_kb, build_engine(small_kb, embeddings=e5), interval=0)
    first = holder.generation
    write_article(small_kb.knowledge_dir, "gamma", "丙文", "2024-02", "月光村社工站开设了留守儿童托管班。")
    seen: list[str | None] = []

    def before_commit() -> None:  # everything of the new generation is written; the pointer is not yet moved
        seen.append(IndexStore(small_kb).current_name())
        assert holder.refresh() is False
        assert not _answers_new(holder)

    report = ingest(small_kb, e5, _analyzer(small_kb), quiet=True, before_commit=before_commit)
    assert seen == [first]
    assert holder.refresh() is True and holder.generation == report.generation
    assert _answers_new(holder)


def test_an_faq_edit_reaches_readers_without_re_embedding(small_kb: Settings, e5: E5Embeddings) -> None:
    holder = EngineHolder(small_kb, build_engine(small_kb, embeddings=e5), interval=0)
    before = IndexStore(small_kb).current()
    assert before is not None
    (small_kb.knowledge_dir / "faq.yaml").write_text(
        "entries:\n- id: faq-lecture\n  questions: [健康讲座是星期几？]\n  answer: 每周三下午。\n"
        "  sources: [{doc: alpha}]\n", encoding="utf-8")
    report = ingest(small_kb, e5, _analyzer(small_kb), quiet=True)
    assert report.embedded_chunks == 0 and report.generation is not None
    after = IndexStore(small_kb).current()
    assert after is not None and after.vectors == before.vectors  # the same vectors, a new generation
    assert holder.refresh() is True
    assert [e.id for e in holder.engine.knowledge.faq] == ["faq-lecture"]


def _corrupt(data_dir: Path) -> None:
    path = data_dir / "chroma" / "chroma.sqlite3"
    raw = bytearray(path.read_bytes())
    raw[:4096] = os.urandom(4096)  # the header page: "file is not a database"
    path.write_bytes(bytes(raw))


def test_a_damaged_store_is_moved_aside_and_rebuilt_when_asking(small_kb: Settings, e5: E5Embeddings) -> None:
    ingest(small_kb, e5, _analyzer(small_kb), quiet=True)
    _corrupt(small_kb.data_dir)
    done = _cli(small_kb, "ask", "阳光社区社工站什么时候开展老年人健康讲座？")
    assert done.returncode == 0, done.stderr
    assert "每周三" in done.stdout
    assert "damaged" in done.stderr and "moved it to" in done.stderr and "Traceback" not in done.stderr
    assert list(small_kb.data_dir.glob("chroma.damaged-*"))


def test_a_damaged_store_is_rebuilt_by_ingest_rebuild(small_kb: Settings, e5: E5Embeddings) -> None:
    ingest(small_kb, e5, _analyzer(small_kb), quiet=True)
    _corrupt(small_kb.data_dir)
    done = _cli(small_kb, "ingest", "--rebuild", "--quiet")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "2 added" in done.stderr
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient.clear_system_cache()  # this process still holds the damaged file, now moved aside
    assert IndexStore(small_kb).current() is not None


def _read_only(path: Path) -> list[str]:
    """A command prefix that runs with `path` read-only: a read-only bind mount in a private mount
    namespace when root (root ignores file modes), else the directory's write bits removed."""
    if os.geteuid() == 0:
        if not shutil.which("unshare"):
            pytest.skip("needs unshare to make a read-only mount as root")
        return ["unshare", "-m", "sh", "-c",
                f'mount --bind "{path}" "{path}" && mount -o remount,bind,ro "{path}" && exec "$@"', "sh"]
    for p in [path, *path.rglob("*")]:
        p.chmod(p.stat().st_mode & ~0o222)
    return []


def test_a_read_only_data_dir_gives_a_one_line_message(small_kb: Settings, e5: E5Embeddings) -> None:
    ingest(small_kb, e5, _analyzer(small_kb), quiet=True)
    env = {**os.environ, "BOT_KNOWLEDGE_DIR": str(small_kb.knowledge_dir), "BOT_DATA_DIR": str(small_kb.data_dir)}
    prefix = _read_only(small_kb.data_dir)
    done = subprocess.run([*prefix, sys.executable, "-m", "bot", "ask", "阳光社区社工站有什么活动？"],
                          cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0 and "mount" in done.stderr and "bot" not in done.stderr:
        pytest.skip(f"could not make a read-only mount here: {done.stderr.strip()}")
    lines = done.stderr.strip().splitlines()
    assert done.returncode != 0 and len(lines) == 1, done.stderr
    assert lines[0].startswith("error:") and "cannot be written" in lines[0] and str(small_kb.data_dir) in lines[0]
