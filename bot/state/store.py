"""Conversation data: interactions, feedback, staff actions, screener states, chat history.

SQLAlchemy over SQLite by default; BOT_DATABASE_URL can point at PostgreSQL, which many workers
share. Every text written is masked first (phone, ID-card numbers: bot/state/privacy.py); a new
SQLite file is readable by its owner only; rows older than the retention period are deleted on
start and then daily (bot/state/retention.py). Answering never waits on a write: a write the
database refuses (locked by another process, unreachable) is logged and kept in order to be
retried a few seconds later, and reads see it meanwhile.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, delete, func, insert, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.state import retention
from bot.state.database import make_engine, migrate, upsert
from bot.state.privacy import mask, mask_value
from bot.state.schema import Feedback, Interaction, Resolution, StaffAction, State, new_id, utcnow

log = logging.getLogger(__name__)
RETRY_SECONDS = 3.0
MAX_PENDING = 10_000

interactions: Table = Interaction.__table__  # type: ignore[assignment]
feedback: Table = Feedback.__table__  # type: ignore[assignment]
staff_actions: Table = StaffAction.__table__  # type: ignore[assignment]
resolutions: Table = Resolution.__table__  # type: ignore[assignment]
states: Table = State.__table__  # type: ignore[assignment]


redact = mask  # the older name, kept for callers
LOW_CONFIDENCE = 0.6
Write = Callable[[Connection], object]


@dataclass(frozen=True)
class Stats:
    questions: int
    declined: int
    low_confidence: int
    thumbs_up: int
    thumbs_down: int
    days: int


def _now() -> dt.datetime:
    return utcnow()


PURGE_EVERY = dt.timedelta(days=1)


class Store:
    def __init__(self, url: str, retention_days: int = 180) -> None:
        """`retention_days`: conversations and interactions older than this are deleted (0 keeps them)."""
        self.engine = make_engine(url)
        migrate(self.engine)
        self.retention_days = retention_days
        self._purged_at: dt.datetime | None = None
        self._pending: deque[tuple[str, Write]] = deque()  # (what, write), oldest first
        self._overlay: dict[str, Any] = {}  # states written but not yet stored: key -> value (None: dropped)
        self._pending_lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._flusher: threading.Timer | None = None
        self.deferred_total = 0
        retention.scrub_once(self.engine)
        self.purge_if_due()

    # ------------------------------------------------------------ retention
    def purge(self, days: int | None = None) -> int:
        """Delete what is older than `days` (default: the retention setting); the number of rows deleted."""
        self._purged_at = _now()
        return retention.purge(self.engine, self.retention_days if days is None else days)

    def purge_if_due(self) -> None:
        """Purge on start and then at most once a day (called on every answer recorded)."""
        if self._purged_at is None or _now() - self._purged_at >= PURGE_EVERY:
            try:
                self.purge()
            except (OperationalError, PoolTimeout) as exc:  # tried again with the next answer
                log.warning("retention purge postponed: %s", str(exc).splitlines()[0][:160])

    # ------------------------------------------------------------ writes that never hold up an answer
    def _write(self, what: str, write: Write, state: tuple[str, Any] | None = None) -> None:
        """Run `write` in a transaction now, or (if writes are already waiting, or the database refuses)
        keep it for later, in order. Every write is idempotent, so a retry cannot duplicate it."""
        with self._pending_lock:
            if state is not None:
                self._overlay[state[0]] = state[1]
            if self._pending:
                self._defer(what, write, None)
                return
        try:
            with self.engine.begin() as conn:
                write(conn)
        except (OperationalError, PoolTimeout) as exc:
            with self._pending_lock:
                self._defer(what, write, exc)
            return
        if state is not None:
            with self._pending_lock:
                if not self._pending and self._overlay.get(state[0], object()) == state[1]:
                    self._overlay.pop(state[0], None)

    def _defer(self, what: str, write: Write, exc: BaseException | None) -> None:
        if exc is not None:
            log.warning("could not store %s now (%s); retrying in %.0f s", what,
                        str(exc).splitlines()[0][:160], RETRY_SECONDS)
        if len(self._pending) >= MAX_PENDING:
            dropped, _ = self._pending.popleft()
            log.error("too many writes waiting for the database; dropped the oldest (%s)", dropped)
        self._pending.append((what, write))
        self.deferred_total += 1
        if self._flusher is None:
            self._flusher = threading.Timer(RETRY_SECONDS, self.flush)
            self._flusher.daemon = True
            self._flusher.start()

    def flush(self) -> int:
        """Retry the waiting writes in order; returns how many are still waiting. One flush at a time."""
        with self._flush_lock:
            return self._flush()

    def _flush(self) -> int:
        with self._pending_lock:
            self._flusher = None
        while True:
            with self._pending_lock:
                if not self._pending:
                    self._overlay.clear()
                    return 0
                what, write = self._pending[0]
            try:
                with self.engine.begin() as conn:
                    write(conn)
            except (OperationalError, PoolTimeout) as exc:
                with self._pending_lock:
                    log.warning("still cannot store %s (%s); %d writes waiting", what,
                                str(exc).splitlines()[0][:160], len(self._pending))
                    if self._flusher is None:
                        self._flusher = threading.Timer(RETRY_SECONDS, self.flush)
                        self._flusher.daemon = True
                        self._flusher.start()
                    return len(self._pending)
            with self._pending_lock:
                self._pending.popleft()
            log.info("stored %s after a delay", what)

    @property
    def waiting(self) -> int:
        with self._pending_lock:
            return len(self._pending)

    # ------------------------------------------------------------ interactions
    def record(self, *, channel: str, user_id: str | None, chat_id: str | None, question: str, answer: str,
               answered: bool, kind: str, confidence: float, latency_ms: float,
               sources: list[dict[str, str]]) -> int:
        """Store an answered question; its id is made here, so it is known even if the write waits."""
        self.purge_if_due()
        iid = new_id()
        values = dict(id=iid, at=_now(), channel=channel, user_id=user_id, chat_id=chat_id,
                      question=mask(question)[:4000], answer=mask(answer)[:8000], answered=answered, kind=kind,
                      confidence=confidence, latency_ms=latency_ms, sources=sources)
        self._write("an interaction", lambda conn: upsert(conn, interactions, values, ["id"]))
        return iid

    def interaction(self, interaction_id: int) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(interactions).where(interactions.c.id == interaction_id)).mappings().first()
            return dict(row) if row else None

    def unanswered(self, limit: int = 20, *, disliked: bool = False) -> list[dict[str, Any]]:
        """The latest questions declined, answered with low confidence or (with `disliked`) given a
        thumbs-down, that staff have not yet resolved; each with its feedback total."""
        votes = (select(feedback.c.interaction_id, func.sum(feedback.c.value).label("votes"))
                 .group_by(feedback.c.interaction_id).subquery())
        needs = ((interactions.c.answered.is_(False) & (interactions.c.kind != "invalid"))
                 | ((interactions.c.kind == "answer") & (interactions.c.confidence < LOW_CONFIDENCE)))
        if disliked:
            needs = needs | (votes.c.votes < 0)
        q = (select(interactions, votes.c.votes)
             .outerjoin(votes, votes.c.interaction_id == interactions.c.id)
             .where(needs, ~interactions.c.id.in_(select(resolutions.c.interaction_id)))
             .order_by(interactions.c.id.desc()).limit(limit))
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]

    def resolve(self, interaction_id: int, faq_id: str, by: str | None) -> None:
        values = dict(interaction_id=interaction_id, at=_now(), by=by, faq_id=faq_id)
        self._write("a resolution", lambda conn: upsert(conn, resolutions, values, ["interaction_id"],
                                                        ["at", "by", "faq_id"]))

    def add_feedback(self, interaction_id: int, user_id: str | None, value: int) -> None:
        values = dict(at=_now(), interaction_id=interaction_id, user_id=user_id, value=value)
        self._write("feedback", lambda conn: upsert(conn, feedback, values, ["interaction_id", "user_id"],
                                                    ["at", "value"]))

    def feedback_for(self, interaction_id: int) -> list[int]:
        with self.engine.connect() as conn:
            return [int(v) for v in conn.execute(select(feedback.c.value)
                                                  .where(feedback.c.interaction_id == interaction_id)).scalars()]

    def stats(self, days: int = 7) -> Stats:
        since = _now() - dt.timedelta(days=days)
        with self.engine.connect() as conn:
            def count(table: Table, *where: Any) -> int:
                return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())

            recent = interactions.c.at >= since
            return Stats(
                questions=count(interactions, recent, interactions.c.kind != "invalid"),
                declined=count(interactions, recent, interactions.c.answered.is_(False),
                               interactions.c.kind != "invalid"),
                low_confidence=count(interactions, recent, interactions.c.kind == "answer",
                                     interactions.c.confidence < LOW_CONFIDENCE),
                thumbs_up=count(feedback, feedback.c.at >= since, feedback.c.value > 0),
                thumbs_down=count(feedback, feedback.c.at >= since, feedback.c.value < 0),
                days=days,
            )

    def by_channel(self, days: int = 7) -> dict[str, int]:
        """Questions per channel (telegram, web, wechat, chat, cli) over the last `days`."""
        since = _now() - dt.timedelta(days=days)
        q = (select(interactions.c.channel, func.count()).where(interactions.c.at >= since,
                                                                  interactions.c.kind != "invalid")
             .group_by(interactions.c.channel).order_by(func.count().desc()))
        with self.engine.connect() as conn:
            return {str(channel): int(n) for channel, n in conn.execute(q)}

    # ------------------------------------------------------------ staff actions
    def log_staff(self, user_id: str | None, action: str, allowed: bool, detail: str = "") -> None:
        values = dict(at=_now(), user_id=user_id, action=action, allowed=allowed, detail=mask(detail)[:2000])
        self._write("a staff action", lambda conn: conn.execute(insert(staff_actions).values(**values)))

    def staff_log(self, limit: int = 50) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            q = select(staff_actions).order_by(staff_actions.c.id.desc()).limit(limit)
            return [dict(r) for r in conn.execute(q).mappings()]

    # ------------------------------------------------------------ key/value states
    def get_state(self, key: str) -> Any:
        with self._pending_lock:
            if key in self._overlay:
                return self._overlay[key]
        with self.engine.connect() as conn:
            value = conn.execute(select(states.c.value).where(states.c.key == key)).scalar_one_or_none()
            return json.loads(value) if isinstance(value, str) else value

    def set_state(self, key: str, value: Any) -> None:
        value = mask_value(value)
        values = dict(key=key, value=value, updated=_now())
        self._write(f"state {key.split(':')[0]}", lambda conn: upsert(conn, states, values, ["key"],
                                                                      ["value", "updated"]), (key, value))

    def drop_state(self, key: str) -> None:
        self._write(f"state {key.split(':')[0]}",
                    lambda conn: conn.execute(delete(states).where(states.c.key == key)), (key, None))
