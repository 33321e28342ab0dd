"""Run the real Telegram application against the local Bot API stand-in."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from bot.answering.engine import Engine
from bot.channels.telegram.app import build_application
from bot.channels.telegram.services import Services
from bot.channels.telegram.texts import load_texts
from bot.settings import Settings
from tests.helpers.botapi import FakeBotAPI

ADMIN = 4242


def make_services(settings: Settings, engine: Engine, api: FakeBotAPI, db_dir: Path, **overrides: Any) -> Services:
    s = settings.model_copy(update={
        "telegram_bot_token": "123456:TEST", "telegram_base_url": api.base_url,
        "telegram_base_file_url": api.base_file_url, "telegram_admin_ids": str(ADMIN),
        "database_url": f"sqlite:///{db_dir / 'bot.sqlite3'}", **overrides,
    })
    return Services.build(s, engine, load_texts(s.prompts_dir))


class BotRun:
    """`async with BotRun(api, services):` the application polls the stand-in until the block ends."""

    def __init__(self, api: FakeBotAPI, services: Services) -> None:
        self.api = api
        self.app = build_application(services)

    async def __aenter__(self) -> BotRun:
        await self.app.initialize()
        if self.app.post_init:  # run_polling() would call it; so does this harness
            await self.app.post_init(self.app)
        await self.app.start()
        assert self.app.updater is not None
        await self.app.updater.start_polling(poll_interval=0.0, timeout=1)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.app.updater is not None
        await self.app.updater.stop()
        await self.app.stop()
        await self.app.shutdown()

    async def reply(self, chat_id: int, contains: str = "", after: int = 0, timeout: float = 30) -> dict[str, Any]:
        """The bot's first message to the chat after `after` containing the text (polled, not blocking)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for m in self.api.sent(chat_id):
                if m["message_id"] > after and contains in m.get("text", ""):
                    return m
            await asyncio.sleep(0.02)
        raise TimeoutError(f"no message containing {contains!r} to chat {chat_id} within {timeout} s")

    async def silent(self, chat_id: int, after: int, seconds: float = 1.5) -> bool:
        await asyncio.sleep(seconds)
        return not [m for m in self.api.sent(chat_id) if m["message_id"] > after]


def buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    markup = message.get("reply_markup") or {}
    return [(b["text"], b.get("callback_data", "")) for row in markup.get("inline_keyboard", []) for b in row]
