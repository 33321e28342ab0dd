"""Staff-approved answers (knowledge/faq.yaml): question variants -> one answer with its sources.

Every source names an article and may quote it; loading fails when the article or the quote is
missing, as for programmes. The answering side (bot/answering/faq.py) matches questions to entries.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.knowledge.documents import Document, KnowledgeError

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


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def load_faq(knowledge_dir: Path, docs: list[Document]) -> list[FaqEntry]:
    path = knowledge_dir / FAQ_FILE
    if not path.exists():
        return []
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        raise KnowledgeError(f"{path}: cannot read the FAQ: {exc}") from exc
    return parse_faq(raw, docs, str(path))


def parse_faq(raw: Any, docs: list[Document], path: str = FAQ_FILE) -> list[FaqEntry]:
    if not isinstance(raw, dict) or not isinstance(raw.get("entries", []), list):
        raise KnowledgeError(f"{path}: expected `entries:` with a list of questions/answer entries")
    by_id = {d.id: d for d in docs}
    entries: list[FaqEntry] = []
    seen: set[str] = set()
    for i, e in enumerate(raw.get("entries") or [], 1):
        where = f"{path}: entry {i}"
        if not isinstance(e, dict):
            raise KnowledgeError(f"{where} is not a mapping")
        questions = [str(q).strip() for q in e.get("questions") or [] if str(q).strip()]
        answer = str(e.get("answer") or "").strip()
        eid = str(e.get("id") or "").strip()
        if not eid or not questions or not answer:
            raise KnowledgeError(f"{where} needs an id, at least one question and an answer")
        if eid in seen:
            raise KnowledgeError(f"{where}: id {eid!r} is used twice")
        seen.add(eid)
        sources = []
        for s in e.get("sources") or []:
            doc = by_id.get(str(s.get("doc") if isinstance(s, dict) else s))
            if doc is None:
                raise KnowledgeError(f"{where}: source {s!r} is not an article in knowledge/articles")
            quote = str(s.get("quote") or "") if isinstance(s, dict) else ""
            if quote and _squash(quote) not in _squash(doc.body):
                raise KnowledgeError(f"{where}: the quote is not in article {doc.id}: {quote!r}")
            sources.append(FaqSource(doc.id, quote))
        entries.append(FaqEntry(eid, questions, answer, sources, str(e.get("approved_by") or ""),
                                str(e.get("approved_on") or "")))
    return entries


def faq_text(entries: list[FaqEntry]) -> str:
    """The text of faq.yaml holding `entries` (the knowledge service checks and writes it)."""
    return HEADER + yaml.safe_dump({"entries": [e.to_yaml() for e in entries]}, allow_unicode=True,
                                   sort_keys=False, width=1000)


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
