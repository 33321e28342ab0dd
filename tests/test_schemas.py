"""Every YAML file is read through a pydantic model: a message names the file, the entry and the field,
in Chinese; staff edits of stations.yaml and faq.yaml keep the comments."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from bot.answering.templates import TemplateError, load_templates
from bot.channels.telegram.texts import load_texts
from bot.evaluation import load_questions
from bot.knowledge.documents import KnowledgeError, load_documents, parse_document
from bot.knowledge.faq import FaqSource, load_faq, new_entry
from bot.knowledge.service import KnowledgeService
from bot.knowledge.stations import load_directory, with_details, with_station
from bot.settings import PROJECT_ROOT, Settings

KNOWLEDGE = PROJECT_ROOT / "knowledge"


@pytest.fixture
def kb(tmp_path: Path) -> Settings:
    shutil.copytree(KNOWLEDGE, tmp_path / "knowledge")
    return Settings(knowledge_dir=tmp_path / "knowledge", data_dir=tmp_path / "data",
                    prompts_dir=PROJECT_ROOT / "prompts")


@pytest.mark.parametrize("front, message", [
    ("id: x1\ntitle: t\npublication: p\npublished: 2023-13\n",
     r"a.md：published：应为 YYYY、YYYY-MM 或 YYYY-MM-DD 格式的日期，不是 '2023-13'"),
    ("id: X 1\ntitle: t\npublication: p\npublished: '2023'\n", r"a.md：id：编号 'X 1' 不可用"),
    ("id: x1\ntitle: t\npublished: '2023'\n", r"a.md：publication：缺少这一项"),
    ("id: x1\ntitle: [a, b]\npublication: p\npublished: '2023'\n", r"a.md：title：应为文字"),
    ("id: x1\ntitle: t\npublication: p\npublished: '2023'\ntopics: 社工\n", r"a.md：topics：应为列表"),
])
def test_front_matter_messages_name_the_file_and_field(front: str, message: str) -> None:
    with pytest.raises(KnowledgeError, match=message):
        parse_document(f"---\n{front}---\n\n正文。\n", "a.md")


def test_station_directory_messages_name_the_entry(kb: Settings) -> None:
    path = kb.knowledge_dir / "stations.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    district: 大兴区\n    parent: weishanzhuang\n    services:\n      - text: 大病",
                                 "    district: 大兴区\n    parent: nowhere\n    services:\n      - text: 大病"),
                    encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"knowledge/stations.yaml：stations → 第3项（zhaozhuangzi） → parent："
                                             r"没有编号为 nowhere 的站点"):
        load_directory(kb.knowledge_dir, load_documents(kb.knowledge_dir))
    path.write_text(text.replace("    hours: \"\"\n", "    hours: \"\"\n    hour: 9-17\n", 1), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"stations → 第1项（weishanzhuang） → hour：不认识这一项"):
        load_directory(kb.knowledge_dir, load_documents(kb.knowledge_dir))


def test_station_edits_keep_comments_and_layout(kb: Settings) -> None:
    text = (kb.knowledge_dir / "stations.yaml").read_text(encoding="utf-8")
    edited = with_details(text, "weishanzhuang", {"phone": "010-12345678", "address": "魏善庄镇"})
    changed = [(a, b) for a, b in zip(text.splitlines(), edited.splitlines(), strict=True) if a != b]
    assert changed == [('    address: ""', '    address: "魏善庄镇"'), ('    phone: ""', '    phone: "010-12345678"')]
    added = with_station(edited, name="银河街道社工站", level="街道社工站", district="朝阳区", parent="weishanzhuang")
    assert added.startswith(edited.rstrip("\n")) and "# Social-work stations" in added
    docs = load_documents(kb.knowledge_dir)
    from bot.knowledge.schema import parse_yaml
    from bot.knowledge.stations import parse_directory

    directory = parse_directory(parse_yaml(added, "stations.yaml", KnowledgeError), docs, "stations.yaml")
    new = directory.stations[-1]
    assert new.name == "银河街道社工站" and new.id.startswith("staff-") and new.parent == "weishanzhuang"


def test_faq_edits_keep_the_comments_and_untouched_entries(kb: Settings) -> None:
    service = KnowledgeService(kb)
    doc = "2022-03-wushe-liandong"
    first = new_entry(["社工站周末开门吗？"], "请先电话咨询。", [FaqSource(doc)], "t", dt.date(2023, 1, 1))
    second = new_entry(["怎样当志愿者？"], "联系所在街道社工站。", [], "t", dt.date(2023, 1, 2))
    service.apply(service.plan_faq(first), user="t")
    path = kb.knowledge_dir / "faq.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  answer: 请先电话咨询。",
                                                             "  answer: 请先电话咨询。  # checked with the office"),
                    encoding="utf-8")
    service.apply(service.plan_faq(second), user="t")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Staff-approved answers") and "# entries:\n# - id: faq-volunteer" in text
    assert "# checked with the office" in text  # a comment on an entry left alone survives
    assert [e.id for e in load_faq(kb.knowledge_dir, load_documents(kb.knowledge_dir))] == [first.id, second.id]
    service.apply(service.plan_faq_remove(first.id), user="t")
    assert [e.id for e in load_faq(kb.knowledge_dir, load_documents(kb.knowledge_dir))] == [second.id]


def test_faq_messages_name_the_entry_and_field(kb: Settings) -> None:
    path = kb.knowledge_dir / "faq.yaml"
    path.write_text("entries:\n  - id: a\n    questions: [问？]\n    answer: 答。\n    sources: [{doc: nope}]\n",
                    encoding="utf-8")
    with pytest.raises(KnowledgeError,
                       match=r"faq.yaml：entries → 第1项（a） → sources → 第1项：没有编号为 nope 的文章"):
        load_faq(kb.knowledge_dir, load_documents(kb.knowledge_dir))


def test_reply_templates_and_telegram_texts(tmp_path: Path) -> None:
    prompts = tmp_path / "prompts"
    shutil.copytree(PROJECT_ROOT / "prompts", prompts)
    replies = (prompts / "replies.yaml").read_text(encoding="utf-8")
    (prompts / "replies.yaml").write_text(replies.replace('  fail: "❌"\n', ""), encoding="utf-8")
    with pytest.raises(TemplateError, match=r"prompts/replies.yaml：marks → fail：缺少这一项"):
        load_templates(prompts)
    (prompts / "replies.yaml").write_text(replies.replace("{publication}{date}", "{publisher}{date}", 1),
                                          encoding="utf-8")
    with pytest.raises(TemplateError, match=r"：只能用这些占位符：.*现在用了：.*\{publisher\}"):
        load_templates(prompts)
    texts = (prompts / "telegram.yaml").read_text(encoding="utf-8")
    (prompts / "telegram.yaml").write_text(texts.replace("{summary}", "{report}", 1), encoding="utf-8")
    with pytest.raises(TemplateError, match=r"prompts/telegram.yaml：upload_done：只能用这些占位符"):
        load_texts(prompts)
    (prompts / "telegram.yaml").write_text(texts.replace("faq_examples:\n", "faq_examples:\n  - [a, b]\n", 1),
                                           encoding="utf-8")
    with pytest.raises(TemplateError, match=r"faq_examples → 第1项：应为文字"):
        load_texts(prompts)


def test_question_sets(tmp_path: Path) -> None:
    assert len(load_questions(PROJECT_ROOT / "tests" / "questions.yaml")) == 66
    path = tmp_path / "q.yaml"
    for body, message in (
        ("- {id: a, question: 问？, today: 2022-13-01}\n", r"q.yaml：不是有效的 YAML"),
        ("- {id: a, question: 问？, today: soon}\n", r"q.yaml：第1项（a） → today：不是日期"),
        ("- {id: a, question: 问？, eligibility: {verdict: maybe}}\n",
         r"第1项（a） → eligibility → verdict：只能是规定的几种取值之一"),
        ("- {id: a, question: 问？, history: [{role: bot, content: x}]}\n", r"history → 第1项 → role"),
        ("- {id: a, question: 问？}\n- {id: a, question: 又问？}\n", r"第2项（a）：id a 用了两次"),
        ("- {id: a}\n", r"第1项（a） → question：缺少这一项"),
    ):
        path.write_text(body, encoding="utf-8")
        with pytest.raises(ValueError, match=message):
            load_questions(path)
    path.write_text("- {id: a, question: 问？, must_include: [甲, [乙, 丙]], note: kept}\n", encoding="utf-8")
    assert load_questions(path) == [{"id": "a", "question": "问？", "must_include": [["甲"], ["乙", "丙"]],
                                     "note": "kept"}]


def test_a_malformed_places_file_names_the_file_and_the_field(tmp_path: Path) -> None:
    from bot.knowledge.places import Places, load_places

    lexicon = tmp_path / "lexicon"
    lexicon.mkdir()
    (lexicon / "places.yaml").write_text("beijing: [北京, 朝阳]\nelsewere: [上海]\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"places\.yaml.*elsewere.*不认识这一项"):
        load_places(tmp_path)
    (lexicon / "places.yaml").write_text("beijing: [北京, Chaoyang]\nelsewhere: [上海]\n", encoding="utf-8")
    assert load_places(tmp_path) == Places(("北京", "chaoyang"), ("上海",))
