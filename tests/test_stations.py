"""The station directory: quoted facts only, answers from it, honest declines for the rest."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from bot.answering.engine import Engine
from bot.answering.reply import Question
from bot.knowledge.documents import KnowledgeError, load_documents
from bot.knowledge.stations import load_directory
from bot.settings import PROJECT_ROOT

KNOWLEDGE = PROJECT_ROOT / "knowledge"
DIRECTORY = load_directory(KNOWLEDGE, load_documents(KNOWLEDGE))
TODAY = dt.date(2026, 11, 22)


def test_directory_names_only_the_stations_of_the_articles() -> None:
    assert DIRECTORY is not None
    text = DIRECTORY.doc.body
    for station in DIRECTORY.stations:  # no invented station: each is named in the article
        assert any(alias in text for alias in (*station.aliases, *station.generic_aliases)), station.name
    villages = DIRECTORY.by_id("weishanzhuang-villages")
    assert villages is not None and villages.count == 13
    assert DIRECTORY.districts() == ["大兴区", "通州区"]


def test_a_quote_not_in_the_article_is_refused(tmp_path: Path) -> None:
    kb = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, kb)
    path = kb / "stations.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("共筹得资金21万余元", "共筹得资金31万余元"),
                    encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"stations.yaml：stations → 第3项（zhaozhuangzi） → programmes → 第1项 → "
                                             r"quote："
                       r"文章 2022-03-wushe-liandong 里找不到"):
        load_directory(kb, load_documents(kb))


def test_what_a_village_station_offers(engine: Engine) -> None:
    reply = engine.ask(Question("魏善庄有社工站吗，能做什么？", TODAY))
    assert reply.kind == "station" and reply.answered
    assert "个案帮扶" in reply.answer and "2022年3月29日" in reply.answer
    assert "以个案帮扶+社区活动+专项治理" in reply.sources[0].chunk.text


def test_a_resident_finds_a_programme_for_her(engine: Engine) -> None:
    reply = engine.ask(Question("我住运河园社区，社区有什么活动适合全职妈妈参加？", TODAY))
    assert "全职妈妈成长计划" in reply.answer and "贤妈智囊团" in reply.answer


def test_unknown_place_is_declined_with_what_is_known(engine: Engine) -> None:
    reply = engine.ask(Question("海淀区中关村街道有社工站吗？", TODAY))
    assert not reply.answered and "海淀区" in reply.answer
    assert "魏善庄镇社会工作服务中心" in reply.answer and "建议咨询" in reply.answer


def test_missing_address_is_declined_not_guessed(engine: Engine) -> None:
    reply = engine.ask(Question("赵庄子村社工站的电话是多少？", TODAY))
    assert not reply.answered and "赵庄子村级社工站的电话" in reply.answer


def test_a_station_question_about_plans_is_not_a_place(engine: Engine) -> None:
    reply = engine.ask(Question("北京计划建多少个区社会工作指导中心？", TODAY))
    assert reply.answered and "16" in reply.answer


def test_a_specific_fact_about_stations_is_answered_from_the_article(engine: Engine) -> None:
    reply = engine.ask(Question("村级社工站给村里捐了多少图书？"))
    assert reply.kind == "answer" and "3400" in reply.answer
    for text in ("魏善庄有社工站吗，能做什么？", "魏善庄有几个村级社工站？"):  # the directory knows the count
        overview = engine.ask(Question(text))
        assert overview.kind == "station" and "13" in overview.answer, text


def test_a_thing_the_card_does_not_tell_is_answered_from_the_passages_about_the_place(engine: Engine) -> None:
    text = "想学学通运街道的经验，他们社区工作站里都嵌进去了哪些专业模块？"
    reply = engine.ask(Question(text, TODAY))
    assert reply.kind == "answer" and "家庭学校" in reply.answer and "社会心理服务" in reply.answer
    card = engine.ask(Question("通运街道有社工站吗，能做什么？", TODAY))  # what is there: the card
    assert card.kind == "station" and "通运街道社会工作指导中心" in card.answer
    # a thing no passage about the place names leaves the card in place ("食堂" is in no article)
    assert engine.ask(Question("通运街道社工站有食堂服务吗", TODAY)).kind != "answer"


def test_what_stations_of_a_kind_do_is_told_by_the_cards_of_that_kind(engine: Engine) -> None:
    """Naming no station, "what do community stations offer" gets the directory's community card, a village
    question the village card; a thing the cards do not tell goes to the passages, a detail they lack is declined."""
    reply = engine.ask(Question("小区的社工站都管些啥", TODAY))
    assert reply.kind == "station" and "家庭学校" in reply.answer and "村级社工站" not in reply.answer
    assert "各地做法不一" in reply.answer and reply.sources
    reply = engine.ask(Question("农村的社工站一般提供什么服务", TODAY))
    assert reply.kind == "station" and "个案帮扶" in reply.answer and "运河园" not in reply.answer
    assert engine.ask(Question("社工站有没有法律方面的服务啊", TODAY)).kind != "station"
    assert not engine.ask(Question("社区社工站周末几点开门", TODAY)).answered
