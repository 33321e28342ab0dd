"""Programme YAML written from a draft: the draft as staff read it, and a confirmed round as its file.

A confirmed round is checked exactly as loading checks it (every quote verbatim in its document,
every date possible) before anything is written; the message says, in Chinese, what to fix.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml

from bot.knowledge.documents import Document, KnowledgeError
from bot.knowledge.drafting import Draft
from bot.knowledge.kinds import Kinds
from bot.knowledge.programmes import Programme, parse_programme

PROGRAMMES_DIR = "programmes"
_ORDER = ("id", "name", "name_quote", "year", "aliases", "doc", "facts", "window", "stages", "criteria")
_CRITERION_ORDER = ("id", "kind", "label", "min", "min_years", "quote", "ask")


def _clean(value: Any) -> Any:
    """Whole numbers as integers, no empty optional entries."""
    if isinstance(value, float) and value == int(value):
        return int(value)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v not in (None, "")}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def ordered(data: dict[str, Any]) -> dict[str, Any]:
    """The mapping in the order a programme file is read."""
    out = {k: data[k] for k in _ORDER if k in data}
    out["criteria"] = [{k: c[k] for k in _CRITERION_ORDER if k in c} for c in data.get("criteria") or []]
    return out


def _dump(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)


def programme_text(data: dict[str, Any], doc: Document, *, user: str = "", today: dt.date | None = None) -> str:
    """A confirmed round as its YAML file, with a header saying where it comes from."""
    who = f"，由 {user} 确认" if user else ""
    when = f"（{today.isoformat()}{who}）" if today else ""
    head = (f"# {data.get('name', '')}：据《{doc.title}》（{doc.publication}，{doc.published.zh()}）起草，"
            f"工作人员逐项核对原文后保存{when}。\n"
            "# 每一项都带有原文（quote）；原文不在文档中时，加载会报错。条件种类见 knowledge/programme-kinds.yaml。\n")
    return head + _dump(_clean(ordered(data)))


def draft_text(draft: Draft, doc: Document) -> str:
    """The draft as YAML for staff who prefer files: empty fields written as null and listed on top."""
    head = [f"# 草稿：据文档 {doc.id}《{doc.title}》（{doc.publication}，{doc.published.zh()}）自动提取。",
            "# 每一项都附原文（quote）；请逐项核对，改正后保存为 knowledge/programmes/<id>.yaml。"]
    if draft.missing:
        head.append("# 原文中没有找到（留空，需要时请补上并附原文）：" + "、".join(draft.missing))
    model = sorted(k for k, v in draft.origin.items() if v == "model")
    if model:
        head.append("# 由语言模型提出（原文已核对）：" + "、".join(model))
    data = ordered(draft.data)
    if data.get("window") is None:
        data["window"] = {"label": "征集时间", "opens": None, "closes": None, "quote": None}
    return "\n".join(head) + "\n" + _dump(data)


def check_programme(data: dict[str, Any], docs: list[Document], kinds: Kinds, existing: list[Programme],
                    *, replacing: str = "") -> Programme:
    """The round as loading would read it; KnowledgeError (Chinese) when a quote is not in the document,
    a date is impossible, a field is missing, or the id or year is already another round's."""
    try:
        programme = parse_programme(_clean(ordered(data)), {d.id: d for d in docs}, "draft", kinds)
    except KnowledgeError as exc:  # the message without the file name a saved round would have
        raise KnowledgeError(str(exc).removeprefix("draft：")) from exc
    for other in existing:
        if other.id == programme.id and other.id != replacing:
            raise KnowledgeError(f"已有编号为 {programme.id} 的项目（{other.name}），请换一个编号")
        if other.year == programme.year and other.id != replacing and other.id != programme.id:
            raise KnowledgeError(f"已有 {programme.year} 年的一轮（{other.name}，编号 {other.id}）；"
                                 "同一年只能有一轮，请核对年份")
    return programme
