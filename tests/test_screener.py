"""The eligibility screener: one unknown criterion at a time, resumable, ends with the verdict."""

from __future__ import annotations

import datetime as dt
import json

from bot.knowledge.places import load_places
from bot.knowledge.programmes import load_programmes
from bot.rules.screener import Screener, ScreenerState
from bot.settings import PROJECT_ROOT

P = load_programmes(PROJECT_ROOT / "knowledge")[0]
PLACES = load_places(PROJECT_ROOT / "knowledge")
TODAY = dt.date(2026, 11, 22)


def test_asks_every_criterion_and_ends_eligible() -> None:
    s = Screener(P, PLACES)
    state = s.start(TODAY)
    asked = []
    answers = {"beijing_org": "是", "registered_3y": "5年以上", "annual_inspection": "是", "fulltime_staff_10": "12",
               "no_violation": "没有", "core_team_5": "6", "certified_sw_2": "两"}
    while (prompt := s.next_prompt(state)) is not None:
        asked.append(prompt.criterion)
        assert prompt.options and prompt.text.endswith("？")
        assert s.answer(state, answers[prompt.criterion])
    assert asked == [c.id for c in P.criteria]
    assert s.result(state).verdict == "eligible"


def test_skips_what_the_conversation_told_and_stops_at_a_failure() -> None:
    s = Screener(P, PLACES)
    state = s.start(TODAY, ["我们机构在海淀区注册4年了"])
    assert s.next_prompt(state).criterion == "annual_inspection"  # type: ignore[union-attr]
    assert s.answer(state, "去年没通过")
    assert s.next_prompt(state) is None
    result = s.result(state)
    assert result.verdict == "ineligible"
    assert [c.id for c in result.criteria if c.status == "fail"] == ["annual_inspection"]


def test_unreadable_answer_is_asked_again() -> None:
    s = Screener(P, PLACES)
    state = s.start(TODAY)
    s.answer(state, "是")  # beijing
    assert not s.answer(state, "不太清楚呢")  # a duration is needed
    assert s.next_prompt(state).criterion == "registered_3y"  # type: ignore[union-attr]


def test_state_survives_a_restart_as_json() -> None:
    s = Screener(P, PLACES)
    state = s.start(TODAY)
    s.answer(state, "是")
    s.answer(state, "两年半")
    saved = json.dumps(state.to_json(), ensure_ascii=False)
    resumed = ScreenerState.from_json(json.loads(saved))
    assert s.next_prompt(resumed) is None  # 2.5 years already fails
    assert s.result(resumed).verdict == "ineligible"
