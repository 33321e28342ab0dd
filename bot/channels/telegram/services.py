"""What the Telegram handlers use: the engine (one question at a time), the store, limits."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

from bot.answering.engine import Engine
from bot.answering.reply import Question, Reply
from bot.channels.ratelimit import RateLimiter
from bot.channels.telegram.texts import Texts
from bot.settings import Settings
from bot.state.store import Store
from bot.wiring import build_engine

T = TypeVar("T")


@dataclass
class Services:
    settings: Settings
    engine: Engine
    store: Store
    texts: Texts
    limiter: RateLimiter
    today: Callable[[], dt.date] = dt.date.today
    # The engine works on its own thread, one question (or re-index) at a time; the event loop stays free.
    _engine_thread: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=1, thread_name_prefix="engine"))

    @classmethod
    def build(cls, settings: Settings, engine: Engine, texts: Texts) -> Services:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return cls(settings, engine, Store(settings.database, settings.retention_days), texts,
                   RateLimiter(settings.user_messages_per_minute))

    def _ask(self, question: Question, on_partial: Callable[[str], None] | None = None) -> Reply:
        return self.engine.ask(question, on_partial=on_partial)

    async def ask(self, question: Question, on_partial: Callable[[str], None] | None = None) -> Reply:
        """`on_partial` is called on the engine's thread with checked partial text (language model only)."""
        return await asyncio.get_running_loop().run_in_executor(self._engine_thread, self._ask, question, on_partial)

    @property
    def streams(self) -> bool:
        return self.engine.llm is not None and self.settings.llm_stream

    async def on_engine_thread(self, work: Callable[[], T]) -> T:
        """Run `work` on the engine's thread: no question is answered meanwhile (re-indexing uses the model)."""
        return await asyncio.get_running_loop().run_in_executor(self._engine_thread, work)

    def refresh(self) -> None:
        """Answer from the committed index from the next question on (after a knowledge change)."""
        self.engine = build_engine(self.settings, embeddings=self.engine.embeddings, auto_ingest=False)
