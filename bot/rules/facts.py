"""Facts about an applicant organisation, read from what its staff write (Chinese or simple English).

Only first-person statements count ("我们机构成立两年"), so a question about the rules
("需要年检合格吗？") is not mistaken for a claim. Facts accumulate over a conversation,
a later statement overriding an earlier one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field

from bot.text.numbers import NUM, Span, Years, duration, numbers

FIRST_PERSON = re.compile(r"我们|我|本机构|本单位|我司|咱们|敝|(?<![a-z])(?:we|our|us)(?![a-z])", re.I)
_CLAUSES = re.compile(r"[，,。；;！!？?\n]|但是?|不过|其中|可是|然而|\bbut\b|\band\b(?= \d)", re.I)

_CERTIFIED = re.compile(r"社工师|社会工作师|持证社工|社工证|certified social workers?|certified", re.I)
_TENURE = re.compile(r"入职|工作了|工作满|工作不到|工作(?:了)?[^，。]{0,4}年|"
                     r"在(?:本|我们|我)?(?:机构|单位|这里|这儿|组织)(?:工作|干|待)|干了|任职|joined|worked|been with",
                     re.I)
_ALL = re.compile(r"都|均|全部|全都|每个|每位|(?<![a-z])(?:all|both|each)(?![a-z])", re.I)
_CORE = re.compile(r"核心成员|核心团队|执行团队|项目团队|团队核心|core team|core members?", re.I)
_FULLTIME = re.compile(r"专职|全职(?!妈妈)|交社保|社保|full[- ]?time", re.I)
_REGISTRATION = re.compile(r"注册|成立|登记|创办|创立|建立|registered|founded|established|set up", re.I)
_INSPECTION = re.compile(r"年检|年审|annual inspections?", re.I)
_INSPECTION_FAIL = re.compile(r"不合格|没有?(?:通过|过|合格)|未(?:通过|合格)|不通过|没参加|未参加|没做|"
                              r"failed|did not pass|didn't pass|not passed?", re.I)
_INSPECTION_PASS = re.compile(r"合格|通过|都过|没问题|正常|passed|ok\b", re.I)
_VIOLATION = re.compile(r"处罚|违规|违纪|违法|penalt|sanction|violation|fined|punish", re.I)
_VIOLATION_NONE = re.compile(r"没有|没|无|未曾|从未|从没|不曾|(?<![a-z])(?:never|no|not|without)(?![a-z])", re.I)
_ORG_CONTEXT = re.compile(r"注册|登记|民政局|机构|组织|单位|我们是|总部|registered|based|organi[sz]ation", re.I)

BEIJING_PLACES = (
    "北京", "东城", "西城", "朝阳区", "海淀", "丰台", "石景山", "门头沟", "房山", "通州", "顺义", "昌平",
    "大兴", "怀柔", "平谷", "密云", "延庆", "朝阳", "亦庄", "魏善庄", "通运街道", "建外街道", "回天", "beijing",
)
OTHER_PLACES = (
    "天津", "河北", "廊坊", "保定", "石家庄", "唐山", "张家口", "承德", "雄安", "上海", "广东", "广州", "深圳",
    "山东", "济南", "青岛", "江苏", "南京", "苏州", "南通", "浙江", "杭州", "宁波", "四川", "成都", "重庆", "湖北",
    "武汉", "湖南", "长沙", "陕西", "西安", "山西", "太原", "河南", "郑州", "辽宁", "沈阳", "大连", "吉林",
    "长春", "黑龙江", "哈尔滨", "内蒙古", "安徽", "合肥", "福建", "福州", "厦门", "江西", "南昌", "广西",
    "海南", "贵州", "云南", "昆明", "西藏", "甘肃", "青海", "宁夏", "新疆", "香港", "澳门", "台湾",
    "外地", "外省", "京外", "tianjin", "hebei", "shanghai", "shenzhen", "guangzhou",
)
_MEASURE = r"(?:个|名|位|人|people|persons?|members?|staff)"


@dataclass
class Tenure:
    """How long some of the certified social workers have worked in the organisation."""

    count: int
    years: Years


@dataclass
class OrgFacts:
    beijing: bool | None = None
    place: str = ""
    registered: Years | None = None
    inspections_passed: bool | None = None
    fulltime_staff: int | None = None
    has_violation: bool | None = None
    core_team: int | None = None
    certified: int | None = None
    certified_all: Years | None = None  # "都在我们机构工作了三年以上"
    certified_tenures: list[Tenure] = field(default_factory=list)  # "其中一个去年才入职"
    certified_qualified: int | None = None  # exactly this many have the tenure (screener answer)
    said: dict[str, str] = field(default_factory=dict)  # field -> the user's words

    def known(self) -> list[str]:
        return [f for f in ("beijing", "registered", "inspections_passed", "fulltime_staff", "has_violation",
                            "core_team", "certified", "certified_qualified") if getattr(self, f) is not None]

    def about_the_organisation(self) -> bool:
        """Facts beyond where the organisation is."""
        return any(f != "beijing" for f in self.known()) or bool(self.certified_tenures or self.certified_all)

    def merged(self, later: OrgFacts) -> OrgFacts:
        """These facts updated by a later statement: what it says overrides."""
        out = dataclasses.replace(self, said=dict(self.said), certified_tenures=list(self.certified_tenures))
        for f in ("beijing", "place", "registered", "inspections_passed", "fulltime_staff", "has_violation",
                  "core_team", "certified_qualified"):
            value = getattr(later, f)
            if value not in (None, ""):
                setattr(out, f, value)
        if later.certified is not None:
            out.certified, out.certified_all, out.certified_tenures = (later.certified, later.certified_all,
                                                                       list(later.certified_tenures))
        else:
            if later.certified_all is not None:
                out.certified_all = later.certified_all
            out.certified_tenures += later.certified_tenures
        out.said.update(later.said)
        return out


def _count_near(clause: str, keyword: re.Pattern[str], taken: list[Span]) -> int | None:
    """The count that goes with a keyword: "5个核心成员" or "核心成员5人" / "社工师两名"."""
    hit = keyword.search(clause)
    if not hit:
        return None
    free = [n for n in numbers(clause) if not any(t.start <= n.start < t.end for t in taken)]
    before = [n for n in free if n.end <= hit.start() and hit.start() - n.end <= 4
              and re.fullmatch(rf"\s*{_MEASURE}?\s*(?:是|为|都是|有|持有|具有|拥有)?\s*", clause[n.end:hit.start()])]
    if before:
        return int(before[-1].value)
    after = [n for n in free if n.start >= hit.end() and n.start - hit.end() <= 6
             and re.match(rf"\s*{_MEASURE}", clause[n.end:], re.I)]
    if after:
        return int(after[0].value)
    loose = [n for n in free if abs(n.start - hit.start()) <= 8]
    return int(loose[0].value) if len(loose) == 1 and loose[0].value == int(loose[0].value) else None


def _duration_spans(clause: str) -> list[Span]:
    spans = []
    for m in re.finditer(rf"(?:19|20)\d{{2}}\s*年(?:\s*\d{{1,2}}\s*月)?|{NUM}\s*(?:年|个月|years?)", clause):
        spans.append(Span(m[0], m.start(), m.end(), 0.0))
    return spans


def _place(text: str) -> tuple[bool | None, str]:
    lowered = text.lower()
    other = [p for p in OTHER_PLACES if p in lowered]
    if other:
        return False, other[0]
    beijing = [p for p in BEIJING_PLACES if p in lowered]
    if beijing:
        return True, beijing[0]
    return None, ""


def extract(text: str, today: dt.date, *, require_first_person: bool = True) -> OrgFacts:
    """Facts stated in one message; nothing unless it speaks of "we"/"our organisation"."""
    facts = OrgFacts()
    if require_first_person and not FIRST_PERSON.search(text):
        return facts
    subject = ""  # what the previous clause spoke of, for "其中一个去年才入职"
    registration_place: tuple[bool | None, str] = (None, "")
    for raw in _CLAUSES.split(text):
        clause = raw.strip()
        if not clause:
            continue
        taken = _duration_spans(clause)
        if _CERTIFIED.search(clause):
            n = _count_near(clause, _CERTIFIED, taken)
            if n is not None:
                facts.certified = n
                facts.said["certified"] = clause
            subject = "certified"
        if _TENURE.search(clause) and subject == "certified":
            years = duration(clause, today)
            if years is not None:
                if _ALL.search(clause) or (facts.certified is not None and _CERTIFIED.search(clause)):
                    facts.certified_all = years
                else:
                    free = [x for x in numbers(clause) if not any(t.start <= x.start < t.end for t in taken)]
                    count = int(free[0].value) if free else 1
                    facts.certified_tenures.append(Tenure(count, years))
                facts.said["certified_tenure"] = clause
        if _CORE.search(clause):
            n = _count_near(clause, _CORE, taken)
            if n is not None:
                facts.core_team = n
                facts.said["core_team"] = clause
        if _FULLTIME.search(clause):
            n = _count_near(clause, _FULLTIME, taken)
            if n is not None:
                facts.fulltime_staff = n
                facts.said["fulltime_staff"] = clause
        if _REGISTRATION.search(clause) and not _TENURE.search(clause):
            years = duration(clause, today)
            if years is not None:
                facts.registered = years
                facts.said["registered"] = clause
        if _INSPECTION.search(clause):
            if _INSPECTION_FAIL.search(clause):
                facts.inspections_passed = False
            elif _INSPECTION_PASS.search(clause):
                facts.inspections_passed = True
            if facts.inspections_passed is not None:
                facts.said["inspections_passed"] = clause
        if _VIOLATION.search(clause):
            facts.has_violation = not _VIOLATION_NONE.search(clause)
            facts.said["has_violation"] = clause
        found, where = _place(clause)
        if found is not None and (_REGISTRATION.search(clause) or _ORG_CONTEXT.search(clause)):
            registration_place = (found, where)
            facts.said["beijing"] = clause
        elif found is not None and registration_place[0] is None:
            facts.beijing, facts.place = found, where
            facts.said["beijing"] = clause
    if registration_place[0] is not None:
        facts.beijing, facts.place = registration_place
    return facts


def accumulate(messages: list[str], today: dt.date) -> OrgFacts:
    """Facts from a user's messages, oldest first; a later statement overrides an earlier one.

    Once the user has spoken about their organisation, follow-ups need no "我们"
    ("专职有15个，可以吗？").
    """
    facts = OrgFacts()
    for message in messages:
        facts = facts.merged(extract(message, today, require_first_person=not facts.known()))
    return facts
