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
from bot.understanding.fact_words import (
    AFTER,
    ALL,
    ASKS_RULE,
    BEFORE,
    CERTIFIED,
    CLAUSES,
    COMPANY,
    CORE,
    EACH,
    FACT_WORDS,
    FROM_START,
    FULLTIME,
    INSPECTION,
    INSPECTION_FAIL,
    INSPECTION_NEVER_FAILED,
    INSPECTION_NO_PROBLEM,
    INSPECTION_PASS,
    MAY_APPLY,
    MEASURE,
    NONE_CERTIFIED,
    NOW_LEFT,
    ORG_CONTEXT,
    ORG_REGISTERED,
    OTHER_SUBJECT,
    OTHER_TYPE,
    REGISTRATION,
    RULE_QUESTION,
    SELF,
    TENURE,
    UNSURE,
    VIOLATION,
    VIOLATION_NONE,
    run_on,
)


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


def _count_near(clause: str, keyword: re.Pattern[str], taken: list[Span],
                others: tuple[re.Pattern[str], ...] = ()) -> Count | None:
    """The count that goes with a keyword: "5个核心成员" or "核心成员5人" / "社工师两名"; not one that counts
    another criterion's people right after it ("团队就一个持证社工师": the one is a certified worker)."""
    hit = keyword.search(clause)
    if not hit:
        return None
    owned = [re.compile(rf"\s*{MEASURE}?\s*(?:{o.pattern})", o.flags) for o in others]  # "一个持证社工师"
    free = [n for n in numbers(clause) if not any(t.start <= n.start < t.end for t in taken)
            and not any(o.match(clause, n.end) for o in owned)]
    before = [n for n in free if n.end <= hit.start() and hit.start() - n.end <= 12
              and BEFORE.fullmatch(clause[n.end:hit.start()])]
    if before:
        return count_of(before[-1])
    after = [n for n in free if n.start >= hit.end() and n.start - hit.end() <= 6
             and (re.match(rf"\s*{MEASURE}", clause[n.end:], re.I)
                  or AFTER.fullmatch(clause[hit.end():n.start]))]
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




def _names_a_criterion(text: str) -> bool:
    return any(p.search(text) for p in FACT_WORDS)


