"""Per-person message limits shared by every worker, kept in the database with one upsert per message.

A sliding window estimated from two fixed windows (the count in this window plus the previous
window's count weighted by how much of it still overlaps), as large rate limiters do: no list of
timestamps per person, one row each, and exact enough for "please wait a moment".
"""

from __future__ import annotations

import logging
import time
from typing import Any

from sqlalchemy import Engine, Table, case
from sqlalchemy.exc import SQLAlchemyError

from bot.state.schema import RateCounter

log = logging.getLogger(__name__)
counters: Table = RateCounter.__table__  # type: ignore[assignment]


class SharedRateLimiter:
    """At most about `limit` messages per person in any `window` seconds, across all workers.
    If the database cannot be reached the message is allowed (and the failure logged)."""

    def __init__(self, engine: Engine, limit: int, window: float = 60.0) -> None:
        self.engine = engine
        self.limit = limit
        self.window = window

    def allow(self, user_id: int | str, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        number = int(now // self.window)
        try:
            count, previous = self._count(f"msg:{user_id}", number)
        except SQLAlchemyError as exc:
            log.warning("rate limit not checked (%s)", str(exc).splitlines()[0][:160])
            return True
        overlap = 1.0 - (now - number * self.window) / self.window
        return previous * overlap + count <= self.limit

    def _count(self, key: str, number: int) -> tuple[int, int]:
        """Count this message; (messages in this window, messages in the previous window)."""
        if self.engine.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            stmt: Any = pg_insert(counters)
        else:
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            stmt = sqlite_insert(counters)
        stmt = stmt.values(key=key, window=number, count=1, previous=0)
        c, new = counters.c, stmt.excluded
        stmt = stmt.on_conflict_do_update(index_elements=["key"], set_={
            "previous": case((c.window == new.window, c.previous), (c.window == new.window - 1, c.count), else_=0),
            "count": case((c.window == new.window, c.count + 1), else_=1),
            "window": new.window,
        }).returning(c.count, c.previous)
        with self.engine.begin() as conn:
            row = conn.execute(stmt).one()
        return int(row[0]), int(row[1])
