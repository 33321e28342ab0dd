"""The web admin through HTTP (FastAPI's TestClient): sign-in, CSRF, lock-out, documents, FAQ, stations."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bot.channels.admin.app import create_app
from bot.channels.admin.auth import hash_password, verify_password
from bot.channels.admin.jobs import Workspace
from bot.index.embeddings import E5Embeddings
from bot.settings import Settings
from bot.state.store import Store
from bot.wiring import build_engine
from tests.helpers.files import make_docx
from tests.helpers.knowledge import copy_knowledge
from tests.test_validity import ROUND_2023

pytestmark = pytest.mark.slow
PASSWORD = "correct horse battery"
TODAY = dt.date(2023, 3, 10)


@pytest.fixture(scope="module")
def admin(tmp_path_factory: pytest.TempPathFactory, e5: E5Embeddings,
          built: Settings) -> Iterator[tuple[TestClient, Settings, Store]]:
    settings = copy_knowledge(tmp_path_factory.mktemp("admin"), built)
    settings.admin_users = {"zhang": hash_password(PASSWORD, iterations=2000), "li": hash_password(PASSWORD + "!")}
    settings.admin_max_failures = 3
    store = Store(settings.database)
    space = Workspace(settings, engine=build_engine(settings, embeddings=e5))
    with TestClient(create_app(settings, space, store, today=lambda: TODAY)) as client:
        yield client, settings, store
    space.close()


def csrf(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "no CSRF token on the page"
    return m[1]


def sign_in(client: TestClient, user: str = "zhang", password: str = PASSWORD) -> str:
    r = client.post("/login", data={"username": user, "password": password}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return csrf(client.get("/").text)


def finish(client: TestClient, response: object) -> dict[str, object]:
    """Follow a re-index job page to its end."""
    url = str(response.headers["location"])  # type: ignore[attr-defined]
    assert url.startswith("/jobs/")
    for _ in range(600):
        job = client.get(url.replace("/jobs/", "/api/jobs/")).json()
        if job["state"] in ("done", "failed"):
            return dict(job)
        time.sleep(0.1)
    raise AssertionError("job did not finish")


def test_password_hashes() -> None:
    stored = hash_password("秘密口令123456")
    assert verify_password("秘密口令123456", stored) and not verify_password("秘密口令12345", stored)
    assert not verify_password("x", "garbage") and not verify_password("x", "md5$1$a$b")


def test_pages_need_a_session(admin: tuple[TestClient, Settings, Store]) -> None:
    client, _, _ = admin
    client.cookies.clear()
    for path in ("/", "/documents", "/queue", "/faq", "/stations", "/search?q=x"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login", path
    assert client.get("/api/jobs/x").status_code == 401
    client.cookies.set("sw_admin", "forged-session-id")
    assert client.get("/documents", follow_redirects=False).headers["location"] == "/login"
    client.cookies.clear()


def test_wrong_password_and_lock_out(admin: tuple[TestClient, Settings, Store]) -> None:
    client, settings, store = admin
    client.cookies.clear()
    r = client.post("/login", data={"username": "li", "password": "wrong"})
    assert r.status_code == 401 and "用户名或密码不正确" in r.text
    for _ in range(settings.admin_max_failures - 1):
        client.post("/login", data={"username": "li", "password": "wrong"})
    locked = client.post("/login", data={"username": "li", "password": PASSWORD + "!"})
    assert locked.status_code == 429 and "已暂时锁定" in locked.text
    assert any(a["action"] == "login" and not a["allowed"] and "locked" in a["detail"] for a in store.staff_log())


def test_forms_need_the_csrf_token(admin: tuple[TestClient, Settings, Store]) -> None:
    client, settings, _ = admin
    sign_in(client)
    before = sorted(p.name for p in (settings.knowledge_dir / "articles").iterdir())
    for data in ({}, {"csrf": "wrong"}):
        r = client.post("/documents/2020-kentanhui/remove", data=data)
        assert r.status_code == 403 and "CSRF" in r.text
    assert sorted(p.name for p in (settings.knowledge_dir / "articles").iterdir()) == before


def test_a_later_round_uploaded_answers_and_removing_it_removes_it(admin: tuple[TestClient, Settings, Store]) -> None:
    client, _, _ = admin
    token = sign_in(client)
    files = {"file": ("2023.docx", make_docx(ROUND_2023), "application/octet-stream")}
    r = client.post("/documents/upload", files=files, follow_redirects=False, data={
        "csrf": token, "title": "2023年社会工作创投计划征集公告", "published": "2023-02-20",
        "publication": "北京市民政局", "valid_until": "2023-12-31", "supersedes": "2022-03-chuangtou-jihua"})
    job = finish(client, r)
    assert job["state"] == "done" and "1 added" in str(job["message"]) and job["done"] == job["total"]
    listing = client.get("/documents").text
    assert "2023年社会工作创投计划征集公告" in listing and "有效期至 2023-12-31" in listing
    assert "已被 2023-02-20-" in listing  # the 2022 round is marked superseded
    found = client.get("/search", params={"q": "创投计划资助多少个项目？"}).text
    assert "20个项目" in found.split('id="answer"')[1].split("</pre>")[0] and "关键词排名" in found
    doc_id = re.search(r'data-id="(2023-02-20-[0-9a-f]+)"', listing)[1]  # type: ignore[index]
    # The old round refers to it, so it must be un-superseded first; then it can go.
    refused = client.post(f"/documents/{doc_id}/remove", data={"csrf": token})
    assert "仍被引用" in refused.text
    edit = client.post("/documents/2022-03-chuangtou-jihua/edit", follow_redirects=False, data={
        "csrf": token, "title": "设立专项基金 开展公益创投——社会力量支持社会工作发展新探索", "published": "2022-03",
        "publication": "公益时报", "superseded_by": ""})
    assert finish(client, edit)["state"] == "done"
    removed = finish(client, client.post(f"/documents/{doc_id}/remove", data={"csrf": token}, follow_redirects=False))
    assert removed["state"] == "done" and "1 removed" in str(removed["message"])
    after = client.get("/search", params={"q": "创投计划资助多少个项目？"}).text
    assert "20个项目" not in after and "15个项目" in after


def test_document_ids_are_checked_against_the_known_documents(admin: tuple[TestClient, Settings, Store]) -> None:
    """Issue 10 item 9: superseded_by=../../README made every page fail; supersedes=../../README reached a
    file outside articles/ and showed the server path."""
    client, settings, _ = admin
    token = sign_in(client)
    readme = settings.knowledge_dir.parent / "README.md"
    readme.write_text("---\nid: readme\n---\n", encoding="utf-8")
    before = sorted((p.name, p.stat().st_mtime_ns) for p in (settings.knowledge_dir / "articles").iterdir())
    edit = client.post("/documents/2020-kentanhui/edit", data={
        "csrf": token, "title": "t", "published": "2020", "publication": "公益时报", "superseded_by": "../../README"})
    assert "没有编号为 ../../README 的文档" in edit.text
    upload = client.post("/documents/upload", files={"file": ("n.txt", "正文。".encode(), "text/plain")}, data={
        "csrf": token, "title": "t", "published": "2023", "supersedes": "../../README"})
    assert "没有编号为 ../../README 的文档" in upload.text and str(settings.knowledge_dir) not in upload.text
    assert str(settings.knowledge_dir.parent) not in upload.text
    assert readme.read_text(encoding="utf-8") == "---\nid: readme\n---\n"
    assert sorted((p.name, p.stat().st_mtime_ns) for p in (settings.knowledge_dir / "articles").iterdir()) == before
    assert client.get("/documents").status_code == 200


def test_upload_without_a_date_is_refused_with_the_reason(admin: tuple[TestClient, Settings, Store]) -> None:
    client, _, _ = admin
    token = sign_in(client)
    files = {"file": ("x.docx", make_docx(["一些文字。"]), "application/octet-stream")}
    r = client.post("/documents/upload", files=files, data={"csrf": token, "title": "无日期"})
    assert r.status_code == 200 and "请给出标题和发布日期" in r.text
    bad = client.post("/documents/upload", files={"file": ("x.exe", b"MZ", "application/octet-stream")},
                      data={"csrf": token, "title": "t", "published": "2023"})
    assert "不支持的文件类型" in bad.text


def test_unanswered_question_becomes_an_faq_entry_in_one_step(admin: tuple[TestClient, Settings, Store]) -> None:
    client, _, store = admin
    token = sign_in(client)
    question = "社工站周末开门吗？"
    iid = store.record(channel="telegram", user_id="7", chat_id="7", question=question, answer="抱歉，我的资料里没有……",
                       answered=False, kind="decline", confidence=0.3, latency_ms=20.0, sources=[])
    queue = client.get("/queue").text
    assert question in queue and f"/faq/new?from={iid}" in queue
    form = client.get(f"/faq/new?from={iid}").text
    assert question in form
    r = client.post("/faq", data={"csrf": token, "interaction": str(iid), "questions": question,
                                  "answer": "各社工站开放时间不同，请先电话咨询所在街道（乡镇）社工站。",
                                  "sources": "2022-03-wushe-liandong"})
    assert "已加入常见问答" in r.text and question in r.text
    assert question not in client.get("/queue").text
    answer = client.get("/search", params={"q": "社工站周末开门吗"}).text
    assert "各社工站开放时间不同" in answer and "回复类型：常见问答" in answer

    entry_id = re.search(r'data-id="(faq-[0-9a-f]+)"', client.get("/faq").text)[1]  # type: ignore[index]
    form = client.get(f"/faq/{entry_id}").text
    assert "各社工站开放时间不同" in form and 'selected' in form  # the form holds the entry
    fixed = client.post("/faq", data={"csrf": token, "entry": entry_id, "questions": question + "\n周末社工站上班吗",
                                      "answer": "周末是否开放请先电话咨询所在街道（乡镇）社工站。",
                                      "sources": "2022-03-wushe-liandong"})
    assert "已修改常见问答" in fixed.text and fixed.text.count('class="card faq"') == 1
    assert "周末是否开放" in client.get("/search", params={"q": "周末社工站上班吗"}).text


def test_station_contact_details_are_saved_and_answered(admin: tuple[TestClient, Settings, Store]) -> None:
    client, settings, _ = admin
    token = sign_in(client)
    assert "大兴区魏善庄镇社会工作服务中心" in client.get("/stations").text
    r = client.post("/stations/weishanzhuang", data={"csrf": token, "address": "魏善庄镇党群服务中心（测试地址）",
                                                     "hours": "工作日 9:00-17:00", "phone": "010-00000000"})
    assert "已保存" in r.text
    text = (settings.knowledge_dir / "stations.yaml").read_text(encoding="utf-8")
    assert 'phone: "010-00000000"' in text and text.startswith("# Social-work stations")  # comments kept
    answer = client.get("/search", params={"q": "魏善庄镇社工站的电话是多少？"}).text
    assert "010-00000000" in answer
    # Issue 12: no pinyin id to type (it is made), the parent chosen by name, the services in a field.
    page = client.get("/stations").text
    assert "上级：大兴区魏善庄镇社会工作服务中心" in page and "上级：weishanzhuang" not in page
    assert 'name="station_id"' not in page and 'name="services"' in page
    added = client.post("/stations", data={"csrf": token, "name": "银河街道社工站", "level": "街道社工站",
                                           "district": "测试区", "parent": "weishanzhuang", "phone": "010-11111111",
                                           "services": "为独居老人提供上门探访\n· 每周三下午开放自习室\n"})
    assert "已添加 银河街道社工站" in added.text
    text = (settings.knowledge_dir / "stations.yaml").read_text(encoding="utf-8")
    assert "id: staff-" in text and '- text: "每周三下午开放自习室"' in text
    new_id = re.search(r'data-id="(staff-[0-9a-f]+)"', added.text)[1]  # type: ignore[index]
    assert "上级：大兴区魏善庄镇社会工作服务中心" in added.text.split(f'data-id="{new_id}"')[1].split("</form>")[0]
    answer = client.get("/search", params={"q": "银河街道社工站提供什么服务？"}).text
    assert "上门探访" in answer.split('id="answer"')[1].split("</pre>")[0]
    fixed = client.post(f"/stations/{new_id}", data={"csrf": token, "address": "", "hours": "", "phone": "010-1",
                                                     "services": "为独居老人提供上门探访"})
    assert "已保存" in fixed.text and "自习室" not in (settings.knowledge_dir / "stations.yaml").read_text(
        encoding="utf-8")
    refused = client.post("/stations/zhaozhuangzi", data={"csrf": token, "services": "编造的服务"})
    assert "服务内容以文章原文为准" in refused.text
    assert "请填写名称和所在区" in client.post("/stations", data={"csrf": token, "name": "x", "district": ""}).text
    again = client.post("/stations", data={"csrf": token, "name": "银河街道社工站", "district": "测试区"})
    assert "名录里已有“银河街道社工站”" in again.text


def test_a_session_whose_user_is_no_longer_staff_is_refused(admin: tuple[TestClient, Settings, Store]) -> None:
    client, settings, store = admin
    sign_in(client)
    removed = settings.admin_users.pop("zhang")
    try:
        r = client.get("/documents")
        assert r.status_code == 403 and "不是工作人员" in r.text
        assert any(a["user_id"] == "web:zhang" and not a["allowed"] for a in store.staff_log())
    finally:
        settings.admin_users["zhang"] = removed


def test_bad_requests_get_clear_messages(admin: tuple[TestClient, Settings, Store]) -> None:
    client, settings, _ = admin
    token = sign_in(client)
    assert client.get("/documents/no-such-doc").status_code == 404
    limit = settings.max_upload_bytes
    settings.max_upload_bytes = 1000
    try:
        r = client.post("/documents/upload", files={"file": ("big.txt", b"x" * 2000, "text/plain")},
                        data={"csrf": token, "title": "t", "published": "2023"})
        assert "文件太大" in r.text
    finally:
        settings.max_upload_bytes = limit
    bad = client.post("/faq", data={"csrf": token, "questions": "", "answer": "答复"})
    assert "至少一个问题" in bad.text
    unquoted = client.post("/faq", data={"csrf": token, "questions": "问题？", "answer": "答复",
                                         "sources": "2020-kentanhui", "quote": "文章里没有这句话"})
    assert "文章 2020-kentanhui 里找不到这句引文" in unquoted.text and "faq.yaml" in unquoted.text


def test_without_accounts_nobody_can_sign_in(admin: tuple[TestClient, Settings, Store]) -> None:
    client, settings, store = admin
    bare = settings.model_copy(update={"admin_users": {}, "admin_token": None})
    workspace = client.app.state.workspace  # type: ignore[attr-defined]
    with TestClient(create_app(bare, workspace, store)) as client:
        page = client.get("/login")
        assert "尚未设置账号" in page.text
        assert client.post("/login", data={"username": "x", "password": "y"}).status_code == 403


def test_token_sign_in(admin: tuple[TestClient, Settings, Store]) -> None:
    client, settings, _ = admin
    client.cookies.clear()
    settings.admin_token = "a-long-shared-token-for-tests"
    try:
        assert client.post("/login", data={"username": "", "password": "wrong-token"}).status_code == 401
        r = client.post("/login", data={"username": "zhao", "password": "a-long-shared-token-for-tests"},
                        follow_redirects=False)
        assert r.status_code == 303 and "token:zhao" in client.get("/").text
    finally:
        settings.admin_token = None
    assert client.get("/documents").status_code == 403  # the token was withdrawn
    client.cookies.clear()


def test_admin_hash_command_makes_a_usable_entry() -> None:
    import json
    import subprocess
    import sys

    from bot.settings import PROJECT_ROOT

    run = subprocess.run([sys.executable, "-m", "bot", "admin-hash", "wang"], input="至少十个字符的长密码\n",
                         capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=60)
    entry = json.loads(run.stdout)
    assert run.returncode == 0 and verify_password("至少十个字符的长密码", entry["wang"])
    short = subprocess.run([sys.executable, "-m", "bot", "admin-hash", "wang"], input="short\n",
                           capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=60)
    assert short.returncode == 2 and "at least 10 characters" in short.stderr
