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

from bot.knowledge.places import Places
from bot.text.numbers import NUM, Count, Span, Years, count_of, duration, numbers

FIRST_PERSON = re.compile(r"我们|我|本机构|本单位|我司|咱们|敝|(?<![a-z])(?:we|our|us)(?![a-z])", re.I)
# A clause about someone else is not about the applicant: my mother, a friend's organisation, a client.
_OTHER_SUBJECT = re.compile(r"我(?:的)?(?:妈|爸|母亲|父亲|父母|家人|家里|老人|孩子|儿子|女儿|爱人|老公|老婆|朋友|同学|"
                            r"亲戚|邻居|客户|同事|姐|哥|弟|妹|奶奶|爷爷|姥姥|姥爷|外婆|外公)|朋友的|别人的|客户的|"
                            r"其他机构|别的机构|\b(?:my (?:mother|father|mom|dad|parents?|friend|client|neighbou?r)|"
                            r"a friend'?s?)\b", re.I)
# The applicant organisation speaking of itself ("我们", "本机构", "敝会", "we").
SELF = re.compile(r"我们|咱们|本机构|本单位|我司|我单位|我机构|敝|(?<![a-z])(?:we|our|us)(?![a-z])", re.I)
_CLAUSES = re.compile(r"[，,。；;！!？?\n]|\.(?=\s|$)|但是?|不过|其中|可是|然而|\bbut\b|\band\b(?= \d)", re.I)

_CERTIFIED = re.compile(r"社工师|社会工作师|持证社工|社工证|certified social workers?|certified", re.I)
# How long, or since when ("上个月刚招进来的", "去年8月才跳槽过来"), a certified worker has been with the organisation.
_TENURE = re.compile(r"入职|工作了|工作满|工作不到|工作(?:了)?[^，。]{0,4}年|"
                     r"在(?:本|我们|我)?(?:机构|单位|这里|这儿|组织)[^，。]{0,4}(?:工作|干|待|做|满)|"
                     r"(?:干|做|待|呆)(?:了|满|够)|任职|招(?:进|来)|(?:调|跳槽|转|挖)(?:过|进)?来|加入|到岗|[刚才]来|"
                     r"joined|worked|been with", re.I)
_ALL = re.compile(r"都|均|全部|全都|每个|每位|(?<![a-z])(?:all|both|each)(?![a-z])", re.I)
_CORE = re.compile(r"核心成员|核心团队|执行团队|项目团队|团队核心|项目组核心|"
                   r"核心(?=\s*(?:有|是)?\s*[\d俩仨两一二三四五六七八九十])|core team|core members?", re.I)
_FULLTIME = re.compile(r"专职|全职(?!妈妈)|交社保|社保|full[- ]?time", re.I)
_REGISTRATION = re.compile(r"注册|成立|登记|创办|创立|建立|registered|founded|established|set up", re.I)
_INSPECTION = re.compile(r"年检|年审|annual inspections?", re.I)
_INSPECTION_FAIL = re.compile(r"不合格|没有?(?:通过|过|合格)|未(?:通过|合格)|不通过|没参加|未参加|没做|"
                              r"failed|did not pass|didn't pass|not passed?", re.I)
_INSPECTION_PASS = re.compile(r"合格|通过|都过|没问题|正常|passed|ok\b", re.I)
# "从没出过问题", "没有过问题": a problem denied is a pass, though "没有过" alone reads as a failure.
_INSPECTION_NO_PROBLEM = re.compile(r"(?:没|没有|从没|从来没|从未|未|无)(?:出过|有过|出现过|发生过|出)?(?:任何)?"
                                    r"(?:问题|毛病|异常)|(?:never|no)\s+(?:had\s+)?(?:any\s+)?(?:problems?|issues?)",
                                    re.I)
_VIOLATION = re.compile(r"处罚|违规|违纪|违法|罚(?:过|了|款)|被[^，。]{0,10}罚|"
                        r"penalt|penali[sz]|sanction|violation|fined|punish", re.I)
_VIOLATION_NONE = re.compile(r"没有|没|无|未曾|从未|从没|不曾|(?<![a-z])(?:never|no|not|without)(?![a-z])", re.I)
_ORG_CONTEXT = re.compile(r"注册|登记|民政局|机构|组织|单位|我们是|总部|registered|based|organi[sz]ation", re.I)
# Registered as a company (market regulation), not with a civil-affairs bureau.
# 民办非企业单位 is the old name of a social-service organisation, registered with civil affairs.
_COMPANY = re.compile(r"工商|市场监督管理局|市场监管局|有限公司|公司|(?<!非)企业|company|business licen[cs]e", re.I)
_OTHER_TYPE = re.compile(r"基金会|foundation", re.I)



