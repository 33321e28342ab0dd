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
from bot.rules.rounds import Rounds
from bot.rules.timeline import asked_stage, md, window_state, ymd

_APPLY = re.compile(r"申报|申请|报名|参加|参与|征集|资格|apply|application|eligib|qualif", re.I)
_MAY = re.compile(r"能不能|能否|可不可以|可否|可以|能|行不行|行吗|够不够|符合|满足|有资格|够格|合格吗|"
                  r"eligible|qualify|can we|may we|are we", re.I)
_TIME = re.compile(r"截止|截至|什么时候|何时|几号|哪天|几月|哪个月|期限|还能|还可以|来得及|开始|结束|征集时间|"
                   r"申报时间|报名时间|时间安排|进度|deadline|when|still|open|closed?", re.I)
_STAGE_TIME = re.compile(r"什么时候|何时|几号|哪天|几月|哪个月|时间|安排在|when|date", re.I)
_REQUIREMENTS = re.compile(r"条件|资质|要求|门槛|标准|硬性|requirements?|criteria|qualifications?", re.I)
_WHICH = re.compile(r"哪些|什么|有何|是什么|哪几|怎样|如何|what|which", re.I)
_ORG_WORDS = re.compile(r"机构|组织|单位|团队|社工师|专职|年检|处罚|注册|organi[sz]ation|staff|team", re.I)
_PRESS = re.compile(r"报|新闻|周刊|杂志|日刊|通讯社")  # as the composer tells a newspaper from an office
_OTHER_PROGRAMME = re.compile(r"V创投|志愿服务V|美好社区计划|大学生社工计划", re.I)
_EN_PROGRAMME = re.compile(r"venture|programme|program", re.I)


