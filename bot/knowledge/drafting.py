"""A programme round drafted from its announcement, every field with the exact words it came from.

The draft is the programme YAML's own mapping (knowledge/programmes/*.yaml) with the fields the
text does not support left empty (None) and listed in `missing`; staff confirm or correct it (web
admin, or `python -m bot kb programme draft DOC_ID`). Numbers and durations are read with the
project's own parsers; nothing is taken from a sentence that does not state it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from bot.knowledge.documents import Document
from bot.knowledge.kinds import THRESHOLDS, CriterionKind, Kinds, fmt_number
from bot.knowledge.programmes import Programme
from bot.text.dates import month_end
from bot.text.numbers import NUM, duration, parse_number
from bot.text.sentences import sentences

# Programme facts a round states, with the label staff see and how the value is read: patterns tried in
# order, first on each clause, then on whole sentences ("作为…的承接机构，北京社协…").
_ORG = (r"[^，。；、由在]{2,40}?"
        r"(?:协会|社协|基金会|专项基金|民政局|工委|中心|公司|集团|联合会|委员会|研究院|服务社|事务所)")
FACTS: dict[str, tuple[str, list[re.Pattern[str]]]] = {
    "guidance": ("指导单位", [re.compile(rf"(?:由|在)?({_ORG}|[^，。；、由在]{{4,30}}?)(?:的)?指导")]),
    "funder": ("发起和资助方", [re.compile(rf"(?:由)?({_ORG})(?:出资|资助实施|捐资|发起设立|发起|提供资金)")]),
    "undertaker": ("承接机构", [re.compile(rf"承接(?:机构|单位)(?:为|是)({_ORG})"),
                            re.compile(rf"(?:由)?({_ORG})(?:负责)?(?:承接|承办)"),
                            re.compile(rf"作为[^，。；]*?承接(?:机构|单位)，({_ORG})")]),
    "fields": ("征集范围", [re.compile(r"(?:征集|资助|支持|申报)(?:范围|领域)(?:主要)?(?:包括|为|是|涵盖)"
                                   r"([^。；]{4,120})")]),
    "funded": ("资助项目数", [re.compile(rf"(?:资助|支持|扶持|立项)[^，。；]{{0,8}}?({NUM})\s*(?:个|项)"
                                     r"(?:左右的?)?(?:公益)?项目"),
                         re.compile(rf"({NUM})\s*(?:个|项)(?:公益)?项目(?:予以|给予)?(?:资助|支持)")]),
    "audience": ("面向对象", [re.compile(r"面向([^，。；]{4,40})")]),
}
_NAME = re.compile(r"(20\d{2})\s*(?:年度?)?\s*[\u4e00-\u9fff]{2,16}?(?:计划|项目征集|大赛|行动)")
_SERIES_NAME = re.compile(r"^20\d{2}\s*(?:年度?)?")
_MD = rf"(?:(20\d{{2}})\s*年\s*)?({NUM})\s*月\s*({NUM})\s*[日号]"
_RANGE = re.compile(rf"{_MD}\s*(?:至|到|—|－|-|~|～)\s*(?:(20\d{{2}})\s*年\s*)?(?:({NUM})\s*月\s*)?({NUM})\s*[日号]")
_UNTIL = re.compile(rf"即日起\s*(?:至|到)\s*(?:(20\d{{2}})\s*年\s*)?({NUM})\s*月\s*({NUM})\s*[日号]")
_WINDOW_WORDS = re.compile(r"征集|申报|报名|受理")
_WINDOW_LABEL = re.compile(r"[\u4e00-\u9fff]{0,4}(?:征集|申报|报名|受理)(?:时间|期限|日期|期)")
_PERIOD = re.compile(rf"({NUM})\s*月\s*(上中旬|中下旬|上旬|中旬|下旬|初|中|底|末)")
_PERIOD_DAYS = {"上旬": (1, 10), "中旬": (11, 20), "下旬": (21, 31), "中下旬": (11, 31), "上中旬": (1, 20),
                "初": (1, 10), "中": (11, 20), "底": (21, 31), "末": (21, 31)}
_DAY = re.compile(_MD + r"\s*(?:前|之前|以前)?")
_ENUM = re.compile(r"^(?:[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+、|\d+[.、]|"
                   r"第[一二三四五六七八九十]+)\s*")
_LEAD = re.compile(r"^(?:必须是|必须|须为|须|应为|应当|应|申报机构(?:须|应)?|申请机构(?:须|应)?|其中|且|并且|有)\s*")
# Spaces a conversion left inside Chinese text or a number ("202 3"); quotes are compared without them.
_SPACE = re.compile(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])|(?<=\d)\s+(?=\d)")
_COUNT = re.compile(rf"({NUM})\s*(?:人|名|位)")


@dataclass
class Draft:
    """The proposed round: the programme mapping, the fields left empty, and who proposed each field."""

    doc_id: str
    data: dict[str, Any]
    missing: list[str] = field(default_factory=list)
    origin: dict[str, str] = field(default_factory=dict)  # field path -> "rules" | "model"


def paragraphs(body: str) -> list[str]:
    """Paragraphs of a Markdown body, a heading on its own, lines of one paragraph joined (a PDF breaks
    lines anywhere; quotes are compared without whitespace, so joining keeps them verbatim)."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n", body):
        lines = [x.strip() for x in block.splitlines() if x.strip()]
        text = _SPACE.sub("", "".join(x for x in lines if not x.startswith("#")))
        if text:
            out.append(text)
    return out


