"""Programme rounds as data (knowledge/programmes/*.yaml): facts, window, stages, hard criteria.

Every fact carries the exact sentence it comes from; loading checks each quote against its
article and each date against the calendar, so structured facts can never drift from their
sources. What rounds share (kinds of criteria and stages) is in knowledge/programme-kinds.yaml.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from bot.knowledge.documents import Document, KnowledgeError, load_documents, shown
from bot.knowledge.kinds import THRESHOLDS, CriterionKind, Kinds, fmt_number, load_kinds
from bot.knowledge.schema import validate
from bot.text.dates import zh_date
from bot.text.normalize import squash

NonEmpty = Annotated[str, Field(min_length=1)]


class QuotedModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: NonEmpty
    value: NonEmpty
    quote: NonEmpty


class WindowModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str = "征集时间"
    opens: dt.date
    closes: dt.date
    quote: NonEmpty


class StageModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: NonEmpty
    label: NonEmpty
    when: NonEmpty
    start: dt.date
    end: dt.date
    quote: NonEmpty


class CriterionModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, pattern=r"^[a-z0-9_]+$")
    kind: NonEmpty
    label: NonEmpty
    quote: NonEmpty
    ask: str = ""
    min: float | None = Field(default=None, gt=0)
    min_years: float | None = Field(default=None, gt=0)


class ProgrammeModel(BaseModel):
    """One programme YAML file, as written."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: NonEmpty
    name_quote: str = ""  # where the announcement names the round (drafted rounds have it)
    year: int = Field(ge=2000, le=2100)
    aliases: list[str] = Field(default_factory=list)
    doc: NonEmpty
    facts: dict[str, QuotedModel] = Field(default_factory=dict)
    window: WindowModel
    stages: list[StageModel] = Field(default_factory=list)
    criteria: list[CriterionModel] = Field(min_length=1)


# The Chinese names of the file's fields, for messages staff read.
FIELD_NAMES = {"id": "编号", "name": "名称", "name_quote": "名称的原文", "year": "年份", "aliases": "别名",
               "doc": "文档", "facts": "项目信息", "value": "内容", "window": "征集时间", "opens": "开始日期",
               "closes": "截止日期",
               "stages": "阶段", "when": "时间", "start": "开始日期", "end": "结束日期", "criteria": "申报条件",
               "kind": "种类", "label": "名称", "min": "门槛", "min_years": "年限", "quote": "原文", "ask": "提问"}


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
    kind: str
    rule: CriterionKind
    quote: str
    ask: str
    min: float = 0
    min_years: float = 0

    @property
    def check(self) -> str:
        return self.rule.check

    @property
    def fact(self) -> str:
        return self.rule.fact

    @property
    def answer(self) -> str:
        return self.rule.answer

    def thresholds(self) -> dict[str, str]:
        return {"min": fmt_number(self.min), "min_years": fmt_number(self.min_years), "label": self.label}


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
    kinds: Kinds | None = field(default=None, repr=False)

    def criterion(self, cid: str) -> CriterionSpec:
        return next(c for c in self.criteria if c.id == cid)


def _check_dates(m: ProgrammeModel, where: str) -> None:
    """Dates no round can have: a window or stage ending before it starts, a window far from its year,
    a stage that is over before applications open."""
    w = m.window
    if w.closes < w.opens:
        raise KnowledgeError(f"{where}：征集截止日期（{zh_date(w.closes)}）早于开始日期（{zh_date(w.opens)}）")
    if not m.year - 1 <= w.opens.year <= m.year + 1:
        raise KnowledgeError(f"{where}：征集开始日期（{zh_date(w.opens)}）与这一轮的年份 {m.year} 不符")
    for s in m.stages:
        if s.end < s.start:
            raise KnowledgeError(f"{where}：阶段“{s.label}”的结束日期（{zh_date(s.end)}）"
                                 f"早于开始日期（{zh_date(s.start)}）")
        if s.end < w.opens:
            raise KnowledgeError(f"{where}：阶段“{s.label}”在征集开始（{zh_date(w.opens)}）"
                                 f"之前就结束了（{zh_date(s.end)}）")


