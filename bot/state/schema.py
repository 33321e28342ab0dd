"""The tables of conversation data, as SQLAlchemy models: the one definition Alembic migrations follow.

SQLite on one machine, PostgreSQL when many workers share the state (BOT_DATABASE_URL). Times are
naive UTC. Interaction ids are made by the writer (time-ordered, unique), so an answer can carry its
id on its buttons before its record is written, and a delayed write can be retried without a duplicate.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
import time
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Float, Index, Integer, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


_last_id = 0
_id_lock = threading.Lock()


def new_id() -> int:
    """Milliseconds since 2020 shifted left 12 bits, plus 12 random bits: time-ordered, fits BIGINT. Within a
    process each id is above the one before, so two answers in the same millisecond keep their order (the
    random bits keep workers in other processes apart)."""
    global _last_id
    ms = int(time.time() * 1000) - 1_577_836_800_000
    with _id_lock:
        _last_id = max((ms << 12) | secrets.randbits(12), _last_id + 1)
        return _last_id


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Interaction(Base):
    """A question, its answer and what it was answered from."""

    __tablename__ = "interactions"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    channel: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[str | None] = mapped_column(String(64))
    chat_id: Mapped[str | None] = mapped_column(String(64))
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    answered: Mapped[bool] = mapped_column(Boolean)
    kind: Mapped[str] = mapped_column(String(20))
    confidence: Mapped[float] = mapped_column(Float)
    latency_ms: Mapped[float] = mapped_column(Float)
    sources: Mapped[Any] = mapped_column(JSON)  # [{"title", "published", "text"}] cited passages


class Feedback(Base):
    """One person's 👍 / 👎 on one answer (a second press replaces the first)."""

    __tablename__ = "feedback"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    interaction_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[str | None] = mapped_column(String(64))
    value: Mapped[int] = mapped_column(Integer)  # +1 / -1
    __table_args__ = (Index("ux_feedback_vote", "interaction_id", "user_id", unique=True),)


class StaffAction(Base):
    __tablename__ = "staff_actions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    user_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    allowed: Mapped[bool] = mapped_column(Boolean)
    detail: Mapped[str] = mapped_column(Text, default="")


class Resolution(Base):
    """An unanswered question staff dealt with, e.g. by an FAQ entry."""

    __tablename__ = "resolutions"
    interaction_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    by: Mapped[str | None] = mapped_column(String(64))
    faq_id: Mapped[str] = mapped_column(String(64))


class State(Base):
    """Conversation state by key: "history:<person>", "screener:<person>"."""

    __tablename__ = "states"
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated: Mapped[dt.datetime] = mapped_column(DateTime, index=True)


class AdminSession(Base):
    """A signed-in staff member of the web admin (any admin process can check it)."""

    __tablename__ = "admin_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user: Mapped[str] = mapped_column(String(128))
    csrf: Mapped[str] = mapped_column(String(64))
    expires: Mapped[float] = mapped_column(Float, index=True)  # epoch seconds


class LoginFailure(Base):
    """Failed sign-ins per key ("user:<name>", "addr:<ip>") for the lock-out."""

    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), index=True)
    at: Mapped[float] = mapped_column(Float)  # epoch seconds


class RateCounter(Base):
    """A person's messages in the current and the previous window (a sliding-window estimate)."""

    __tablename__ = "rate_limits"
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    window: Mapped[int] = mapped_column(BigInteger)  # window number: epoch seconds // window length
    count: Mapped[int] = mapped_column(Integer)
    previous: Mapped[int] = mapped_column(Integer)


class InboxUpdate(Base):
    """A Telegram update recorded before it is acknowledged; handled once, in order per person."""

    __tablename__ = "inbox"
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    person: Mapped[str] = mapped_column(String(64))
    payload: Mapped[Any] = mapped_column(JSON, nullable=True)  # cleared once handled
    received: Mapped[dt.datetime] = mapped_column(DateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[float | None] = mapped_column(Float)  # epoch seconds
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    replied: Mapped[int] = mapped_column(Integer, default=0)  # messages Telegram accepted for it
    done: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    __table_args__ = (Index("ix_inbox_person_pending", "person", "update_id", postgresql_where=text("done IS NULL"),
                            sqlite_where=text("done IS NULL")),)
