"""A worker's bot notes, the moment Telegram has accepted a message for an update, that the update
was answered; a worker that takes the update over after a crash then does not answer it again.

(Telegram's API cannot make a send idempotent; what is left is the instant between Telegram's
reply and this note.)
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from telegram import Message
from telegram.ext import ExtBot

log = logging.getLogger(__name__)
current_update: ContextVar[int | None] = ContextVar("current_update", default=None)


class NotingBot(ExtBot[Any]):
    """ExtBot whose send_message calls `on_sent(update_id)` for the update being handled."""

    def __init__(self, *args: Any, on_sent: Callable[[int], None], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        with self._unfrozen():
            self._on_sent = on_sent

    async def send_message(self, *args: Any, **kwargs: Any) -> Message:
        message = await super().send_message(*args, **kwargs)
        update_id = current_update.get()
        if update_id is not None:
            try:
                self._on_sent(update_id)  # at once, on this thread: the window stays a few milliseconds
            except Exception:
                log.exception("could not note that update %s was answered", update_id)
        return message
