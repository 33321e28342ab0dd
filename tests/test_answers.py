"""Answers from the real index: cited with dates, newer sources first, honest declines, bad input."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.answering.engine import Engine
from bot.answering.reply import Question, Turn
from bot.wiring import build_engine

TODAY = dt.date(2026, 11, 22)


def ask(engine: Engine, text: str, **kw: object) -> object:
    return engine.ask(Question(text, kw.get("today", TODAY), kw.get("history", [])))  # type: ignore[arg-type]


def test_answer_cites_title_and_date(engine: Engine) -> None:
    reply = engine.ask(Question("第一阶段一共收到多少份项目申报书？", TODAY))
    assert reply.answered and reply.kind == "answer"
    assert "80份" in reply.answer
    assert "2022年3月" in reply.answer and "公益时报" in reply.answer and "来源" in reply.answer
    assert len(reply.sources) >= 5


def test_old_figure_is_given_with_its_date_and_newer_source_leads(engine: Engine) -> None:
    reply = engine.ask(Question("全国的社会工作专业人才现在有多少？", TODAY))
    assert reply.answered
    first_line = reply.answer.splitlines()[0]
    assert "150万" in first_line and "2022年" in first_line
    assert "120" not in first_line  # the 2019 figure follows, with its own date, never first
    assert "另据2019年11月报道" in reply.answer and "120多万" in reply.answer


def test_present_question_on_old_source_says_the_date(engine: Engine) -> None:
    reply = engine.ask(Question("北京现在有多少社工专业人才？", TODAY))
    assert "7.68万" in reply.answer
    assert "以上是2022年3月的报道" in reply.answer


def test_traditional_and_english_questions(engine: Engine) -> None:
    trad = engine.ask(Question("創投計劃申報需要多少專職人員？", TODAY))
    assert trad.answered and "10人以上" in trad.answer
    english = engine.ask(Question("When is the deadline to apply for the venture programme?", TODAY))
    assert english.answered and "4月10日" in english.answer and english.answer.startswith("(Answer in Chinese")
    declined = engine.ask(Question("Which bus goes to the nearest hospital?", TODAY))  # no sources cited
    assert not declined.answered and declined.answer.startswith("(My sources do not answer this")


@pytest.mark.parametrize("text", [
    "北京明天天气怎么样？",
    "帮我写一首关于秋天的诗",
    "怎么申请公租房？",
    "社工站附近有什么好吃的餐厅？",        # a keyword match alone is not an answer
    "创投项目每个能拿到多少资助金额？",    # the articles give no amount
    "北京社会工作者协会的电话是多少？",    # nor a phone number
    "2026年的社会工作创投计划什么时候申报？",  # nor a future round
])
def test_declines_and_says_where_to_ask(engine: Engine, text: str) -> None:
    reply = engine.ask(Question(text, TODAY))
    assert not reply.answered and reply.kind == "decline"
    assert "抱歉" in reply.answer and "建议咨询" in reply.answer
    assert any(body in reply.answer for body in ("北京社会工作者协会", "北京市民政局", "社会工作服务中心"))


def test_future_round_names_the_latest_known(engine: Engine) -> None:
    reply = engine.ask(Question("2026年的社会工作创投计划什么时候申报？", TODAY))
    assert "2026年" in reply.answer and "2022年" in reply.answer


@pytest.mark.parametrize("text, key", [
    ("", "请输入"), ("   \n\t ", "请输入"), ("问" * 10_000, "太长"), ("😀😀🎉🎉", "没能看懂"),
    ("\x00\x01\x02\x03\ufffd\ufffd\x07", "没能看懂"),
])
def test_bad_input_gets_a_clear_reply(engine: Engine, text: str, key: str) -> None:
    reply = engine.ask(Question(text, TODAY))
    assert not reply.answered and reply.kind == "invalid" and key in reply.answer


def test_a_new_question_is_not_mixed_with_the_last_one(engine: Engine) -> None:
    history = [Turn("user", "魏善庄有社工站吗，能做什么？"), Turn("assistant", "……")]
    reply = engine.ask(Question("北京明天天气怎么样？", TODAY, history))
    assert not reply.answered


def test_follow_up_uses_the_conversation(engine: Engine) -> None:
    history = [Turn("user", "我想了解运河园社区的全职妈妈活动。"), Turn("assistant", "……")]
    reply = engine.ask(Question("她们组成了什么团队呢？", TODAY, history))
    assert reply.answered and "贤妈智囊团" in reply.answer


def test_within_one_article_the_current_figure_leads(small_kb: object, e5: object) -> None:
    from bot.settings import Settings
    from tests.helpers.articles import write_article

    assert isinstance(small_kb, Settings)
    write_article(small_kb.knowledge_dir, "gamma", "星光社工服务社发展回顾", "2012-11",
                  "星光社工服务社经历了从无到有的发展过程。截止2010年，全市成立了17家星光社工服务社。"
                  "目前，包括正在登记的在内，全市星光社工服务社总数达到50家。")
    engine = build_engine(small_kb, embeddings=e5)  # type: ignore[arg-type]
    answer = engine.ask(Question("星光社工服务社发展到了多少家？")).answer
    lead = answer.split("\n")[0]
    assert "50家" in lead and lead.index("50家") > lead.find("17家")  # the current figure, perhaps after the old
    past = engine.ask(Question("2010年星光社工服务社有多少家？")).answer
    assert "17家" in past.split("\n")[0]



def test_the_passages_an_answer_quotes_lead_its_sources(engine: Engine) -> None:
    for text in ("第一阶段一共收到多少份项目申报书？", "通运街道是哪年挂牌成立的"):
        reply = engine.ask(Question(text, TODAY))
        assert reply.kind == "answer" and reply.cited, text
        assert [s.chunk.id for s in reply.sources[:len(reply.cited)]] == [s.chunk.id for s in reply.cited], text
