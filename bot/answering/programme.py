"""Programme replies decided by data and rules, never by retrieval: eligibility, criteria, timeline, facts.

`route` recognises the question; it returns None for everything else, which the engine
answers from retrieval.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from bot.answering.citing import cite
from bot.answering.reply import SAME_LINE, Part, Reply
from bot.answering.templates import Templates
from bot.index.passages import Source, led_by
from bot.knowledge.places import Places
from bot.knowledge.programmes import Programme
from bot.rules.rounds import RoundView
from bot.rules.ruling import ProgrammeRules, Ruling, Verdict
from bot.text.dates import TimeMention
from bot.text.dates import zh_date as ymd
from bot.text.dates import zh_month_day as md
from bot.text.normalize import squash
from bot.understanding.facts import OrgFacts

_PRESS = re.compile(r"报|新闻|周刊|杂志|日刊|通讯社")  # as the composer tells a newspaper from an office


class Advisor:
    """Renders programme replies from what the rules decided (a `Ruling` or a `Verdict`)."""

    def __init__(self, programmes: list[Programme], templates: Templates, places: Places) -> None:
        self.rules = ProgrammeRules(programmes, places)
        self.programmes = programmes  # newest first
        self.rounds = self.rules.rounds
        self.t = templates

    # ------------------------------------------------------------------ rounds
    def round_of(self, reply: Reply) -> Programme | None:
        """The round a programme reply was decided by."""
        return self.rounds.by_id(reply.programme) if reply.programme else None

    def _newest_line(self, v: RoundView) -> str:
        """Under an earlier round's facts: the round that is current now."""
        if not v.history:
            return ""
        now = v.present
        return self.t.render("round_newest", programme=now.name, opens=ymd(now.window.start),
                             closes=md(now.window.end))

    def _name(self, p: Programme, v: RoundView) -> str:
        """A round's name in a reply: an earlier round is "2022年那一轮"."""
        return self.t.render("round_history_name", year=p.year) if v.history else p.name

    # ------------------------------------------------------------------ replies
    def _basis(self, p: Programme) -> dict[str, str]:
        return {"publication": p.doc.publication, "date": p.doc.published.zh(), "title": p.doc.title}

    def _source(self, p: Programme) -> str:
        """"据《公益时报》2022年3月报道" for a newspaper, "据…发布的《…》" for an office's notice."""
        key = "source_press" if _PRESS.search(p.doc.publication) else "source_notice"
        return self.t.render(key, **{k: v for k, v in self._basis(p).items() if key == "source_notice" or k != "title"})

    def verdict(self, facts: OrgFacts, today: dt.date, programme: Programme | None = None) -> Reply:
        """The verdict on `facts` under one round's criteria: the round given, else the current one."""
        return self.eligibility(self.rules.verdict(facts, today, programme))

    def eligibility(self, verdict: Verdict) -> Reply:
        """The verdict, criterion by criterion, with the round that decided and where its rules come from."""
        v, t, p, result = verdict.view, self.t, verdict.programme, verdict.eligibility
        failed = "、".join(c.label for c in result.criteria if c.status == "fail")
        head = {"eligible": t.render("eligibility_eligible", programme=p.name),
                "ineligible": t.render("eligibility_ineligible", programme=p.name, failed=failed),
                "unknown": t.render("eligibility_unknown", programme=p.name)}[result.verdict]
        doc = cite(p.doc)
        parts = [Part("verdict", head)]
        parts += [Part("criterion", t.render("criterion_line", mark=t.marks[c.status], label=c.label, reason=c.reason,
                                             quote=c.quote), source=doc, quote=c.quote) for c in result.criteria]
        if result.missing and result.verdict == "unknown":
            parts.append(Part("note", t.render("still_need", questions="".join(result.missing))))
        parts.append(Part("source", t.render("rules_basis", **self._basis(p)), source=doc))
        if v.several:  # which round decided, and the present one when it was an earlier round
            now = v.present
            parts.append(Part("note", t.render(
                "round_history_note", year=p.year, programme=now.name, opens=ymd(now.window.start),
                closes=md(now.window.end)) if v.history else
                t.render("round_used", programme=p.name, opens=ymd(p.window.start), closes=md(p.window.end))))
        if verdict.closed:
            parts.append(Part("note", t.render("window_closed_note", closed=ymd(p.window.end))))
        return Reply(parts, True, "eligibility", eligibility=result, confidence=1.0, programme=p.id)

    def criteria(self, ruling: Ruling, contact: str = "") -> Reply:
        """The round's criteria the question names (else all of them), each with its clause."""
        v, t, p = ruling.view, self.t, ruling.criteria_round
        doc = cite(p.doc)
        unknown = ruling.programme is None  # a year no round is known for: not answered, the known round shown
        parts = [Part("answer", t.render("decline_round", year=v.unknown_year, programme=v.newest.name,
                                         opens=ymd(v.newest.window.start), closes=md(v.newest.window.end)))] \
            if unknown else []
        parts += [Part("lead", t.render("criteria_head", programme=self._name(p, v), source=self._source(p)),
                       source=doc)]
        parts += [Part("criterion", t.render("criteria_line", n=i, label=c.label, quote=c.quote), source=doc,
                       quote=c.quote) for i, c in enumerate(ruling.criteria, 1)]
        parts.append(Part("note", t.render("criteria_tail")))
        if unknown and contact:
            parts.append(Part("contact", t.render("where_to_ask", contacts=contact)))
        if line := self._newest_line(v):
            parts.append(Part("note", line))
        return Reply(parts, not unknown, "criteria", confidence=0.0 if unknown else 1.0, programme=p.id)

    def timeline(self, ruling: Ruling, text: str, contact: str, times: list[TimeMention] | None = None,
                 stage_now: bool = False) -> Reply:
        """The window (or the stage asked about) against today, and against the days the question names."""
        t, v, today = self.t, ruling.view, ruling.today
        p = ruling.programme
        if p is None:
            latest = v.newest
            answer = t.render("decline_round", year=v.unknown_year, programme=latest.name,
                              opens=ymd(latest.window.start), closes=md(latest.window.end))
            return Reply([Part("answer", answer), Part("contact", t.render("where_to_ask", contacts=contact),
                                                       SAME_LINE)], False, "decline")
        basis, doc = {"source": self._source(p)}, cite(p.doc)
        name = self._name(p, v)
        stage = ruling.stage
        parts = [Part("answer", line) for line in self._days(p, text, today, times or [])]
        if stage is None and stage_now:
            parts.append(Part("answer", self._stage_now(ruling)))
        if stage is not None:
            parts.append(Part("answer", t.render("timeline_stage", programme=name, label=stage.label, year=p.year,
                                                 when=stage.when, quote=stage.quote, **basis),
                              source=doc, quote=stage.quote))
            if today > stage.end:
                parts.append(Part("answer", t.render("timeline_stage_past", end=ymd(stage.end))))
        else:
            w, state = p.window, ruling.window
            parts.append(Part("answer", t.render("timeline_window", programme=name, label=w.label, opens=ymd(w.start),
                                                 closes=md(w.end), quote=w.quote, **basis), source=doc, quote=w.quote))
            assert state is not None, "a known round has a window"
            if state.status == "open":
                line = t.render("timeline_open", today=ymd(today), closes=md(w.end), days=state.days)
            elif state.status == "not_open":
                line = t.render("timeline_not_open", today=ymd(today), opens=ymd(w.start))
            else:
                line = t.render("timeline_closed", today=ymd(today), closes=ymd(w.end))
            parts += [Part("answer", line), Part("answer", t.render(
                "timeline_stages", stages="，".join(f"{s.when}{s.label}" for s in p.stages)))]
        if today > p.window.end and p is v.newest:
            parts.append(Part("contact", t.render("timeline_no_newer", contact=contact)))
        elif line := self._newest_line(v):
            parts.append(Part("note", line))
        return Reply(parts, True, "timeline", confidence=1.0, programme=p.id)

    def _days(self, p: Programme, text: str, today: dt.date, times: list[TimeMention]) -> list[str]:
        """"下周三还来得及吗", "这周日是最后一天吧", "上个月就截止了吗", "截止是4月20号吧": each day the question
        names, against the window; a day claimed as the deadline is confirmed or corrected."""
        t, w = self.t, p.window
        lines = []
        for m in times:
            if (m.last - m.first).days > 31 or (m.first == m.last == today and "今天" not in m.text):
                continue  # a whole year ("2022社会工作创投计划") or an implicit today says nothing here
            day = m.zh() if re.search(r"\d+\s*月\s*\d+\s*[日号]", m.text) else f"{m.text}（{m.zh()}）"
            claims_end = bool(_CLAIMS_DEADLINE.search(text[text.find(m.text):]))
            if claims_end and _TAG_QUESTION.search(text) and m.day is not None:
                lines.append(t.render("premise_right" if m.day == w.end else "premise_wrong", claimed=f"{m.zh()}截止"))
            if m.last < w.start:
                lines.append(t.render("timeline_day_before", day=day, opens=ymd(w.start)))
            elif m.first <= w.end <= m.last and m.first != m.last:
                lines.append(t.render("timeline_ended_in", day=day, closes=ymd(w.end)))
            elif m.day == w.end:
                lines.append(t.render("timeline_day_last", day=day, closes=ymd(w.end)))
            elif m.first > w.end:  # after the deadline: already past, or still to come while the window is open
                key = "timeline_day_closed" if today > w.end else "timeline_day_after"
                lines.append(t.render(key, day=day, closes=ymd(w.end)))
            else:
                lines.append(t.render("timeline_day_open", day=day, closes=md(w.end)))
        return lines

    def _stage_now(self, ruling: Ruling) -> str:
        t, today, stage = self.t, ruling.today, ruling.stage_now
        assert ruling.programme is not None and ruling.stages_end is not None, "a known round"
        if today < ruling.programme.window.start:
            return t.render("stage_before", today=ymd(today))
        if stage is None:
            return t.render("stage_after", end=ymd(ruling.stages_end))
        return t.render("stage_now", today=ymd(today), label=stage.label, when=stage.when or "征集期间")

    def fact(self, ruling: Ruling, key: str, text: str) -> Reply | None:
        """A fact of the programme (funder, undertaker, fields, number funded…) with its quote."""
        v, p = ruling.view, ruling.programme
        if p is None or key not in p.facts:
            return None
        f = p.facts[key]
        parts = [Part("answer", self.t.render("fact_line", programme=self._name(p, v), label=f.label,
                                              value=f.value, quote=f.quote, source=self._source(p)),
                      source=cite(p.doc), quote=f.quote)]
        claimed = claimed_value(text)
        if claimed:  # "资助20个项目是吧", "承接单位是惠泽人对吧": confirmed or corrected before the fact
            right = _same_claim(claimed, f.value)
            parts.insert(0, Part("answer", self.t.render("premise_right" if right else "premise_wrong",
                                                         claimed=claimed)))
        if line := self._newest_line(v):
            parts.append(Part("note", line))
        return Reply(parts, True, "fact", confidence=1.0, programme=p.id)

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
        if reply.kind == "fact":
            return [f.quote for f in p.facts.values() if f.quote in reply.answer]
        return []


