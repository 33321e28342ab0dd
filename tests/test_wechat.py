"""The WeChat Official Account endpoint under uvicorn on 127.0.0.1, driven by a local stand-in for WeChat's
servers (tests/helpers/wechat.py) that posts signed XML, plain and encrypted, and records the API calls
the account makes (access token, customer-service messages, menu)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.answering.engine import Engine
from bot.channels.texts import channel_texts
from bot.channels.web.app import create_app
from bot.channels.wechat import api as wechat_api
from bot.channels.wechat.api import ApiClient, menu
from bot.state.store import Store
from tests.helpers.llm_server import FakeLLM, Scripted
from tests.helpers.serve import serve
from tests.helpers.wechat import AES_KEY, APP_ID, APP_SECRET, TOKEN, FakeWeChatAPI, Platform, event_xml, text_xml
from tests.test_llm import COUNT_Q, with_llm

USER = "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"
TODAY = dt.date(2022, 4, 1)


@contextmanager
def account(engine: Engine, store: Store, tmp_path: Path, api: FakeWeChatAPI | None = None, *, aes: bool = False,
            **changes: Any) -> Iterator[Platform]:
    """The web service with the WeChat endpoint, and the platform that posts to it."""
    settings = engine.settings.model_copy(update={
        "data_dir": tmp_path, "wechat_token": TOKEN, "wechat_app_id": APP_ID,
        "wechat_encoding_aes_key": AES_KEY if aes else None,
        "wechat_app_secret": APP_SECRET if api else None,
        "wechat_api_base_url": api.base_url if api else "http://127.0.0.1:9/cgi-bin/", **changes})
    with serve(create_app(settings, engine, store, today=lambda: TODAY)) as base:
        yield Platform(f"{base}/wechat", aes_key=AES_KEY if aes else None)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(f"sqlite:///{tmp_path / 'wechat.sqlite3'}")


def rows(store: Store) -> list[dict[str, Any]]:
    """Every interaction recorded, oldest first (ids are made by the writer, time-ordered)."""
    from sqlalchemy import select

    from bot.state.store import interactions

    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(interactions).order_by(interactions.c.id)).mappings()]


def test_the_server_check_echoes_only_with_the_right_signature(engine: Engine, store: Store, tmp_path: Path) -> None:
    import httpx

    with account(engine, store, tmp_path) as wechat:
        query, _ = wechat.query()
        ok = httpx.get(wechat.url, params={**query, "echostr": "4913205923872047"})
        assert ok.status_code == 200 and ok.text == "4913205923872047"
        query, _ = wechat.query(bad="signature")
        assert httpx.get(wechat.url, params={**query, "echostr": "x"}).status_code == 403


@pytest.mark.parametrize("aes", [False, True], ids=["plain", "safe-mode"])
def test_a_text_message_gets_a_passive_answer_and_is_recorded(engine: Engine, store: Store, tmp_path: Path,
                                                               aes: bool) -> None:
    with account(engine, store, tmp_path, aes=aes) as wechat:
        response = wechat.post(text_xml(USER, "创投计划申报截止到几号？", 1001))
        assert response.status_code == 200
        if aes:
            assert "<Encrypt>" in response.text and "4月10日" not in response.text
        reply = wechat.reply(response)
        assert reply["ToUserName"] == USER and reply["FromUserName"] == "gh_account" and reply["MsgType"] == "text"
        assert "4月10日" in reply["Content"] and "回复“1”有用" in reply["Content"]
        assert len(reply["Content"].encode()) <= 2048
    [row] = rows(store)
    assert row["channel"] == "wechat" and row["user_id"] == USER and row["answered"]


def test_forged_stale_and_replayed_requests(engine: Engine, store: Store, tmp_path: Path) -> None:
    with account(engine, store, tmp_path, aes=True) as wechat:
        assert wechat.post(text_xml(USER, "你好", 2001), bad="signature").status_code == 403
        assert wechat.post(text_xml(USER, "你好", 2002), bad="msg_signature").status_code == 403
        stale = int(time.time()) - 3600
        assert wechat.post(text_xml(USER, "创投计划申报截止到几号？", 2003), timestamp=stale).status_code == 403
        assert rows(store) == []

        first = wechat.post(text_xml(USER, "创投计划申报截止到几号？", 2004))
        again = wechat.resend(first)  # WeChat's retry, or a replay within the five minutes
        assert again.status_code == 200 and wechat.reply(again)["Content"] == wechat.reply(first)["Content"]
        assert len(rows(store)) == 1  # answered and recorded once
        plain = Platform(wechat.url)  # a plain request where the account is in safe mode still needs the token
        assert plain.post(text_xml(USER, "你好", 2005), bad="signature").status_code == 403


def test_subscribe_menu_and_the_self_check_by_text(engine: Engine, store: Store, tmp_path: Path) -> None:
    with account(engine, store, tmp_path) as wechat:
        welcome = wechat.reply(wechat.post(event_xml(USER, "subscribe")))["Content"]
        assert welcome.startswith("您好！我是北京社会工作问答助手") and "菜单" in welcome
        asked = wechat.reply(wechat.post(event_xml(USER, "CLICK", "q:0")))["Content"]
        assert "4月10日" in asked
        step = wechat.reply(wechat.post(event_xml(USER, "CLICK", "check")))["Content"]
        assert "第1项，共7项" in step and "请回复：是／否" in step
        for n, answer in enumerate(("是", "5年以上", "是", "12", "没有", "6", "2")):
            step = wechat.reply(wechat.post(text_xml(USER, answer, 3000 + n)))["Content"]
        assert "初步判断：符合" in step
        assert wechat.reply(wechat.post(event_xml(USER, "VIEW", "https://example.org/"))) == {}
        image = ("<xml><ToUserName>gh_account</ToUserName><FromUserName>" + USER + "</FromUserName><CreateTime>"
                 f"{int(time.time())}</CreateTime><MsgType>image</MsgType><PicUrl>http://x/y.jpg</PicUrl>"
                 "<MediaId>m</MediaId><MsgId>3999</MsgId></xml>")
        assert "文字" in wechat.reply(wechat.post(image))["Content"]


def test_feedback_by_replying_1_or_2(engine: Engine, store: Store, tmp_path: Path) -> None:
    with account(engine, store, tmp_path) as wechat:
        wechat.post(text_xml(USER, "创投计划一共资助多少个项目？", 4001))
        thanks = wechat.reply(wechat.post(text_xml(USER, "2", 4002)))["Content"]
        assert thanks == "谢谢您的反馈！"
    [row] = rows(store)
    assert store.feedback_for(row["id"]) == [-1]
    assert [r["id"] for r in store.unanswered(10, disliked=True)] == [row["id"]]


def test_a_slow_model_answer_follows_through_the_customer_service_api(engine: Engine, store: Store,
                                                                        tmp_path: Path) -> None:
    good = "创投计划最终将对15个项目予以资助[1]。项目涉及儿童、老年人、残疾人等多个领域[1]。"
    with FakeLLM() as llm, FakeWeChatAPI() as api:
        llm.script = lambda purpose, user: Scripted(good, delay=1.5)
        slow = with_llm(engine, llm, llm_timeout=10.0, llm_stream=False)
        with account(slow, store, tmp_path, api, wechat_reply_seconds=0.5) as wechat:
            passive = wechat.reply(wechat.post(text_xml(USER, COUNT_Q, 5001)))
            # the reply window (0.5 s) closed before the model (1.5 s) answered: "working on it", the answer after
            assert passive["Content"] == channel_texts(engine.settings.prompts_dir)["wechat_working"]
            [sent] = api.wait_sent(1)
        assert sent["touser"] == USER and sent["msgtype"] == "text"
        assert sent["text"]["content"].startswith("创投计划最终将对15个项目予以资助〔1〕")
        assert [name for name, _ in api.calls] == ["token", "custom_send"]  # one access token, then the message
    [row] = rows(store)
    assert row["channel"] == "wechat" and "15个项目" in row["answer"]


def test_a_long_answer_continues_in_customer_service_messages(engine: Engine, store: Store, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Today's answers fit WeChat's 2048 bytes; a smaller limit stands for a longer answer."""
    monkeypatch.setattr(wechat_api, "TEXT_BYTES", 600)
    question = "我们机构在海淀区注册4年了，有12个专职人员，能申报吗？"  # the verdict lists all seven criteria
    with FakeWeChatAPI() as api, account(engine, store, tmp_path / "a", api) as wechat:
        passive = wechat.reply(wechat.post(text_xml(USER, question, 6001)))["Content"]
        deadline = time.monotonic() + 30
        while not any(m["text"]["content"].endswith("没用。") for m in api.wait_sent(1)):
            assert time.monotonic() < deadline, api.sent()
            time.sleep(0.05)
        rest = [m["text"]["content"] for m in api.sent()]
    assert len(passive.encode()) <= 600 and rest and all(len(r.encode()) <= 600 for r in rest)
    whole = "\n".join([passive, *rest])
    assert whole.startswith("目前还不能判断") and "✅ 专职人员10人以上" in whole and whole.endswith("回复“2”没用。")
    with account(engine, store, tmp_path / "b", web_url="https://ask.example.org/") as wechat:  # no API access
        cut = wechat.reply(wechat.post(text_xml(USER, question, 6002)))["Content"]
    assert len(cut.encode()) <= 600 and cut.endswith("完整内容请看网页版：https://ask.example.org/）")


