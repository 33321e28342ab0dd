"""The knowledge service: one path for every change (plan -> check -> write -> re-index -> audit),
ids checked against the known documents, changes undone when the re-index fails."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.index.embeddings import E5Embeddings
from bot.index.storage import IndexStore
from bot.knowledge.documents import load_documents
from bot.knowledge.faq import FaqEntry, FaqSource, new_entry
from bot.knowledge.service import EditError, KnowledgeService
from bot.settings import Settings
from bot.state.store import Store
from bot.wiring import knowledge_service
from tests.helpers.files import make_docx

NOTICE = ["银河街道社工站每周二下午为老年人开设书法课。", "报名请到街道社工站。"]


def service(settings: Settings, store: Store | None = None) -> KnowledgeService:
    return KnowledgeService(settings, audit=store)


def files(kb: Path) -> dict[str, str]:
    return {p.relative_to(kb).as_posix(): p.read_text(encoding="utf-8") for p in sorted(kb.rglob("*"))
            if p.is_file() and "lexicon" not in p.parts}


def test_ids_that_try_to_leave_the_knowledge_directory_are_unknown_documents(small_kb: Settings) -> None:
    """Issue 10 item 9: `/remove ../../victim` deleted a file outside knowledge/."""
    outside = small_kb.knowledge_dir.parent / "victim.md"
    outside.write_text("---\nid: victim\n---\n正文。\n", encoding="utf-8")
    readme = small_kb.knowledge_dir.parent / "README.md"
    readme.write_text("# not a knowledge file\n", encoding="utf-8")
    kb = service(small_kb)
    before = files(small_kb.knowledge_dir)
    attempts = [
        lambda: kb.remove("../../victim", user="t"),
        lambda: kb.remove("../victim", user="t"),
        lambda: kb.edit("../../victim", {"title": "x"}, user="t"),
        lambda: kb.edit("alpha", {"superseded_by": "../../README"}, user="t"),
        lambda: kb.add(make_docx(NOTICE), "n.docx", {"title": "书法课", "published": "2023-05-01",
                                                     "supersedes": "../../README"}, user="t"),
        lambda: kb.add(make_docx(NOTICE), "n.docx", {"title": "书法课", "published": "2023-05-01",
                                                     "id": "../../evil"}, user="t"),
    ]
    for attempt in attempts:
        with pytest.raises(EditError) as caught:
            attempt()
        message = str(caught.value)
        assert str(small_kb.knowledge_dir.parent) not in message and "/tmp" not in message, message
        assert "没有编号为" in message or "不可用" in message, message
    assert outside.exists() and readme.read_text(encoding="utf-8") == "# not a knowledge file\n"
    assert files(small_kb.knowledge_dir) == before


def test_removing_a_cited_document_is_refused_in_chinese_without_a_path(small_kb: Settings) -> None:
    kb = service(small_kb)
    kb.apply(kb.plan_faq(_entry()), user="t")
    with pytest.raises(EditError) as caught:
        kb.remove("alpha", user="t")
    message = str(caught.value)
    assert message.startswith("alpha 仍被引用，不能删除") and "常见问答“阳光社区有健康讲座吗？”以它为出处" in message
    assert str(small_kb.knowledge_dir) not in message and "knowledge_dir" not in message
    assert (small_kb.knowledge_dir / "articles" / "alpha.md").exists()


def test_a_supersedes_link_can_be_undone(small_kb: Settings) -> None:
    kb = service(small_kb)
    kb.edit("alpha", {"superseded_by": "beta"}, user="t")
    assert {d.id: d.superseded_by for d in load_documents(small_kb.knowledge_dir)}["alpha"] == "beta"
    with pytest.raises(EditError, match=r"仍被引用.*文档 alpha 标注为被它取代"):
        kb.remove("beta", user="t")
    kb.edit("alpha", {"superseded_by": ""}, user="t")
    assert {d.id: d.superseded_by for d in load_documents(small_kb.knowledge_dir)}["alpha"] is None
    kb.remove("beta", user="t")
    assert [d.id for d in load_documents(small_kb.knowledge_dir)] == ["alpha"]


def test_a_change_planned_against_an_older_state_is_refused(small_kb: Settings) -> None:
    kb = service(small_kb)
    edit = kb.plan_edit("alpha", {"publication": "阳光社区居委会"})
    other = kb.plan_edit("alpha", {"valid_until": "2021-12-31"})
    kb.apply(other, user="t")
    with pytest.raises(EditError, match="被别人修改过"):
        kb.apply(edit, user="t")
    doc = next(d for d in load_documents(small_kb.knowledge_dir) if d.id == "alpha")
    assert doc.publication == "测试报" and doc.valid_until is not None


def test_every_change_and_refusal_is_audited(small_kb: Settings) -> None:
    store = Store(f"sqlite:///{small_kb.data_dir / 'audit.sqlite3'}")
    kb = service(small_kb, store)
    kb.add(make_docx(NOTICE), "n.docx", {"title": "书法课", "published": "2023-05-01", "id": "shufa"}, user="cli:wang")
    with pytest.raises(EditError):
        kb.remove("nope", user="cli:wang")
    kb.remove("shufa", user="cli:wang")
    log = [(r["user_id"], r["action"], r["detail"]) for r in reversed(store.staff_log())]
    assert log[0] == ("cli:wang", "upload", "shufa (n.docx)")
    assert log[1][1] == "remove" and "refused" in log[1][2] and log[2] == ("cli:wang", "remove", "shufa")


@pytest.mark.slow
def test_a_failed_reindex_puts_the_files_back_and_the_old_index_keeps_answering(small_kb: Settings,
                                                                                 e5: E5Embeddings) -> None:
    store = Store(f"sqlite:///{small_kb.data_dir / 'audit.sqlite3'}")
    kb = knowledge_service(small_kb, embeddings=e5, audit=store)
    added = kb.add(make_docx(NOTICE), "n.docx", {"title": "书法课", "published": "2023-05-01", "id": "shufa"},
                   user="t")
    assert added.indexed is not None and added.chunks >= 1 and "embedded" in added.indexed.summary
    # The index was built with another model: ingest refuses (a real failure, as after a settings change).
    index = IndexStore(small_kb)
    committed = index.current()
    assert committed is not None
    committed.embedding_model = "another-model"
    index.commit(committed)
    before = files(small_kb.knowledge_dir)
    with pytest.raises(EditError) as caught:
        kb.remove("shufa", user="t")
    assert "重新索引失败，改动已撤回" in str(caught.value) and "ingest --rebuild" in str(caught.value)
    assert str(small_kb.data_dir) not in str(caught.value)
    assert files(small_kb.knowledge_dir) == before  # the document is back
    manifest = IndexStore(small_kb).current()
    assert manifest is not None and "shufa" in manifest.docs  # the previous index still holds it
    assert "re-index failed, undone" in store.staff_log()[0]["detail"]


def _entry() -> FaqEntry:
    return new_entry(["阳光社区有健康讲座吗？"], "有，每周三。", [FaqSource("alpha", "每周三开展老年人健康讲座")], "t",
                     dt.date(2023, 1, 1))
