"""Shared fixtures: a real index of the real articles, built once per session in a temp dir (tests copy it)."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.answering.engine import Engine
from bot.index.embeddings import E5Embeddings
from bot.settings import PROJECT_ROOT, Settings
from bot.wiring import build_engine
from tests.helpers.botapi import FakeBotAPI
from tests.helpers.postgres import PostgresServer

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

# What makes a test slow, judged from what it uses: the e5 model, the session's built index, PostgreSQL or a
# browser. Such tests are marked `slow` here, so `pytest -m "not slow"` never loads the model or builds the
# index; tests slow for other reasons (a `python -m bot` process, the whole question set) carry the mark.
SLOW_FIXTURES = frozenset({"e5", "built", "engine", "ingest_seconds", "pg_server"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())) or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def e5() -> E5Embeddings:
    return E5Embeddings()


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("index")


@pytest.fixture(scope="session")
def settings(index_dir: Path) -> Settings:
    return Settings(data_dir=index_dir, knowledge_dir=PROJECT_ROOT / "knowledge",
                    prompts_dir=PROJECT_ROOT / "prompts")


@pytest.fixture(scope="session")
def ingest_seconds(settings: Settings, e5: E5Embeddings) -> float:
    """Ingest the five articles from scratch; the time it took."""
    from bot.index.ingest import ingest
    from bot.text.analyzer import TextAnalyzer

    started = time.monotonic()
    ingest(settings, e5, TextAnalyzer(settings.knowledge_dir / "lexicon"), quiet=True)
    return time.monotonic() - started


@pytest.fixture(scope="session")
def built(settings: Settings, ingest_seconds: float) -> Settings:
    """The session's settings once its index is built. Read-only: a test that changes knowledge or the index
    works on `copy_knowledge(tmp, built)`, a copy of both."""
    return settings


@pytest.fixture(scope="session")
def engine(built: Settings, e5: E5Embeddings) -> Engine:
    return build_engine(built, embeddings=e5, auto_ingest=False)


@pytest.fixture
def small_kb(tmp_path: Path) -> Settings:
    """A knowledge directory of two short articles (copies of the lexicon and prompts) in a temp dir."""
    kb = tmp_path / "knowledge"
    shutil.copytree(PROJECT_ROOT / "knowledge" / "lexicon", kb / "lexicon")
    (kb / "articles").mkdir()
    from tests.helpers.articles import write_article

    write_article(kb, "alpha", "甲文", "2021-05-06", "阳光社区社工站每周三开展老年人健康讲座。讲座由专业社工主持。")
    write_article(kb, "beta", "乙文", "2023-01", "星光街道新建了一个社会工作服务中心。中心为青少年提供课后辅导。")
    return Settings(data_dir=tmp_path / "data", knowledge_dir=kb, prompts_dir=PROJECT_ROOT / "prompts")


@pytest.fixture
def api() -> Iterator[FakeBotAPI]:
    """A local stand-in for Telegram's Bot API, speaking its HTTP protocol."""
    with FakeBotAPI() as server:
        yield server


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL server for the session (Debian's binaries, a temporary cluster, loopback)."""
    from tests.helpers.postgres import postgres_server

    with postgres_server() as server:
        yield server


@pytest.fixture
def pg_url(pg_server: PostgresServer) -> str:
    """A fresh, empty database on that server."""
    from tests.helpers.postgres import new_database

    return new_database(pg_server.url)
