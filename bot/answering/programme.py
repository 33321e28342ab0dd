"""Programme questions decided by data and rules, never by retrieval: eligibility, criteria, timeline.

`route` recognises the question; it returns None for everything else, which the engine
answers from retrieval.
"""

from __future__ import annotations

import datetime as dt
import re

from bot.answering.reply import Reply, Turn
from bot.answering.templates import Templates
from bot.index.passages import Source
from bot.knowledge.programmes import Programme
from bot.rules.eligibility import Eligibility, evaluate
from bot.rules.facts import FIRST_PERSON, OrgFacts, accumulate, extract
from bot.rules.timeline import asked_stage, asked_years, md, window_state, ymd

_APPLY = re.compile(r"申报|申请|报名|参加|参与|征集|资格|apply|application|eligib|qualif", re.I)
_MAY = re.compile(r"能不能|能否|可不可以|可否|可以|能|行不行|行吗|够不够|符合|满足|有资格|够格|合格吗|"
                  r"eligible|qualify|can we|may we|are we", re.I)
_TIME = re.compile(r"截止|截至|什么时候|何时|几号|哪天|几月|哪个月|期限|还能|还可以|来得及|开始|结束|征集时间|"
                   r"申报时间|报名时间|时间安排|进度|deadline|when|still|open|closed?", re.I)
_STAGE_TIME = re.compile(r"什么时候|何时|几号|哪天|几月|哪个月|时间|安排在|when|date", re.I)
_REQUIREMENTS = re.compile(r"条件|资质|要求|门槛|标准|硬性|requirements?|criteria|qualifications?", re.I)
_WHICH = re.compile(r"哪些|什么|有何|是什么|哪几|怎样|如何|what|which", re.I)
_ORG_WORDS = re.compile(r"机构|组织|单位|团队|社工师|专职|年检|处罚|注册|organi[sz]ation|staff|team", re.I)
_OTHER_PROGRAMME = re.compile(r"V创投|志愿服务V|美好社区计划|大学生社工计划", re.I)
_EN_PROGRAMME = re.compile(r"venture|programme|program", re.I)
_CRITERION_TOPICS = {
    "beijing_org": re.compile(r"北京|本地|外地|民政局|Beijing", re.I),
    "registered_3y": re.compile(r"注册|成立|几年|年限|registered|years", re.I),
    "annual_inspection": re.compile(r"年检|inspection", re.I),
    "fulltime_staff_10": re.compile(r"专职|全职|社保|员工|full-?time|staff", re.I),
    "no_violation": re.compile(r"处罚|违规|违纪|penalt|violation", re.I),
    "core_team_5": re.compile(r"核心|团队|core|team", re.I),
    "certified_sw_2": re.compile(r"社工师|持证|certified", re.I),
}


