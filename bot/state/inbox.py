"""The update inbox the webhook workers share: an update is recorded before Telegram gets its 200,
handled once, and in order per person, by whichever worker claims it.

A worker claims only the oldest open update of each person and holds it under a lease it renews
while working; a worker that dies loses its lease and another worker takes the update over. A
redelivered update finds its row and is not recorded again. The payload is cleared once handled.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Table, and_, delete, func, or_, select, update
from sqlalchemy.orm import aliased

from bot.state.database import upsert
from bot.state.schema import InboxUpdate, utcnow

log = logging.getLogger(__name__)
inbox: Table = InboxUpdate.__table__  # type: ignore[assignment]
MAX_ATTEMPTS = 5  # an update whose handling kept failing is set aside, so the person's next one is not stuck


@dataclass(frozen=True)
class Claimed:
    update_id: int
    payload: dict[str, Any]
    attempts: int
    replied: int = 0  # messages Telegram accepted for it before (by a worker that then stopped)


def person_of(update: dict[str, Any]) -> str:
    """Whose update this is: the sender (so one person's messages keep their order in any chat), else
    the chat; an update of neither has no order to keep."""
    for key, value in update.items():
        if key == "update_id" or not isinstance(value, dict):
            continue
        sender = value.get("from") or value.get("user")
        if isinstance(sender, dict) and "id" in sender:
            return f"u:{sender['id']}"
        chat = value.get("chat") or (value.get("message") or {}).get("chat")
        if isinstance(chat, dict) and "id" in chat:
            return f"c:{chat['id']}"
    return f"x:{update.get('update_id')}"


class Inbox:
    def __init__(self, engine: Engine, worker: str, lease_seconds: float = 20.0) -> None:
        self.engine = engine
        self.worker = worker
        self.lease_seconds = lease_seconds

    def record(self, update: dict[str, Any]) -> None:
        """Durably record an update (a second delivery of the same update_id changes nothing)."""
        values = dict(update_id=int(update["update_id"]), person=person_of(update), payload=update,
                      received=utcnow(), attempts=0, replied=0)
        with self.engine.begin() as conn:
            upsert(conn, inbox, values, ["update_id"])

    def claim(self, limit: int) -> list[Claimed]:
        """Up to `limit` updates, each the oldest open one of its person and not leased by anyone."""
        if limit <= 0:
            return []
        now = time.time()
        older = aliased(inbox)
        free = or_(inbox.c.lease_until.is_(None), inbox.c.lease_until < now)
        heads = (select(inbox.c.update_id)
                 .where(inbox.c.done.is_(None), free,
                        ~select(older.c.update_id).where(older.c.person == inbox.c.person, older.c.done.is_(None),
                                                         older.c.update_id < inbox.c.update_id).exists())
                 .order_by(inbox.c.update_id).limit(limit * 2))
        claimed: list[Claimed] = []
        with self.engine.begin() as conn:
            candidates = list(conn.execute(heads).scalars())
        for update_id in candidates:
            if len(claimed) >= limit:
                break
            with self.engine.begin() as conn:  # one conditional UPDATE each: two workers never both win
                won = conn.execute(
                    update(inbox).where(inbox.c.update_id == update_id, inbox.c.done.is_(None), free)
                    .values(claimed_by=self.worker, lease_until=now + self.lease_seconds,
                            attempts=inbox.c.attempts + 1)).rowcount
                if won != 1:
                    continue
                row = conn.execute(select(inbox.c.payload, inbox.c.attempts, inbox.c.replied)
                                   .where(inbox.c.update_id == update_id)).one()
            if row.attempts > MAX_ATTEMPTS:
                log.error("update %s failed %d times; set aside", update_id, row.attempts - 1)
                self.done(update_id)
                continue
            claimed.append(Claimed(update_id, row.payload, row.attempts, row.replied))
        return claimed

    def renew(self, update_ids: list[int]) -> None:
        """Extend the leases of updates this worker is still handling."""
        if not update_ids:
            return
        with self.engine.begin() as conn:
            conn.execute(update(inbox).where(inbox.c.update_id.in_(update_ids), inbox.c.claimed_by == self.worker,
                                             inbox.c.done.is_(None))
                         .values(lease_until=time.time() + self.lease_seconds))

    def mark_replied(self, update_id: int) -> None:
        """Telegram accepted a message answering this update."""
        with self.engine.begin() as conn:
            conn.execute(update(inbox).where(inbox.c.update_id == update_id).values(replied=inbox.c.replied + 1))

    def done(self, update_id: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(inbox).where(inbox.c.update_id == update_id)
                         .values(done=utcnow(), payload=None, lease_until=None))

    def release(self, update_ids: list[int]) -> None:
        """Give updates back at once (a worker shutting down), so another worker need not wait for the lease."""
        if not update_ids:
            return
        with self.engine.begin() as conn:
            conn.execute(update(inbox).where(inbox.c.update_id.in_(update_ids), inbox.c.claimed_by == self.worker,
                                             inbox.c.done.is_(None))
                         .values(lease_until=None, claimed_by=None, attempts=inbox.c.attempts - 1))

    def open_count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(inbox).where(inbox.c.done.is_(None)))
                       .scalar_one())

    def purge(self, days: float = 3.0) -> int:
        """Forget handled updates after `days` (Telegram stops redelivering long before)."""
        before = utcnow() - dt.timedelta(days=days)
        with self.engine.begin() as conn:
            return int(conn.execute(delete(inbox).where(and_(inbox.c.done.is_not(None), inbox.c.done < before)))
                       .rowcount)
