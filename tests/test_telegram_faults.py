"""Telegram under faults, through the real PTB client and the Bot API stand-in: failed calls, bursts,
group members, forged buttons, personal numbers, and the bot token in the logs."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.answering.engine import Engine
from bot.channels.telegram.services import FairWorker
from bot.settings import Settings
from tests.helpers.botapi import FakeBotAPI
from tests.helpers.tg import BotRun, buttons, make_services

pytestmark = pytest.mark.slow
USER = 3001
DEADLINE_Q = "创投计划申报截止到几号？"
ERROR_REPLY = "出了点问题"


def _texts(api: FakeBotAPI, chat: int) -> list[str]:
    return [m.get("text", "") for m in api.sent(chat)]


# ---------------------------------------------------------------------- failed calls (item 11)
@pytest.mark.parametrize("method,times,status", [
    ("sendMessage", 1, 502), ("sendMessage", 1, 0), ("sendMessage", 2, 500), ("sendChatAction", 1, 502),
    ("sendMessage", 3, 429),
], ids=["502", "connection-dropped", "two-500s", "typing-502", "429-three-times"])
def test_an_answer_survives_failed_calls(api: FakeBotAPI, settings: Settings, engine: Engine, tmp_path: Path,
                                         method: str, times: int, status: int) -> None:
    async def scenario() -> None:
        async with BotRun(api, make_services(settings, engine, api, tmp_path)) as bot:
            api.fail(method, times, status)
            api.send_text(USER, DEADLINE_Q)
            answer = await bot.reply(USER, "4月10日", timeout=60)
            assert "来源" in answer["text"] or "征集" in answer["text"]
            await asyncio.sleep(0.3)
            assert not any(ERROR_REPLY in t for t in _texts(api, USER))  # the answer, not the error reply
            assert sum("4月10日" in t for t in _texts(api, USER)) == 1  # once
            assert api.failed == [(method, status)] * times

    asyncio.run(scenario())


# ---------------------------------------------------------------------- bursts (item 12)
class _RecordingWorker(FairWorker):
    """The engine's worker, noting when each user's job is handed in and when it starts."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[str, object]] = []
        self.opened = threading.Event()  # jobs wait for it: the queue fills however fast the engine is
        self._lock = threading.Lock()

    def submit(self, key, job):  # type: ignore[no-untyped-def]
        def noted():  # type: ignore[no-untyped-def]
            with self._lock:
                self.events.append(("start", key))
            self.opened.wait(timeout=120)
            return job()
        with self._lock:
            self.events.append(("submit", key))
        return super().submit(key, noted)


def test_one_users_burst_does_not_starve_another(api: FakeBotAPI, settings: Settings, engine: Engine,
                                                 tmp_path: Path) -> None:
    a, b = 3101, 3102
    context = "我们是海淀区一家做社区养老服务的社会服务机构，想了解一下今年的情况。" * 80
    long_question = context[:1990] + "申报截止到几号？"
    assert len(long_question) <= settings.max_question_chars
    services = make_services(settings, engine, api, tmp_path)
    worker = services.worker = _RecordingWorker()

    async def scenario() -> list[int]:
        async with BotRun(api, services) as bot:
            for _ in range(10):
                api.send_text(a, long_question)
            deadline = time.monotonic() + 120
            while sum(1 for e, k in list(worker.events) if e == "submit" and k == a) < 10:
                assert time.monotonic() < deadline, "A's burst did not reach the engine's queue"
                await asyncio.sleep(0.01)
            api.send_text(b, DEADLINE_Q)
            while ("submit", b) not in list(worker.events):
                assert time.monotonic() < deadline, "B's question did not reach the engine's queue"
                await asyncio.sleep(0.01)
            worker.opened.set()
            await bot.reply(b, "4月10日", timeout=300)
            deadline = time.monotonic() + 600
            while len([m for m in api.sent(a)]) < 10 and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            return [int(p["chat_id"]) for m, p, _ in list(api.calls) if m == "sendMessage"]

    order = asyncio.run(scenario())
    assert order.count(a) == 10 and order.count(b) == 1
    events = worker.events
    b_in = events.index(("submit", b))
    started_after = [k for e, k in events[b_in:] if e == "start"]
    waiting = sum(1 for e, k in events[:b_in] if e == "submit" and k == a) - sum(
        1 for e, k in events[:b_in] if e == "start" and k == a)
    print(f"user B handed in with {waiting} of user A's questions waiting; B started after "
          f"{started_after.index(b)} of them")
    assert waiting == 9  # A's burst is queued in front of B (its first question is running)
    assert started_after[0] == b  # B is next, whatever A still has queued (the one running finishes first)


