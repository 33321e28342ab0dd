"""The station directory (knowledge/stations.yaml): browse by district, answer station questions.

Every service and programme carries its quote from the article; loading fails when a
quote is not found there. Places the directory does not hold get the nearest level it
does know, never an invented station.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.documents import KnowledgeError
from bot.models import Document, Reply

_ASKS = re.compile(r"有没有|有吗|有社工站|能做什么|可以做什么|做什么|提供|服务|活动|能帮|帮助|帮忙|怎么找|找谁|"
                   r"参加|参与|适合|services?|offer|help", re.I)
_STATION_WORDS = re.compile(r"社工站|社会工作服务中心|社会工作指导中心|社工服务中心|station", re.I)
_DETAILS = {"address": re.compile(r"地址|在哪|位置|怎么走|address|where", re.I),
            "phone": re.compile(r"电话|联系方式|热线|phone|contact", re.I),
            "hours": re.compile(r"几点|开门|开放时间|办公时间|上班时间|周末|hours|open", re.I)}
_DETAIL_NAMES = {"address": "地址", "phone": "电话", "hours": "开放时间"}
_EXISTS = re.compile(r"有没有|有吗|有社工站|哪里有|在哪|能做什么|提供什么|can i find|is there", re.I)
_SPECIFIC = re.compile(r"多少|几[个名位家次年岁天月]|哪一?年|什么时候|何时|多久|多长时间|多大|金额|"
                       r"how many|how much|when", re.I)
_HOW_MANY_STATIONS = re.compile(r"(?:几|多少)个?[^，。？?]{0,6}(?:社工站|工站|站点|服务中心|服务站)")
_PLACE = re.compile(r"([\u4e00-\u9fff]{2,6}?(?:区|镇|乡|街道|社区|村))")


@dataclass(frozen=True)
class Item:
    text: str
    quote: str


@dataclass
class Station:
    id: str
    name: str
    aliases: list[str]
    generic_aliases: list[str]
    level: str
    district: str
    parent: str
    services: list[Item]
    programmes: list[Item]
    groups: list[str]
    established: Item | None = None
    count: int | None = None
    address: str = ""
    hours: str = ""
    phone: str = ""


@dataclass
class Directory:
    doc: Document
    stations: list[Station]

    def by_id(self, sid: str) -> Station | None:
        return next((s for s in self.stations if s.id == sid), None)

    def districts(self) -> list[str]:
        return sorted({s.district for s in self.stations})

    def in_district(self, district: str) -> list[Station]:
        return [s for s in self.stations if s.district == district]

    def children(self, station: Station) -> list[Station]:
        return [s for s in self.stations if s.parent == station.id]


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def load_directory(knowledge_dir: Path, docs: list[Document]) -> Directory | None:
    path = knowledge_dir / "stations.yaml"
    if not path.exists():
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KnowledgeError(f"{path}: cannot read the station directory: {exc}") from exc
    return parse_directory(text, docs, path)


def parse_directory(text: str, docs: list[Document], path: Path) -> Directory:
    try:
        raw = yaml.safe_load(text) or {}
    except (ValueError, yaml.YAMLError) as exc:
        raise KnowledgeError(f"{path}: cannot read the station directory: {exc}") from exc
    by_id = {d.id: d for d in docs}
    doc = by_id.get(str(raw.get("doc", "")))
    if doc is None:
        raise KnowledgeError(f"{path}: doc {raw.get('doc')!r} is not an article in knowledge/articles")
    body = _squash(doc.body)

    def item(obj: dict[str, Any], where: str) -> Item:
        text, quote = str(obj.get("text") or obj.get("value") or ""), str(obj.get("quote") or "")
        if not text or not quote:
            raise KnowledgeError(f"{path}: {where} needs text and quote")
        if _squash(quote) not in body:
            raise KnowledgeError(f"{path}: {where}: the quote is not in article {doc.id}: {quote!r}")
        return Item(text, quote)

    stations = []
    for s in raw.get("stations") or []:
        sid = str(s.get("id") or "")
        if not sid or not s.get("name"):
            raise KnowledgeError(f"{path}: every station needs an id and a name")
        count = s.get("count")
        stations.append(Station(
            id=sid, name=str(s["name"]), aliases=[str(a) for a in s.get("aliases") or []],
            generic_aliases=[str(a) for a in s.get("generic_aliases") or []],
            level=str(s.get("level", "")), district=str(s.get("district", "")), parent=str(s.get("parent") or ""),
            services=[item(x, f"{sid}.services") for x in s.get("services") or []],
            programmes=[item(x, f"{sid}.programmes") for x in s.get("programmes") or []],
            groups=[str(g) for g in s.get("groups") or []],
            established=item(s["established"], f"{sid}.established") if s.get("established") else None,
            count=int(item(count, f"{sid}.count").text) if count else None,
            address=str(s.get("address") or ""), hours=str(s.get("hours") or ""), phone=str(s.get("phone") or ""),
        ))
    ids = {s.id for s in stations}
    for s in stations:
        if s.parent and s.parent not in ids:
            raise KnowledgeError(f"{path}: {s.id}: parent {s.parent!r} is not a station id")
    return Directory(doc, stations)


class StationGuide:
    """Answers "魏善庄有社工站吗，能做什么" from the directory, with the source and its date."""

    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        # Proper names first (longest first), generic level words ("村级社工站") last.
        named = sorted(((a, s) for s in directory.stations for a in (s.name, *s.aliases)), key=lambda p: -len(p[0]))
        generic = sorted(((a, s) for s in directory.stations for a in s.generic_aliases), key=lambda p: -len(p[0]))
        self._aliases = named + generic

    def find(self, text: str) -> list[Station]:
        found: list[Station] = []
        rest = text
        for alias, station in self._aliases:
            if alias in rest:
                rest = rest.replace(alias, " ")
                if station not in found:
                    found.append(station)
        return found

    def describe(self, station: Station) -> str:
        d = self.directory
        lines = [f"{station.name}（{station.district}，{station.level}）"]
        if station.established:
            lines.append(f"· 成立：{station.established.text}")
        lines += [f"· {x.text}" for x in station.services]
        lines += [f"· {x.text}" for x in station.programmes]
        if station.groups:
            lines.append(f"· 主要服务对象：{'、'.join(station.groups)}")
        children = d.children(station)
        if children:
            lines.append("· 下设：" + "；".join(c.name for c in children))
        parent = d.by_id(station.parent) if station.parent else None
        if parent:
            lines.append(f"· 上级：{parent.name}")
        known = [f"地址：{station.address}" if station.address else "", f"开放时间：{station.hours}" if station.hours
                 else "", f"电话：{station.phone}" if station.phone else ""]
        known = [k for k in known if k]
        lines.append("· " + ("；".join(known) if known else "地址、电话和开放时间：资料中没有，请向所在镇（街道）咨询"))
        return "\n".join(lines)

    def answer(self, text: str) -> Reply | None:
        """A reply when the question asks what a station named in the directory offers.

        Asked for an address, phone number or opening hours the directory lacks, it declines
        rather than answer something else.
        """
        stations = self.find(text)
        if not stations:
            return None
        wanted = [field for field, pattern in _DETAILS.items() if pattern.search(text)]
        if wanted:
            station = stations[0]
            have = [f"{_DETAIL_NAMES[f]}：{getattr(station, f)}" for f in wanted if getattr(station, f)]
            if not have:
                names = "、".join(_DETAIL_NAMES[f] for f in wanted)
                return Reply(f"抱歉，我的资料里没有{station.name}的{names}。", False, "decline")
            return Reply(f"{station.name}　" + "；".join(have), True, "station", confidence=1.0)
        if not (_ASKS.search(text) or _STATION_WORDS.search(text)):
            return None
        if _SPECIFIC.search(text) and not _EXISTS.search(text) and not _HOW_MANY_STATIONS.search(text):
            return None  # "村级社工站捐了多少图书": a fact in the article, not the station overview
        doc = self.directory.doc
        if "社工站" in text and "社工站" not in stations[0].level:
            # "魏善庄有社工站吗": the centre and what its stations do.
            stations = [*stations[:1], *(c for c in self.directory.children(stations[0]) if c.count), *stations[1:]]
        unique = list({s.id: s for s in reversed(stations)}.values())[::-1]
        parts = [self.describe(s) for s in unique[:3]]
        parts.append(f"据《{doc.publication}》{doc.published.zh()}报道（《{doc.title}》）。")
        return Reply("\n\n".join(parts), True, "station", confidence=1.0)

    def unknown_place(self, text: str) -> str | None:
        """A place asked about with station words that the directory does not hold."""
        if not _STATION_WORDS.search(text) or not _EXISTS.search(text) or self.find(text):
            return None
        for m in _PLACE.finditer(text):
            if not re.search(r"多少|几|哪|什么|个|计划|建|新", m[1]):
                return m[1]
        return None

    def quotes(self, reply_text: str) -> list[str]:
        return [x.quote for s in self.directory.stations if s.name in reply_text
                for x in (*s.services, *s.programmes)]


CONTACT_FIELDS = ("address", "hours", "phone")


def _yaml_str(value: str) -> str:
    return json.dumps(value.strip(), ensure_ascii=False)  # a JSON string is a valid YAML scalar


def set_station_contact(knowledge_dir: Path, docs: list[Document], station_id: str,
                        contact: dict[str, str]) -> None:
    """Fill in a station's address, hours and phone in stations.yaml, keeping its comments and layout."""
    path = knowledge_dir / "stations.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next((i for i, line in enumerate(lines) if re.fullmatch(rf"\s*- id:\s*{re.escape(station_id)}\s*", line)),
                 None)
    if start is None:
        raise KnowledgeError(f"{path}: no station {station_id!r}")
    end = next((i for i in range(start + 1, len(lines)) if re.match(r"\s*- id:", lines[i])), len(lines))
    indent = re.match(r"\s*", lines[start])[0] + "  "  # type: ignore[index]
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    for key in CONTACT_FIELDS:
        if key not in contact:
            continue
        new = f"{indent}{key}: {_yaml_str(contact[key])}"
        at = next((i for i in range(start, end) if re.match(rf"{indent}{key}:", lines[i])), None)
        if at is None:
            lines.insert(end, new)
            end += 1
        else:
            lines[at] = new
    _save_directory(path, "\n".join(lines) + "\n", docs)


