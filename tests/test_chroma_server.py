"""The index in a `chroma run` server on 127.0.0.1 instead of the embedded store (BOT_CHROMA_HOST)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.answering.reply import Question
from bot.index.embeddings import E5Embeddings
from bot.index.ingest import ingest
from bot.settings import Settings
from bot.text.analyzer import TextAnalyzer
from bot.wiring import build_engine

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[int]:
    exe = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    port = _free_port()
    proc = subprocess.Popen([exe, "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        else:
            pytest.fail("chroma run did not start within 30 s")
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_ingest_and_answer_through_a_chroma_server(small_kb: Settings, e5: E5Embeddings, chroma_server: int) -> None:
    settings = small_kb.model_copy(update={"chroma_host": "127.0.0.1", "chroma_port": chroma_server})
    report = ingest(settings, e5, TextAnalyzer(settings.knowledge_dir / "lexicon"), quiet=True)
    assert report.embedded_chunks == 2
    assert not (settings.data_dir / "chroma").exists()  # vectors live in the server, not on local disk
    engine = build_engine(settings, embeddings=e5, auto_ingest=False)
    reply = engine.ask(Question("星光街道的社会工作服务中心为青少年提供什么服务？"))
    assert reply.sources[0].chunk.doc_id == "beta"