def parse_programme(raw: Any, docs: dict[str, Document], path: str, kinds: Kinds) -> Programme:
    """A validated round; KnowledgeError (Chinese) names the file and field when anything is wrong."""
    m = validate(ProgrammeModel, raw, path, FIELD_NAMES)
    if m.doc not in docs:
        raise KnowledgeError(f"{path}：doc {m.doc!r} 不是 knowledge/articles 里的文档编号")
    doc = docs[m.doc]
    body = squash(doc.body)

    def quoted(quote: str, where: str) -> str:
        if squash(quote) not in body:
            raise KnowledgeError(f"{path}：{where} 的原文不在文档 {m.doc} 中（须逐字摘自文档）：“{quote}”")
        return quote

    _check_dates(m, path)
    if m.name_quote:
        quoted(m.name_quote, "name_quote")
    facts = {key: Quoted(v.label, v.value, quoted(v.quote, f"facts.{key}")) for key, v in m.facts.items()}
    w = m.window
    window = Stage("window", w.label, "", w.opens, w.closes, quoted(w.quote, "window"))
    stages = [Stage(s.id, s.label, s.when, s.start, s.end, quoted(s.quote, f"阶段 {s.id}")) for s in m.stages]
    criteria: list[CriterionSpec] = []
    for c in m.criteria:
        rule = kinds.criteria.get(c.kind)
        if rule is None:
            raise KnowledgeError(f"{path}：条件 {c.id} 的 kind {c.kind!r} 不认识，可用：{'、'.join(kinds.criteria)}")
        for need in THRESHOLDS.get(rule.check, ()):
            if getattr(c, need) is None:
                raise KnowledgeError(f"{path}：条件 {c.id}（{c.kind}）需要数字门槛 {need}")
        if c.id in {x.id for x in criteria}:
            raise KnowledgeError(f"{path}：条件编号 {c.id} 重复")
        spec = CriterionSpec(id=c.id, label=c.label, kind=c.kind, rule=rule, quote=quoted(c.quote, f"条件 {c.id}"),
                             ask="", min=c.min or 0, min_years=c.min_years or 0)
        criteria.append(replace(spec, ask=c.ask or rule.ask.format(**spec.thresholds())))
    return Programme(id=m.id, name=m.name, year=m.year, aliases=list(m.aliases), doc=doc, facts=facts,
                     window=window, stages=stages, criteria=criteria, path=path, kinds=kinds)


def read_programme_file(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        name = shown(path.parent.parent, path)
        raise KnowledgeError(f"{name}：无法读取这个项目 YAML（日期须是真实存在的 YYYY-MM-DD）：{exc}") from exc


def load_programmes(knowledge_dir: Path, docs: list[Document] | None = None) -> list[Programme]:
    """Every programme round, newest first (by when its window opens)."""
    by_id = {d.id: d for d in (docs if docs is not None else load_documents(knowledge_dir))}
    files = sorted((knowledge_dir / "programmes").glob("*.yaml"))
    if not files:
        return []
    kinds = load_kinds(knowledge_dir)
    out: list[Programme] = []
    for path in files:
        name = shown(knowledge_dir, path)  # messages never show a server path
        programme = parse_programme(read_programme_file(path), by_id, name, kinds)
        programme.path = str(path)  # the file itself (the admin shows it); messages use `name`
        clash = next((p for p in out if p.id == programme.id), None)
        if clash is not None:
            other = shown(knowledge_dir, Path(clash.path))
            raise KnowledgeError(f"{name}：项目编号 {programme.id} 已在 {other} 中使用")
        out.append(programme)
    return sorted(out, key=lambda p: p.window.start, reverse=True)
