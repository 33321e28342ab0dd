"""Station questions answered from the directory: what a named station offers, and its details."""

from __future__ import annotations

import re

from bot.answering.citing import cite
from bot.answering.reply import PARAGRAPH, Part, Reply
from bot.knowledge.stations import Directory, Station

_ASKS = re.compile(r"有没有|有吗|有社工站|能做什么|可以做什么|[做干管]点?(?:啥|什么|些啥|些什么)|干嘛|"
                   r"提供|服务|活动|能帮|帮助|帮忙|怎么找|找谁|"
                   r"参加|参与|适合|services?|offer|help", re.I)
_STATION_WORDS = re.compile(r"社工站|社会工作服务中心|社会工作指导中心|社工服务中心|station", re.I)
_DETAILS = {"address": re.compile(r"地址|在哪|位置|怎么走|address|where", re.I),
            "phone": re.compile(r"电话|联系方式|热线|phone|contact", re.I),
            "hours": re.compile(r"几点|开门|开放时间|办公时间|上班时间|周末|hours|open", re.I)}
# how to apply, book or pay for a service: the cards tell what stations do, never this
_PROCEDURE = re.compile(r"申请|办理|[去在]哪办|怎么办理|手续|材料|预约|报名|收费|费用|价格|多少钱|补贴|"
                        r"apply|book|fee|cost|price", re.I)
_DETAIL_NAMES = {"address": "地址", "phone": "电话", "hours": "开放时间"}
_EXISTS = re.compile(r"有没有|有吗|有社工站|哪里有|在哪|能做什么|提供什么|can i find|is there", re.I)
_SPECIFIC = re.compile(r"多少|几[个名位家次年岁天月]|哪一?年|什么时候|何时|多久|多长时间|多大|金额|"
                       r"how many|how much|when", re.I)
_HOW_MANY_STATIONS = re.compile(r"(?:几|多少)个?[^，。？?]{0,6}(?:社工站|工站|站点|服务中心|服务站)")
_VILLAGE = re.compile(r"村|农村|village", re.I)
_COMMUNITY = re.compile(r"社区|小区|community", re.I)
_KIND_OF_PLACE = re.compile(r"村|村里|农村|社区|小区|村子|街道|乡镇|镇")
_PLACE = re.compile(r"([\u4e00-\u9fff]{2,6}?(?:区|镇|乡|街道|社区|村))")


def card_word(word: str) -> bool:
    """A word of the questions a station card answers ("服务", "活动", "社工站"), not a thing asked of it."""
    return bool(_ASKS.fullmatch(word) or _STATION_WORDS.search(word))


def kind_of_place(word: str) -> bool:
    """A word naming where a station is by its kind ("村里", "小区"), not a thing asked of it."""
    return bool(_KIND_OF_PLACE.fullmatch(word))


class StationGuide:
    """Answers "魏善庄有社工站吗，能做什么" from the directory, with the source and its date."""

    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        # Proper names first (longest first), generic level words ("村级社工站") last.
        named = sorted(((a, s) for s in directory.stations for a in (s.name, *s.aliases)), key=lambda p: -len(p[0]))
        generic = sorted(((a, s) for s in directory.stations for a in s.generic_aliases), key=lambda p: -len(p[0]))
        self._aliases = named + generic
        # the cards that tell what a kind of station does: the village stations (counted), the community ones
        self._village = [s for s in directory.stations if "村级" in s.level and s.count]
        self._community = [s for s in directory.stations if s.level.startswith("社区")]

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
                return Reply([Part("answer", f"抱歉，我的资料里没有{station.name}的{names}。")], False, "decline")
            return Reply([Part("answer", f"{station.name}　" + "；".join(have))], True, "station", confidence=1.0)
        if not (_ASKS.search(text) or _STATION_WORDS.search(text)):
            return None
        if _SPECIFIC.search(text) and not _EXISTS.search(text) and not _HOW_MANY_STATIONS.search(text):
            return None  # "村级社工站捐了多少图书": a fact in the article, not the station overview
        if "社工站" in text and "社工站" not in stations[0].level:
            # "魏善庄有社工站吗": the centre and what its stations do.
            stations = [*stations[:1], *(c for c in self.directory.children(stations[0]) if c.count), *stations[1:]]
        unique = list({s.id: s for s in reversed(stations)}.values())[::-1]
        parts = [Part("answer", self.describe(s), PARAGRAPH) for s in unique[:3]]
        return Reply([*parts, self.source_part()], True, "station", confidence=1.0)

    def overview(self, text: str, lead: str, need: bool = False) -> Reply | None:
        """"村里的社工站平时都干点啥": what stations of the kind asked about do, told by the directory's cards of
        that level (a village's, a community's, else one of each); None for a specific question or one about a
        detail the cards lack. `need`: a resident's need told in their own words, which asks what stations
        can do without saying so."""
        if not (need or _ASKS.search(text)) or _SPECIFIC.search(text) or _PROCEDURE.search(text) or \
                any(p.search(text) for p in _DETAILS.values()):
            return None
        village, community = bool(_VILLAGE.search(text)), bool(_COMMUNITY.search(text))
        asked = self._village if village and not community else self._community if community and not village \
            else [*self._village[:1], *self._community[:1]]
        if not asked:
            return None
        parts = [Part("answer", self.describe(s), PARAGRAPH) for s in asked[:2]]
        return Reply([Part("lead", lead, PARAGRAPH), *parts, self.source_part()], True, "station",
                     confidence=1.0)

    def card(self, station: Station) -> list[Part]:
        """One station as a channel shows it when browsed: what it offers, then where that is reported."""
        return [Part("answer", self.describe(station)), self.source_part()]

    def source_part(self) -> Part:
        """"据《北京日报》2022年3月29日报道（《…》）。": where the directory's facts come from."""
        doc = self.directory.doc
        return Part("source", f"据《{doc.publication}》{doc.published.zh()}报道（《{doc.title}》）。", PARAGRAPH,
                    cite(doc))

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
                for x in (*s.services, *s.programmes) if x.quote]  # staff-entered services quote nothing