def add_station(knowledge_dir: Path, docs: list[Document], *, station_id: str, name: str, level: str,
                district: str, parent: str = "", address: str = "", hours: str = "", phone: str = "",
                added_by: str = "") -> None:
    """Append a station staff know of; it carries no services until an article says what it offers."""
    path = knowledge_dir / "stations.yaml"
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{1,40}", station_id):
        raise KnowledgeError("编号只能用小写字母、数字和短横线，例如 yinhe-jiedao")
    if not name.strip() or not district.strip():
        raise KnowledgeError("请填写名称和所在区")
    block = [f"  - id: {station_id}", f"    name: {_yaml_str(name)}", "    aliases: []",
             f"    level: {_yaml_str(level)}", f"    district: {_yaml_str(district)}",
             f"    parent: {_yaml_str(parent)}", "    services: []", "    groups: []", "    programmes: []",
             f"    address: {_yaml_str(address)}", f"    hours: {_yaml_str(hours)}", f"    phone: {_yaml_str(phone)}",
             f"    added_by: {_yaml_str(added_by or 'staff')}  # entered by staff, not from an article"]
    current = path.read_text(encoding="utf-8")
    if re.search(rf"^\s*- id:\s*{re.escape(station_id)}\s*$", current, re.M):
        raise KnowledgeError(f"已有编号为 {station_id} 的站点")
    text = current.rstrip("\n") + "\n\n" + "\n".join(block) + "\n"
    _save_directory(path, text, docs)


def _save_directory(path: Path, text: str, docs: list[Document]) -> None:
    """Validate the new text as a directory, then replace the file atomically."""
    parse_directory(text, docs, path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
