"""Web admin sessions and failed sign-ins in the database, so every admin process (and a restart)
sees the same ones."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import Engine, Table, delete, func, insert, select

from bot.state.schema import AdminSession, LoginFailure

sessions: Table = AdminSession.__table__  # type: ignore[assignment]
failures: Table = LoginFailure.__table__  # type: ignore[assignment]


@dataclass
class StoredSession:
    user: str
    csrf: str
    expires: float


class SessionStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create(self, sid: str, user: str, csrf: str, expires: float) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(sessions).where(sessions.c.expires < time.time()))  # tidy as we go
            conn.execute(insert(sessions).values(id=sid, user=user, csrf=csrf, expires=expires))

    def get(self, sid: str) -> StoredSession | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(sessions).where(sessions.c.id == sid)).mappings().first()
        if row is None:
            return None
        if row["expires"] < time.time():
            self.delete(sid)
            return None
        return StoredSession(row["user"], row["csrf"], row["expires"])

    def delete(self, sid: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(sessions).where(sessions.c.id == sid))

    def fail(self, *keys: str) -> None:
        now = time.time()
        with self.engine.begin() as conn:
            for key in keys:
                conn.execute(insert(failures).values(key=key, at=now))

    def failures(self, key: str, within: float) -> int:
        """Failed sign-ins for `key` in the last `within` seconds (older ones are deleted)."""
        now = time.time()
        with self.engine.begin() as conn:
            conn.execute(delete(failures).where(failures.c.key == key, failures.c.at < now - within))
            return int(conn.execute(select(func.count()).select_from(failures).where(failures.c.key == key))
                       .scalar_one())

    def failure_times(self, key: str, within: float) -> list[float]:
        """When the failed sign-ins for `key` in the last `within` seconds happened, oldest first."""
        now = time.time()
        with self.engine.begin() as conn:
            conn.execute(delete(failures).where(failures.c.key == key, failures.c.at < now - within))
            return [float(t) for t in conn.execute(select(failures.c.at).where(failures.c.key == key)
                                                   .order_by(failures.c.at)).scalars()]

    def clear(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(failures).where(failures.c.key == key))
