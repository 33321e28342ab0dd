"""A new round without a developer, end to end: staff upload a (fictional) 2023 announcement in the web
admin, draft the round from it, confirm it field by field in a real Chromium, and the bot then follows
the calendar and the 2023 criteria.

Debian's /usr/bin/chromium through Playwright, the real app under uvicorn on 127.0.0.1, the session's
index copied (only the new announcement is embedded). Screenshots go to test-artifacts/rounds/.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.answering.reply import Question
from bot.channels.admin.app import create_app
from bot.channels.admin.auth import hash_password
from bot.channels.admin.jobs import Workspace
from bot.channels.admin.serve import server as admin_server
from bot.index.embeddings import E5Embeddings
from bot.rules.screener import Screener
from bot.settings import PROJECT_ROOT, Settings
from bot.state.store import Store
from bot.wiring import build_engine
from tests.helpers import round2023
from tests.helpers.browser import chromium, require_chromium, wait_job
from tests.helpers.knowledge import copy_knowledge
from tests.helpers.serve import serve

pytestmark = [pytest.mark.slow, pytest.mark.browser]
SHOTS = PROJECT_ROOT / "test-artifacts" / "rounds"
PASSWORD = "correct horse battery"
D = dt.date.fromisoformat
ROUND_2022, ROUND_2023 = "2022-shegong-chuangtou", "2023-shegong-chuangtou"

require_chromium()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, built: Settings,
           e5: E5Embeddings) -> Iterator[tuple[str, Settings, Workspace]]:
    mine = copy_knowledge(tmp_path_factory.mktemp("new-round"), built)  # only new documents get embedded
    mine.admin_users = {"wang": hash_password(PASSWORD, iterations=2000)}
    space = Workspace(mine, engine=build_engine(mine, embeddings=e5, auto_ingest=False))
    app = create_app(mine, space, Store(mine.database), today=lambda: dt.date(2023, 4, 21))
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with serve(app, admin_server) as base:
        yield base, mine, space
    space.close()


@pytest.fixture(scope="module")
def page(server: tuple[str, Settings, Workspace]) -> Iterator[Any]:
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        yield context.new_page()


def _error(page: Any) -> str:
    return str(page.inner_text("p.error"))


def test_staff_turn_the_announcement_into_the_round_the_bot_applies(server: tuple[str, Settings, Workspace],
                                                                    page: Any, tmp_path: Path) -> None:
    base, settings, space = server
    page.goto(f"{base}/login")
    page.fill("input[name=username]", "wang")
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button")

    # 1. upload the announcement (written in this test: tests/helpers/round2023.py) as staff would
    notice = tmp_path / "2023年创投计划征集通知.md"
    notice.write_text(round2023.ANNOUNCEMENT, encoding="utf-8")
    page.goto(f"{base}/documents")
    page.set_input_files("#upload input[type=file]", str(notice))
    page.fill("#upload input[name=title]", round2023.TITLE)
    page.fill("#upload input[name=published]", round2023.PUBLISHED)
    page.fill("#upload input[name=publication]", round2023.PUBLICATION)
    page.click("#upload button[type=submit]")
    wait_job(page)
    page.goto(f"{base}/documents")
    doc_id = page.locator("#documents tr", has_text=round2023.TITLE).get_attribute("data-id")
    assert doc_id

    # 2. draft the round from it
    page.goto(f"{base}/programmes")
    page.select_option("#start-draft select[name=doc]", doc_id)
    page.click("#start-draft button[type=submit]")
    page.wait_for_selector("form#draft")
    assert page.input_value("input[name=name]") == "2023社会工作创投计划"
    assert (page.input_value("input[name=window_opens]"), page.input_value("input[name=window_closes]")) == (
        "2023-05-08", "2023-06-09")
    kinds = [page.input_value(f"#criterion-{i} select[name=criterion-{i}-kind]") for i in range(7)]
    assert kinds == ["location", "registration_years", "annual_inspection", "fulltime_staff", "no_violation",
                     "core_team", "certified_tenure"]
    assert page.input_value("input[name=criterion-1-min]") == "2"
    assert page.input_value("input[name=criterion-3-min]") == "8"
    assert "原文中没有找到：面向对象（已留空）" in page.inner_text("#missing")
    assert "原文中没有找到" in page.inner_text("#field-fact-audience .status")  # an unsupported field: empty
    assert page.locator("fieldset.field .status.ok").count() >= 15  # every drafted field: its quote found
    # the quotes are highlighted in the document beside the fields; a field shows its own
    assert page.locator("#document mark").count() >= 15
    page.screenshot(path=str(SHOTS / "draft-top.png"), full_page=False)
    page.click("input[name=criterion-3-min]")
    active = page.locator("#document mark.active")
    assert active.count() == 1 and active.inner_text() == "专职工作人员8人以上（以社保缴费记录为准）"
    page.screenshot(path=str(SHOTS / "draft.png"), full_page=False)

    # 3. saving is refused, in Chinese and with nothing lost, when a quote is not in the document...
    page.fill("textarea[name=criterion-3-quote]", "专职工作人员6人以上")
    page.click("#save")
    page.wait_for_selector("p.error")
    assert _error(page).startswith("没有保存：条件 fulltime_staff_8 的原文不在文档")
    assert "须逐字摘自文档" in _error(page)
    assert page.input_value("textarea[name=criterion-3-quote]") == "专职工作人员6人以上"
    assert "这段原文不在文档中" in page.inner_text("#criterion-3 .status")
    page.screenshot(path=str(SHOTS / "refused-quote.png"), full_page=False)
    page.fill("textarea[name=criterion-3-quote]", "专职工作人员8人以上（以社保缴费记录为准）")
    # ...or a date is impossible
    page.fill("input[name=window_closes]", "2023-06-31")
    page.click("#save")
    page.wait_for_selector("p.error")
    assert _error(page) == "没有保存：征集时间（window） → 截止日期（closes）：不是日期（应写成 YYYY-MM-DD）"
    page.fill("input[name=window_closes]", "2023-06-09")
    page.fill("input[name=window_opens]", "2023-07-08")
    page.click("#save")
    page.wait_for_selector("p.error")
    assert "征集截止日期（2023年6月9日）早于开始日期（2023年7月8日）" in _error(page)
    page.fill("input[name=window_opens]", "2023-05-08")

    # 4. a criterion removed, and added back by hand (with its quote), the stage labels edited
    page.check("input[name=criterion-5-remove]")
    blank = "#criteria fieldset.blank"
    page.select_option(f"{blank} select", "core_team")
    page.fill(f"{blank} input[name$='-min']", "4")
    page.fill(f"{blank} input[name$='-label']", "项目执行团队核心成员不少于4人")
    page.fill(f"{blank} textarea[name$='-quote']", "项目执行团队核心成员不少于4人")
    page.click("#save")
    wait_job(page)
    page.screenshot(path=str(SHOTS / "saved.png"))

    saved = settings.knowledge_dir / "programmes" / f"{ROUND_2023}.yaml"
    assert saved.exists() and "由 wang 确认" in saved.read_text(encoding="utf-8")
    page.goto(f"{base}/programmes")
    assert "现在" in page.locator(f"#rounds tr[data-id='{ROUND_2023}']").inner_text()
    page.screenshot(path=str(SHOTS / "rounds.png"))

    engine = space.engine  # reloaded by the job: the bot now knows both rounds
    assert [p.id for p in engine.advisor.programmes] == [ROUND_2023, ROUND_2022]
    assert [c.kind for c in engine.advisor.rounds.by_id(ROUND_2023).criteria][-1] == "core_team"  # type: ignore[union-attr]

    # 5. the 2.5-year-old, nine-staff organisation: eligible in 2023, not in 2022, each citing its announcement
    now = engine.ask(Question(round2023.APPLICANT + "，可以申报创投计划吗？", D("2023-05-20")))
    assert now.eligibility is not None and now.eligibility.verdict == "eligible"
    assert now.eligibility.programme == ROUND_2023 and {c.doc_id for c in now.eligibility.criteria} == {doc_id}
    assert f"《{round2023.TITLE}》" in now.answer and now.sources[0].chunk.doc_id == doc_id
    then = engine.ask(Question(round2023.APPLICANT + "，可以申报2022年的创投计划吗？", D("2023-05-20")))
    assert then.eligibility is not None and then.eligibility.verdict == "ineligible"
    assert {c.id for c in then.eligibility.criteria if c.status == "fail"} == {"registered_3y", "fulltime_staff_10"}
    assert "不符合2022社会工作创投计划" in then.answer and "注册成立三年以上" in then.answer
    assert "《设立专项基金 开展公益创投——社会力量支持社会工作发展新探索》" in then.answer
    assert then.sources[0].chunk.doc_id == "2022-03-chuangtou-jihua"

    # 6. "还能申报吗" before, during and after each window
    for today, says in [("2022-03-01", "还没开始，2022年3月17日开始征集"),
                        ("2022-04-01", "正在征集，距4月10日截止还有10天"),
                        ("2022-06-01", "还没开始，2023年5月8日开始征集"),
                        ("2023-05-20", "正在征集，距6月9日截止还有21天"),
                        ("2023-07-01", "这一轮已截止：征集已于2023年6月9日结束")]:
        reply = engine.ask(Question("现在还能申报创投计划吗？", D(today)))
        assert reply.kind == "timeline" and says in reply.answer, (today, reply.answer)
    after = engine.ask(Question("现在还能申报创投计划吗？", D("2023-07-01")))
    assert "我的资料里没有更新一轮的信息" in after.answer and "2024" not in after.answer

    # 7. the screener asks the 2023 thresholds, in the order and words of its YAML
    round_now = engine.advisor.rounds.current(D("2023-05-20"))
    screener = Screener(round_now, engine.advisor.rules.places)
    state = screener.start(D("2023-05-20"))
    asked = []
    answers = {"location": "是", "registration_years": "两年半", "annual_inspection": "是", "fulltime_staff": "9",
               "no_violation": "没有", "core_team": "5", "certified_tenure": "2"}
    while (prompt := screener.next_prompt(state)) is not None:
        asked.append(prompt.text)
        assert screener.answer(state, answers[round_now.criterion(prompt.criterion).kind])
    assert asked == [c.ask for c in round_now.criteria]
    assert "贵机构注册成立几年了？（本轮要求2年以上）" in asked
    assert "贵机构有多少名专职人员？（本轮要求8人以上）" in asked
    assert screener.result(state).verdict == "eligible"
