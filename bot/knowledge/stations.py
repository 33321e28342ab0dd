"""The station directory (knowledge/stations.yaml): stations, their services with quotes, staff edits.

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

from bot.knowledge.documents import Document, KnowledgeError


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


CONTACT_FIELDS = ("address", "hours", "phone")


def _yaml_str(value: str) -> str:
    return json.dumps(value.strip(), ensure_ascii=False)  # a JSON string is a valid YAML scalar


def with_contact(text: str, station_id: str, contact: dict[str, str]) -> str:
    """stations.yaml with a station's address, hours and phone filled in, keeping comments and layout."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if re.fullmatch(rf"\s*- id:\s*{re.escape(station_id)}\s*", line)),
                 None)
    if start is None:
        raise KnowledgeError(f"没有编号为 {station_id} 的站点")
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
    return "\n".join(lines) + "\n"


def with_station(text: str, *, station_id: str, name: str, level: str, district: str, parent: str = "",
                 address: str = "", hours: str = "", phone: str = "", added_by: str = "") -> str:
    """stations.yaml with a station staff know of appended; it carries no services until an article
    says what it offers."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{1,40}", station_id):
        raise KnowledgeError("编号只能用小写字母、数字和短横线，例如 yinhe-jiedao")
    if not name.strip() or not district.strip():
        raise KnowledgeError("请填写名称和所在区")
    block = [f"  - id: {station_id}", f"    name: {_yaml_str(name)}", "    aliases: []",
             f"    level: {_yaml_str(level)}", f"    district: {_yaml_str(district)}",
             f"    parent: {_yaml_str(parent)}", "    services: []", "    groups: []", "    programmes: []",
             f"    address: {_yaml_str(address)}", f"    hours: {_yaml_str(hours)}", f"    phone: {_yaml_str(phone)}",
             f"    added_by: {_yaml_str(added_by or 'staff')}  # entered by staff, not from an article"]
    if re.search(rf"^\s*- id:\s*{re.escape(station_id)}\s*$", text, re.M):
        raise KnowledgeError(f"已有编号为 {station_id} 的站点")
    return text.rstrip("\n") + "\n\n" + "\n".join(block) + "\n"
