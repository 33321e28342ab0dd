"""Streaming a language model's answer into Telegram by editing one message; the check decides what stays."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest

from bot.answering.engine import Engine
from tests.helpers.botapi import FakeBotAPI
from tests.helpers.llm_server import FakeLLM, Scripted
from tests.helpers.tg import ADMIN, BotRun, buttons, make_services
from tests.test_llm import COUNT_Q, with_llm

pytestmark = pytest.mark.slow
USER = 5005


def test_answer_streams_into_one_message_and_only_checked_text_stays(engine: Engine, tmp_path: Path) -> None:
    good = "创投计划最终将对15个项目予以资助[1]。项目涉及儿童、老年人、残疾人等多个领域[1]。"
    bad = "创投计划最终将对15个项目予以资助[1]。每个项目可获得80万元资助[1]。"

    async def scenario() -> None:
        with FakeLLM() as fake, FakeBotAPI() as api:
            llm_engine = with_llm(engine, fake, llm_timeout=10.0)
            services = make_services(llm_engine.settings, llm_engine, api, tmp_path)
            services.today = lambda: dt.date(2026, 11, 22)
            async with BotRun(api, services) as bot:
                fake.script = lambda purpose, user: Scripted(good, chunk_delay=0.2)
                mark = api.last_id()
                api.send_text(USER, COUNT_Q)
                final = await bot.reply(USER, "来源：〔1〕", after=mark, timeout=60)
                assert final["text"].startswith("创投计划最终将对15个项目予以资助〔1〕")
                assert [label for label, _ in buttons(final)]  # source and feedback buttons on the final text
                drafts = [c["text"] for c in api.method_calls("editMessageText")
                          if int(c["message_id"]) == final["message_id"]]
                assert any(d.endswith(" …") for d in drafts), drafts  # partial text was shown while streaming
                assert len([m for m in api.sent(USER) if m["message_id"] > mark]) == 1  # one message, edited

                fake.script = lambda purpose, user: Scripted(bad, chunk_delay=0.12)
                mark = api.last_id()
                api.send_text(USER, COUNT_Q)
                final = await bot.reply(USER, "《公益时报》2022年3月", after=mark, timeout=60)  # cited with its date
                drafts = [c["text"] for c in api.method_calls("editMessageText")
                          if int(c["message_id"]) == final["message_id"]]
                assert "80万元" not in final["text"] and all("80万元" not in d for d in drafts)
                assert "〔1〕" not in final["text"]  # the answer without the model: the source's own words
                assert "“最终将对15个项目予以资助”" in final["text"]

                mark = api.last_id()
                api.send_text(ADMIN, "/stats")
                stats = await bot.reply(ADMIN, "语言模型", after=mark)
                assert "采用 1 次" in stats["text"] and "未通过事实核对 1 次" in stats["text"]

    asyncio.run(scenario())