_MEASURE = r"(?:个|名|位|人|people|persons?|members?|staff)"
# Words between a count and what it counts: "5个是社工师", "two who are certified", "core team of 6".
_BEFORE = re.compile(rf"\s*{_MEASURE}?\s*(?:是|为|都是|有|持有|具有|拥有|(?:(?:of them|of whom|who)\s+)?"
                     r"(?:are|is|have|hold))?\s*", re.I)
_AFTER = re.compile(r"\s*(?:有|是|为|共|[:：]|of|is|are|has|of about)\s*", re.I)


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
    fulltime_staff: int | None = None  # a Count when read from text: "八九个" keeps 9 as its upper bound
    has_violation: bool | None = None
    core_team: int | None = None
    certified: int | None = None
    org_type: str = ""  # "company" (registered with market regulation) or "foundation"; "" when not said
    certified_all: Years | None = None  # "都在我们机构工作了三年以上"
    certified_tenures: list[Tenure] = field(default_factory=list)  # "其中一个去年才入职"
    certified_qualified: int | None = None  # exactly this many have the tenure (screener answer)
    said: dict[str, str] = field(default_factory=dict)  # field -> the user's words

    def known(self) -> list[str]:
        return [f for f in ("beijing", "registered", "inspections_passed", "fulltime_staff", "has_violation",
                            "core_team", "certified", "certified_qualified") if getattr(self, f) is not None]

    def about_the_organisation(self) -> bool:
        """Facts beyond where the organisation is."""
        return (any(f != "beijing" for f in self.known()) or bool(self.certified_tenures or self.certified_all)
                or bool(self.org_type))

    def merged(self, later: OrgFacts) -> OrgFacts:
        """These facts updated by a later statement: what it says overrides."""
        out = dataclasses.replace(self, said=dict(self.said), certified_tenures=list(self.certified_tenures))
        for f in ("beijing", "place", "registered", "inspections_passed", "fulltime_staff", "has_violation",
                  "core_team", "certified_qualified", "org_type"):
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


def _count_near(clause: str, keyword: re.Pattern[str], taken: list[Span]) -> Count | None:
    """The count that goes with a keyword: "5个核心成员" or "核心成员5人" / "社工师两名"."""
    hit = keyword.search(clause)
    if not hit:
        return None
    free = [n for n in numbers(clause) if not any(t.start <= n.start < t.end for t in taken)]
    before = [n for n in free if n.end <= hit.start() and hit.start() - n.end <= 12
              and _BEFORE.fullmatch(clause[n.end:hit.start()])]
    if before:
        return count_of(before[-1])
    after = [n for n in free if n.start >= hit.end() and n.start - hit.end() <= 6
             and (re.match(rf"\s*{_MEASURE}", clause[n.end:], re.I)
                  or _AFTER.fullmatch(clause[hit.end():n.start]))]
    if after:
        return count_of(after[0])
    loose = [n for n in free if abs(n.start - hit.start()) <= 8]
    return count_of(loose[0]) if len(loose) == 1 and loose[0].value == int(loose[0].value) else None


def _duration_spans(clause: str) -> list[Span]:
    spans = []
    for m in re.finditer(rf"(?:19|20)\d{{2}}\s*年(?:\s*\d{{1,2}}\s*月)?|{NUM}\s*(?:年|个月|years?)", clause):
        spans.append(Span(m[0], m.start(), m.end(), 0.0))
    return spans


def _place(text: str, places: Places) -> tuple[bool | None, str]:
    lowered = text.lower()
    other = [p for p in places.elsewhere if p in lowered]
    if other:
        return False, other[0]
    beijing = [p for p in places.beijing if p in lowered]
    if beijing:
        return True, beijing[0]
    return None, ""


_RULE_QUESTION = re.compile(r"需要|要求|必须|是否|[吗么][？?]?$|[？?]$|是不是|有没有要求|算不算|\brequire", re.I)
# A question about the rules asks for them; "核心就4个人可以吗" tells a case of its own and asks if it may.
_ASKS_RULE = re.compile(r"需要|要求|必须|几|多少|是否|是不是|有没有|\brequire", re.I)
_MAY_APPLY = re.compile(r"(?:能|可以|可|还能|还可以)(?:报|申报|申请|报名|参加)|[能可]以?[吗么不]|行[吗么不]|"
                        r"算满足|满足吗|符合|够格|有资格|\b(?:can|may) (?:we|i)\b|eligible|qualify", re.I)
