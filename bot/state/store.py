"""Conversation data: interactions, feedback, staff actions, screener states, chat history.

SQLAlchemy Core over SQLite by default; BOT_DATABASE_URL can point at PostgreSQL later.
Every text written is masked first (phone, ID-card numbers: bot/state/privacy.py); a new SQLite
file is readable by its owner only; rows older than the retention period are deleted on start
and then daily.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Engine

from bot.state.privacy import mask, mask_value

redact = mask  # the older name, kept for callers
log = logging.getLogger(__name__)

metadata = MetaData()
interactions = Table(
    "interactions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("channel", String(20), nullable=False),
    Column("user_id", String(64)),
    Column("chat_id", String(64)),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("answered", Boolean, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("confidence", Float, nullable=False),
    Column("latency_ms", Float, nullable=False),
    Column("sources", JSON, nullable=False),  # [{"title", "published", "text"}] cited passages
)
feedback = Table(
    "feedback", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("interaction_id", Integer, nullable=False),
    Column("user_id", String(64)),
    Column("value", Integer, nullable=False),  # +1 / -1
)
staff_actions = Table(
    "staff_actions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("user_id", String(64)),
    Column("action", String(40), nullable=False),
    Column("allowed", Boolean, nullable=False),
    Column("detail", Text, nullable=False, default=""),
)
resolutions = Table(  # an unanswered question staff dealt with, e.g. by an FAQ entry
    "resolutions", metadata,
    Column("interaction_id", Integer, primary_key=True),
    Column("at", DateTime, nullable=False),
    Column("by", String(64)),
    Column("faq_id", String(64), nullable=False),
)
states = Table(
    "states", metadata,
    Column("key", String(128), primary_key=True),  # e.g. "screener:<chat>", "history:<chat>"
    Column("value", JSON, nullable=False),
    Column("updated", DateTime, nullable=False),
)

LOW_CONFIDENCE = 0.6


@dataclass(frozen=True)
class Stats:
    questions: int
    declined: int
    low_confidence: int
    thumbs_up: int
    thumbs_down: int
    days: int


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


PURGE_EVERY = dt.timedelta(days=1)
_SCRUBBED = "privacy:masked-v1"  # set once the rows written before masking was complete are masked


def _sqlite_file(url: str) -> Path | None:
    path = url.split(":///", 1)[1] if url.startswith("sqlite") and ":///" in url else ""
    return Path(path.split("?", 1)[0]) if path and not path.startswith(":memory:") else None


class Store:
    def __init__(self, url: str, retention_days: int = 180) -> None:
        """`retention_days`: conversations and interactions older than this are deleted (0 keeps them)."""
        kwargs: dict[str, Any] = {}
        path = _sqlite_file(url)
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False}
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))  # created owner-only, before SQLite opens it
            if os.stat(path).st_uid == os.getuid():
                os.chmod(path, 0o600)  # an older file made with the umask's mode
        self.engine: Engine = create_engine(url, **kwargs)
        metadata.create_all(self.engine)
        self._lock = threading.Lock()  # SQLite allows one writer at a time
        self.retention_days = retention_days
        self._purged_at: dt.datetime | None = None
        self._scrub_once()
        self.purge_if_due()

    # ------------------------------------------------------------ retention
    def purge(self, days: int | None = None) -> int:
        """Delete interactions (with their feedback and resolutions), conversation states and staff
        actions older than `days` (default: the retention setting); the number of rows deleted."""
        days = self.retention_days if days is None else days
        self._purged_at = _now()
        if days <= 0:
            return 0
        cutoff = _now() - dt.timedelta(days=days)
        old = select(interactions.c.id).where(interactions.c.at < cutoff)
        with self._lock, self.engine.begin() as conn:
            n = conn.execute(delete(feedback).where((feedback.c.at < cutoff)
                                                    | feedback.c.interaction_id.in_(old))).rowcount
            n += conn.execute(delete(resolutions).where(resolutions.c.interaction_id.in_(old))).rowcount
            n += conn.execute(delete(interactions).where(interactions.c.at < cutoff)).rowcount
            n += conn.execute(delete(states).where((states.c.updated < cutoff)
                                                   & (states.c.key != _SCRUBBED))).rowcount
            n += conn.execute(delete(staff_actions).where(staff_actions.c.at < cutoff)).rowcount
        if n:
            log.info("retention: deleted %d rows older than %d days", n, days)
        return n

    def purge_if_due(self) -> None:
        """Purge on start and then at most once a day (called on every write)."""
        if self._purged_at is None or _now() - self._purged_at >= PURGE_EVERY:
            self.purge()

    def _scrub_once(self) -> None:
        """Mask what an earlier version stored unmasked (conversation history, answers); once per database."""
        if self.get_state(_SCRUBBED) is not None:
            return
        with self._lock, self.engine.begin() as conn:
            for key, value in conn.execute(select(states.c.key, states.c.value)).all():
                value = json.loads(value) if isinstance(value, str) else value
                masked = mask_value(value)
                if masked != value:
                    conn.execute(update(states).where(states.c.key == key).values(value=masked))
            for iid, question, answer in conn.execute(
                    select(interactions.c.id, interactions.c.question, interactions.c.answer)).all():
                if (mask(question), mask(answer)) != (question, answer):
                    conn.execute(update(interactions).where(interactions.c.id == iid)
                                 .values(question=mask(question), answer=mask(answer)))
            conn.execute(insert(states).values(key=_SCRUBBED, value=True, updated=_now()))

    # ------------------------------------------------------------ interactions
    def record(self, *, channel: str, user_id: str | None, chat_id: str | None, question: str, answer: str,
               answered: bool, kind: str, confidence: float, latency_ms: float,
               sources: list[dict[str, str]]) -> int:
        self.purge_if_due()
        with self._lock, self.engine.begin() as conn:
            result = conn.execute(insert(interactions).values(
                at=_now(), channel=channel, user_id=user_id, chat_id=chat_id, question=mask(question)[:4000],
                answer=mask(answer)[:8000], answered=answered, kind=kind, confidence=confidence, latency_ms=latency_ms,
                sources=sources))
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])

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
        with self._lock, self.engine.begin() as conn:
            conn.execute(delete(resolutions).where(resolutions.c.interaction_id == interaction_id))
            conn.execute(insert(resolutions).values(interaction_id=interaction_id, at=_now(), by=by, faq_id=faq_id))

    def add_feedback(self, interaction_id: int, user_id: str | None, value: int) -> None:
        with self._lock, self.engine.begin() as conn:
            conn.execute(delete(feedback).where((feedback.c.interaction_id == interaction_id)
                                                & (feedback.c.user_id == user_id)))
            conn.execute(insert(feedback).values(at=_now(), interaction_id=interaction_id, user_id=user_id,
                                                 value=value))

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
        with self._lock, self.engine.begin() as conn:
            conn.execute(insert(staff_actions).values(at=_now(), user_id=user_id, action=action, allowed=allowed,
                                                      detail=mask(detail)[:2000]))

    def staff_log(self, limit: int = 50) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            q = select(staff_actions).order_by(staff_actions.c.id.desc()).limit(limit)
            return [dict(r) for r in conn.execute(q).mappings()]

    # ------------------------------------------------------------ key/value states
    def get_state(self, key: str) -> Any:
        with self.engine.connect() as conn:
            value = conn.execute(select(states.c.value).where(states.c.key == key)).scalar_one_or_none()
            return json.loads(value) if isinstance(value, str) else value

    def set_state(self, key: str, value: Any) -> None:
        value = mask_value(value)
        with self._lock, self.engine.begin() as conn:
            done = conn.execute(update(states).where(states.c.key == key).values(value=value, updated=_now()))
            if done.rowcount == 0:
                conn.execute(insert(states).values(key=key, value=value, updated=_now()))

    def drop_state(self, key: str) -> None:
        with self._lock, self.engine.begin() as conn:
            conn.execute(delete(states).where(states.c.key == key))