def clauses(body: str) -> list[str]:
    """The clauses of a document (split at ，；： outside brackets), enumeration marks dropped."""
    out: list[str] = []
    for line in paragraphs(body):
        for sentence in sentences(line):
            depth, start = 0, 0
            for i, ch in enumerate(sentence + "，"):
                depth += int(ch in "（(“「") - int(ch in "）)”」")
                if ch in "，,；;：:。！？!?" and depth <= 0:
                    piece = _ENUM.sub("", sentence[start:i].strip())
                    if piece:
                        out.append(piece)
                    start, depth = i + 1, 0
    return out


def _number(token: str | None) -> int | None:
    value = parse_number(token) if token else None
    return int(value) if value is not None and value == int(value) else None


def _date(year: int | None, month: int | None, day: int | None) -> dt.date | None:
    try:
        return dt.date(year, month, day) if year and month and day else None
    except ValueError:
        return None


def read_window(cls: list[str], year: int, published: dt.date | None) -> dict[str, Any] | None:
    for c in cls:
        if not _WINDOW_WORDS.search(c):
            continue
        m = _RANGE.search(c)
        if m:
            y1 = _number(m[1]) or year
            opens = _date(y1, _number(m[2]), _number(m[3]))
            closes = _date(_number(m[4]) or y1, _number(m[5]) or _number(m[2]), _number(m[6]))
        elif (u := _UNTIL.search(c)) is not None and published is not None:
            opens, closes = published, _date(_number(u[1]) or year, _number(u[2]), _number(u[3]))
        else:
            continue
        label = _WINDOW_LABEL.search(c)
        return {"label": label[0] if label else "征集时间", "opens": opens, "closes": closes, "quote": c}
    return None


def _stage_dates(c: str, year: int) -> tuple[str, dt.date, dt.date] | None:
    m = _PERIOD.search(c)
    if m:
        month = _number(m[1])
        if month is None or not 1 <= month <= 12:
            return None
        first, last = _PERIOD_DAYS[m[2]]
        end_of_month = month_end(year, month).day
        return m[0], dt.date(year, month, first), dt.date(year, month, min(last, end_of_month))
    d = _DAY.search(c)
    if d:
        when = _date(_number(d[1]) or year, _number(d[2]), _number(d[3]))
        return (d[0], when, when) if when else None
    return None


