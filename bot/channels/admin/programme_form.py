"""The programme draft as an HTML form and back: flat field names, rows of stages and criteria, and the
document's paragraphs with every quote highlighted where it stands.

Pure functions, so the page keeps whatever staff typed when saving is refused.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.knowledge.drafting import FACTS, paragraphs
from bot.knowledge.kinds import Kinds
from bot.text.normalize import squash, squash_mapped

STAGE_FIELDS = ("id", "label", "when", "start", "end", "quote")
CRITERION_FIELDS = ("id", "kind", "label", "min", "min_years", "quote", "ask")
_ROW = re.compile(r"^(stage|criterion)-(\d+)-(\w+)$")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def to_form(data: Mapping[str, Any]) -> dict[str, Any]:
    """A draft (or a round's mapping) as the values of the form's fields."""
    window = data.get("window") or {}
    facts = data.get("facts") or {}
    form: dict[str, Any] = {
        "id": _text(data.get("id")), "name": _text(data.get("name")), "name_quote": _text(data.get("name_quote")),
        "year": _text(data.get("year")), "aliases": "、".join(data.get("aliases") or []),
        "window_label": _text(window.get("label") or "征集时间"), "window_opens": _text(window.get("opens")),
        "window_closes": _text(window.get("closes")), "window_quote": _text(window.get("quote")),
        "facts": {key: {"label": label, "value": _text((facts.get(key) or {}).get("value")),
                        "quote": _text((facts.get(key) or {}).get("quote"))} for key, (label, _) in FACTS.items()},
        "stages": [{k: _text(s.get(k)) for k in STAGE_FIELDS} for s in data.get("stages") or []],
        "criteria": [{k: _text(c.get(k)) for k in CRITERION_FIELDS} for c in data.get("criteria") or []],
    }
    return form


def _number(value: str) -> float | str | None:
    value = value.strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        return value  # the schema says it is not a number, naming the field


def from_form(form: Mapping[str, str], doc_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the round's mapping for checking and saving, the form values to show again)."""
    get = {k: str(v).strip() for k, v in form.items()}
    rows: dict[str, dict[int, dict[str, str]]] = {"stage": {}, "criterion": {}}
    for key, value in get.items():
        m = _ROW.match(key)
        if m:
            rows[m[1]].setdefault(int(m[2]), {})[m[3]] = value
    stages = [r for _, r in sorted(rows["stage"].items()) if not r.get("remove") and any(
        r.get(k) for k in STAGE_FIELDS if k != "id")]
    criteria = [r for _, r in sorted(rows["criterion"].items()) if not r.get("remove") and any(
        r.get(k) for k in ("label", "quote", "min", "min_years"))]
    facts = {key: {"label": label, "value": get.get(f"fact-{key}-value", ""), "quote": get.get(f"fact-{key}-quote", "")}
             for key, (label, _) in FACTS.items()}
    year = get.get("year", "")
    data: dict[str, Any] = {
        "id": get.get("id", ""), "name": get.get("name", ""), "name_quote": get.get("name_quote", ""),
        "year": int(year) if year.isdigit() else year, "doc": doc_id,
        "aliases": [a for a in re.split(r"[、,，\s]+", get.get("aliases", "")) if a],
        "facts": {k: v for k, v in facts.items() if v["value"] or v["quote"]},
        "window": {"label": get.get("window_label") or "征集时间", "opens": get.get("window_opens", ""),
                   "closes": get.get("window_closes", ""), "quote": get.get("window_quote", "")},
        "stages": [{k: r.get(k, "") for k in STAGE_FIELDS} for r in stages],
        "criteria": [{**{k: r.get(k, "") for k in ("id", "kind", "label", "quote", "ask")},
                      "min": _number(r.get("min", "")), "min_years": _number(r.get("min_years", ""))}
                     for r in criteria],
    }
    for c in data["criteria"]:  # a criterion added by hand gets an id from its kind
        if not c["id"] and c["kind"]:
            c["id"] = re.sub(r"[^a-z0-9_]", "_", c["kind"]) + "".join(
                f"_{v:g}" for v in (c["min"], c["min_years"]) if isinstance(v, float))
    return data, to_form(data)


@dataclass(frozen=True)
class Segment:
    text: str
    quote: int = -1  # index into the quotes it belongs to, -1 for plain text


def highlight(body: str, quotes: list[str]) -> list[list[Segment]]:
    """The document's paragraphs cut into plain text and quoted spans (the first quote wins an overlap)."""
    out = []
    for para in paragraphs(body):
        flat, where = squash_mapped(para)
        owner = [-1] * len(para)
        for qi, quote in enumerate(quotes):
            q = squash(quote)
            if not q:
                continue
            start = flat.find(q)
            while start >= 0:
                first, last = where[start], where[start + len(q) - 1]
                for i in range(first, last + 1):
                    owner[i] = qi if owner[i] < 0 else owner[i]
                start = flat.find(q, start + len(q))
        segments: list[Segment] = []
        for i, ch in enumerate(para):
            if segments and segments[-1].quote == owner[i]:
                segments[-1] = Segment(segments[-1].text + ch, owner[i])
            else:
                segments.append(Segment(ch, owner[i]))
        out.append(segments)
    return out


def found(body: str, quote: str) -> bool:
    return bool(quote.strip()) and squash(quote) in squash(body)


def missing_label(path: str, kinds: Kinds) -> str:
    """A field the draft left empty, as staff call it: "面向对象", "阶段：项目签约", "条件：核心成员…的门槛"."""
    head, _, rest = path.partition(".")
    if head == "facts" and rest in FACTS:
        return FACTS[rest][0]
    if head == "stages" and rest in kinds.stages:
        return f"阶段：{kinds.stages[rest].label}"
    if head == "criteria":
        kind, _, threshold = rest.partition(".")
        label = kinds.criteria[kind].label.replace("{min}", "N").replace("{min_years}", "N") \
            if kind in kinds.criteria else kind
        return f"条件：{label}" + (f"（门槛 {threshold}）" if threshold else "")
    return {"name": "名称", "window": "征集时间", "window.opens": "征集开始日期", "window.closes": "征集截止日期"}.get(
        path, path)
