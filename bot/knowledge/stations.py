"""The station directory (knowledge/stations.yaml): stations, their services with quotes, staff edits.

Every service and programme carries its quote from the article; loading fails when a
quote is not found there. Places the directory does not hold get the nearest level it
does know, never an invented station.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from bot.knowledge.documents import Document, KnowledgeError, shown
from bot.knowledge.schema import Quote, Required, Strict, Text, dump_text, read_yaml, round_trip, validate
from bot.text.normalize import squash

STATIONS_FILE = "stations.yaml"


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
    added_by: str = ""  # set for a station staff entered (its services carry no quote)


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


class ItemModel(Strict):
    """A service, programme, founding date or count, with the sentence of the article it comes from
    (a service staff entered for a station they added has none)."""

    text: Text = ""
    value: Text = ""
    quote: Quote | None = None

    @model_validator(mode="after")
    def _has_text(self) -> ItemModel:
        if not (self.text or self.value):
            raise ValueError("需要 text（写给居民看的一句话）")
        return self


class StationModel(Strict):
    id: Annotated[Required, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,40}$")]
    name: Required
    aliases: list[Text] = Field(default_factory=list)
    generic_aliases: list[Text] = Field(default_factory=list)
    level: Text = ""
    district: Text = ""
    district_basis: Text | None = None
    parent: Text = ""
    services: list[ItemModel] = Field(default_factory=list)
    programmes: list[ItemModel] = Field(default_factory=list)
    groups: list[Text] = Field(default_factory=list)
    established: ItemModel | None = None
    count: ItemModel | None = None
    address: Text = ""
    hours: Text = ""
    phone: Text = ""
    added_by: Text | None = None  # a station staff entered; not from an article

    @model_validator(mode="after")
    def _quoted(self) -> StationModel:
        if self.added_by is None:
            items = [*self.services, *self.programmes, *(x for x in (self.established, self.count) if x)]
            if any(x.quote is None for x in items):
                raise ValueError("这个站点来自文章：每项内容都要带 quote（文章原句）；"
                                 "工作人员添加的站点（added_by）除外")
        return self

    @field_validator("count")
    @classmethod
    def _count(cls, item: ItemModel | None) -> ItemModel | None:
        if item is not None and not (item.text or item.value).isdigit():
            raise ValueError(f"value 应为整数，不是 {item.text or item.value!r}")
        return item


class DirectoryFile(Strict):
    """knowledge/stations.yaml."""

    doc: Required
    stations: list[StationModel] = Field(default_factory=list)


def load_directory(knowledge_dir: Path, docs: list[Document]) -> Directory | None:
    path = knowledge_dir / STATIONS_FILE
    if not path.exists():
        return None
    name = shown(knowledge_dir, path)
    return parse_directory(read_yaml(path, name, KnowledgeError), docs, name)


def parse_directory(raw: Any, docs: list[Document], name: str) -> Directory:
    if not isinstance(raw, dict):
        raise KnowledgeError(f"{name}：应为键值对（doc: 文章编号，stations: 站点列表）")
    by_id = {d.id: d for d in docs}
    doc = by_id.get(str(raw.get("doc") or ""))
    if doc is None:
        raise KnowledgeError(f"{name}：doc：没有编号为 {raw.get('doc')} 的文章"
                             "（应为 knowledge/articles 里的编号）")
    parsed = validate(DirectoryFile, raw, name, error=KnowledgeError, context={"body": squash(doc.body), "doc": doc.id})

    def item(x: ItemModel) -> Item:
        return Item(x.text or x.value, x.quote or "")

    stations = [Station(
        id=s.id, name=s.name, aliases=s.aliases, generic_aliases=s.generic_aliases, level=s.level,
        district=s.district, parent=s.parent, services=[item(x) for x in s.services],
        programmes=[item(x) for x in s.programmes], groups=s.groups,
        established=item(s.established) if s.established else None,
        count=int(s.count.text or s.count.value) if s.count else None,
        address=s.address, hours=s.hours, phone=s.phone, added_by=s.added_by or "") for s in parsed.stations]
    seen: set[str] = set()
    for i, s in enumerate(stations, 1):
        if s.id in seen:
            raise KnowledgeError(f"{name}：stations → 第{i}项（{s.id}）：编号 {s.id} 用了两次")
        seen.add(s.id)
    for i, s in enumerate(stations, 1):
        if s.parent and s.parent not in seen:
            raise KnowledgeError(f"{name}：stations → 第{i}项（{s.id}） → parent：没有编号为 {s.parent} 的站点")
    return Directory(doc, stations)


CONTACT_FIELDS = ("address", "hours", "phone")


def _round_trip() -> YAML:
    return round_trip(sequence=4, offset=2)


def _dump(data: Any) -> str:
    return dump_text(_round_trip(), data)


def _entries(text: str) -> tuple[Any, CommentedSeq]:
    data = _round_trip().load(text)
    if not isinstance(data, dict):
        raise KnowledgeError("stations.yaml 应为键值对（doc、stations）")
    if data.get("stations") is None:
        data["stations"] = CommentedSeq()
    return data, data["stations"]


def with_details(text: str, station_id: str, contact: dict[str, str], services: list[str] | None = None) -> str:
    """stations.yaml with a station's address, hours and phone filled in (and, for a station staff
    added, its services); comments and layout kept."""
    data, stations = _entries(text)
    station = next((s for s in stations if isinstance(s, dict) and s.get("id") == station_id), None)
    if station is None:
        raise KnowledgeError(f"没有编号为 {station_id} 的站点")
    for key in CONTACT_FIELDS:
        if key in contact:
            station[key] = DoubleQuotedScalarString(contact[key].strip())
    if services is not None:
        if not station.get("added_by"):
            raise KnowledgeError("这个站点来自文章，服务内容以文章原文为准，不能在这里修改")
        station["services"] = _services(services)
    return _dump(data)


def _services(services: list[str]) -> CommentedSeq:
    if not services:
        return _flow([])
    seq = CommentedSeq()
    for text in services:
        item = CommentedMap()
        item["text"] = DoubleQuotedScalarString(text.strip())
        seq.append(item)
    return seq


def station_id_for(name: str, taken: set[str]) -> str:
    """An id for a station staff add (staff never type one): "staff-" and a hash of the name, unique."""
    digest = hashlib.sha1(name.strip().encode()).hexdigest()
    for length in range(6, 41):
        candidate = f"staff-{digest[:length]}"
        if candidate not in taken:
            return candidate
    raise KnowledgeError("无法为这个站点生成编号")


def with_station(text: str, *, name: str, level: str, district: str, parent: str = "", address: str = "",
                 hours: str = "", phone: str = "", added_by: str = "", station_id: str = "",
                 services: list[str] | None = None) -> str:
    """stations.yaml with a station staff know of appended; it carries no services until an article
    says what it offers. The id is generated unless given."""
    data, stations = _entries(text)
    taken = {str(s.get("id")) for s in stations if isinstance(s, dict)}
    if not name.strip() or not district.strip():
        raise KnowledgeError("请填写名称和所在区")
    if any(isinstance(s, dict) and s.get("name") == name.strip() for s in stations):
        raise KnowledgeError(f"名录里已有“{name.strip()}”")
    station_id = station_id.strip() or station_id_for(name, taken)
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{1,40}", station_id):
        raise KnowledgeError("编号只能用小写字母、数字和短横线，例如 yinhe-jiedao")
    if station_id in taken:
        raise KnowledgeError(f"已有编号为 {station_id} 的站点")
    if parent and parent not in taken:
        raise KnowledgeError(f"上级站点不在名录里：{parent}")
    entry = CommentedMap()
    entry["id"] = station_id
    for key, value in (("name", name), ("level", level), ("district", district), ("parent", parent)):
        entry[key] = DoubleQuotedScalarString(value.strip())
    entry["aliases"] = _flow([])
    entry["services"] = _services(services or [])
    for key in ("groups", "programmes"):
        entry[key] = _flow([])
    for key, value in (("address", address), ("hours", hours), ("phone", phone)):
        entry[key] = DoubleQuotedScalarString(value.strip())
    entry["added_by"] = DoubleQuotedScalarString(added_by or "staff")
    entry.yaml_add_eol_comment("entered by staff, not from an article", "added_by")
    stations.append(entry)
    if len(stations) > 1:  # a blank line between stations, as in the file
        stations.yaml_set_comment_before_after_key(len(stations) - 1, before="\n", indent=2)
    return _dump(data)


def _flow(items: list[Any]) -> CommentedSeq:
    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    return seq
