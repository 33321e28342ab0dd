"""Programme rounds as data (knowledge/programmes/*.yaml): facts, window, stages, hard criteria.

Every fact carries the exact sentence it comes from; loading checks each quote against
its article, so structured facts can never drift from their sources.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.knowledge.documents import Document, KnowledgeError, load_documents

CHECKS = ("beijing", "min_years", "min_count", "must_be_true", "must_be_false", "certified_tenure")
ANSWERS = ("yes_no", "number", "duration")


@dataclass(frozen=True)
class Quoted:
    label: str
    value: str
    quote: str


@dataclass(frozen=True)
class Stage:
    id: str
    label: str
    when: str
    start: dt.date
    end: dt.date
    quote: str


@dataclass(frozen=True)
class CriterionSpec:
    id: str
    label: str
    check: str
    quote: str
    ask: str
    answer: str
    fact: str = ""
    min: float = 0
    min_years: float = 0


@dataclass
class Programme:
    id: str
    name: str
    year: int
    aliases: list[str]
    doc: Document
    facts: dict[str, Quoted]
    window: Stage
    stages: list[Stage]
    criteria: list[CriterionSpec]
    path: str = ""

    def criterion(self, cid: str) -> CriterionSpec:
        return next(c for c in self.criteria if c.id == cid)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _date(value: object, where: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise KnowledgeError(f"{where}: not a date (YYYY-MM-DD): {value!r}") from exc


def parse_programme(raw: dict[str, Any], docs: dict[str, Document], path: str) -> Programme:
    def need(obj: dict[str, Any], key: str, where: str) -> Any:
        if key not in obj or obj[key] in (None, ""):
            raise KnowledgeError(f"{path}: {where} lacks '{key}'")
        return obj[key]

    doc_id = str(need(raw, "doc", "the programme"))
    if doc_id not in docs:
        raise KnowledgeError(f"{path}: doc {doc_id!r} is not an article in knowledge/articles")
    doc = docs[doc_id]
    body = _squash(doc.body)

    def quoted(quote: str, where: str) -> str:
        if _squash(quote) not in body:
            raise KnowledgeError(f"{path}: {where}: the quote is not in article {doc_id}: {quote!r}")
        return quote

    facts = {key: Quoted(str(need(v, "label", key)), str(need(v, "value", key)),
                         quoted(str(need(v, "quote", key)), f"facts.{key}"))
             for key, v in (raw.get("facts") or {}).items()}
    w = need(raw, "window", "the programme")
    window = Stage("window", str(w.get("label", "征集时间")), "", _date(need(w, "opens", "window"), path),
                   _date(need(w, "closes", "window"), path), quoted(str(need(w, "quote", "window")), "window"))
    if window.end < window.start:
        raise KnowledgeError(f"{path}: window closes before it opens")
    stages = [Stage(str(need(s, "id", "a stage")), str(need(s, "label", "a stage")), str(need(s, "when", "a stage")),
                    _date(need(s, "start", "a stage"), path), _date(need(s, "end", "a stage"), path),
                    quoted(str(need(s, "quote", "a stage")), f"stage {s.get('id')}"))
              for s in raw.get("stages") or []]
    criteria = []
    for c in need(raw, "criteria", "the programme"):
        cid = str(need(c, "id", "a criterion"))
        if c.get("check") not in CHECKS:
            raise KnowledgeError(f"{path}: criterion {cid}: check must be one of {CHECKS}")
        if c.get("answer") not in ANSWERS:
            raise KnowledgeError(f"{path}: criterion {cid}: answer must be one of {ANSWERS}")
        if c["check"] in ("min_years", "min_count", "certified_tenure") and not isinstance(c.get("min"), int | float):
            raise KnowledgeError(f"{path}: criterion {cid}: a numeric 'min' is required")
        criteria.append(CriterionSpec(
            id=cid, label=str(need(c, "label", cid)), check=c["check"],
            quote=quoted(str(need(c, "quote", cid)), f"criterion {cid}"), ask=str(need(c, "ask", cid)),
            answer=c["answer"], fact=str(c.get("fact", "")), min=float(c.get("min", 0)),
            min_years=float(c.get("min_years", 0)),
        ))
    return Programme(id=str(need(raw, "id", "the programme")), name=str(need(raw, "name", "the programme")),
                     year=int(need(raw, "year", "the programme")),
                     aliases=[str(a) for a in raw.get("aliases") or []], doc=doc, facts=facts,
                     window=window, stages=stages, criteria=criteria, path=path)


def load_programmes(knowledge_dir: Path, docs: list[Document] | None = None) -> list[Programme]:
    """Every programme round, newest first; a quote not found in its article is an error."""
    by_id = {d.id: d for d in (docs if docs is not None else load_documents(knowledge_dir))}
    out = []
    for path in sorted((knowledge_dir / "programmes").glob("*.yaml")):
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
            raise KnowledgeError(f"{path}: cannot read programme YAML: {exc}") from exc
        if not isinstance(raw, dict):
            raise KnowledgeError(f"{path}: a programme file is a YAML mapping")
        out.append(parse_programme(raw, by_id, str(path)))
    return sorted(out, key=lambda p: p.window.start, reverse=True)
