"""Staff-approved answers (knowledge/faq.yaml): question variants -> one answer with its sources.

Every source names an article and may quote it; loading fails when the article or the quote is
missing, as for programmes. The answering side (bot/answering/faq.py) matches questions to entries.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationInfo, field_validator, model_validator
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from bot.knowledge.documents import Document, KnowledgeError, shown
from bot.knowledge.schema import Required, Strict, Text, dump_text, read_yaml, round_trip, validate
from bot.text.normalize import squash

FAQ_FILE = "faq.yaml"
HEADER = ("# Staff-approved answers. A question close to one of `questions` gets `answer`, cited with\n"
          "# `sources` (article id and, optionally, a quote that must be in it). Edit here or in the web admin.\n")


@dataclass
class FaqSource:
    doc: str
    quote: str = ""


@dataclass
class FaqEntry:
    id: str
    questions: list[str]
    answer: str
    sources: list[FaqSource] = field(default_factory=list)
    approved_by: str = ""
    approved_on: str = ""

    def to_yaml(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "questions": self.questions, "answer": self.answer}
        if self.sources:
            out["sources"] = [{"doc": s.doc, **({"quote": s.quote} if s.quote else {})} for s in self.sources]
        if self.approved_by:
            out["approved_by"] = self.approved_by
        if self.approved_on:
            out["approved_on"] = self.approved_on
        return out


class SourceModel(Strict):
    doc: Required
    quote: Text = ""

    @model_validator(mode="before")
    @classmethod
    def _bare_id(cls, value: object) -> object:
        return {"doc": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _in_article(self, info: ValidationInfo) -> SourceModel:
        docs: dict[str, Document] = (info.context or {}).get("docs", {})
        doc = docs.get(self.doc)
        if doc is None:
            raise ValueError(f"没有编号为 {self.doc} 的文章（出处应为 knowledge/articles 里的编号）")
        if self.quote and squash(self.quote) not in squash(doc.body):
            raise ValueError(f"文章 {doc.id} 里找不到这句引文：“{self.quote}”")
        return self


class EntryModel(Strict):
    id: Required
    questions: Annotated[list[Required], Field(min_length=1)]
    answer: Required
    sources: list[SourceModel] = Field(default_factory=list)
    approved_by: Text = ""
    approved_on: Text = ""

    @field_validator("questions", mode="before")
    @classmethod
    def _drop_blank(cls, value: object) -> object:
        return [q for q in value if str(q).strip()] if isinstance(value, list) else value


class FaqFile(Strict):
    """knowledge/faq.yaml."""

    entries: list[EntryModel] = Field(default_factory=list)


def load_faq(knowledge_dir: Path, docs: list[Document]) -> list[FaqEntry]:
    path = knowledge_dir / FAQ_FILE
    if not path.exists():
        return []
    name = shown(knowledge_dir, path)
    return parse_faq(read_yaml(path, name, KnowledgeError) or {}, docs, name)


def parse_faq(raw: Any, docs: list[Document], path: str = FAQ_FILE) -> list[FaqEntry]:
    if not isinstance(raw, dict):
        raise KnowledgeError(f"{path}：应为键值对，以 entries: 开头，下面是问答列表")
    parsed = validate(FaqFile, raw, path, error=KnowledgeError, context={"docs": {d.id: d for d in docs}})
    seen: set[str] = set()
    for i, e in enumerate(parsed.entries, 1):
        if e.id in seen:
            raise KnowledgeError(f"{path}：entries → 第{i}项（{e.id}）：编号 {e.id} 用了两次")
        seen.add(e.id)
    return [FaqEntry(e.id, e.questions, e.answer, [FaqSource(s.doc, s.quote) for s in e.sources], e.approved_by,
                     e.approved_on) for e in parsed.entries]


def _round_trip() -> YAML:
    return round_trip(sequence=2, offset=0)


def faq_text(current: str | None, entries: list[FaqEntry]) -> str:
    """The text of faq.yaml holding `entries`: entries kept unchanged stay as they were written,
    with their comments; the header is kept (or written for a new file)."""
    yaml = _round_trip()
    data = yaml.load(current) if current and current.strip() else None
    if not isinstance(data, CommentedMap):
        data = yaml.load(HEADER + "entries: []\n")
    old = {str(e.get("id")): e for e in data.get("entries") or [] if isinstance(e, dict)}
    seq = CommentedSeq()
    for entry in entries:
        mine = entry.to_yaml()
        kept = old.get(entry.id)
        seq.append(kept if kept is not None and _plain(kept) == mine else mine)
    data["entries"] = seq
    return dump_text(yaml, data)


def _plain(node: Any) -> Any:
    """A ruamel node as plain data, to compare with what an entry would write."""
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return str(node) if isinstance(node, dt.date) else node


def new_entry(questions: list[str], answer: str, sources: list[FaqSource], approved_by: str,
              today: dt.date) -> FaqEntry:
    questions = [q.strip() for q in questions if q.strip()]
    if not questions or not answer.strip():
        raise KnowledgeError("FAQ 需要至少一个问题和一个答复")
    digest = hashlib.sha1("\n".join(questions).encode()).hexdigest()[:8]
    return FaqEntry(f"faq-{digest}", questions, answer.strip(), sources, approved_by, today.isoformat())


def with_entry(entries: list[FaqEntry], entry: FaqEntry) -> list[FaqEntry]:
    """Append an entry, or replace the one with its id in place."""
    if any(e.id == entry.id for e in entries):
        return [entry if e.id == entry.id else e for e in entries]
    return [*entries, entry]
