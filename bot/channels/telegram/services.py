"""What the Telegram handlers use: the engine (one question at a time, users taking turns), the store, limits;
and who is asking (one person in one chat)."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from telegram.ext import ContextTypes

from bot.answering.engine import Engine
from bot.answering.reply import Question, Reply
from bot.channels.conversation import Conversations
from bot.channels.ratelimit import RateLimiter
from bot.channels.telegram.texts import Texts
from bot.settings import Settings
from bot.state.store import Store
from bot.wiring import build_engine

T = TypeVar("T")


class FairWorker:
    """One thread that runs jobs one at a time, users taking turns: the next job is the oldest one of
    the user served longest ago, so one user's burst waits behind others' questions, not in front."""

    REMEMBERED = 10_000  # users whose last turn is remembered

    def __init__(self, name: str = "engine") -> None:
        self._jobs: dict[Hashable, deque[tuple[int, Callable[[], Any], Future[Any]]]] = {}
        self._served: OrderedDict[Hashable, int] = OrderedDict()  # user -> when last served
        self._ticks = itertools.count()
        self._cond = threading.Condition()
        self._name = name
        self._thread: threading.Thread | None = None

    def submit(self, key: Hashable, job: Callable[[], T]) -> Future[T]:
        future: Future[T] = Future()
        with self._cond:
            self._jobs.setdefault(key, deque()).append((next(self._ticks), job, future))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
            self._cond.notify()
        return future

    def _next(self) -> tuple[Callable[[], Any], Future[Any]]:
        with self._cond:
            while not self._jobs:
                self._cond.wait()
            key = min(self._jobs, key=lambda k: (self._served.get(k, -1), self._jobs[k][0][0]))
            queue = self._jobs[key]
            _, job, future = queue.popleft()
            if not queue:
                del self._jobs[key]
            self._served[key] = next(self._ticks)
            self._served.move_to_end(key)
            while len(self._served) > self.REMEMBERED:
                self._served.popitem(last=False)
            return job, future

    def _run(self) -> None:
        while True:
            job, future = self._next()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(job())
            except BaseException as exc:  # handed to the waiting handler
                future.set_exception(exc)


@dataclass
class Services:
    settings: Settings
    engine: Engine
    store: Store
    texts: Texts
    limiter: RateLimiter
    today: Callable[[], dt.date] = dt.date.today
    # The engine works on its own thread, one question (or re-index) at a time, users taking turns;
    # the event loop stays free.
    worker: FairWorker = field(default_factory=FairWorker)

    @classmethod
    def build(cls, settings: Settings, engine: Engine, texts: Texts) -> Services:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return cls(settings, engine, Store(settings.database, settings.retention_days), texts,
                   RateLimiter(settings.user_messages_per_minute))

    def _ask(self, question: Question, on_partial: Callable[[str], None] | None = None) -> Reply:
        return self.engine.ask(question, on_partial=on_partial)

    async def ask(self, question: Question, on_partial: Callable[[str], None] | None = None,
                  user: Hashable = None) -> Reply:
        """The reply, computed in `user`'s turn; `on_partial` is called on the engine's thread with checked
        partial text (language model only)."""
        return await asyncio.wrap_future(self.worker.submit(user, lambda: self._ask(question, on_partial)))

    @property
    def streams(self) -> bool:
        return self.engine.llm is not None and self.settings.llm_stream

    async def on_engine_thread(self, work: Callable[[], T]) -> T:
        """Run `work` on the engine's thread: no question is answered meanwhile (re-indexing uses the model)."""
        return await asyncio.wrap_future(self.worker.submit("staff", work))

    def refresh(self) -> None:
        """Answer from the committed index from the next question on (after a knowledge change)."""
        self.engine = build_engine(self.settings, embeddings=self.engine.embeddings, auto_ingest=False)


def person(chat_id: int, user_id: int) -> str:
    """One person in one chat: "<chat>" in a private chat (chat = user), "<chat>:<user>" in a group,
    so members never share history or self-check answers."""
    return str(chat_id) if chat_id == user_id else f"{chat_id}:{user_id}"


HISTORY_ANSWER_CHARS = 1000  # of an earlier answer, what a Telegram history keeps


def conversations(s: Services) -> Conversations:
    """Telegram's conversations: histories per person under "history:<person>"."""
    return Conversations(s.store, "telegram", prefix="history", answer_chars=HISTORY_ANSWER_CHARS)


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return cast(Services, context.bot_data["services"])
