"""One webhook worker process: the Telegram application without an updater (PTB's custom-webhook
pattern), its engine kept on the newest index generation, and the loop that takes updates from the
shared inbox and handles them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from telegram import Update
from telegram.error import TelegramError

from bot.answering.engine import Engine
from bot.channels.serve.sending import NotingBot, current_update
from bot.channels.telegram.app import build_application
from bot.channels.telegram.services import Services
from bot.channels.telegram.texts import load_texts
from bot.index.embeddings import make_embeddings
from bot.index.storage import IndexUnavailable
from bot.settings import Settings
from bot.state.inbox import Claimed, Inbox
from bot.state.limits import SharedRateLimiter
from bot.state.store import Store
from bot.wiring import EngineHolder, build_engine

log = logging.getLogger(__name__)
MAX_IN_FLIGHT = 16  # updates one worker handles at once (the engine still answers one at a time)
POLL_SECONDS = 0.2  # how often a worker looks for updates another worker recorded
SHUTDOWN_GRACE = 10.0


class Worker:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self.store: Store | None = None
        self.inbox: Inbox | None = None
        self.holder: EngineHolder | None = None
        self.app: Any = None
        self.problem = "starting"
        self._wake = asyncio.Event()
        self._stopping = False
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self.handled = 0

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        """Open the database (then updates can be recorded), and load the rest in the background."""
        self.store = await asyncio.to_thread(Store, self.settings.database)
        self.inbox = Inbox(self.store.engine, self.name)
        self._tasks.append(asyncio.create_task(self._load()))

    async def _load(self) -> None:
        embeddings = await asyncio.to_thread(make_embeddings, self.settings)
        engine: Engine | None = None
        while engine is None and not self._stopping:
            try:
                engine = await asyncio.to_thread(build_engine, self.settings, embeddings=embeddings,
                                                 auto_ingest=False)
            except IndexUnavailable as exc:  # the ingest job has not committed a generation yet
                self.problem = f"no index: {exc}"
                log.warning("waiting for an index generation: %s", exc)
                await asyncio.sleep(max(self.settings.generation_poll_seconds, 1.0))
        if engine is None:
            return
        assert self.store is not None
        services = Services(self.settings, engine, self.store, load_texts(self.settings.prompts_dir),
                            SharedRateLimiter(self.store.engine, self.settings.user_messages_per_minute))  # type: ignore[arg-type]
        self.holder = EngineHolder(self.settings, engine).start()
        self.holder.subscribe(lambda new: setattr(services, "engine", new))
        total = max(1, self.settings.serve_total_workers or self.settings.serve_workers)
        inbox = self.inbox
        assert inbox is not None
        self.app = build_application(services, webhook=True, overall_rate=self.settings.telegram_max_rate / total,
                                     bot_class=NotingBot, on_sent=inbox.mark_replied)
        while not self._stopping:
            try:
                await self.app.initialize()
                break
            except TelegramError as exc:
                self.problem = f"Bot API unreachable: {exc}"
                log.warning("cannot reach the Bot API yet: %s", exc)
                await asyncio.sleep(2)
        await self.app.start()
        self.problem = ""
        log.info("worker %s ready on generation %s", self.name, self.holder.generation)
        self._tasks.append(asyncio.create_task(self._dispatch()))
        self._tasks.append(asyncio.create_task(self._renew()))

    async def stop(self) -> None:
        """Finish what is in hand (a little while), give the rest back, close everything."""
        self._stopping = True
        self._wake.set()
        if self._in_flight:
            await asyncio.wait(list(self._in_flight.values()), timeout=SHUTDOWN_GRACE)
        if self.inbox is not None and self._in_flight:
            with contextlib.suppress(SQLAlchemyError):
                await asyncio.to_thread(self.inbox.release, list(self._in_flight))
        for task in self._tasks:
            task.cancel()
        if self.holder is not None:
            self.holder.stop()
        if self.app is not None and self.app.running:
            await self.app.stop()
            await self.app.shutdown()
        if self.store is not None:
            await asyncio.to_thread(self.store.flush)

    # ------------------------------------------------------------------ state
    def wake(self) -> None:
        self._wake.set()

    def readiness(self) -> str:
        """Empty when ready to answer, else why not."""
        if self.problem:
            return self.problem
        assert self.store is not None
        try:
            with self.store.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            return f"database unreachable: {str(exc).splitlines()[0][:200]}"
        return ""

    # ------------------------------------------------------------------ handling
    async def _dispatch(self) -> None:
        assert self.inbox is not None
        while not self._stopping:
            free = MAX_IN_FLIGHT - len(self._in_flight)
            if free > 0:
                try:
                    claimed = await asyncio.to_thread(self.inbox.claim, free)
                except SQLAlchemyError as exc:
                    log.warning("cannot read the inbox: %s", str(exc).splitlines()[0][:200])
                    await asyncio.sleep(1)
                    continue
                for item in claimed:
                    self._in_flight[item.update_id] = asyncio.create_task(self._handle(item))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=POLL_SECONDS)
            self._wake.clear()

    async def _handle(self, item: Claimed) -> None:
        assert self.inbox is not None
        try:
            if item.replied:  # answered already, by a worker that stopped before noting it was done
                log.warning("update %s was answered before (attempt %d); not answering it again", item.update_id,
                            item.attempts)
            else:
                token = current_update.set(item.update_id)
                try:
                    update = Update.de_json(item.payload, self.app.bot)
                    await self.app.process_update(update)  # handler errors are answered by the error handler
                finally:
                    current_update.reset(token)
            for attempt in range(5):
                try:
                    await asyncio.to_thread(self.inbox.done, item.update_id)
                    break
                except SQLAlchemyError as exc:  # the answer went out: keep trying to note that
                    log.warning("cannot mark update %s handled: %s", item.update_id, str(exc).splitlines()[0])
                    await asyncio.sleep(0.5 * 2 ** attempt)
            self.handled += 1
        except Exception:
            log.exception("update %s failed (attempt %d); it will be tried again", item.update_id, item.attempts)
        finally:
            self._in_flight.pop(item.update_id, None)
            self._wake.set()

    async def _renew(self) -> None:
        assert self.inbox is not None
        while not self._stopping:
            await asyncio.sleep(self.inbox.lease_seconds / 3)
            try:
                await asyncio.to_thread(self.inbox.renew, list(self._in_flight))
            except SQLAlchemyError as exc:
                log.warning("cannot renew leases: %s", str(exc).splitlines()[0][:200])
            if time.time() % 3600 < self.inbox.lease_seconds / 3:  # about once an hour
                with contextlib.suppress(SQLAlchemyError):
                    await asyncio.to_thread(self.inbox.purge)