def _stages(cls: list[str], kinds: Kinds, year: int, window_quote: str) -> list[dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for c in cls:
        if c == window_quote:
            continue
        hits = sorted((m.start(), sid) for sid, kind in kinds.stages.items() if (m := kind.pattern.search(c)))
        dates = _stage_dates(c, year) if hits else None
        if not hits or dates is None or hits[0][1] in found:
            continue
        sid = hits[0][1]
        when, start, end = dates
        found[sid] = {"id": sid, "label": kinds.stages[sid].label, "when": when, "start": start, "end": end,
                      "quote": c}
    return sorted(found.values(), key=lambda s: (s["start"], s["end"]))


def read_threshold(kind: CriterionKind, c: str) -> dict[str, float | None]:
    """The numbers a criterion's check needs, read from its clause (None when the clause lacks one)."""
    need = THRESHOLDS.get(kind.check, ())
    out: dict[str, float | None] = dict.fromkeys(need)
    cue = min((c.find(w) for w in kind.cues if w in c), default=0)
    if kind.check == "min_years" and not re.search(r"20\d{2}\s*年", c):
        years = duration(c[cue:], dt.date.max)
        out["min"] = years.low if years is not None else None
    elif kind.check in ("min_count", "certified_tenure"):
        counts = [m for m in _COUNT.finditer(c) if _number(m[1])]
        after = [m for m in counts if m.start() >= cue] or counts
        out["min"] = float(_number(after[0][1]) or 0) or None if after else None
        if kind.check == "certified_tenure":
            years = duration(c[cue:], dt.date.max)
            out["min_years"] = years.low if years is not None and years.low > 0 else None
    return out


def criterion_from(name: str, kind: CriterionKind, clause: str, thresholds: dict[str, float | None] | None = None
                   ) -> dict[str, Any]:
    """A drafted criterion of a kind from the clause that states it (thresholds read from it unless given)."""
    found = {k: int(v) if v is not None and v == int(v) else v
             for k, v in (thresholds if thresholds is not None else read_threshold(kind, clause)).items()}
    label = _LEAD.sub("", clause).rstrip("。；;，,")
    numbers = {"min": "?", "min_years": "?", **{k: fmt_number(v) if v else "?" for k, v in found.items()}}
    return {"id": name + "".join(f"_{fmt_number(v)}" for v in found.values() if v), "kind": name,
            "label": label if len(label) <= 40 else kind.label.format(label=label, **numbers),
            "quote": clause, "ask": kind.ask.format(label=label, **numbers), **found}


def states(kind: CriterionKind, clause: str) -> bool:
    """Whether a clause states a criterion of this kind (its cue, and its context words when it has them)."""
    return any(w in clause for w in kind.cues) and (not kind.context or any(w in clause for w in kind.context))


def _criteria(cls: list[str], kinds: Kinds) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for c in cls:
        for name, kind in kinds.criteria.items():
            if name not in {x["kind"] for x in out} and states(kind, c):
                out.append(criterion_from(name, kind, c))
    return out


def _series(name: str, programmes: list[Programme]) -> Programme | None:
    """An earlier round of the same programme (same name but for the year)."""
    stem = _SERIES_NAME.sub("", name)
    return next((p for p in programmes if _SERIES_NAME.sub("", p.name) == stem), None)


def draft_programme(doc: Document, kinds: Kinds, programmes: list[Programme]) -> Draft:
    """The round an announcement describes, read by rules (the optional model may add to it afterwards:
    bot/knowledge/draft_model.py)."""
    cls = clauses(doc.body)
    named = next(((m, c) for c in cls if (m := _NAME.search(c))), None)
    name, year = (named[0][0].replace(" ", ""), int(named[0][1])) if named else (None, doc.published.year)
    earlier = _series(name, programmes) if name else None
    published = _date(doc.published.year, doc.published.month, doc.published.day)
    window = read_window(cls, year, published)
    data: dict[str, Any] = {
        "id": f"{year}-{earlier.id.split('-', 1)[1]}" if earlier and "-" in earlier.id else f"{year}-{doc.id}",
        "name": name, "year": year, "aliases": list(earlier.aliases) if earlier else [], "doc": doc.id,
        "name_quote": named[1] if named else None, "facts": {}, "window": window,
        "stages": _stages(cls, kinds, year, window["quote"] if window else ""), "criteria": _criteria(cls, kinds)}
    units = cls + [x for line in paragraphs(doc.body) for x in sentences(line)]
    for key, (label, patterns) in FACTS.items():
        hit = next(((m, u) for pattern in patterns for u in units if (m := pattern.search(u))), None)
        if hit is not None:
            value = hit[0][1].strip()
            quote = hit[1] if hit[1] in cls else hit[0][0]  # a sentence-wide match quotes only what it spans
            data["facts"][key] = {"label": label, "value": f"{_number(value)}个项目" if key == "funded" else value,
                                  "quote": quote}
    draft = Draft(doc.id, data, origin={k: "rules" for k in _paths(data)})
    draft.missing = missing_fields(data, kinds)
    return draft


def _paths(data: dict[str, Any]) -> list[str]:
    out = [k for k in ("name", "window") if data.get(k)]
    out += [f"facts.{k}" for k in data["facts"]]
    return out + [f"stages.{s['id']}" for s in data["stages"]] + [f"criteria.{c['kind']}" for c in data["criteria"]]


def missing_fields(data: dict[str, Any], kinds: Kinds) -> list[str]:
    out = [k for k in ("name", "window") if not data.get(k)]
    if data.get("window"):
        out += [f"window.{k}" for k in ("opens", "closes") if data["window"].get(k) is None]
    out += [f"facts.{k}" for k in FACTS if k not in data["facts"]]
    out += [f"stages.{s}" for s in kinds.stages if s not in {x["id"] for x in data["stages"]}]
    for c in data["criteria"]:
        out += [f"criteria.{c['kind']}.{k}" for k in THRESHOLDS.get(kinds.criteria[c["kind"]].check, ()) if not c[k]]
    return out + [f"criteria.{k}" for k in kinds.criteria if k not in {c["kind"] for c in data["criteria"]}]

