"""The conversation store: Alembic migrations (also of a database made before them), upserts, and
answering that does not wait on a database another process has locked."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect

from bot.state.database import current_revision, head_revision
from bot.state.store import Store

OLD_SCHEMA = """
CREATE TABLE interactions (id INTEGER NOT NULL PRIMARY KEY, at DATETIME NOT NULL, channel VARCHAR(20) NOT NULL,
  user_id VARCHAR(64), chat_id VARCHAR(64), question TEXT NOT NULL, answer TEXT NOT NULL, answered BOOLEAN NOT NULL,
  kind VARCHAR(20) NOT NULL, confidence FLOAT NOT NULL, latency_ms FLOAT NOT NULL, sources JSON NOT NULL);
CREATE TABLE feedback (id INTEGER NOT NULL PRIMARY KEY, at DATETIME NOT NULL, interaction_id INTEGER NOT NULL,
  user_id VARCHAR(64), value INTEGER NOT NULL);
CREATE TABLE staff_actions (id INTEGER NOT NULL PRIMARY KEY, at DATETIME NOT NULL, user_id VARCHAR(64),
  action VARCHAR(40) NOT NULL, allowed BOOLEAN NOT NULL, detail TEXT NOT NULL);
CREATE TABLE resolutions (interaction_id INTEGER NOT NULL PRIMARY KEY, at DATETIME NOT NULL, by VARCHAR(64),
  faq_id VARCHAR(64) NOT NULL);
CREATE TABLE states ("key" VARCHAR(128) NOT NULL PRIMARY KEY, value JSON NOT NULL, updated DATETIME NOT NULL);
INSERT INTO interactions VALUES (1, '{day} 10:00:00', 'telegram', '7', '7', '旧问题', '旧回答', 0, 'decline',
  0.0, 3.0, '[]');
INSERT INTO feedback VALUES (1, '{day} 10:01:00', 1, '7', 1);
INSERT INTO feedback VALUES (2, '{day} 10:02:00', 1, '7', -1);
INSERT INTO states VALUES ('history:7', '[{"role": "user", "content": "旧问题"}]', '{day} 10:00:00');
"""


def test_a_database_made_before_migrations_is_migrated_in_place(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript(OLD_SCHEMA.replace("{day}", dt.date.today().isoformat()))  # within the retention
    store = Store(f"sqlite:///{path}")
    with store.engine.connect() as conn:
        assert current_revision(conn) == head_revision()
        tables = set(inspect(conn).get_table_names())
    assert {"inbox", "rate_limits", "admin_sessions", "login_failures"} <= tables
    assert store.interaction(1)["question"] == "旧问题"  # type: ignore[index]
    assert store.feedback_for(1) == [-1]  # the later of two votes by one person stays
    assert store.get_state("history:7") == [{"role": "user", "content": "旧问题"}]
    new = store.record(channel="telegram", user_id="7", chat_id="7", question="新问题", answer="新回答",
                       answered=True, kind="answer", confidence=0.9, latency_ms=5, sources=[])
    assert new > 1 and store.interaction(new)["answer"] == "新回答"  # type: ignore[index]
    Store(f"sqlite:///{path}")  # opening again changes nothing


def test_a_new_database_file_is_private(tmp_path: Path) -> None:
    Store(f"sqlite:///{tmp_path / 'db' / 'bot.sqlite3'}")
    assert (tmp_path / "db" / "bot.sqlite3").stat().st_mode & 0o077 == 0


def test_concurrent_writers_of_one_state_never_collide(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for k in range(20):
                store.set_state("history:42", [n, k])
                store.add_feedback(1, "42", 1 if k % 2 else -1)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    store.flush()
    assert errors == [] and store.waiting == 0
    assert len(store.feedback_for(1)) == 1


LOCKER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.readline()
conn.execute("ROLLBACK")
"""


def count_transactions(store: Store) -> list[int]:
    """A one-item list counting the transactions the store opens from now on."""
    tries = [0]
    begin = store.engine.begin

    def counted() -> Any:
        tries[0] += 1
        return begin()

    store.engine.begin = counted  # type: ignore[method-assign]
    return tries


def test_a_locked_database_delays_writes_but_not_answers(tmp_path: Path) -> None:
    """Another process holds the write lock: writes return at once (after the first short wait),
    reads see them, and they are stored in order once the lock is gone."""
    path = tmp_path / "bot.sqlite3"
    store = Store(f"sqlite:///{path}")
    store.set_state("history:1", ["before"])
    locker = subprocess.Popen([sys.executable, "-c", LOCKER, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert locker.stdout is not None and locker.stdout.readline().strip() == "locked"
        tries = count_transactions(store)
        iid = store.record(channel="telegram", user_id="1", chat_id="1", question="问题", answer="回答",
                           answered=True, kind="answer", confidence=0.9, latency_ms=1, sources=[])
        store.set_state("history:1", ["during"])
        store.add_feedback(iid, "1", 1)
        store.log_staff("9", "/stats", allowed=True)
        assert tries == [1]  # only the first write waited for the lock; the rest went straight to the queue
        assert store.waiting == 4
        assert store.get_state("history:1") == ["during"]  # reads see what waits to be written
        assert store.flush() == 4  # still locked: nothing lost, nothing written
    finally:
        assert locker.stdin is not None
        locker.stdin.write("\n")
        locker.stdin.flush()
        locker.wait(timeout=10)
    assert store.flush() == 0
    assert store.interaction(iid)["answer"] == "回答"  # type: ignore[index]
    assert store.get_state("history:1") == ["during"] and store.feedback_for(iid) == [1]
    assert store.staff_log()[0]["action"] == "/stats"


@pytest.mark.slow
def test_a_locked_database_gives_staff_a_message_not_a_500(settings: object, engine: object, tmp_path: Path) -> None:
    """The admin's sign-in writes a session: with the database locked by another process it says so."""
    from fastapi.testclient import TestClient

    from bot.channels.admin.app import create_app
    from bot.channels.admin.jobs import Workspace
    from bot.settings import Settings

    assert isinstance(settings, Settings)
    path = tmp_path / "admin.sqlite3"
    staff = settings.model_copy(update={"data_dir": tmp_path, "database_url": f"sqlite:///{path}",
                                        "admin_token": "a-long-enough-admin-token-123456"})
    app = create_app(staff, Workspace(staff, engine=engine), Store(staff.database))  # type: ignore[arg-type]
    locker = subprocess.Popen([sys.executable, "-c", LOCKER, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert locker.stdout is not None and locker.stdout.readline().strip() == "locked"
        with TestClient(app) as client:
            response = client.post("/login", data={"username": "staff", "password": staff.admin_token},
                                   follow_redirects=False)
        assert response.status_code == 503 and "数据库暂时繁忙" in response.text
    finally:
        assert locker.stdin is not None
        locker.stdin.write("\n")
        locker.stdin.flush()
        locker.wait(timeout=10)


def test_ids_made_in_the_same_millisecond_keep_their_order() -> None:
    from bot.state.schema import new_id
    ids = [new_id() for _ in range(2000)]  # many fall in one millisecond, where only the random bits differ
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
