"""The admin's programme rounds through HTTP: sign-in and CSRF, refusals that keep the form, saving a
round through the re-index job, and the model's proposals marked as such."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Iterator
from html import unescape
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from bot.channels.admin.app import create_app
from bot.channels.admin.auth import hash_password
from bot.channels.admin.jobs import Workspace
from bot.index.embeddings import E5Embeddings
from bot.settings import Settings
from bot.state.store import Store
from bot.wiring import build_engine
from tests.helpers import round2023
from tests.helpers.knowledge import copy_knowledge
from tests.helpers.llm_server import FakeLLM

pytestmark = pytest.mark.slow
PASSWORD = "correct horse battery"
DRAFT = f"/programmes/draft/{round2023.DOC_ID}"


class _Fields(HTMLParser):
    """The values a browser would post for the page's draft form."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._area: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "input" and a.get("name") and a.get("type") != "checkbox":
            self.values[a["name"]] = a.get("value", "")
        elif tag == "textarea":
            self._area = a["name"]
            self.values[self._area] = ""
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and ("selected" in a or self._select not in self.values):
            self.values[self._select] = a["value"]

    def handle_endtag(self, tag: str) -> None:
        self._area = None if tag == "textarea" else self._area
        self._select = None if tag == "select" else self._select

    def handle_data(self, data: str) -> None:
        if self._area:
            self.values[self._area] += data


def fields(html: str) -> dict[str, str]:
    parser = _Fields()
    parser.feed(html)
    return parser.values


def error(html: str) -> str:
    m = re.search(r'<p class="error" role="alert">([^<]*)</p>', html)
    return unescape(m[1]) if m else ""


def _app(tmp: pytest.TempPathFactory, settings: Settings, e5: E5Embeddings, **extra: object
         ) -> tuple[Settings, Workspace, Store, object]:
    mine = copy_knowledge(tmp.mktemp("admin-rounds"), settings)
    round2023.write_announcement(mine.knowledge_dir)
    mine.admin_users = {"zhang": hash_password(PASSWORD, iterations=2000)}
    for key, value in extra.items():
        setattr(mine, key, value)
    store = Store(mine.database)
    space = Workspace(mine, engine=build_engine(mine, embeddings=e5))
    return mine, space, store, create_app(mine, space, store, today=lambda: dt.date(2023, 4, 21))


@pytest.fixture(scope="module")
def admin(tmp_path_factory: pytest.TempPathFactory, built: Settings,
          e5: E5Embeddings) -> Iterator[tuple[TestClient, Settings, Workspace, Store]]:
    mine, space, store, app = _app(tmp_path_factory, built, e5)
    with TestClient(app) as client:  # type: ignore[arg-type]
        client.post("/login", data={"username": "zhang", "password": PASSWORD})
        yield client, mine, space, store
    space.close()


def test_pages_need_staff_and_forms_need_the_token(admin: tuple[TestClient, Settings, Workspace, Store],
                                                  settings: Settings) -> None:
    client = admin[0]
    with TestClient(client.app) as stranger:
        for path in ("/programmes", DRAFT, "/programmes/2022-shegong-chuangtou"):
            r = stranger.get(path, follow_redirects=False)
            assert r.status_code == 303 and r.headers["location"] == "/login", path
    form = fields(client.get(DRAFT).text)
    r = client.post(DRAFT, data={**form, "csrf": "forged"})
    assert r.status_code == 403 and "CSRF" in r.text
    assert client.get("/programmes/draft/no-such-doc").status_code == 404
    assert "没有编号为 no-such-round 的项目轮次" in client.get("/programmes/no-such-round").text


