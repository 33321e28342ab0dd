"""Deadlines and stages against today; rounds the knowledge base does not hold."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.answering.engine import Engine
from bot.answering.reply import Question
from bot.knowledge.programmes import load_programmes
from bot.rules.timeline import asked_years, window_state
from bot.settings import PROJECT_ROOT

P = load_programmes(PROJECT_ROOT / "knowledge")[0]


@pytest.mark.parametrize("today, status, days", [
    ("2022-03-01", "not_open", 16), ("2022-03-17", "open", 25), ("2022-04-10", "open", 1),
    ("2022-04-11", "closed", 1), ("2026-11-22", "closed", 1687),
])
def test_window_state(today: str, status: str, days: int) -> None:
    state = window_state(P, dt.date.fromisoformat(today))
    assert (state.status, state.days) == (status, days)


def test_relative_years_read_against_today() -> None:
    assert asked_years("今年的创投计划什么时候申报？", dt.date(2026, 5, 1)) == [2026]
    assert asked_years("明年还有吗", dt.date(2022, 5, 1)) == [2023]


def ask(engine: Engine, text: str, today: str) -> object:
    return engine.ask(Question(text, dt.date.fromisoformat(today)))


def test_open_window_counts_days_and_never_says_closed(engine: Engine) -> None:
    reply = engine.ask(Question("现在还能申报社会工作创投计划吗？", dt.date(2022, 4, 1)))
    assert reply.kind == "timeline" and reply.answered
    assert "4月10日" in reply.answer and "还有10天" in reply.answer
    assert not any(w in reply.answer for w in ("已截止", "已结束", "已经结束", "已经截止"))


def test_closed_window_says_so_with_the_date(engine: Engine) -> None:
    reply = engine.ask(Question("创投计划现在还能报名吗", dt.date(2026, 11, 22)))
    assert reply.kind == "timeline" and "已截止" in reply.answer and "2022年4月10日" in reply.answer
    assert "北京社会工作者协会" in reply.answer  # where a newer round would be announced


def test_before_the_window(engine: Engine) -> None:
    reply = engine.ask(Question("创投计划什么时候开始申报？", dt.date(2022, 3, 1)))
    assert "还没开始" in reply.answer and "2022年3月17日" in reply.answer


def test_stage_question(engine: Engine) -> None:
    reply = engine.ask(Question("立项评审在什么时候？", dt.date(2026, 11, 22)))
    assert reply.kind == "timeline" and "4月中旬" in reply.answer and "已于" in reply.answer
    assert reply.sources[0].chunk.doc_id == "2022-03-chuangtou-jihua"
    assert "4月中旬完成立项评审" in reply.sources[0].chunk.text


@pytest.mark.parametrize("text", ["2026年的创投计划什么时候申报？", "今年的创投计划什么时候截止？"])
def test_unknown_round_is_declined_with_the_latest_known(engine: Engine, text: str) -> None:
    reply = engine.ask(Question(text, dt.date(2026, 11, 22)))
    assert not reply.answered and "2026年" in reply.answer and "2022社会工作创投计划" in reply.answer
    assert "建议咨询" in reply.answer


def test_the_2022_round_asked_in_2022_by_this_year(engine: Engine) -> None:
    reply = engine.ask(Question("今年的创投计划什么时候截止？", dt.date(2022, 3, 20)))
    assert reply.answered and "4月10日" in reply.answer
