"""A conversation on any channel (Telegram, web, WeChat, terminal): its history kept in the store, every
question answered and recorded with its channel, so staff see all channels in one queue and dashboard."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot.answering.engine import Engine
from bot.answering.reply import Question, Reply, Turn
from bot.channels.render import cited_passages
from bot.state.privacy import mask
from bot.state.store import Store

log = logging.getLogger(__name__)
HISTORY_TURNS = 6


@dataclass
class Answered:
    reply: Reply
    interaction_id: int
    passages: list[dict[str, str]]  # the cited passages: title, published, text


class Conversations:
    """Ask, record and remember, per chat of one channel ("telegram", "web", "wechat", "chat", "cli").

    `prefix` names where histories are kept in the store (Telegram's are "history:<person>");
    `answer_chars` caps how much of an earlier answer the history keeps (None: all of it)."""

    def __init__(self, store: Store, channel: str, *, prefix: str | None = None,
                 answer_chars: int | None = None) -> None:
        self.store = store
        self.channel = channel
        self.prefix = prefix or f"history:{channel}"
        self.answer_chars = answer_chars

    def _key(self, chat: str) -> str:
        return f"{self.prefix}:{chat}"

    def history(self, chat: str) -> list[Turn]:
        return [Turn(t["role"], t["content"]) for t in self.store.get_state(self._key(chat)) or []]

    def said(self, chat: str) -> list[str]:
        """What the user said so far (the self-check starts from it)."""
        return [t.content for t in self.history(chat) if t.role == "user"]

    def forget(self, chat: str) -> None:
        self.store.drop_state(self._key(chat))

    def ask(self, engine: Engine, chat: str, user: str | None, text: str, today: dt.date,
            on_partial: Callable[[str], None] | None = None) -> Answered:
        """Answer with the conversation's history, record the exchange, remember it for follow-ups."""
        text = mask(text)  # phone and ID numbers are neither kept nor used
        history = self.history(chat)
        reply = engine.ask(Question(text, today, history), on_partial=on_partial)
        return self.keep(chat, user, text, history, reply)

    def keep(self, chat: str, user: str | None, text: str, history: list[Turn], reply: Reply,
             conversation: str | None = None) -> Answered:
        """Record an exchange and remember it for follow-ups in `conversation` (the chat unless given): a
        message refused as too long or unreadable is recorded but not part of the conversation."""
        answered = self.record(chat, user, text, reply)
        if reply.kind != "invalid":
            turns = [*history, Turn("user", text), Turn("assistant", reply.answer[:self.answer_chars])]
            self.store.set_state(self._key(conversation or chat), [{"role": t.role, "content": t.content}
                                                                   for t in turns[-HISTORY_TURNS:]])
        return answered

    def record(self, chat: str, user: str | None, text: str, reply: Reply) -> Answered:
        """Store the exchange for staff (questions masked by the store) with the passages it cites."""
        passages = cited_passages(reply)
        iid = self.store.record(channel=self.channel, user_id=user, chat_id=chat, question=text, answer=reply.answer,
                                answered=reply.answered, kind=reply.kind, confidence=reply.confidence,
                                latency_ms=reply.latency_ms, sources=passages)
        log.info("%s %s asked %r -> %s (%.0f ms)", self.channel, chat[:12], mask(text)[:80], reply.kind,
                 reply.latency_ms)
        return Answered(reply, iid, passages)