def test_refusals_say_why_and_keep_what_was_typed(admin: tuple[TestClient, Settings, Workspace, Store]) -> None:
    client, settings, _, store = admin
    form = fields(client.get(DRAFT).text)
    for change, message in [
        ({"criterion-3-quote": "专职工作人员6人以上"}, "没有保存：条件 fulltime_staff_8 的原文不在文档"),
        ({"window_opens": "2023-02-30"}, "没有保存：征集时间（window） → 开始日期（opens）：不是日期"),
        ({"stage-0-end": "2023-06-01", "stage-0-start": "2023-06-11"},
         "阶段“项目初选”的结束日期（2023年6月1日）早于开始日期"),
        ({"criterion-1-min": ""}, "条件 registration_years_2（registration_years）需要数字门槛 min"),
        ({"criterion-7-kind": "core_team", "criterion-7-label": "核心成员3人", "criterion-7-min": "3",
          "criterion-7-quote": "核心成员3人以上"}, "条件 core_team_3 的原文不在文档"),  # added by hand, quote invented
        ({"id": "2022-shegong-chuangtou"}, "已有编号为 2022-shegong-chuangtou 的项目"),
        ({"id": "2022-again", "year": "2022"}, "已有 2022 年的一轮（2022社会工作创投计划"),
        ({"id": "2021-again", "year": "2021"}, "征集开始日期（2023年5月8日）与这一轮的年份 2021 不符"),
    ]:
        r = client.post(DRAFT, data={**form, **change})
        assert r.status_code == 422 and message in error(r.text), (change, error(r.text))
        kept = fields(r.text)
        assert all(kept[k] == v for k, v in change.items()), change
    assert not (settings.knowledge_dir / "programmes" / "2023-shegong-chuangtou.yaml").exists()
    refused = [row for row in store.staff_log(50) if row["action"] == "programme-add"]
    assert len(refused) == 8 and all("refused" in row["detail"] for row in refused)


def test_a_confirmed_round_is_saved_reindexed_and_answered(admin: tuple[TestClient, Settings, Workspace, Store]
                                                           ) -> None:
    from bot.answering.reply import Question

    client, _, space, store = admin
    form = fields(client.get(DRAFT).text)
    r = client.post(DRAFT, data=form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/jobs/")
    job_url = r.headers["location"].replace("/jobs/", "/api/jobs/")
    for _ in range(600):
        job = client.get(job_url).json()
        if job["state"] in ("done", "failed"):
            break
        time.sleep(0.1)
    assert job["state"] == "done", job
    saved = [r for r in store.staff_log(50) if r["action"] == "programme-add" and "refused" not in r["detail"]]
    assert saved and saved[0]["user_id"] == "web:zhang"
    assert saved[0]["detail"].startswith(f"2023-shegong-chuangtou (from {round2023.DOC_ID})")
    listing = client.get("/programmes").text
    assert "2023社会工作创投计划</a> <strong class=\"tag\">现在</strong>" in listing
    assert "专职工作人员8人以上" in client.get("/programmes/2023-shegong-chuangtou").text
    reply = space.engine.ask(Question("现在还能申报创投计划吗？", dt.date(2023, 5, 20)))
    assert "正在征集，距6月9日截止还有21天" in reply.answer
    again = client.post(DRAFT, data=form)
    assert again.status_code == 422 and "已有编号为 2023-shegong-chuangtou 的项目" in error(again.text)


def test_the_models_proposals_are_marked(tmp_path_factory: pytest.TempPathFactory, built: Settings,
                                        e5: E5Embeddings) -> None:
    answer = json.dumps({"facts.audience": {"value": "各社会服务机构", "quote": "各区民政局、各社会服务机构"}},
                        ensure_ascii=False)
    with FakeLLM(lambda purpose, user: answer) as server:
        _, space, _, app = _app(tmp_path_factory, built, e5, llm_base_url=server.base_url, llm_model="t")
        with TestClient(app) as client:  # type: ignore[arg-type]
            client.post("/login", data={"username": "zhang", "password": PASSWORD})
            html = client.get(DRAFT).text
        space.close()
    assert fields(html)["fact-audience-value"] == "各社会服务机构"
    box = html[html.index('id="field-fact-audience"'):]
    assert "语言模型提出" in box[:box.index("</fieldset>")] and 'id="missing"' not in html