def test_a_message_refused_as_too_long_is_not_kept_in_history(api: FakeBotAPI, settings: Settings, engine: Engine,
                                                              tmp_path: Path) -> None:
    services = make_services(settings, engine, api, tmp_path)

    async def scenario() -> None:
        async with BotRun(api, services) as bot:
            api.send_text(USER, "社" * (settings.max_question_chars + 1))
            await bot.reply(USER, "太长")
            api.send_text(USER, DEADLINE_Q)
            await bot.reply(USER, "4月10日")

    asyncio.run(scenario())
    history = services.store.get_state(f"history:{USER}")
    assert [t["content"] for t in history if t["role"] == "user"] == [DEADLINE_Q]


# ---------------------------------------------------------------------- groups (item 13)
GROUP = -100500
A, B = 3201, 3202
MENTION = "@sw_helper_bot "


def test_group_members_have_their_own_history_and_screener(api: FakeBotAPI, settings: Settings, engine: Engine,
                                                           tmp_path: Path) -> None:
    services = make_services(settings, engine, api, tmp_path)

    async def scenario() -> None:
        async with BotRun(api, services) as bot:
            mark = api.last_id()
            said = "我们机构去年受过一次行政处罚，可以申报创投计划吗？"
            api.send_text(A, MENTION + said, chat_id=GROUP, chat_type="group")
            first = await bot.reply(GROUP, "初步判断", after=mark)
            assert "行政处罚" in first["text"]
            api.send_text(B, MENTION + "我们机构可以申报创投计划吗？", chat_id=GROUP, chat_type="group")
            second = await bot.reply(GROUP, "申报条件", after=first["message_id"])
            assert "行政处罚" not in second["text"] and "❌" not in second["text"]  # A's facts are A's
            api.send_text(B, "/check", chat_id=GROUP, chat_type="group")  # B's screening, not A's
            prompt = await bot.reply(GROUP, "第1项", after=second["message_id"])
            api.send_text(A, MENTION + DEADLINE_Q, chat_id=GROUP, chat_type="group")
            deadline = await bot.reply(GROUP, "4月10日", after=prompt["message_id"])  # not taken as B's answer
            assert "没看懂" not in deadline["text"]

    asyncio.run(scenario())
    keys = {k for k, in services.store.engine.connect().execute(text("SELECT key FROM states"))}
    assert {f"history:{GROUP}:{A}", f"history:{GROUP}:{B}", f"screener:{GROUP}:{B}"} <= keys
    assert f"history:{GROUP}" not in keys and f"screener:{GROUP}" not in keys


def _callback_texts(api: FakeBotAPI) -> list[str]:
    return [c.get("text", "") for c in api.method_calls("answerCallbackQuery")]


async def _wait_for(api: FakeBotAPI, count: int) -> None:
    for _ in range(500):
        if len(api.method_calls("answerCallbackQuery")) >= count:
            return
        await asyncio.sleep(0.02)
    raise TimeoutError("no answerCallbackQuery")


