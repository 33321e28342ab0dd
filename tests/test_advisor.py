"""Eligibility and criteria questions through the engine: decided by rules, cited, in the contract."""

from __future__ import annotations

import datetime as dt

from bot.answering.engine import Engine
from bot.answering.reply import Question, Turn
from bot.channels.jsonl import reply_json

TODAY = dt.date(2026, 11, 22)


def test_a_claim_gets_a_verdict_with_every_criterion(engine: Engine) -> None:
    reply = engine.ask(Question("我们机构成立两年半，有11个专职人员，可以申报创投计划吗？", TODAY))
    assert reply.kind == "eligibility" and reply.eligibility is not None
    assert reply.answer.startswith("初步判断：不符合")
    assert reply.answer.count("✅") == 1 and reply.answer.count("❌") == 1 and reply.answer.count("❓") == 5
    assert "注册成立三年以上" in reply.answer and "公益时报" in reply.answer and "2022年3月" in reply.answer
    failed_line = next(line for line in reply.answer.splitlines() if line.startswith("❌"))
    assert "原文：“必须是在市区民政局注册成立三年以上的社会组织”" in failed_line
    obj = reply_json("x", reply)
    assert obj["eligibility"]["verdict"] == "ineligible"
    assert {c["id"]: c["status"] for c in obj["eligibility"]["criteria"]}["registered_3y"] == "fail"
    assert "注册成立三年以上" in obj["sources"][0]["text"]


def test_unknown_verdict_says_what_is_still_needed(engine: Engine) -> None:
    history = [Turn("user", "我们在北京丰台区注册6年了，想申请创投计划"), Turn("assistant", "……")]
    reply = engine.ask(Question("专职有15个，核心成员5人，可以吗？", TODAY, history))
    assert reply.eligibility is not None and reply.eligibility.verdict == "unknown"
    passed = {c.id for c in reply.eligibility.criteria if c.status == "pass"}
    assert passed == {"beijing_org", "registered_3y", "fulltime_staff_10", "core_team_5"}
    assert "还需要了解" in reply.answer and "年检" in reply.answer


def test_criteria_question_lists_them_without_a_verdict(engine: Engine) -> None:
    reply = engine.ask(Question("申报创投计划的机构要满足什么条件？", TODAY))
    assert reply.kind == "criteria" and reply.eligibility is None
    for fact in ("三年以上", "10人以上", "社保", "五人以上", "两名", "历年年检合格"):
        assert fact in reply.answer


def test_project_conditions_are_not_organisation_criteria(engine: Engine) -> None:
    reply = engine.ask(Question("申报的项目有哪些硬性条件？", TODAY))
    assert reply.kind == "answer" and "创新性" in reply.answer


def test_a_rules_question_without_claims_is_not_a_verdict(engine: Engine) -> None:
    reply = engine.ask(Question("机构需要年检合格吗？", TODAY))
    assert reply.eligibility is None


def test_other_programmes_are_not_judged_by_these_rules(engine: Engine) -> None:
    reply = engine.ask(Question("志愿服务V创投计划最终选定了多少个项目？", TODAY))
    assert reply.kind == "answer" and "40" in reply.answer
