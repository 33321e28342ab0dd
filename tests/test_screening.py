"""The self-check conversation every channel shares: start, answer, unreadable answers, cancel, resume."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.answering.programme import Advisor
from bot.answering.templates import load_templates
from bot.channels.screening import ScreenerFlow, screener_texts
from bot.knowledge.places import load_places
from bot.knowledge.programmes import load_programmes
from bot.settings import PROJECT_ROOT
from bot.state.store import Store

TODAY = dt.date(2022, 4, 1)


@pytest.fixture
def flow(tmp_path: Path) -> ScreenerFlow:
    advisor = Advisor(load_programmes(PROJECT_ROOT / "knowledge"), load_templates(PROJECT_ROOT / "prompts"),
                      load_places(PROJECT_ROOT / "knowledge"))
    return ScreenerFlow(advisor, Store(f"sqlite:///{tmp_path / 's.sqlite3'}"), screener_texts(PROJECT_ROOT / "prompts"))


def test_a_check_from_start_to_verdict(flow: ScreenerFlow) -> None:
    step = flow.start("a", TODAY)
    assert step.notice.startswith("开始申报条件自查") and "第1项，共7项" in step.question
    assert ("是", "是") in step.options and flow.active("a")
    for answer in ("是", "5年以上", "是", "12", "没有", "6", "2"):
        step = flow.answer("a", answer)
    assert step.verdict is not None and step.verdict.kind == "eligibility" and not step.active
    assert "初步判断：符合" in step.text and not flow.active("a")


def test_an_unreadable_answer_asks_again(flow: ScreenerFlow) -> None:
    flow.start("a", TODAY)
    step = flow.answer("a", "这个嘛")
    assert "没看懂" in step.notice and "第1项" in step.question


def test_cancel_words_and_resume(flow: ScreenerFlow) -> None:
    flow.start("a", TODAY)
    flow.answer("a", "是")
    again = flow.start("a", TODAY)  # a second /check resumes
    assert again.notice == "继续上次没做完的自查。" and "第2项" in again.question
    assert "已退出" in flow.answer("a", "退出").text and not flow.active("a")
    assert flow.answer("a", "是").text == ""  # nothing under way: nothing to say


def test_what_was_said_before_counts_and_a_failure_ends_it(flow: ScreenerFlow) -> None:
    step = flow.start("b", TODAY, ["我们机构在海淀区注册两年半"])
    assert step.verdict is not None and "不符合" in step.verdict.answer and not flow.active("b")


def test_a_saved_check_whose_programme_is_gone_starts_afresh(flow: ScreenerFlow) -> None:
    flow.states.set_state("screener:c", {"programme": "no-such-round", "today": "2022-04-01"})
    step = flow.start("c", TODAY)
    assert step.notice.startswith("开始申报条件自查")
