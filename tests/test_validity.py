"""A later round supersedes the 2022 one: present-tense answers come from the new document, questions
naming 2022 still from the old one, and a lapsed document is quoted with a note saying so.

The 2023 announcement is fictional, written for this test.
"""

from __future__ import annotations

import datetime as dt

import pytest

from bot.answering.engine import Engine
from bot.answering.reply import Question
from bot.index.embeddings import E5Embeddings
from bot.knowledge.service import KnowledgeService
from bot.settings import Settings
from bot.wiring import build_engine
from tests.helpers.files import make_docx
from tests.helpers.knowledge import copy_knowledge

pytestmark = pytest.mark.slow

ROUND_2023 = [
    "2023年社会工作创投计划征集公告",
    "为持续推动社会工作发展，北京市民政局指导，北京字节跳动公益基金会继续开展2023年社会工作创投计划。",
    "本次创投项目征集时间为2023年3月1日至3月31日，申报材料请通过北京社协官网提交。",
    "今年的创投计划最终将对20个项目予以资助，重点支持社区养老和青少年服务领域。",
]


@pytest.fixture(scope="module")
def later_round(tmp_path_factory: pytest.TempPathFactory, e5: E5Embeddings, built: Settings) -> Engine:
    settings = copy_knowledge(tmp_path_factory.mktemp("validity"), built)
    KnowledgeService(settings).add(
        make_docx(ROUND_2023), "2023.docx",
        {"id": "2023-chuangtou", "title": "2023年社会工作创投计划征集公告", "published": "2023-02-20",
         "publication": "北京市民政局", "valid_until": "2023-12-31", "supersedes": "2022-03-chuangtou-jihua"},
        user="test")
    return build_engine(settings, embeddings=e5)


def ask(engine: Engine, text: str, today: dt.date) -> str:
    return engine.ask(Question(text, today=today)).answer


def test_the_current_round_leads_present_tense_answers(later_round: Engine) -> None:
    spring = dt.date(2023, 3, 10)
    count = ask(later_round, "创投计划资助多少个项目？", spring)
    lead = count.split("\n")[0]
    assert lead.startswith("据北京市民政局2023年2月20日发布") and "20个项目" in lead
    assert "取代" not in count and "过期" not in count
    deadline = ask(later_round, "创投项目征集时间是什么时候？", spring)
    assert "2023年3月1日至3月31日" in deadline and "3月17日至4月10日" not in deadline


def test_a_question_naming_the_old_period_gets_the_old_document_with_a_note(later_round: Engine) -> None:
    today = dt.date(2023, 3, 10)
    old = ask(later_round, "2022年创投计划资助了多少个项目？", today)
    assert "15个项目" in old and "2022年3月" in old
    assert "已被2023年2月20日发布的《2023年社会工作创投计划征集公告》取代" in old
    timeline = ask(later_round, "2022年创投计划什么时候截止？", today)
    assert "4月10日" in timeline  # the rules' own round, still answered from the programme data
    newer = ask(later_round, "2023年创投计划什么时候截止？", today)
    assert "3月31日" in newer and "4月10日" not in newer  # a round the rules lack, but a document covers


def test_an_expired_document_is_quoted_with_its_end_date(later_round: Engine) -> None:
    later = ask(later_round, "创投计划资助多少个项目？", dt.date(2026, 11, 22))
    assert "20个项目" in later and "有效期到2023年12月31日为止，已经过期" in later


def test_eligibility_verdicts_stay_with_the_rules_and_say_the_round_is_replaced(later_round: Engine) -> None:
    question = Question("我们机构注册满5年，有12名专职员工，能申报创投计划吗？", today=dt.date(2023, 3, 10))
    reply = later_round.ask(question)
    assert reply.kind == "eligibility" and "取代" in reply.answer
