"""The public web chat over HTTP (the real app, engine and store; no browser): conversation per cookie,
form tokens, rate limit, self-check, feedback, recording for staff, and the page without inline code."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from bot.answering.engine import Engine
from bot.answering.reply import Question
from bot.channels.web.app import COOKIE, create_app
from bot.settings import Settings
from bot.state.store import Store

FETCH = {"X-Requested-With": "fetch"}


def web_settings(settings: Settings, tmp_path: Path, **changes: object) -> Settings:
    return settings.model_copy(update={"data_dir": tmp_path / "web", "database_url": None, **changes})


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(f"sqlite:///{tmp_path / 'web.sqlite3'}")


@pytest.fixture
def client(settings: Settings, engine: Engine, store: Store, tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(web_settings(settings, tmp_path), engine, store, today=lambda: dt.date(2022, 4, 1))
    with TestClient(app) as c:
        yield c


def token(client: TestClient) -> str:
    page = client.get("/")
    found = re.search(r'name="t" value="([0-9a-f]+)"', page.text)
    assert found, page.text[:500]
    return found.group(1)


def ask(client: TestClient, text: str, t: str) -> str:
    r = client.post("/ask", data={"q": text, "t": t}, headers=FETCH)
    assert r.status_code == 200, r.text
    return r.text


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {k for k, _ in attrs}
        if tag == "script" and "src" not in names:
            self.problems.append("inline <script>")
        if tag == "script" and not dict(attrs).get("src", "").startswith("/static/"):  # type: ignore[union-attr]
            self.problems.append(f"script from elsewhere: {dict(attrs).get('src')}")
        if tag == "link" and not (dict(attrs).get("href") or "").startswith("/static/"):
            self.problems.append(f"stylesheet from elsewhere: {dict(attrs).get('href')}")
        self.problems += [f"{tag} {k}=" for k in names if k.startswith("on") or k == "style"]
        if tag == "style":
            self.problems.append("inline <style>")


def test_page_sets_an_anonymous_cookie_and_a_strict_policy(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200 and "北京社会工作" in r.text
    assert re.fullmatch(r"[A-Za-z0-9_-]{20,40}", r.cookies[COOKIE])
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    policy = r.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    parser = _Scripts()
    parser.feed(r.text)
    assert parser.problems == []
    assert client.get("/static/chat.js").status_code == 200
    again = client.get("/")
    assert COOKIE not in again.cookies  # the same browser keeps its conversation


def test_a_question_is_answered_with_its_sources_and_recorded(client: TestClient, store: Store) -> None:
    t = token(client)
    fragment = ask(client, "创投计划申报截止到几号？", t)
    assert "4月10日" in fragment and "<details>" in fragment
    assert re.search(r"<summary>〔1〕《[^》]+》\d{4}年", fragment)
    iid = int(re.search(r'name="i" value="(\d+)"', fragment).group(1))  # type: ignore[union-attr]
    row = store.interaction(iid)
    assert row is not None and row["channel"] == "web" and row["answered"] and row["sources"]
    follow_up = ask(client, "那签约是什么时候？", t)  # the conversation's history is used
    assert "4月中下旬" in follow_up
    page = client.get("/").text  # the conversation is there after a reload
    assert "创投计划申报截止到几号？" in page and "4月中下旬" in page


def test_an_answer_is_rendered_from_its_parts(client: TestClient, engine: Engine) -> None:
    """The source's words as a block quote, each source its own element with its title and date."""
    question = "社会工作发展专项基金是什么时候成立的？"
    fragment = ask(client, question, token(client))
    reply = engine.ask(Question(question, dt.date(2022, 4, 1)))
    quoted = [p for p in reply.parts if p.role == "quote"]
    assert quoted and all(f'<blockquote class="quote">{escape(p.text)}</blockquote>' in fragment
                          for p in quoted)
    for p in reply.parts:
        if p.role == "source" and p.source is not None:
            title = re.escape(str(escape(p.source.title)))
            assert re.search(rf'<span class="part-source">〔\d〕<cite>《{title}》</cite>'
                             rf'[^<]*<time datetime="{p.source.published.iso()}">{p.source.date}</time></span>',
                             fragment), fragment
    page = client.get("/").text  # a reload shows the same rendering, from the stored parts
    assert f'<blockquote class="quote">{escape(quoted[0].text)}</blockquote>' in page


def test_traditional_characters_are_understood(client: TestClient) -> None:
    assert "4月10日" in ask(client, "創投計劃申報截止到幾號？", token(client))