class Advisor:
    def __init__(self, programmes: list[Programme], templates: Templates) -> None:
        self.programmes = programmes  # newest first
        self.rounds = Rounds(programmes)
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
            return self.eligibility(accumulate([*earlier, text], today), today,
                                    self.round_for([text, *reversed(earlier)], today))
        if _REQUIREMENTS.search(text) and _WHICH.search(text) and in_context and not self._about_projects(text):
            return self.criteria(text, today)
        stage_question = bool(asked_stage(self.programmes[0], text) and _STAGE_TIME.search(text))
        if stage_question or (self.mentions_programme(text) and _TIME.search(text)):
            return self.timeline(text, today, contact)
        return None

    @staticmethod
    def _about_projects(text: str) -> bool:
        """"申报的项目本身要满足哪些条件" asks about projects, not applicant organisations."""
        return "项目" in text and not _ORG_WORDS.search(text.replace("项目", ""))

    # ------------------------------------------------------------------ rounds
    def round_of(self, reply: Reply) -> Programme | None:
        """The round a programme reply was decided by."""
        return self.rounds.by_id(reply.programme) if reply.programme else None

    def round_for(self, texts: list[str], today: dt.date) -> Programme:
        """The round the conversation names by year (latest mention first), else the current one."""
        named, _ = self.rounds.asked(texts, today)
        return named or self.rounds.current(today)

    def _programme_for(self, text: str, today: dt.date) -> tuple[Programme | None, int | None]:
        """The round a question names by year, else the current one; (None, year) for a year no round has."""
        named, unknown = self.rounds.asked([text], today)
        if named is not None or unknown is not None:
            return named, unknown
        return self.rounds.current(today), None

    def _several(self) -> bool:
        return not self.rounds.is_single()

    def _newest_line(self, p: Programme, today: dt.date) -> str:
        """Under an earlier round's facts: the round that is current now."""
        if not (self._several() and self.rounds.is_history(p, today)):
            return ""
        now = self.rounds.current(today)
        return self.t.render("round_newest", programme=now.name, opens=ymd(now.window.start),
                             closes=md(now.window.end))

    def _name(self, p: Programme, today: dt.date) -> str:
        """A round's name in a reply: an earlier round is "2022年那一轮"."""
        if self._several() and self.rounds.is_history(p, today):
            return self.t.render("round_history_name", year=p.year)
        return p.name

    # ------------------------------------------------------------------ replies
    def _basis(self, p: Programme) -> dict[str, str]:
        return {"publication": p.doc.publication, "date": p.doc.published.zh(), "title": p.doc.title}

    def _source(self, p: Programme) -> str:
        """"据《公益时报》2022年3月报道" for a newspaper, "据…发布的《…》" for an office's notice."""
        key = "source_press" if _PRESS.search(p.doc.publication) else "source_notice"
        return self.t.render(key, **{k: v for k, v in self._basis(p).items() if key == "source_notice" or k != "title"})

    def eligibility(self, facts: OrgFacts, today: dt.date, programme: Programme | None = None) -> Reply:
        """The verdict under one round's criteria: the round asked about, else the current one."""
        p, t = programme or self.rounds.current(today), self.t
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
        if self._several():  # which round decided, and the present one when it was an earlier round
            now = self.rounds.current(today)
            lines.append(t.render("round_history_note", year=p.year, programme=now.name, opens=ymd(now.window.start),
                                  closes=md(now.window.end)) if self.rounds.is_history(p, today) else
                         t.render("round_used", programme=p.name, opens=ymd(p.window.start), closes=md(p.window.end)))
        if today > p.window.end:
            lines.append(t.render("window_closed_note", closed=ymd(p.window.end)))
        return Reply("\n".join(lines), True, "eligibility", eligibility=result, confidence=1.0, programme=p.id)

    def criteria(self, text: str, today: dt.date | None = None) -> Reply:
        today = today or dt.date.today()
        p, t = self._programme_for(text, today)[0] or self.rounds.current(today), self.t
        chosen = [c for c in p.criteria if c.rule.topic.search(text)]
        specs = chosen or p.criteria
        lines = [t.render("criteria_head", programme=self._name(p, today), source=self._source(p))]
        lines += [t.render("criteria_line", n=i, label=c.label, quote=c.quote) for i, c in enumerate(specs, 1)]
        lines.append(t.render("criteria_tail"))
        if line := self._newest_line(p, today):
            lines.append(line)
        return Reply("\n".join(lines), True, "criteria", confidence=1.0, programme=p.id)

    def timeline(self, text: str, today: dt.date, contact: str) -> Reply:
        t = self.t
        p, unknown_year = self._programme_for(text, today)
        if p is None:
            latest = self.rounds.newest
            answer = t.render("decline_round", year=unknown_year, programme=latest.name,
                              opens=ymd(latest.window.start), closes=md(latest.window.end))
            return Reply(answer + t.render("where_to_ask", contacts=contact), False, "decline")
        basis = {"source": self._source(p)}
        name = self._name(p, today)
        stage = asked_stage(p, text)
        lines: list[str] = []
        if stage is not None:
            lines.append(t.render("timeline_stage", programme=name, label=stage.label, year=p.year,
                                  when=stage.when, quote=stage.quote, **basis))
            if today > stage.end:
                lines.append(t.render("timeline_stage_past", end=ymd(stage.end)))
        else:
            w = p.window
            lines.append(t.render("timeline_window", programme=name, label=w.label, opens=ymd(w.start),
                                  closes=md(w.end), quote=w.quote, **basis))
            state = window_state(p, today)
            if state.status == "open":
                lines.append(t.render("timeline_open", today=ymd(today), closes=md(w.end), days=state.days))
            elif state.status == "not_open":
                lines.append(t.render("timeline_not_open", today=ymd(today), opens=ymd(w.start)))
            else:
                lines.append(t.render("timeline_closed", today=ymd(today), closes=ymd(w.end)))
            lines.append(t.render("timeline_stages", stages="，".join(f"{s.when}{s.label}" for s in p.stages)))
        if today > p.window.end and p is self.rounds.newest:
            lines.append(t.render("timeline_no_newer", contact=contact))
        elif line := self._newest_line(p, today):
            lines.append(line)
        return Reply("\n".join(lines), True, "timeline", confidence=1.0, programme=p.id)

    def quotes(self, reply: Reply) -> list[str]:
        """The sentences a programme reply rests on, to put their passages first among the sources."""
        p = self.round_of(reply)
        if reply.kind == "eligibility" and reply.eligibility is not None:
            order = {"fail": 0, "unknown": 1, "pass": 2}  # the decisive clauses first
            return [c.quote for c in sorted(reply.eligibility.criteria, key=lambda c: order[c.status])]
        if p is None:
            return []
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