_CLAIMS_DEADLINE = re.compile(r"^[^，。？?！!]{0,6}(?:截止|截至|结束|最后一天|为止)")
_TAG_QUESTION = re.compile(r"吧[？?。！!]*$|对吧|是吧|对不对|是不是|没错吧|对吗|是吗|吧[？?]|right\??$", re.I)


_CLAIM = re.compile(r"(?:是|有|为|就是)?([^，。？?！!\s]{1,16}?)"
                    r"(?:对吧|是吧|没错吧|对吗|是吗|对不对|是不是|吧)[？?。！!]*$")
_NUMBER_IN = re.compile(r"\d+(?:\.\d+)?|[一二两三四五六七八九十百千万]+(?=[个名家项份位万元])")


def claimed_value(text: str) -> str:
    """What a tag question asserts ("资助20个项目是吧" -> "资助20个项目", "承接单位是惠泽人对吧" -> "惠泽人")."""
    first = re.split(r"[，,。！!\s]", text.strip())[0] if _TAG_QUESTION.search(text) else ""
    m = _CLAIM.search(first)
    if not m:
        return ""
    claim = m[1]
    if "是" in claim:  # "承接单位是惠泽人" -> the part after 是 is what is claimed
        claim = claim.rsplit("是", 1)[1]
    return claim if len(claim) >= 2 else ""


def _same_claim(claimed: str, value: str) -> bool:
    numbers = _NUMBER_IN.findall(claimed)
    if numbers:
        from bot.text.numbers import parse_number

        got = {parse_number(n) for n in _NUMBER_IN.findall(value)}
        return all(parse_number(n) in got for n in numbers)
    return claimed in value or value in claimed


@lru_cache(maxsize=8192)
def _squashed(passage: str) -> str:
    """A passage as quotes are found in it; the same passages are searched for every rules reply."""
    return squash(passage)


def sources_first(sources: list[Source], all_sources: list[Source], quotes: list[str]) -> list[Source]:
    """The passages holding the quotes first, then the retrieved ones, without repeats."""
    lead = []
    for quote in quotes:  # in the order of the quotes
        q = squash(quote)
        lead += [s for s in all_sources if q in _squashed(s.chunk.text)]
    return led_by(lead, sources)