def test_the_menu_is_created_through_the_api(engine: Engine) -> None:
    with FakeWeChatAPI() as api:
        settings = engine.settings.model_copy(update={"wechat_app_id": APP_ID, "wechat_app_secret": APP_SECRET,
                                                      "wechat_api_base_url": api.base_url})
        texts = channel_texts(settings.prompts_dir)
        ApiClient(settings).menu.create(menu(texts, "https://ask.example.org/"))
        [created] = api.sent("menu_create")
        top = created["button"]
        assert [b["name"] for b in top] == ["条件自查", "常见问题", "网页版"]
        assert [b["key"] for b in top[1]["sub_button"]] == [f"q:{i}" for i in range(len(texts.suggestions))]
        assert all(len(b["name"]) <= 8 for b in top[1]["sub_button"])


def test_the_menu_command(engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.channels import cli

    with FakeWeChatAPI() as api:
        settings = engine.settings.model_copy(update={"wechat_app_id": APP_ID, "wechat_app_secret": APP_SECRET,
                                                      "wechat_api_base_url": api.base_url})
        monkeypatch.setattr(cli, "load_settings", lambda: settings)
        assert cli.main(["wechat-menu"]) == 0 and len(api.sent("menu_create")) == 1
        wrong = settings.model_copy(update={"wechat_app_secret": "wrong"})
        monkeypatch.setattr(cli, "load_settings", lambda: wrong)
        assert cli.main(["wechat-menu"]) == 2
    assert "refused" in capsys.readouterr().err