def test_only_the_person_who_got_an_answer_may_rate_it(api: FakeBotAPI, settings: Settings, engine: Engine,
                                                       tmp_path: Path) -> None:
    services = make_services(settings, engine, api, tmp_path)
    rated: list[int] = []

    async def scenario() -> None:
        async with BotRun(api, services) as bot:
            api.send_text(A, MENTION + DEADLINE_Q, chat_id=GROUP, chat_type="group")
            answer = await bot.reply(GROUP, "4月10日")
            down = dict(buttons(answer))["👎"]
            rated.append(int(down.split(":")[1]))
            api.press(B, answer, down)  # B thumbs down A's answer
            await _wait_for(api, 1)
            api.press(B, answer, f"fb:{rated[0]}:-1")  # forged by hand, in B's private chat
            await _wait_for(api, 2)
            api.press(B, answer, "fb:not-a-number:-1")
            await _wait_for(api, 3)
            api.press(A, answer, dict(buttons(answer))["👍"])
            await _wait_for(api, 4)

    asyncio.run(scenario())
    assert services.store.feedback_for(rated[0]) == [1]  # only A's own rating
    notes = _callback_texts(api)
    assert notes[0] == notes[1] == "只有收到这条回答的人可以评价它。" and notes[3] == "谢谢您的反馈！"
    assert not any(ERROR_REPLY in t for t in _texts(api, GROUP))


# ---------------------------------------------------------------------- personal numbers (item 4)
def test_phone_and_id_numbers_are_neither_stored_nor_echoed(api: FakeBotAPI, settings: Settings, engine: Engine,
                                                            tmp_path: Path) -> None:
    services = make_services(settings, engine, api, tmp_path)

    async def scenario() -> None:
        async with BotRun(api, services) as bot:
            api.send_text(USER, "我们机构（联系电话 138 1234 5678）在海淀区注册4年了，有12个专职人员，可以申报吗？")
            verdict = await bot.reply(USER, "申报条件")
            assert "您说“我们机构（联系电话[手机号]）" in verdict["text"] and "1234 5678" not in verdict["text"]
            api.send_text(USER, "/check")
            prompt = await bot.reply(USER, "第", after=verdict["message_id"])
            api.send_text(USER, "负责人身份证 11010519491231002X")
            await bot.reply(USER, "", after=prompt["message_id"])

    asyncio.run(scenario())
    with services.store.engine.connect() as conn:
        dump = json.dumps([[str(v) for v in row] for table in ("states", "interactions", "feedback", "staff_actions")
                           for row in conn.execute(text(f"SELECT * FROM {table}"))], ensure_ascii=False)
    assert "[手机号]" in dump
    assert "1234 5678" not in dump and "19491231" not in dump
    assert not any("1234 5678" in t or "19491231" in t for t in _texts(api, USER))


# ---------------------------------------------------------------------- the token in the logs (item 5)
TOKEN = "7311482519:AAGq3x-Jb6yT0v_Lk2mNpQrS8uVwXyZaBcD"


def test_the_bot_token_never_reaches_the_log(api: FakeBotAPI, settings: Settings, engine: Engine,
                                             tmp_path: Path) -> None:
    """`python -m bot -v telegram` against the stand-in: httpx logs every request URL, which holds the token."""
    env = {**os.environ, "BOT_DATA_DIR": str(settings.data_dir), "TELEGRAM_BOT_TOKEN": TOKEN,
           "TELEGRAM_BASE_URL": api.base_url, "TELEGRAM_BASE_FILE_URL": api.base_file_url,
           "BOT_DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}", "BOT_LLM_BASE_URL": "", "LLM_BASE_URL": ""}
    # The log goes to a file: a pipe nobody reads fills up (64 KiB of request lines) and blocks the bot.
    log_path = tmp_path / "bot.log"
    with log_path.open("w") as log_file:
        proc = subprocess.Popen([sys.executable, "-m", "bot", "-v", "telegram"], env=env,
                                stdout=subprocess.DEVNULL, stderr=log_file, text=True)
    try:
        deadline = time.monotonic() + 180
        while not api.method_calls("getUpdates") and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        api.send_text(USER, "我的电话是13812345678，创投计划申报截止到几号？")
        while not any("4月10日" in t for t in _texts(api, USER)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert any("4月10日" in t for t in _texts(api, USER)), "the bot did not answer"
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    log = log_path.read_text(encoding="utf-8", errors="replace")
    assert "HTTP Request: POST" in log and "/getUpdates" in log  # httpx's request lines are there
    secret = TOKEN.split(":", 1)[1]
    assert secret not in log and TOKEN.replace(":", "%3A") not in log
    assert "13812345678" not in log
    print(f"{log.count('HTTP Request')} request lines logged, token redacted in all")
