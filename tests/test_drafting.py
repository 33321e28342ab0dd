"""Drafting a round from its announcement: every field with its verbatim quote, empty when unsupported,
and the checks that refuse saving a round whose quote or date is wrong."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.knowledge.documents import Document, KnowledgeError, load_documents
from bot.knowledge.draft_model import with_model
from bot.knowledge.drafting import Draft, draft_programme, missing_fields
from bot.knowledge.kinds import load_kinds
from bot.knowledge.programme_files import check_programme, draft_text, programme_text
from bot.knowledge.programmes import load_programmes
from bot.knowledge.service import KnowledgeService
from bot.text.normalize import squash
from tests.helpers import round2023
from tests.helpers.files import make_docx, make_pdf
from tests.helpers.knowledge import copy_knowledge
from tests.helpers.llm_server import FakeLLM, Scripted

D = dt.date.fromisoformat


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    settings = copy_knowledge(tmp_path_factory.mktemp("drafting"))
    round2023.write_announcement(settings.knowledge_dir)
    return settings.knowledge_dir


def draft_of(kb: Path, doc_id: str) -> tuple[Draft, Document]:
    docs = {d.id: d for d in load_documents(kb)}
    return draft_programme(docs[doc_id], load_kinds(kb), load_programmes(kb)), docs[doc_id]


def quotes(data: dict[str, Any]) -> list[str]:
    out = [data["name_quote"], data["window"]["quote"]]
    out += [f["quote"] for f in data["facts"].values()] + [s["quote"] for s in data["stages"]]
    return out + [c["quote"] for c in data["criteria"]]


def test_the_2023_announcement_is_drafted_field_by_field(kb: Path) -> None:
    draft, doc = draft_of(kb, round2023.DOC_ID)
    d = draft.data
    assert (d["id"], d["name"], d["year"]) == ("2023-shegong-chuangtou", "2023社会工作创投计划", 2023)
    assert "创投计划" in d["aliases"]  # the earlier round's names carry over
    assert (d["window"]["opens"], d["window"]["closes"]) == (D("2023-05-08"), D("2023-06-09"))
    assert d["window"]["quote"] == "项目征集时间为2023年5月8日至6月9日"
    assert [(s["id"], s["when"], s["start"], s["end"]) for s in d["stages"]] == [
        ("initial_selection", "6月中旬", D("2023-06-11"), D("2023-06-20")),
        ("review", "6月下旬", D("2023-06-21"), D("2023-06-30")),
        ("signing", "7月上旬", D("2023-07-01"), D("2023-07-10"))]
    assert {k: v["value"] for k, v in d["facts"].items()} == {
        "guidance": "北京市委社会工委市民政局", "funder": "北京字节跳动公益基金会社会工作发展专项基金",
        "undertaker": "北京社会工作者协会", "funded": "20个项目",
        "fields": "儿童社会工作、老年社会工作、残疾人社会工作、城乡社区治理与发展、应急社会工作等"}
    by_kind = {c["kind"]: c for c in d["criteria"]}
    assert list(by_kind) == ["location", "registration_years", "annual_inspection", "fulltime_staff",
                             "no_violation", "core_team", "certified_tenure"]
    assert by_kind["registration_years"]["min"] == 2 and by_kind["fulltime_staff"]["min"] == 8
    assert by_kind["fulltime_staff"]["quote"] == "专职工作人员8人以上（以社保缴费记录为准）"  # how staff are counted
    assert by_kind["core_team"]["min"] == 4
    assert (by_kind["certified_tenure"]["min"], by_kind["certified_tenure"]["min_years"]) == (1, 1)
    assert "（本轮要求8人以上）" in by_kind["fulltime_staff"]["ask"]
    body = squash(doc.body)
    assert all(squash(q) in body for q in quotes(d))
    assert draft.missing == ["facts.audience"]  # the notice does not say whom it addresses: left empty
    assert set(draft.origin.values()) == {"rules"}


def test_the_2022_article_drafts_what_was_written_by_hand(kb: Path) -> None:
    """The hand-written 2022 round is the check: the drafter finds the same values in the same sentences."""
    draft, _ = draft_of(kb, "2022-03-chuangtou-jihua")
    by_hand = next(p for p in load_programmes(kb) if p.year == 2022)
    d = draft.data
    assert (d["window"]["opens"], d["window"]["closes"]) == (by_hand.window.start, by_hand.window.end)
    assert d["window"]["quote"] == by_hand.window.quote
    assert [(s["id"], s["when"], s["start"], s["end"], s["quote"]) for s in d["stages"]] == [
        (s.id, s.when, s.start, s.end, s.quote) for s in by_hand.stages]
    assert [(c["kind"], c.get("min"), c.get("min_years"), c["quote"]) for c in d["criteria"]] == [
        (c.kind, c.min or None, c.min_years or None, c.quote) for c in by_hand.criteria]
    for key in ("guidance", "fields", "funded", "audience"):
        assert d["facts"][key]["value"] == by_hand.facts[key].value
        assert d["facts"][key]["quote"] in by_hand.facts[key].quote  # the clause that states it
    assert draft.missing == []


def test_an_article_that_is_no_announcement_leaves_the_fields_empty(kb: Path) -> None:
    draft, _ = draft_of(kb, "2019-11-bentuhua-lujing")
    assert draft.data["name"] is None and draft.data["window"] is None and draft.data["criteria"] == []
    assert {"name", "window", "stages.signing", "criteria.registration_years"} <= set(draft.missing)
    text = draft_text(draft, load_documents(kb)[0])
    assert "# 原文中没有找到（留空，需要时请补上并附原文）：name、window、" in text
    parsed = yaml.safe_load(text)
    assert parsed["name"] is None and parsed["window"]["opens"] is None


@pytest.mark.parametrize("name, make", [
    ("notice.txt", lambda text: text.encode("utf-8")),
    ("notice.html", lambda text: ("<html><body>" + "".join(f"<p>{p}</p>" for p in text.split("\n\n"))
                                  + "</body></html>").encode("utf-8")),
    ("notice.docx", lambda text: make_docx([p for p in text.split("\n\n") if p.strip()])),
    ("notice.pdf", lambda text: make_pdf([line[i:i + 38] for line in text.splitlines() if line.strip()
                                          for i in range(0, len(line), 38)])),
])
def test_every_upload_format_gives_the_same_draft(tmp_path: Path, name: str, make: Any) -> None:
    settings = copy_knowledge(tmp_path)
    text = re.sub(r"^## ", "", round2023.ANNOUNCEMENT, flags=re.M)
    added = KnowledgeService(settings).add(make(text), name, {"title": round2023.TITLE,
                                                              "published": round2023.PUBLISHED,
                                                              "publication": round2023.PUBLICATION}, user="test")
    draft, doc = draft_of(settings.knowledge_dir, added.edit.target)
    d = draft.data
    assert (d["window"]["opens"], d["window"]["closes"]) == (D("2023-05-08"), D("2023-06-09"))
    assert {c["kind"]: c.get("min") for c in d["criteria"]} == {
        "location": None, "registration_years": 2, "annual_inspection": None, "fulltime_staff": 8,
        "no_violation": None, "core_team": 4, "certified_tenure": 1}
    assert all(squash(q) in squash(doc.body) for q in quotes(d))


def _confirmed(kb: Path) -> tuple[dict[str, Any], list[Document]]:
    draft, _ = draft_of(kb, round2023.DOC_ID)
    return draft.data, load_documents(kb)


def test_a_confirmed_draft_is_saved_as_a_file_that_loads(kb: Path, tmp_path: Path) -> None:
    data, docs = _confirmed(kb)
    doc = next(d for d in docs if d.id == round2023.DOC_ID)
    text = programme_text(data, doc, user="wang", today=D("2023-04-21"))
    assert text.startswith("# 2023社会工作创投计划：据《关于开展2023社会工作创投计划项目征集的通知》")
    target = tmp_path / "knowledge"
    import shutil
    shutil.copytree(kb, target)
    (target / "programmes" / "2023-shegong-chuangtou.yaml").write_text(text, encoding="utf-8")
    rounds = load_programmes(target)
    assert [p.year for p in rounds] == [2023, 2022]
    assert rounds[0].criterion("fulltime_staff_8").min == 8


@pytest.mark.parametrize("change, message", [
    (lambda d: d["criteria"][3].update(quote="专职工作人员6人以上"), "条件 fulltime_staff_8 的原文不在文档"),
    (lambda d: d["window"].update(quote="征集时间为5月1日至6月30日"), "window 的原文不在文档"),
    (lambda d: d["window"].update(opens="2023-02-30"), r"征集时间（window） → 开始日期（opens）：不是日期"),
    (lambda d: d["window"].update(closes=D("2023-05-01")), "征集截止日期（2023年5月1日）早于开始日期（2023年5月8日）"),
    (lambda d: d["stages"][0].update(end=D("2023-04-01")), "阶段“项目初选”的结束日期（2023年4月1日）早于开始日期"),
    (lambda d: d["criteria"][1].update(min=None), r"需要数字门槛 min"),
    (lambda d: d["criteria"][1].update(kind="age"), "kind 'age' 不认识"),
    (lambda d: d.update(year=2021, id="2021-other"), "征集开始日期（2023年5月8日）与这一轮的年份 2021 不符"),
    (lambda d: d.update(id="2022-shegong-chuangtou"), "已有编号为 2022-shegong-chuangtou 的项目"),
    (lambda d: d["facts"]["funded"].update(quote="本年度计划资助30个项目"), "facts.funded 的原文不在文档"),
])
def test_saving_is_refused_with_a_clear_message(kb: Path, change: Any, message: str) -> None:
    data, docs = _confirmed(kb)
    change(data)
    with pytest.raises(KnowledgeError, match=message):
        check_programme(data, docs, load_kinds(kb), load_programmes(kb))


def _model_draft(kb: Path, answer: str) -> tuple[Draft, FakeLLM]:
    """The draft with the model asked through the real langchain-openai client, against the local stand-in."""
    from bot.answering.llm import LlmClient
    from bot.settings import PROJECT_ROOT, Settings

    with FakeLLM(lambda purpose, user: answer) as server:
        client = LlmClient(Settings(llm_base_url=server.base_url, llm_model="test", llm_timeout=5))
        draft, doc = draft_of(kb, round2023.DOC_ID)
        draft.data["criteria"] = [c for c in draft.data["criteria"] if c["kind"] != "core_team"]
        draft.missing = missing_fields(draft.data, load_kinds(kb))
        return with_model(draft, doc, load_kinds(kb), client.chat, PROJECT_ROOT / "prompts"), server


def test_the_models_proposal_counts_only_with_a_verbatim_quote_that_states_it(kb: Path) -> None:
    answer = json.dumps({
        "facts.audience": {"value": "各区民政局、各社会服务机构", "quote": "各区民政局、各社会服务机构"},  # kept
        "facts.funded": {"value": "30个项目", "quote": "本年度计划资助30个项目"},  # not empty: ignored
        "criteria.core_team": {"value": 4, "quote": "项目执行团队核心成员不少于4人"},  # kept, 4 read by us
    }, ensure_ascii=False)
    draft, server = _model_draft(kb, answer)
    prompt = server.requests[0]["messages"][1]["content"]
    assert "需要补充的字段：facts.audience、criteria.core_team" in prompt and "项目征集时间为2023年5月8日" in prompt
    assert draft.data["facts"]["audience"] == {"label": "面向对象", "value": "各区民政局、各社会服务机构",
                                               "quote": "各区民政局、各社会服务机构"}
    core = next(c for c in draft.data["criteria"] if c["kind"] == "core_team")
    assert core["min"] == 4 and core["quote"] == "项目执行团队核心成员不少于4人"
    assert draft.origin["facts.audience"] == draft.origin["criteria.core_team"] == "model"
    assert draft.missing == [] and draft.data["facts"]["funded"]["value"] == "20个项目"


@pytest.mark.parametrize("answer", [
    json.dumps({"facts.audience": {"value": "全国社会组织", "quote": "面向全国社会组织"}}),  # quote not in the notice
    json.dumps({"facts.audience": {"value": "北京市民政局", "quote": "各区民政局、各社会服务机构"}}),  # value not in it
    json.dumps({"criteria.core_team": {"value": 6, "quote": "项目执行团队核心成员不少于4人"}}),  # 6 is not stated
    "我无法完成这个任务。",  # no JSON
])
def test_a_proposal_without_a_quote_that_states_it_is_dropped(kb: Path, answer: str) -> None:
    draft, _ = _model_draft(kb, answer)
    if "core_team" in answer:
        assert next(c for c in draft.data["criteria"] if c["kind"] == "core_team")["min"] == 4  # read by us
    else:
        assert draft.missing == ["facts.audience", "criteria.core_team"]
        assert "audience" not in draft.data["facts"] and "model" not in draft.origin.values()


def test_a_failing_model_leaves_the_rules_draft(kb: Path) -> None:
    from bot.answering.llm import LlmClient
    from bot.settings import PROJECT_ROOT, Settings

    with FakeLLM(lambda purpose, user: Scripted(status=500)) as server:
        client = LlmClient(Settings(llm_base_url=server.base_url, llm_model="test", llm_timeout=5))
        draft, doc = draft_of(kb, round2023.DOC_ID)
        before = json.dumps(draft.data, default=str)
        assert with_model(draft, doc, load_kinds(kb), client.chat, PROJECT_ROOT / "prompts") is draft
        assert json.dumps(draft.data, default=str) == before and draft.missing == ["facts.audience"]
