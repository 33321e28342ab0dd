"""One ingest at a time: a file lock in the data directory, and across machines (PostgreSQL) an
advisory lock; both are released by the operating system or the database if the process dies."""

from __future__ import annotations

import contextlib
import fcntl
import time
from collections.abc import Iterator
from pathlib import Path

from bot.filelock import flock_within
from bot.index.storage import IndexUnavailable
from bot.settings import Settings

LOCK_WAIT_SECONDS = 300


@contextlib.contextmanager
def ingest_lock(data_dir: Path, wait: float = LOCK_WAIT_SECONDS) -> Iterator[None]:
    """One ingest at a time per index (CLI, web admin, bot and ingest job may all start one).

    An flock: a process killed mid-ingest releases it with its file descriptors.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / "ingest.lock", "w") as handle:
        if not flock_within(handle, wait, poll=0.2):
            raise IndexUnavailable(f"another ingest into {data_dir} is still running")
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


_INGEST_LOCK = 0x53574249  # pg advisory lock key for ingest ("SWBI")


@contextlib.contextmanager
def shared_ingest_lock(settings: Settings, wait: float = LOCK_WAIT_SECONDS) -> Iterator[None]:
    """With a PostgreSQL database (the production shape) one ingest at a time across machines too:
    a session advisory lock, released with the connection if the process dies."""
    if not settings.database.startswith("postgresql"):
        yield
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(settings.database, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            deadline = time.monotonic() + wait
            while not conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": _INGEST_LOCK}).scalar():
                if time.monotonic() > deadline:
                    raise IndexUnavailable("another ingest into the knowledge service is still running")
                conn.rollback()
                time.sleep(0.5)
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _INGEST_LOCK})
    finally:
        engine.dispose()