def test_a_declined_question_reaches_the_staff_queue(client: TestClient, store: Store) -> None:
    ask(client, "社工站的电话是多少？", token(client))
    queued = store.unanswered(10)
    assert [r["channel"] for r in queued] == ["web"] and queued[0]["question"] == "社工站的电话是多少？"


def test_personal_numbers_are_masked_before_storing(client: TestClient, store: Store) -> None:
    fragment = ask(client, "我的电话13812345678，能申报创投计划吗？", token(client))
    iid = int(re.search(r'name="i" value="(\d+)"', fragment).group(1))  # type: ignore[union-attr]
    assert store.interaction(iid)["question"] == "我的电话[手机号]，能申报创投计划吗？"  # type: ignore[index]
    assert "13812345678" not in client.get("/").text and "[手机号]" in fragment


def test_forms_need_the_page_token_and_a_cookie(client: TestClient, settings: Settings, engine: Engine,
                                                store: Store, tmp_path: Path) -> None:
    token(client)
    assert client.post("/ask", data={"q": "你好", "t": "0" * 32}, headers=FETCH).status_code == 403
    other = TestClient(create_app(web_settings(settings, tmp_path), engine, store))
    assert other.post("/ask", data={"q": "你好", "t": token(client)}, headers=FETCH).status_code == 403


def test_feedback_is_stored_for_this_browser_only(client: TestClient, store: Store, settings: Settings,
                                                  engine: Engine, tmp_path: Path) -> None:
    t = token(client)
    iid = int(re.search(r'name="i" value="(\d+)"', ask(client, "创投计划一共资助多少个项目？", t)).group(1))  # type: ignore[union-attr]
    r = client.post("/feedback", data={"i": iid, "v": "-1", "t": t}, headers=FETCH)
    assert r.status_code == 200 and 'aria-pressed="true">👎' in r.text and "谢谢反馈" in r.text
    assert store.feedback_for(iid) == [-1]
    assert [q["id"] for q in store.unanswered(10, disliked=True)] == [iid]
    with TestClient(create_app(web_settings(settings, tmp_path), engine, store)) as stranger:
        r = stranger.post("/feedback", data={"i": iid, "v": "1", "t": token(stranger)}, headers=FETCH)
        assert r.status_code == 404 and store.feedback_for(iid) == [-1]


def test_the_self_check_as_buttons_to_a_verdict(client: TestClient) -> None:
    t = token(client)
    ask(client, "我们机构在海淀区注册4年了", t)
    r = client.post("/check", data={"t": t}, headers=FETCH)
    assert "第3项" in r.text  # what was said counts: place and years are known
    buttons = re.findall(r'<button type="submit" name="q" value="([^"]+)"', r.text)
    assert "是" in buttons and "退出" in buttons
    answers = iter(["是", "12", "没有", "6", "2"])
    fragment = r.text
    while "初步判断" not in fragment:
        fragment = ask(client, next(answers), t)
    assert "初步判断：符合2022社会工作创投计划对申报机构的全部硬性条件" in fragment
    assert 'class="options"' not in fragment
    assert "4月10日" in ask(client, "创投计划申报截止到几号？", t)  # back to questions


def test_leaving_the_self_check(client: TestClient) -> None:
    t = token(client)
    client.post("/check", data={"t": t}, headers=FETCH)
    assert "已退出自查" in ask(client, "退出", t)
    assert "4月10日" in ask(client, "创投计划申报截止到几号？", t)


def test_without_javascript_forms_return_to_the_page(client: TestClient) -> None:
    t = token(client)
    r = client.post("/ask", data={"q": "魏善庄有社工站吗，能做什么？", "t": t}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/#m")
    assert "魏善庄镇" in client.get("/").text
    r = client.post("/new", data={"t": t}, follow_redirects=False)
    assert r.status_code == 303 and "魏善庄镇" not in client.get("/").text


def test_a_limit_per_address(settings: Settings, engine: Engine, store: Store, tmp_path: Path) -> None:
    app = create_app(web_settings(settings, tmp_path, web_messages_per_minute=3), engine, store)
    with TestClient(app) as c:
        t = token(c)
        codes = [c.post("/ask", data={"q": "创投计划什么时候截止？", "t": t}, headers=FETCH).status_code
                 for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        assert "稍等" in c.post("/ask", data={"q": "你好", "t": t}, headers=FETCH).text
