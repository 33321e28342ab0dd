"""The web admin in a real headless Chromium (Debian's /usr/bin/chromium driven by Playwright).

The server is the real app under uvicorn on 127.0.0.1. Screenshots go to test-artifacts/admin/.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.channels.admin.app import create_app
from bot.channels.admin.auth import hash_password
from bot.channels.admin.jobs import Workspace
from bot.channels.admin.serve import server as admin_server
from bot.index.embeddings import E5Embeddings
from bot.settings import PROJECT_ROOT, Settings
from bot.state.store import Store
from bot.wiring import build_engine
from tests.helpers.browser import chromium, require_chromium, wait_job
from tests.helpers.files import make_docx
from tests.helpers.knowledge import copy_knowledge
from tests.helpers.serve import serve
from tests.test_validity import ROUND_2023

pytestmark = [pytest.mark.slow, pytest.mark.browser]
SHOTS = PROJECT_ROOT / "test-artifacts" / "admin"
PASSWORD = "correct horse battery"

require_chromium()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, e5: E5Embeddings,
           built: Settings) -> Iterator[tuple[str, Settings, Store]]:
    settings = copy_knowledge(tmp_path_factory.mktemp("browser"), built)
    settings.admin_users = {"wang": hash_password(PASSWORD, iterations=2000)}
    store = Store(settings.database)
    space = Workspace(settings, engine=build_engine(settings, embeddings=e5))
    app = create_app(settings, space, store, today=lambda: dt.date(2023, 3, 10))
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with serve(app, admin_server) as base:
        yield base, settings, store
    space.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium() as b:
        yield b


def _sign_in(page: object, base: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/login")  # type: ignore[attr-defined]
    page.fill("input[name=username]", "wang")  # type: ignore[attr-defined]
    page.fill("input[name=password]", password)  # type: ignore[attr-defined]
    page.click("form[action='/login'] button")  # type: ignore[attr-defined]


def test_staff_sign_in_upload_search_and_add_an_faq(server: tuple[str, Settings, Store], browser: object,
                                                     tmp_path: Path) -> None:
    base, _, store = server
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="zh-CN")  # type: ignore[attr-defined]
    page = context.new_page()

    _sign_in(page, base, "not the password")
    assert "用户名或密码不正确" in page.inner_text("main")
    _sign_in(page, base)
    assert page.url == f"{base}/" and "概览" in page.inner_text("h1")
    page.screenshot(path=str(SHOTS / "overview.png"), full_page=True)

    notice = tmp_path / "2023年创投计划公告.docx"
    notice.write_bytes(make_docx(ROUND_2023))
    page.goto(f"{base}/documents")
    page.set_input_files("#upload input[type=file]", str(notice))
    page.fill("#upload input[name=title]", "2023年社会工作创投计划征集公告")
    page.fill("#upload input[name=published]", "2023-02-20")
    page.fill("#upload input[name=publication]", "北京市民政局")
    page.fill("#upload input[name=valid_until]", "2023-12-31")
    page.select_option("#upload select[name=supersedes]", "2022-03-chuangtou-jihua")
    page.screenshot(path=str(SHOTS / "upload-form.png"), full_page=True)
    page.click("#upload button[type=submit]")
    wait_job(page)  # the page's script polls the job
    assert "added" in page.inner_text("#job-message")
    page.screenshot(path=str(SHOTS / "reindex-done.png"))

    page.goto(f"{base}/documents")
    row = page.locator("#documents tr", has_text="2023年社会工作创投计划征集公告")
    assert row.count() == 1 and "有效期至 2023-12-31" in row.inner_text()
    assert "已被" in page.locator("#documents tr[data-id='2022-03-chuangtou-jihua']").inner_text()
    page.screenshot(path=str(SHOTS / "documents.png"), full_page=True)

    page.goto(f"{base}/search")
    page.fill("#search input[name=q]", "创投计划资助多少个项目？")
    page.click("#search button")
    assert "20个项目" in page.inner_text("#answer")
    assert page.locator("ol.sources li").count() >= 3
    page.screenshot(path=str(SHOTS / "search.png"), full_page=True)

    question = "社工站周末开门吗？"
    store.record(channel="telegram", user_id="9", chat_id="9", question=question, answer="抱歉，我的资料里没有……",
                 answered=False, kind="decline", confidence=0.3, latency_ms=20.0, sources=[])
    page.goto(f"{base}/queue")
    page.screenshot(path=str(SHOTS / "queue.png"), full_page=True)
    page.locator("li.card", has_text=question).locator("a.button").click()
    assert page.input_value("#faq-form textarea[name=questions]") == question
    page.fill("#faq-form textarea[name=answer]", "各社工站开放时间不同，请先电话咨询所在街道（乡镇）社工站。")
    page.select_option("#faq-form select[name=sources]", ["2022-03-wushe-liandong"])
    page.click("#faq-form button[type=submit]")
    assert "已加入常见问答" in page.inner_text(".flash")
    page.screenshot(path=str(SHOTS / "faq.png"), full_page=True)
    page.goto(f"{base}/search?q=社工站周末开门吗")
    assert "各社工站开放时间不同" in page.inner_text("#answer")
    context.close()


def test_missing_csrf_token_and_non_staff_are_refused(server: tuple[str, Settings, Store], browser: object) -> None:
    base, settings, _ = server
    context = browser.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    _sign_in(page, base)
    page.goto(f"{base}/documents")
    page.evaluate("document.querySelector('#upload input[name=csrf]').remove()")
    page.set_input_files("#upload input[type=file]", files=[{"name": "a.txt", "mimeType": "text/plain",
                                                             "buffer": "正文。".encode()}])
    page.fill("#upload input[name=title]", "t")
    page.fill("#upload input[name=published]", "2023")
    page.click("#upload button[type=submit]")
    assert "CSRF" in page.inner_text("main")

    removed = settings.admin_users.pop("wang")  # the account is withdrawn while its session is open
    try:
        response = page.goto(f"{base}/documents")
        assert response is not None and response.status == 403 and "不是工作人员" in page.inner_text("main")
    finally:
        settings.admin_users["wang"] = removed

    stranger = browser.new_context()  # type: ignore[attr-defined]
    stranger.add_cookies([{"name": "sw_admin", "value": "made-up", "url": base}])
    other = stranger.new_page()
    other.goto(f"{base}/documents")
    assert other.url == f"{base}/login"
    stranger.close()
    context.close()


def test_pages_fit_a_phone(server: tuple[str, Settings, Store], browser: object) -> None:
    base, _, _ = server
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,  # type: ignore[attr-defined]
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    _sign_in(page, base)
    for path, name in (("/documents", "phone-documents.png"), ("/stations", "phone-stations.png")):
        page.goto(base + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} is {overflow}px wider than the phone"
        page.screenshot(path=str(SHOTS / name), full_page=False)
    context.close()


def test_stations_by_name_with_services_and_plain_labels_on_the_search_page(
        server: tuple[str, Settings, Store], browser: object) -> None:
    """Issue 12: no internal ids or pinyin to type; Chinese labels and pass/fail in words, not emoji alone."""
    base, _, _ = server
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="zh-CN")  # type: ignore[attr-defined]
    page = context.new_page()
    _sign_in(page, base)
    page.goto(f"{base}/stations")
    assert "上级：大兴区魏善庄镇社会工作服务中心" in page.inner_text("main")
    assert "weishanzhuang" not in page.inner_text("main")
    assert page.locator("#station-new [name=station_id]").count() == 0
    page.fill("#station-new input[name=name]", "朝阳区银河街道社会工作服务站")
    page.fill("#station-new input[name=level]", "街道社工站")
    page.fill("#station-new input[name=district]", "朝阳区")
    page.select_option("#station-new select[name=parent]", label="大兴区魏善庄镇社会工作服务中心")
    page.fill("#station-new textarea[name=services]", "为独居老人提供上门探访\n每周三下午开放四点半课堂")
    page.click("#station-new button[type=submit]")
    assert "已添加 朝阳区银河街道社会工作服务站" in page.inner_text(".flash")
    card = page.locator("form.station", has_text="朝阳区银河街道社会工作服务站")
    assert "上级：大兴区魏善庄镇社会工作服务中心" in card.inner_text()
    assert "四点半课堂" in card.locator("textarea[name=services]").input_value()
    page.screenshot(path=str(SHOTS / "stations.png"), full_page=True)

    page.goto(f"{base}/search")
    page.fill("#search input[name=q]", "我们机构成立两年半，有11个专职人员，可以申报创投计划吗？")
    page.click("#search button")
    meta = page.inner_text("#reply-meta")
    assert "回复类型：申报条件判断" in meta and "eligibility" not in meta
    badges = page.locator("#criteria .badge").all_inner_texts()
    assert "不符合" in badges and "符合" in badges and "还不知道" in badges
    text = page.inner_text("main")
    for jargon in ("融合分", "语义排名", "station", "eligibility"):
        assert jargon not in text.split("打分细节")[0], jargon
    page.screenshot(path=str(SHOTS / "search-eligibility.png"), full_page=True)
    context.close()
