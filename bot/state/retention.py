"""What is kept and for how long: rows older than the retention period are deleted, and what an
earlier version stored unmasked is masked once per database."""

from __future__ import annotations

import datetime as dt
import json
import logging

from sqlalchemy import Engine, Table, delete, select, update

from bot.state.database import upsert
from bot.state.privacy import mask, mask_value
from bot.state.schema import Feedback, Interaction, Resolution, StaffAction, State, utcnow

log = logging.getLogger(__name__)
SCRUBBED = "privacy:masked-v1"  # set once the rows written before masking was complete are masked
interactions: Table = Interaction.__table__  # type: ignore[assignment]
feedback: Table = Feedback.__table__  # type: ignore[assignment]
staff_actions: Table = StaffAction.__table__  # type: ignore[assignment]
resolutions: Table = Resolution.__table__  # type: ignore[assignment]
states: Table = State.__table__  # type: ignore[assignment]


def purge(engine: Engine, days: int) -> int:
    """Delete interactions (with their feedback and resolutions), conversation states and staff
    actions older than `days` (0 keeps everything); the number of rows deleted."""
    if days <= 0:
        return 0
    cutoff = utcnow() - dt.timedelta(days=days)
    old = select(interactions.c.id).where(interactions.c.at < cutoff)
    with engine.begin() as conn:
        n = conn.execute(delete(feedback).where((feedback.c.at < cutoff)
                                                | feedback.c.interaction_id.in_(old))).rowcount
        n += conn.execute(delete(resolutions).where(resolutions.c.interaction_id.in_(old))).rowcount
        n += conn.execute(delete(interactions).where(interactions.c.at < cutoff)).rowcount
        n += conn.execute(delete(states).where((states.c.updated < cutoff) & (states.c.key != SCRUBBED))).rowcount
        n += conn.execute(delete(staff_actions).where(staff_actions.c.at < cutoff)).rowcount
    if n:
        log.info("retention: deleted %d rows older than %d days", n, days)
    return n


def scrub_once(engine: Engine) -> None:
    """Mask what an earlier version stored unmasked (conversation history, answers); once per database."""
    with engine.begin() as conn:
        if conn.execute(select(states.c.key).where(states.c.key == SCRUBBED)).first() is not None:
            return
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
        upsert(conn, states, dict(key=SCRUBBED, value=True, updated=utcnow()), ["key"])  # workers start together
