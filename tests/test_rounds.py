"""Several rounds of a programme: the calendar picks the round, a named year picks its own, and each
verdict is judged by (and cites) the announcement of the round it is about."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from bot.answering.engine import Engine
from bot.answering.programme import Advisor
from bot.answering.reply import Question, Turn
from bot.answering.templates import load_templates
from bot.index.embeddings import E5Embeddings
from bot.index.ingest import ingest
from bot.knowledge.places import load_places
from bot.knowledge.programmes import load_programmes
from bot.rules.rounds import Rounds, round_years
from bot.rules.screener import Screener
from bot.settings import PROJECT_ROOT, Settings
from bot.text.analyzer import TextAnalyzer
from bot.wiring import build_engine
from tests.helpers import round2023
from tests.helpers.knowledge import copy_knowledge
from tests.helpers.routing import route

D = dt.date.fromisoformat
NOW = "现在还能申报吗？"


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    settings = copy_knowledge(tmp_path_factory.mktemp("rounds"))
    round2023.add_round(settings.knowledge_dir)
    return settings.knowledge_dir


@pytest.fixture(scope="module")
def advisor(kb: Path) -> Advisor:
    return Advisor(load_programmes(kb), load_templates(PROJECT_ROOT / "prompts"), load_places(kb))


def ask(advisor: Advisor, text: str, today: str, history: list[Turn] | None = None):  # type: ignore[no-untyped-def]
    reply = route(advisor, text, history or [], D(today), "北京社会工作者协会")
    assert reply is not None, text
    return reply


@pytest.mark.parametrize("today, round_id, says, never", [
    ("2022-03-01", "2022-shegong-chuangtou", "还没开始，2022年3月17日开始征集", "已截止"),
    ("2022-04-01", "2022-shegong-chuangtou", "正在征集，距4月10日截止还有10天", "已截止"),
    ("2022-04-10", "2022-shegong-chuangtou", "正在征集，距4月10日截止还有1天", "已截止"),
    ("2022-04-11", "2023-shegong-chuangtou", "还没开始，2023年5月8日开始征集", "正在征集"),
    ("2023-05-07", "2023-shegong-chuangtou", "还没开始，2023年5月8日开始征集", "正在征集"),
    ("2023-05-08", "2023-shegong-chuangtou", "正在征集，距6月9日截止还有33天", "已截止"),
    ("2023-06-09", "2023-shegong-chuangtou", "正在征集，距6月9日截止还有1天", "已截止"),
    ("2023-06-10", "2023-shegong-chuangtou", "这一轮已截止：征集已于2023年6月9日结束", "正在征集"),
])
def test_now_is_the_round_the_calendar_points_to(advisor: Advisor, today: str, round_id: str, says: str,
                                                 never: str) -> None:
    reply = ask(advisor, NOW, today)
    assert reply.kind == "timeline" and reply.programme == round_id
    assert says in reply.answer and never not in reply.answer
    # the announcement it rests on is cited by name
    if round_id.startswith("2023"):
        assert "据北京社会工作者协会2023年4月20日发布的《关于开展2023社会工作创投计划项目征集的通知》" in reply.answer
    else:
        assert "据《公益时报》2022年3月报道" in reply.answer


def test_past_every_window_the_newest_round_is_closed_and_no_next_is_guessed(advisor: Advisor) -> None:
    reply = ask(advisor, NOW, "2024-02-01")
    assert reply.programme == "2023-shegong-chuangtou"
    assert "这一轮已截止：征集已于2023年6月9日结束" in reply.answer
    assert "我的资料里没有更新一轮的信息" in reply.answer
    assert "2024年" not in reply.answer.replace("现在（2024年2月1日）", "")


def test_a_named_year_is_answered_for_its_round_an_earlier_one_as_history(advisor: Advisor) -> None:
    reply = ask(advisor, "2022年的创投计划什么时候截止？", "2023-05-20")
    assert reply.programme == "2022-shegong-chuangtou"
    assert reply.answer.startswith("2022年那一轮的项目征集时间为2022年3月17日至4月10日")
    assert "最新一轮是2023社会工作创投计划：征集时间2023年5月8日至6月9日" in reply.answer
    assert "我的资料里没有更新一轮" not in reply.answer
    later = ask(advisor, "2023年创投计划什么时候签约？", "2022-04-01")  # a later round, not history
    assert later.programme == "2023-shegong-chuangtou" and "7月上旬" in later.answer and "那一轮" not in later.answer
    unknown = ask(advisor, "2021年的创投计划什么时候截止？", "2023-05-20")
    assert unknown.kind == "decline" and "最新一轮是2023社会工作创投计划" in unknown.answer


def test_criteria_are_the_round_asked_about(advisor: Advisor) -> None:
    now = ask(advisor, "创投计划的申报条件是什么？", "2023-05-20")
    assert now.kind == "criteria" and now.programme == "2023-shegong-chuangtou"
    assert "注册成立两年以上" in now.answer and "8人以上" in now.answer and "三年以上" not in now.answer
    then = ask(advisor, "2022年创投计划的申报条件是什么？", "2023-05-20")
    assert then.programme == "2022-shegong-chuangtou" and "2022年那一轮对申报机构的硬性条件" in then.answer
    assert "注册成立三年以上" in then.answer and "最新一轮是2023社会工作创投计划" in then.answer
    # no such round: not answered, the known one shown
    unknown = ask(advisor, "2021年那轮的申报条件是什么", "2023-05-20")
    assert unknown.kind == "criteria" and not unknown.answered
    assert unknown.answer.startswith("抱歉，我的资料里没有2021年这一轮的信息") and "注册成立两年以上" in unknown.answer


def test_the_same_organisation_is_eligible_in_2023_and_not_in_2022(advisor: Advisor) -> None:
    now = ask(advisor, round2023.APPLICANT + "，可以申报吗？", "2023-05-20")
    assert now.kind == "eligibility" and now.eligibility is not None
    assert now.eligibility.verdict == "eligible" and now.eligibility.programme == "2023-shegong-chuangtou"
    assert {c.doc_id for c in now.eligibility.criteria} == {round2023.DOC_ID}
    assert "《关于开展2023社会工作创投计划项目征集的通知》" in now.answer
    assert "这是按2023社会工作创投计划（征集时间2023年5月8日至6月9日）的条件判断的" in now.answer
    assert "已注册约2年6个月，达到2年" in now.answer and "9人，达到8人" in now.answer

    then = ask(advisor, round2023.APPLICANT + "，可以申报2022年的创投计划吗？", "2023-05-20")
    assert then.eligibility is not None and then.eligibility.verdict == "ineligible"
    assert then.eligibility.programme == "2022-shegong-chuangtou"
    assert {c.id for c in then.eligibility.criteria if c.status == "fail"} == {"registered_3y", "fulltime_staff_10"}
    assert {c.doc_id for c in then.eligibility.criteria} == {"2022-03-chuangtou-jihua"}
    assert "《设立专项基金 开展公益创投——社会力量支持社会工作发展新探索》" in then.answer
    assert "以上是按2022年那一轮的条件判断的；最新一轮是2023社会工作创投计划" in then.answer

    # a year named earlier in the conversation carries the round; a founding year does not
    history = [Turn("user", "2022年的创投计划什么时候截止？"), Turn("assistant", "……")]
    follow = ask(advisor, round2023.APPLICANT + "，我们可以申报吗？", "2023-05-20", history)
    assert follow.eligibility is not None and follow.eligibility.programme == "2022-shegong-chuangtou"
    founded = ask(advisor, "我们2020年注册的，有9个专职人员，能申报创投计划吗？", "2023-05-20")
    assert founded.eligibility is not None and founded.eligibility.programme == "2023-shegong-chuangtou"


def test_in_2022s_window_2022s_criteria_decide(advisor: Advisor) -> None:
    reply = ask(advisor, round2023.APPLICANT + "，可以申报吗？", "2022-04-01")
    assert reply.eligibility is not None and reply.eligibility.programme == "2022-shegong-chuangtou"
    assert reply.eligibility.verdict == "ineligible"


def test_the_screener_asks_the_current_rounds_criteria_in_its_order_and_words(advisor: Advisor) -> None:
    current = advisor.rounds.current(D("2023-05-20"))
    screener = Screener(current, advisor.rules.places)
    state = screener.start(D("2023-05-20"))
    asked = []
    answers = {"location": "是", "registration_years_2": "两年半", "annual_inspection": "是",
               "fulltime_staff_8": "9", "no_violation": "没有", "core_team_4": "5", "certified_tenure_1": "1"}
    while (prompt := screener.next_prompt(state)) is not None:
        asked.append(prompt.text)
        assert screener.answer(state, answers[prompt.criterion])
    assert asked == [c.ask for c in current.criteria]
    assert "贵机构注册成立几年了？（本轮要求2年以上）" in asked
    assert "贵机构有多少名专职人员？（本轮要求8人以上）" in asked
    assert screener.result(state).verdict == "eligible"
    told = ["我们在海淀区注册3年了，年检都合格，有9个专职人员，没有处罚"]
    core = screener.next_prompt(screener.start(D("2023-05-20"), told))
    assert core is not None and core.criterion == "core_team_4"
    assert ("3", "3") in core.options and ("4", "4") in core.options  # a button either side of the threshold
    in_2022 = Screener(advisor.rounds.current(D("2022-04-01")), advisor.rules.places)
    first = in_2022.next_prompt(in_2022.start(D("2022-04-01"), ["我们机构在海淀区注册"]))
    assert first is not None and first.text == "贵机构注册成立几年了？"  # 2022's own wording


def test_round_years_are_not_founding_years() -> None:
    today = D("2023-05-20")
    assert round_years("2022年的创投计划", today) == [2022]
    assert round_years("今年的创投计划", today) == [2023]
    assert round_years("我们2020年注册的", today) == []
    assert round_years("我们2019年3月成立", today) == []
    assert round_years("2020年就注册了，2023年能申报吗", today) == [2023]


def test_one_round_known_gives_the_same_answers_as_before() -> None:
    single = Advisor(load_programmes(PROJECT_ROOT / "knowledge"), load_templates(PROJECT_ROOT / "prompts"),
                    load_places(PROJECT_ROOT / "knowledge"))
    assert Rounds(single.programmes).is_single()
    reply = ask(single, "2022年创投计划的申报条件是什么？", "2026-11-22")
    assert "那一轮" not in reply.answer and "最新一轮" not in reply.answer


@pytest.fixture(scope="module")
def two_rounds(kb: Path, tmp_path_factory: pytest.TempPathFactory, built: Settings, e5: E5Embeddings) -> Engine:
    """The session's index copied, the 2023 announcement added to it (only that one is embedded)."""
    data = tmp_path_factory.mktemp("rounds-index")
    shutil.copytree(built.data_dir / "chroma", data / "chroma")
    mine = Settings(data_dir=data, knowledge_dir=kb, prompts_dir=PROJECT_ROOT / "prompts")
    report = ingest(mine, e5, TextAnalyzer(kb / "lexicon"), quiet=True)
    assert report.added == [round2023.DOC_ID] and not report.updated
    return build_engine(mine, embeddings=e5, auto_ingest=False)


@pytest.mark.slow
def test_through_the_engine_each_verdict_cites_its_own_announcement(two_rounds: Engine) -> None:
    now = two_rounds.ask(Question(round2023.APPLICANT + "，可以申报创投计划吗？", D("2023-05-20")))
    assert now.eligibility is not None and now.eligibility.verdict == "eligible"
    assert now.sources[0].chunk.doc_id == round2023.DOC_ID
    then = two_rounds.ask(Question(round2023.APPLICANT + "，可以申报2022年的创投计划吗？", D("2023-05-20")))
    assert then.eligibility is not None and then.eligibility.verdict == "ineligible"
    assert then.sources[0].chunk.doc_id == "2022-03-chuangtou-jihua"
    timeline = two_rounds.ask(Question("创投计划申报截止到几号？", D("2023-05-20")))
    assert timeline.kind == "timeline" and "6月9日" in timeline.answer
    assert timeline.sources[0].chunk.doc_id == round2023.DOC_ID
