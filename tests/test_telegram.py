"""The Telegram bot through the real python-telegram-bot client and a local Bot API stand-in."""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path

import pytest
from telegram import Update
from telegram.ext import CallbackContext

from bot.answering.engine import Engine
from bot.answering.reply import Question
from bot.channels.telegram.render import LIMIT, send, split_text
from bot.settings import Settings
from tests.helpers.botapi import FakeBotAPI
from tests.helpers.tg import ADMIN, BotRun, buttons, make_services
from tests.helpers.tghtml import entity_text

pytestmark = pytest.mark.slow
USER = 1001


def test_start_welcomes_with_the_four_buttons(api: FakeBotAPI, settings: Settings, engine: Engine,
                                              tmp_path: Path) -> None:
    async def scenario() -> None:
        async with BotRun(api, make_services(settings, engine, api, tmp_path)) as bot:
            api.send_text(USER, "/start")
            welcome = await bot.reply(USER, "北京社会工作问答助手")
            assert [t for t, _ in buttons(welcome)] == ["申报条件自查", "申报时间", "找社工站服务", "常见问题"]
            assert api.method_calls("setMyCommands")

    asyncio.run(scenario())


def test_question_answer_sources_passage_and_feedback(api: FakeBotAPI, settings: Settings, engine: Engine,
                                                      tmp_path: Path) -> None:
    services = make_services(settings, engine, api, tmp_path)

    async def scenario() -> None:
        async with BotRun(api, services) as bot:
            api.send_text(USER, "社会工作发展专项基金是什么时候成立的？")
            answer = await bot.reply(USER, "2021年6月")
            assert "来源" in answer["text"] and "2022年3月" in answer["text"] and answer["parse_mode"] == "HTML"
            reply = engine.ask(Question("社会工作发展专项基金是什么时候成立的？", services.today()))
            quoted = [p.text for p in reply.parts if p.role == "quote"]
            assert quoted and entity_text(answer, "blockquote") == quoted  # the source's words as a block quote
            titles = [f"《{p.source.title}》" for p in reply.parts if p.role == "source" and p.source]
            assert titles and set(titles) <= set(entity_text(answer, "italic"))  # source titles in italics
            assert answer["text"].replace("\n", "") == reply.answer.replace("\n", "")  # the same words
            assert any(m == "sendChatAction" for m, _, _ in api.calls)
            data = dict((t, d) for t, d in buttons(answer))
            assert "📄 原文1" in data and "👍" in data and "👎" in data
            api.press(USER, answer, data["📄 原文1"])
            passage = await bot.reply(USER, "原文段落", after=answer["message_id"])
            assert "2021年6月" in passage["text"]
            api.press(USER, answer, data["👍"])
            for _ in range(500):
                if any(c.get("text") == "谢谢您的反馈！" for c in api.method_calls("answerCallbackQuery")):
                    break
                await asyncio.sleep(0.02)
            iid = int(data["👍"].split(":")[1])
            assert services.store.feedback_for(iid) == [1]
            assert services.store.interaction(iid)["question"] == "社会工作发展专项基金是什么时候成立的？"

    asyncio.run(scenario())


def test_decline_and_unanswered_list_for_staff(api: FakeBotAPI, settings: Settings, engine: Engine,
                                               tmp_path: Path) -> None:
    async def scenario() -> None:
        async with BotRun(api, make_services(settings, engine, api, tmp_path)) as bot:
            api.send_text(USER, "北京明天天气怎么样？我的手机是13812345678")
            decline = await bot.reply(USER, "抱歉")
            assert "建议咨询" in decline["text"]
            api.send_text(ADMIN, "/unanswered")
            listing = await bot.reply(ADMIN, "未能回答")
            assert "北京明天天气怎么样" in listing["text"] and "[手机号]" in listing["text"]
            assert "13812345678" not in listing["text"]
            api.send_text(ADMIN, "/stats")
            stats = await bot.reply(ADMIN, "最近 7 天")
            assert "拒答 1 次" in stats["text"]
            api.send_text(ADMIN, "/reload")
            reloaded = await bot.reply(ADMIN, "已重新索引")
            assert "5 unchanged" in reloaded["text"]

    asyncio.run(scenario())


