"""What the rules say about one question, in one look: the round it is about, that round's window and
stages on the day, the criteria it names, and the verdict on the applicant's facts.

A programme reply is rendered from a `Ruling` (or a `Verdict`) alone; nothing is asked of the rules twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.knowledge.places import Places
from bot.knowledge.programmes import CriterionSpec, Programme, Stage
from bot.rules.eligibility import Eligibility, evaluate
from bot.rules.rounds import Rounds, RoundView
from bot.rules.screener import Screener
from bot.rules.timeline import WindowState, asked_stage, current_stage, window_state
from bot.understanding.facts import OrgFacts


@dataclass(frozen=True)
class Verdict:
    """The applicant's facts judged under one round's criteria."""

    view: RoundView  # the round judged by (view.programme), beside the present one
    programme: Programme
    eligibility: Eligibility
    closed: bool  # the round's window has closed


@dataclass(frozen=True)
class Ruling:
    """The round a question names by year (else the current one), as the rules see it on the day."""

    view: RoundView
    today: dt.date
    stage_in_newest: Stage | None  # the stage the question names, in the newest round (is it about stages?)
    stage: Stage | None  # the stage the question names, in the round asked about
    window: WindowState | None  # the round's application window against today
    stage_now: Stage | None  # the stage under way today (the window itself while it is open)
    stages_end: dt.date | None  # when the round's last stage (else its window) ends
    criteria: list[CriterionSpec]  # the criteria the question names, else all of the round's
    verdict: Verdict  # the applicant's facts, under the round the conversation names

    @property
    def programme(self) -> Programme | None:
        """The round asked about; None when the question names a year no round is known for."""
        return self.view.programme

    @property
    def criteria_round(self) -> Programme:
        """The round whose criteria a question about criteria gets (the present one for an unknown year)."""
        return self.view.programme or self.view.present


class ProgrammeRules:
    """The rounds of a programme and what decides on them; `places` reads facts a screener is told."""

    def __init__(self, programmes: list[Programme], places: Places) -> None:
        self.programmes = programmes  # newest first
        self.rounds = Rounds(programmes)
        self.places = places

    def rule(self, ask: str, conversation: list[str], facts: OrgFacts, today: dt.date) -> Ruling:
        """Everything a programme reply to `ask` may need: `conversation` (latest first) names the round
        the verdict on `facts` is given under."""
        view = self.rounds.view(today, [ask])
        p = view.programme
        stage_now, stages_end = (_stage_now(p, today), max((s.end for s in p.stages), default=p.window.end)) \
            if p is not None else (None, None)
        chosen = self.rounds.view(today, conversation)
        verdict = self.verdict(facts, today, chosen.programme or chosen.present)
        criteria_round = p or view.present
        elsewhere = bool(self.places.named_elsewhere(ask))  # "天津的机构能报吗": the place criterion
        named = [c for c in criteria_round.criteria if c.rule.topic.search(ask) or (elsewhere and c.fact == "beijing")]
        return Ruling(view, today, asked_stage(self.rounds.newest, ask), asked_stage(p, ask) if p else None,
                      window_state(p, today) if p else None, stage_now, stages_end, named or criteria_round.criteria,
                      verdict)

    def verdict(self, facts: OrgFacts, today: dt.date, programme: Programme | None = None) -> Verdict:
        """The verdict under one round's criteria: the round given, else the current one."""
        view = self.rounds.view(today, programme=programme)
        p = view.programme or view.present
        return Verdict(view, p, evaluate(p, facts), today > p.window.end)

    def screener(self, today: dt.date, programme_id: str | None = None) -> Screener | None:
        """A self-check under the round open today (else the next, else the newest), or the round a saved
        check began with; None when there is no such round."""
        if not self.programmes:
            return None
        if programme_id is not None:
            started = self.rounds.by_id(programme_id)
            return Screener(started, self.places) if started else None
        return Screener(self.rounds.current(today), self.places)


def _stage_now(p: Programme, today: dt.date) -> Stage | None:
    """The stage under way; while the window is open and no stage is, the window."""
    if today < p.window.start:
        return None
    stage = current_stage(p, today)
    if stage is None and today <= p.window.end:
        stage = p.window
    return stage