def _speaks_of_applicant(text: str) -> bool:
    """Whether a message describes the asker's own organisation.

    "We/our organisation" does; so does a bare description of an organisation ("2020年在海淀区民政局
    登记的社会服务机构，专职十几个，能报吗"), unless it is about someone else (my mother, a client).
    """
    if SELF.search(text):
        return True
    return not OTHER_SUBJECT.search(text) and _names_a_criterion(text) and bool(
        ORG_CONTEXT.search(text) or MAY_APPLY.search(text))


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
    from_start = False  # the certified workers have been there since the organisation began
    together = False  # the clause naming them spoke of them all ("俩社工师都…")
    for raw in (part for c in CLAUSES.split(text) for part in run_on(c.strip())):
        clause = raw.strip()
        if not clause:
            continue
        if OTHER_SUBJECT.search(clause):
            other = True
        elif SELF.search(clause):
            other = False
        if other or UNSURE.search(clause) or (not explicit and RULE_QUESTION.search(clause)
                                               and (ASKS_RULE.search(clause) or not MAY_APPLY.search(clause))):
            continue
        taken = _duration_spans(clause)
        if CERTIFIED.search(clause):
            n = _count_near(clause, CERTIFIED, taken)
            if n is not None:
                facts.certified = n
                facts.said["certified"] = clause
            if (n is None or re.search(r"一[个位名]?[^，。]{0,4}[都也]没", clause)) and NONE_CERTIFIED.search(clause):
                facts.certified = Count(0)
                facts.said["certified"] = clause
            subject, together = "certified", bool(ALL.search(clause) or (n == 2 and "俩" in clause))
        elif subject == "certified" and (left := NOW_LEFT.search(clause)) and not _names_a_criterion(clause):
            now = next((x for x in numbers(clause) if x.start >= left.start(1)), None)
            if now is not None:
                facts.certified = count_of(now)
                facts.said["certified"] = clause
        if subject == "certified" and FROM_START.search(clause):
            from_start = True
            facts.said["certified_tenure"] = clause
        elif subject == "certified" and (each := _each_tenure(clause, today)):
            facts.certified_tenures += each
            facts.said["certified_tenure"] = clause
        elif TENURE.search(clause) and subject == "certified":
            years = duration(clause, today)
            if years is not None:
                free = [x for x in numbers(clause) if not any(t.start <= x.start < t.end for t in taken)]
                if ALL.search(clause) or (facts.certified is not None and CERTIFIED.search(clause)) or (
                        together and not free):
                    facts.certified_all = years
                else:
                    count = int(free[0].value) if free else 1
                    facts.certified_tenures.append(Tenure(count, years))
                facts.said["certified_tenure"] = clause
        if CORE.search(clause):
            n = _count_near(clause, CORE, taken, (CERTIFIED, FULLTIME))
            if n is not None:
                facts.core_team = n
                facts.said["core_team"] = clause
        if FULLTIME.search(clause):
            n = _count_near(clause, FULLTIME, taken, (CERTIFIED, CORE))
            if n is not None:
                facts.fulltime_staff = n
                facts.said["fulltime_staff"] = clause
        # "3个社工师都是24年3月拿的证": a worker's certificate, not the organisation registering
        registering = REGISTRATION.search(clause) and (ORG_REGISTERED.search(clause) or not CERTIFIED.search(clause))
        if registering and not TENURE.search(clause) and not FROM_START.search(clause):
            years = duration(clause, today)
            if years is not None:
                facts.registered = years
                facts.said["registered"] = clause
            else:
                subject = "registered"  # "我们在通州区民政局登记，到现在三年零两个月了"
        elif subject == "registered" and facts.registered is None and not TENURE.search(clause):
            years = duration(clause, today)
            if years is not None and not (CERTIFIED.search(clause) or CORE.search(clause)):
                facts.registered = years
                facts.said["registered"] = clause
        if COMPANY.search(clause) and (REGISTRATION.search(clause) or SELF.search(clause)):
            facts.org_type = "company"
            facts.said["org_type"] = clause
        elif OTHER_TYPE.search(clause) and SELF.search(clause):
            facts.org_type = "foundation"
            facts.said["org_type"] = clause
        if INSPECTION.search(clause):
            # "历年" means every year: within one message a failed year stays failed ("20年没通过，21年又合格了").
            if INSPECTION_NO_PROBLEM.search(clause) or INSPECTION_NEVER_FAILED.search(clause) or (
                    not INSPECTION_FAIL.search(clause) and INSPECTION_PASS.search(clause)):
                if facts.inspections_passed is not False:
                    facts.inspections_passed = True
                    facts.said["inspections_passed"] = clause
            elif INSPECTION_FAIL.search(clause):
                facts.inspections_passed = False
                facts.said["inspections_passed"] = clause
        if VIOLATION.search(clause):
            facts.has_violation = not VIOLATION_NONE.search(clause)
            facts.said["has_violation"] = clause
        found, where = _place(clause, places)
        if found is not None and (REGISTRATION.search(clause) or ORG_CONTEXT.search(clause)):
            registration_place = (found, where)
            facts.said["beijing"] = clause
        elif found is not None and registration_place[0] is None:
            facts.beijing, facts.place = found, where
            facts.said["beijing"] = clause
    if registration_place[0] is not None:
        facts.beijing, facts.place = registration_place
    if from_start and facts.certified_all is None and facts.registered is not None:
        facts.certified_all = facts.registered
    return facts




def _each_tenure(clause: str, today: dt.date) -> list[Tenure]:
    """The tenures of workers told one by one in a clause, when it tells two or more."""
    found = [years for m in EACH.finditer(clause) if (years := duration(m[1], today)) is not None]
    return [Tenure(1, years) for years in found] if len(found) >= 2 else []


def accumulate(messages: list[str], today: dt.date, places: Places) -> OrgFacts:
    """Facts from a user's messages, oldest first; a later statement overrides an earlier one.

    Once the user has spoken about their organisation, follow-ups need no "我们"
    ("专职有15个，可以吗？").
    """
    facts = OrgFacts()
    for message in messages:
        facts = facts.merged(extract(message, today, places, require_first_person=not facts.known()))
    return facts