class Advisor:
    def __init__(self, programmes: list[Programme], templates: Templates) -> None:
        self.programmes = programmes  # newest first
        self.t = templates

    # ------------------------------------------------------------------ routing
    def mentions_programme(self, text: str) -> bool:
        if _OTHER_PROGRAMME.search(text):
            return False
        aliases = {a for p in self.programmes for a in (p.name, *p.aliases)}
        return any(a in text for a in aliases) or bool(_APPLY.search(text) or _EN_PROGRAMME.search(text))

    def route(self, text: str, history: list[Turn], today: dt.date, contact: str) -> Reply | None:
        if not self.programmes or _OTHER_PROGRAMME.search(text):
            return None
        earlier = [t.content for t in history if t.role == "user"]
        in_context = self.mentions_programme(text) or any(self.mentions_programme(m) for m in earlier)
        now = extract(text, today, require_first_person=not accumulate(earlier, today).known())
        if now.about_the_organisation() or (
                in_context and FIRST_PERSON.search(text) and _MAY.search(text) and not _TIME.search(text)):
            return self.eligibility(accumulate([*earlier, text], today), today)
        if _REQUIREMENTS.search(text) and _WHICH.search(text) and in_context and not self._about_projects(text):
            return self.criteria(text)
        stage_question = bool(asked_stage(self.programmes[0], text) and _STAGE_TIME.search(text))
        if stage_question or (self.mentions_programme(text) and _TIME.search(text)):
            return self.timeline(text, today, contact)
        return None

    @staticmethod
    def _about_projects(text: str) -> bool:
        """"申报的项目本身要满足哪些条件" asks about projects, not applicant organisations."""
        return "项目" in text and not _ORG_WORDS.search(text.replace("项目", ""))

    def _programme_for(self, text: str, today: dt.date) -> tuple[Programme | None, int | None]:
        years = [y for y in asked_years(text, today) if 2000 <= y <= today.year + 5]
        if not years:
            return self.programmes[0], None
        for programme in self.programmes:
            if programme.year in years:
                return programme, None
        return None, years[0]

    # ------------------------------------------------------------------ replies
    def _basis(self, p: Programme) -> dict[str, str]:
        return {"publication": p.doc.publication, "date": p.doc.published.zh(), "title": p.doc.title}

    def eligibility(self, facts: OrgFacts, today: dt.date) -> Reply:
        p, t = self.programmes[0], self.t
        result: Eligibility = evaluate(p, facts)
        failed = "、".join(c.label for c in result.criteria if c.status == "fail")
        head = {"eligible": t.render("eligibility_eligible", programme=p.name),
                "ineligible": t.render("eligibility_ineligible", programme=p.name, failed=failed),
                "unknown": t.render("eligibility_unknown", programme=p.name)}[result.verdict]
        lines = [head]
        lines += [t.render("criterion_line", mark=t.marks[c.status], label=c.label, reason=c.reason,
                           quote=c.quote) for c in result.criteria]
        if result.missing and result.verdict == "unknown":
            lines.append(t.render("still_need", questions="".join(result.missing)))
        lines.append(t.render("rules_basis", **self._basis(p)))
        if today > p.window.end:
            lines.append(t.render("window_closed_note", closed=ymd(p.window.end)))
        return Reply("\n".join(lines), True, "eligibility", eligibility=result, confidence=1.0)

    def criteria(self, text: str) -> Reply:
        p, t = self.programmes[0], self.t
        chosen = [c for c in p.criteria if _CRITERION_TOPICS.get(c.id, re.compile("$^")).search(text)]
        specs = chosen or p.criteria
        lines = [t.render("criteria_head", programme=p.name, **{k: v for k, v in self._basis(p).items()
                                                                 if k != "title"})]
        lines += [t.render("criteria_line", n=i, label=c.label, quote=c.quote) for i, c in enumerate(specs, 1)]
        lines.append(t.render("criteria_tail"))
        return Reply("\n".join(lines), True, "criteria", confidence=1.0)

    def timeline(self, text: str, today: dt.date, contact: str) -> Reply:
        t = self.t
        p, unknown_year = self._programme_for(text, today)
        if p is None:
            latest = self.programmes[0]
            answer = t.render("decline_round", year=unknown_year, programme=latest.name,
                              opens=ymd(latest.window.start), closes=md(latest.window.end))
            return Reply(answer + t.render("where_to_ask", contacts=contact), False, "decline")
        basis = {k: v for k, v in self._basis(p).items() if k != "title"}
        stage = asked_stage(p, text)
        lines: list[str] = []
        if stage is not None:
            lines.append(t.render("timeline_stage", programme=p.name, label=stage.label, year=p.year,
                                  when=stage.when, quote=stage.quote, **basis))
            if today > stage.end:
                lines.append(t.render("timeline_stage_past", end=ymd(stage.end)))
        else:
            w = p.window
            lines.append(t.render("timeline_window", programme=p.name, label=w.label, opens=ymd(w.start),
                                  closes=md(w.end), quote=w.quote, **basis))
            state = window_state(p, today)
            if state.status == "open":
                lines.append(t.render("timeline_open", today=ymd(today), closes=md(w.end), days=state.days))
            elif state.status == "not_open":
                lines.append(t.render("timeline_not_open", today=ymd(today), opens=ymd(w.start)))
            else:
                lines.append(t.render("timeline_closed", today=ymd(today), closes=ymd(w.end)))
            lines.append(t.render("timeline_stages", stages="，".join(f"{s.when}{s.label}" for s in p.stages)))
        if today > p.window.end and p is self.programmes[0]:
            lines.append(t.render("timeline_no_newer", contact=contact))
        return Reply("\n".join(lines), True, "timeline", confidence=1.0)

    def quotes(self, reply: Reply) -> list[str]:
        """The sentences a programme reply rests on, to put their passages first among the sources."""
        p = self.programmes[0]
        if reply.kind == "eligibility" and reply.eligibility is not None:
            order = {"fail": 0, "unknown": 1, "pass": 2}  # the decisive clauses first
            return [c.quote for c in sorted(reply.eligibility.criteria, key=lambda c: order[c.status])]
        if reply.kind == "criteria":
            return [c.quote for c in p.criteria]
        if reply.kind == "timeline":
            return [p.window.quote, *(s.quote for s in p.stages)]
        return []


def sources_first(sources: list[Source], all_sources: list[Source], quotes: list[str]) -> list[Source]:
    """The passages holding the quotes first, then the retrieved ones, without repeats."""
    lead = []
    for quote in quotes:  # in the order of the quotes
        q = re.sub(r"\s+", "", quote)
        lead += [s for s in all_sources if q in re.sub(r"\s+", "", s.chunk.text)]
    seen: set[str] = set()
    out = []
    for s in lead + sources:
        if s.chunk.id not in seen:
            seen.add(s.chunk.id)
            out.append(s)
    return out
