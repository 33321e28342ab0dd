"""Opening the conversation database: SQLite (one machine) or PostgreSQL (many workers), migrated by Alembic.

Every process that opens the database brings it to the newest migration first, one at a time (a
PostgreSQL advisory lock; a file lock beside a SQLite file), so workers starting together are safe.
A database made before migrations existed is recognised and stamped with the first revision.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, event, inspect, text

MIGRATIONS = Path(__file__).parent / "migrations"
BASELINE = "0001"
_MIGRATION_LOCK = 0x53574254  # pg_advisory_xact_lock key for migrations ("SWBT")
SQLITE_BUSY_SECONDS = 2.0  # then the write is retried later instead of holding up an answer


def sqlite_path(url: str) -> Path | None:
    if not url.startswith("sqlite"):
        return None
    path = url.split(":///", 1)[1] if ":///" in url else ""
    return Path(path) if path and path != ":memory:" else None


def _private_file(path: Path) -> None:
    """Create the database file readable by its owner only (it holds people's questions)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    if os.stat(path).st_uid == os.getuid():
        os.chmod(path, 0o600)  # an older file made with the umask's mode


def make_engine(url: str) -> Engine:
    path = sqlite_path(url)
    if url.startswith("sqlite"):
        if path is not None:
            _private_file(path)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_SECONDS})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            if path is not None:
                cursor.execute("PRAGMA journal_mode=WAL")  # readers are not blocked by a writer
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


def alembic_config(url: str | None = None) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


@contextlib.contextmanager
def _migration_lock(engine: Engine) -> Iterator[Connection]:
    path = sqlite_path(str(engine.url))
    if path is not None:
        with open(f"{path}.migrate.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                with engine.begin() as conn:
                    yield conn
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        yield conn


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(conn: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def migrate(engine: Engine) -> None:
    """Upgrade to the newest revision (nothing to do when already there)."""
    from alembic import command

    head = head_revision()
    with engine.connect() as conn:
        if current_revision(conn) == head:
            return
    with _migration_lock(engine) as conn:
        current = current_revision(conn)
        if current == head:
            return
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        if current is None and inspect(conn).has_table("interactions"):
            command.stamp(cfg, BASELINE)  # made by the version before migrations: its tables are revision 0001
        command.upgrade(cfg, "head")


def upsert(conn: Connection, table: Table, values: dict[str, Any], keys: list[str],
           update: list[str] | None = None) -> None:
    """INSERT … ON CONFLICT (keys) DO UPDATE SET update (or DO NOTHING): one statement, no race."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt: Any = pg_insert(table).values(**values)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(table).values(**values)
    if update:
        stmt = stmt.on_conflict_do_update(index_elements=keys, set_={c: stmt.excluded[c] for c in update})
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=keys)
    conn.execute(stmt)