def test_user_words_are_escaped(api: FakeBotAPI, settings: Settings, engine: Engine, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with BotRun(api, make_services(settings, engine, api, tmp_path)) as bot:
            api.send_text(USER, "我们机构成立两年<b>a&b</b>，可以申报创投计划吗？")
            reply = await bot.reply(USER, "初步判断")
            assert "<b>a&b</b>" in reply["text"]  # shown as typed, not taken as markup
            assert entity_text(reply, "bold") == [reply["text"].splitlines()[0]]  # only the verdict is bold
            assert {"必须是在市区民政局注册成立三年以上的社会组织", "历年年检合格"} <= set(entity_text(reply, "italic"))
            units = reply["text"].encode("utf-16-le")
            before = {units[2 * e["offset"] - 2:2 * e["offset"]].decode("utf-16-le")
                      for e in reply["entities"] if e["type"] == "italic"}
            assert before == {"“", "："}  # the quoted clauses (not a label that reads the same) and the title

    asyncio.run(scenario())


def test_long_text_is_split_under_the_limit(api: FakeBotAPI, settings: Settings, engine: Engine,
                                            tmp_path: Path) -> None:
    text = "\n".join(f"第{i}行：<社工站>&服务" * 8 for i in range(120))
    parts = split_text(text)
    assert len(parts) > 1 and "\n".join(parts) == text

    async def scenario() -> None:
        bot = BotRun(api, make_services(settings, engine, api, tmp_path))
        async with bot:
            await send(CallbackContext(bot.app), USER, text)
        sent = api.method_calls("sendMessage")
        assert len(sent) == len(parts)
        assert all(len(m["text"]) <= LIMIT for m in sent)

    asyncio.run(scenario())


def test_rate_limit_answers_kindly(api: FakeBotAPI, settings: Settings, engine: Engine, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with BotRun(api, make_services(settings, engine, api, tmp_path, user_messages_per_minute=3)) as bot:
            for _ in range(5):
                api.send_text(USER, "创投计划申报截止到几号？")
            await bot.reply(USER, "请稍等一分钟")

    asyncio.run(scenario())


def test_in_a_group_it_answers_only_when_addressed(api: FakeBotAPI, settings: Settings, engine: Engine,
                                                  tmp_path: Path) -> None:
    group = -5005

    async def scenario() -> None:
        async with BotRun(api, make_services(settings, engine, api, tmp_path)) as bot:
            mark = api.last_id()
            api.send_text(USER, "创投计划申报截止到几号？", chat_id=group, chat_type="group")
            assert await bot.silent(group, mark)
            api.send_text(USER, "@sw_helper_bot 创投计划申报截止到几号？", chat_id=group, chat_type="group")
            first = await bot.reply(group, "4月10日", after=mark)
            api.send_text(USER, "那签约是什么时候？", chat_id=group, chat_type="group", reply_to_bot=first)
            await bot.reply(group, "4月中下旬", after=first["message_id"])

    asyncio.run(scenario())


def test_check_with_buttons_resumes_after_a_restart(api: FakeBotAPI, settings: Settings, engine: Engine,
                                                    tmp_path: Path) -> None:
    services = make_services(settings, engine, api, tmp_path)

    async def first_run() -> None:
        async with BotRun(api, services) as bot:
            api.send_text(USER, "/check")
            prompt = await bot.reply(USER, "第1项")
            yes = dict(buttons(prompt))["是"]
            api.press(USER, prompt, yes)
            await bot.reply(USER, "第2项", after=prompt["message_id"])

    async def second_run() -> None:  # a new application: the state comes from the store
        async with BotRun(api, make_services(settings, engine, api, tmp_path)) as bot:
            mark = api.last_id()
            api.send_text(USER, "/check")
            await bot.reply(USER, "继续上次", after=mark)
            prompt = await bot.reply(USER, "第2项", after=mark)
            api.send_text(USER, "两年半")
            verdict = await bot.reply(USER, "初步判断", after=prompt["message_id"])
            assert "不符合" in verdict["text"] and "❌ 注册成立三年以上" in verdict["text"]

    asyncio.run(first_run())
    asyncio.run(second_run())


def test_browse_stations_by_district(api: FakeBotAPI, settings: Settings, engine: Engine, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with BotRun(api, make_services(settings, engine, api, tmp_path)) as bot:
            api.send_text(USER, "/start")
            menu = await bot.reply(USER, "北京社会工作问答助手")
            api.press(USER, menu, "menu:stations")
            districts = await bot.reply(USER, "请选择", after=menu["message_id"])
            assert [t for t, _ in buttons(districts)] == ["大兴区", "通州区"]
            api.press(USER, districts, dict(buttons(districts))["大兴区"])
            stations = await bot.reply(USER, "大兴区的", after=districts["message_id"])
            api.press(USER, stations, dict(buttons(stations))["赵庄子村级社工站"])
            station = await bot.reply(USER, "大病救助", after=stations["message_id"])
            assert "2022年3月29日" in station["text"]

    asyncio.run(scenario())


def test_errors_are_answered_politely(api: FakeBotAPI, settings: Settings, engine: Engine, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    services = make_services(settings, engine, api, tmp_path)

    def broken(question: object) -> object:
        raise RuntimeError("index exploded")

    monkeypatch.setattr(services, "_ask", broken)

    async def scenario() -> None:
        async with BotRun(api, services) as bot:
            api.send_text(USER, "创投计划申报截止到几号？")
            await bot.reply(USER, "出了点问题")

    asyncio.run(scenario())


def test_unknown_command_gets_help(api: FakeBotAPI, settings: Settings, engine: Engine, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with BotRun(api, make_services(settings, engine, api, tmp_path)) as bot:
            api.send_text(USER, "/foo")
            await bot.reply(USER, "用法")

    asyncio.run(scenario())


def test_staff_commands_are_refused_to_others_and_logged(api: FakeBotAPI, settings: Settings, engine: Engine,
                                                         tmp_path: Path) -> None:
    services = make_services(settings, engine, api, tmp_path)

    async def scenario() -> None:
        async with BotRun(api, services) as bot:
            for command in ("/stats", "/reload", "/unanswered"):
                mark = api.last_id()
                api.send_text(USER, command)
                await bot.reply(USER, "只对工作人员开放", after=mark)
            mark = api.last_id()
            api.send_document(USER, "## 标题\n\n正文。".encode(), "x.md", caption="标题｜2023-01-01")
            await bot.reply(USER, "只对工作人员开放", after=mark)
        refused = [r for r in services.store.staff_log() if not r["allowed"]]
        assert {r["action"] for r in refused} == {"/stats", "/reload", "/unanswered", "upload"}

    asyncio.run(scenario())


def test_handler_level_gate_with_process_update(api: FakeBotAPI, settings: Settings, engine: Engine,
                                                tmp_path: Path) -> None:
    services = make_services(settings, engine, api, tmp_path)

    async def scenario() -> None:
        bot = BotRun(api, services)
        await bot.app.initialize()
        try:
            data = {"update_id": 1, "message": {"message_id": 5, "date": int(time.time()),
                    "chat": {"id": USER, "type": "private"}, "from": {"id": USER, "is_bot": False, "first_name": "u"},
                    "text": "/stats", "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}
            await bot.app.process_update(Update.de_json(data, bot.app.bot))
        finally:
            await bot.app.shutdown()
        assert any("只对工作人员开放" in m["text"] for m in api.method_calls("sendMessage"))
        assert not any("最近 7 天" in m["text"] for m in api.method_calls("sendMessage"))

    asyncio.run(scenario())


def test_fifty_users_at_once(api: FakeBotAPI, settings: Settings, engine: Engine, tmp_path: Path) -> None:
    questions = ["创投计划申报截止到几号？", "魏善庄有社工站吗，能做什么？", "北京现在有多少社工专业人才？",
                 "申报创投计划的机构需要具备哪些条件？", "“五社联动”是哪五方？"]

    async def scenario() -> list[float]:
        async with BotRun(api, make_services(settings, engine, api, tmp_path)) as bot:
            users = list(range(20000, 20050))
            started = {}
            for i, user in enumerate(users):
                started[user] = time.monotonic()
                api.send_text(user, questions[i % len(questions)])
            replies = await asyncio.gather(*(bot.reply(u, "", timeout=120) for u in users))
            done = {}
            for method, params, at in list(api.calls):
                if method == "sendMessage" and int(params["chat_id"]) in started:
                    done.setdefault(int(params["chat_id"]), at)
            assert len(replies) == 50 and len(done) == 50
            return [done[u] - started[u] for u in users]

    latencies = asyncio.run(scenario())
    assert isinstance(latencies, list)
    p50 = statistics.median(latencies)
    p95 = sorted(latencies)[int(len(latencies) * 0.95) - 1]
    print(f"50 users at once: p50={p50:.2f}s p95={p95:.2f}s max={max(latencies):.2f}s")
    Path("test-artifacts").mkdir(exist_ok=True)
    Path("test-artifacts/telegram-concurrency.txt").write_text(
        f"50 users at once: p50={p50:.2f}s p95={p95:.2f}s max={max(latencies):.2f}s\n", encoding="utf-8")
