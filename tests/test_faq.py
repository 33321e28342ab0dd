"""Staff-approved answers: a close match is answered from the FAQ first, related questions are not."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.answering.engine import Engine
from bot.answering.reply import Question
from bot.index.embeddings import E5Embeddings
from bot.knowledge.documents import KnowledgeError, load_documents
from bot.knowledge.faq import FaqEntry, FaqSource, load_faq, new_entry
from bot.knowledge.service import EditError, KnowledgeService
from bot.settings import Settings
from bot.state.store import Store
from bot.wiring import build_engine
from tests.helpers.knowledge import copy_knowledge

pytestmark = pytest.mark.slow

QUOTE = "社工站成立以来"
TODAY = dt.date(2026, 11, 22)


def put(kb: Settings, entry: FaqEntry) -> None:
    service = KnowledgeService(kb)
    service.apply(service.plan_faq(entry), user="test")


def drop(kb: Settings, entry_id: str) -> bool:
    service = KnowledgeService(kb)
    try:
        service.apply(service.plan_faq_remove(entry_id), user="test")
    except EditError:
        return False
    return True


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory, built: Settings) -> Settings:
    return copy_knowledge(tmp_path_factory.mktemp("faq"), built)


@pytest.fixture(scope="module")
def faq_engine(kb: Settings, e5: E5Embeddings) -> Engine:
    docs = load_documents(kb.knowledge_dir)
    body = next(d for d in docs if d.id == "2022-03-wushe-liandong").body
    quote = next(s for s in body.split("。") if "魏善庄" in s and len(s) > 10).strip()
    entry = new_entry(["魏善庄镇社工站的电话是多少？"], "魏善庄镇社工站的电话请拨打 010-0000-0000（测试用号码）。",
                      [FaqSource("2022-03-wushe-liandong", quote)], "测试员", TODAY)
    put(kb, entry)
    return build_engine(kb, embeddings=e5)


def ask(engine: Engine, text: str) -> str:
    reply = engine.ask(Question(text, today=TODAY))
    return f"{reply.kind}:{reply.answer}"


def test_close_match_is_answered_from_the_faq_with_its_source(faq_engine: Engine) -> None:
    for paraphrase in ("魏善庄镇社工站的电话是多少？", "魏善庄镇社工站电话多少", "魏善庄社工站的联系电话是多少"):
        answer = ask(faq_engine, paraphrase)
        assert answer.startswith("faq:魏善庄镇社工站的电话请拨打"), paraphrase
        assert "《“五社联动”齐治理" in answer and "2022年3月29日" in answer
        assert "工作人员审核的答复，2026-11-22" in answer


def test_related_but_different_questions_are_not_answered_from_it(faq_engine: Engine) -> None:
    for other in ("魏善庄社工站能提供什么服务？", "通运街道社工站的电话是多少？", "创投计划的申报截止时间是什么时候？",
                  "我们机构注册5年，有12名专职员工，能申报创投计划吗？"):
        assert not ask(faq_engine, other).startswith("faq:"), other


def test_broken_entries_are_refused_before_the_file_changes(kb: Settings) -> None:
    docs = load_documents(kb.knowledge_dir)
    before = (kb.knowledge_dir / "faq.yaml").read_text(encoding="utf-8")
    unquoted = FaqSource("2022-03-wushe-liandong", "文章里没有的引文")
    for entry in (new_entry(["问题？"], "答复。", [FaqSource("no-such-doc")], "x", TODAY),
                  new_entry(["问题？"], "答复。", [unquoted], "x", TODAY)):
        with pytest.raises(EditError):
            put(kb, entry)
    with pytest.raises(KnowledgeError, match="至少一个问题"):
        new_entry(["  "], "答复。", [], "x", TODAY)
    assert (kb.knowledge_dir / "faq.yaml").read_text(encoding="utf-8") == before
    (kb.knowledge_dir / "faq.yaml").write_text("entries: [{id: a, questions: []}]", encoding="utf-8")
    try:
        with pytest.raises(KnowledgeError, match=r"faq.yaml：entries → 第1项（a） → questions：不能为空；"
                                                 r"entries → 第1项（a） → answer：缺少这一项"):
            load_faq(kb.knowledge_dir, docs)
    finally:
        (kb.knowledge_dir / "faq.yaml").write_text(before, encoding="utf-8")


def test_an_unanswered_question_becomes_an_entry_and_leaves_the_queue(kb: Settings, faq_engine: Engine) -> None:
    store = Store(f"sqlite:///{kb.data_dir / 'faq-test.sqlite3'}")
    declined = faq_engine.ask(Question("社工站周末开门吗？", today=TODAY))
    assert not declined.answered
    iid = store.record(channel="test", user_id="1", chat_id="1", question="社工站周末开门吗？", answer=declined.answer,
                       answered=False, kind=declined.kind, confidence=declined.confidence, latency_ms=1.0, sources=[])
    liked = store.record(channel="test", user_id="1", chat_id="1", question="好问题", answer="好答复", answered=True,
                         kind="answer", confidence=0.9, latency_ms=1.0, sources=[])
    store.add_feedback(liked, "1", -1)
    assert [r["id"] for r in store.unanswered()] == [iid]
    assert [r["id"] for r in store.unanswered(disliked=True)] == [liked, iid]
    docs = load_documents(kb.knowledge_dir)
    answer = "各社工站开放时间不同，请先电话咨询所在街道（乡镇）社工站。"
    entry = new_entry(["社工站周末开门吗？"], answer, [], "测试员", TODAY)
    put(kb, entry)
    store.resolve(iid, entry.id, "测试员")
    assert store.unanswered() == []
    assert [e.id for e in load_faq(kb.knowledge_dir, docs)][-1] == entry.id
    assert drop(kb, entry.id) and not drop(kb, entry.id)