_FACT_WORDS = [_REGISTRATION, _INSPECTION, _FULLTIME, _CORE, _CERTIFIED, _VIOLATION,
               re.compile(r"团队|team|staff", re.I)]


def _names_a_criterion(text: str) -> bool:
    return any(p.search(text) for p in _FACT_WORDS)


def _speaks_of_applicant(text: str) -> bool:
    """Whether a message describes the asker's own organisation.

    "We/our organisation" does; so does a bare description of an organisation ("2020年在海淀区民政局
    登记的社会服务机构，专职十几个，能报吗"), unless it is about someone else (my mother, a client).
    """
    if SELF.search(text):
        return True
    return not _OTHER_SUBJECT.search(text) and _names_a_criterion(text) and bool(
        _ORG_CONTEXT.search(text) or _MAY_APPLY.search(text))


def extract(text: str, today: dt.date, places: Places, *, require_first_person: bool = True) -> OrgFacts:
    """Facts stated in one message about the asker's organisation (see `_speaks_of_applicant`).

    Clauses about someone else ("我妈一个人住朝阳区") are skipped, as are questions about the rules
    ("需要年检合格吗") when the message does not say "we".
    """
    facts = OrgFacts()
    if require_first_person and not _speaks_of_applicant(text):
        return facts
    explicit = bool(SELF.search(text)) or not require_first_person
    subject = ""  # what the previous clause spoke of, for "其中一个去年才入职"
    other = False  # the clauses since a change of subject are about someone else
    registration_place: tuple[bool | None, str] = (None, "")
    for raw in _CLAUSES.split(text):
        clause = raw.strip()
        if not clause:
            continue
        if _OTHER_SUBJECT.search(clause):
            other = True
        elif SELF.search(clause):
            other = False
        if other or (not explicit and _RULE_QUESTION.search(clause)
                     and (_ASKS_RULE.search(clause) or not _MAY_APPLY.search(clause))):
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
            else:
                subject = "registered"  # "我们在通州区民政局登记，到现在三年零两个月了"
        elif subject == "registered" and facts.registered is None and not _TENURE.search(clause):
            years = duration(clause, today)
            if years is not None and not (_CERTIFIED.search(clause) or _CORE.search(clause)):
                facts.registered = years
                facts.said["registered"] = clause
        if _COMPANY.search(clause) and (_REGISTRATION.search(clause) or SELF.search(clause)):
            facts.org_type = "company"
            facts.said["org_type"] = clause
        elif _OTHER_TYPE.search(clause) and SELF.search(clause):
            facts.org_type = "foundation"
            facts.said["org_type"] = clause
        if _INSPECTION.search(clause):
            # "历年" means every year: within one message a failed year stays failed ("20年没通过，21年又合格了").
            if _INSPECTION_NO_PROBLEM.search(clause) or (
                    not _INSPECTION_FAIL.search(clause) and _INSPECTION_PASS.search(clause)):
                if facts.inspections_passed is not False:
                    facts.inspections_passed = True
                    facts.said["inspections_passed"] = clause
            elif _INSPECTION_FAIL.search(clause):
                facts.inspections_passed = False
                facts.said["inspections_passed"] = clause
        if _VIOLATION.search(clause):
            facts.has_violation = not _VIOLATION_NONE.search(clause)
            facts.said["has_violation"] = clause
        found, where = _place(clause, places)
        if found is not None and (_REGISTRATION.search(clause) or _ORG_CONTEXT.search(clause)):
            registration_place = (found, where)
            facts.said["beijing"] = clause
        elif found is not None and registration_place[0] is None:
            facts.beijing, facts.place = found, where
            facts.said["beijing"] = clause
    if registration_place[0] is not None:
        facts.beijing, facts.place = registration_place
    return facts


def accumulate(messages: list[str], today: dt.date, places: Places) -> OrgFacts:
    """Facts from a user's messages, oldest first; a later statement overrides an earlier one.

    Once the user has spoken about their organisation, follow-ups need no "我们"
    ("专职有15个，可以吗？").
    """
    facts = OrgFacts()
    for message in messages:
        facts = facts.merged(extract(message, today, places, require_first_person=not facts.known()))
    return facts
