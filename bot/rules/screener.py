"""Eligibility screener: asks for the criteria still unknown, one at a time, and ends with the verdict.

Channel-independent: the terminal chat uses it as /check, a messenger can put buttons on
`Prompt.options`. Its state is plain JSON, so a channel can persist it and resume.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from bot.knowledge.places import Places
from bot.knowledge.programmes import CriterionSpec, Programme
from bot.rules.eligibility import Eligibility, evaluate
from bot.text.numbers import Years, duration, numbers
from bot.understanding.facts import OrgFacts, accumulate

_NO = re.compile(r"不|没|否|无|未|(?<![a-z])(?:no|n|not|never)(?![a-z])", re.I)
_YES = re.compile(r"是|对|有|合格|通过|嗯|可以|(?<![a-z])(?:yes|y|ok|yep|sure)(?![a-z])", re.I)


@dataclass
class Prompt:
    criterion: str
    text: str
    kind: str  # yes_no | number | duration
    options: list[tuple[str, str]] = field(default_factory=list)  # (button label, answer text)


@dataclass
class ScreenerState:
    """Everything needed to resume: JSON-serialisable."""

    programme: str
    today: str
    messages: list[str] = field(default_factory=list)  # what the user said before /check
    answers: dict[str, Any] = field(default_factory=dict)  # criterion id -> parsed answer

    def to_json(self) -> dict[str, Any]:
        return {"programme": self.programme, "today": self.today, "messages": self.messages,
                "answers": self.answers}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> ScreenerState:
        return cls(str(raw["programme"]), str(raw["today"]), list(raw.get("messages", [])),
                   dict(raw.get("answers", {})))


def parse_answer(spec: CriterionSpec, text: str, today: dt.date) -> Any:
    """The answer as the rules need it, or None when it cannot be read."""
    text = text.strip()
    if spec.answer == "yes_no":
        if _NO.search(text):
            return False
        return True if _YES.search(text) else None
    if spec.answer == "duration":
        years = duration(text, today)
        if years is None:
            found = numbers(text)
            if not found:
                return None
            years = Years(found[0].value, found[0].value, found[0].text)
        return [years.low, years.high if years.high != float("inf") else None]
    found = numbers(text)
    return int(found[0].value) if found and found[0].value == int(found[0].value) else None


def apply_answer(facts: OrgFacts, spec: CriterionSpec, value: Any) -> None:
    """Set the fact a criterion reads, by its kind's check and fact (no criterion ids in code)."""
    if spec.check == "beijing":
        setattr(facts, spec.fact, bool(value))
        facts.place = "北京" if value else "北京以外"
    elif spec.check == "min_years":
        low, high = value
        setattr(facts, spec.fact, Years(low, high if high is not None else float("inf")))
    elif spec.check == "certified_tenure":
        facts.certified_qualified = int(value)
        facts.said.pop("certified_tenure", None)
    else:
        setattr(facts, spec.fact, value)
    facts.said.pop(spec.fact, None)


def _options(spec: CriterionSpec) -> list[tuple[str, str]]:
    """Answer buttons; a number's always include the round's threshold and the one just below it."""
    if spec.answer == "yes_no":
        return [("是", "是"), ("否", "否")]
    if spec.answer == "number":
        numbers_ = {0, 1, 2, 3, 5, 8, 10, 12, 15} | ({int(spec.min) - 1, int(spec.min)} if spec.min >= 1 else set())
        return [(str(n), str(n)) for n in sorted(numbers_)]
    labels = ["不到1年", "1年", "2年", "3年", "5年以上"]
    if spec.min and f"{spec.min:g}年" not in labels:
        labels.insert(-1, f"{spec.min:g}年")
    return [(label, label) for label in labels]


class Screener:
    def __init__(self, programme: Programme, places: Places) -> None:
        self.programme = programme
        self.places = places  # what the user said before the check is read with them

    def start(self, today: dt.date, messages: list[str] | None = None) -> ScreenerState:
        return ScreenerState(self.programme.id, today.isoformat(), list(messages or []))

    def facts(self, state: ScreenerState) -> OrgFacts:
        facts = accumulate(state.messages, dt.date.fromisoformat(state.today), self.places)
        for spec in self.programme.criteria:
            if spec.id in state.answers:
                apply_answer(facts, spec, state.answers[spec.id])
        return facts

    def result(self, state: ScreenerState) -> Eligibility:
        return evaluate(self.programme, self.facts(state))

    def next_prompt(self, state: ScreenerState) -> Prompt | None:
        """The first criterion still unknown; None once the verdict is settled."""
        result = self.result(state)
        if result.verdict != "unknown":
            return None
        for spec, res in zip(self.programme.criteria, result.criteria, strict=True):
            if res.status == "unknown":
                return Prompt(spec.id, spec.ask, spec.answer, _options(spec))
        return None

    def answer(self, state: ScreenerState, text: str) -> bool:
        """Record the answer to the current prompt; False when it could not be read."""
        prompt = self.next_prompt(state)
        if prompt is None:
            return False
        spec = self.programme.criterion(prompt.criterion)
        value = parse_answer(spec, text, dt.date.fromisoformat(state.today))
        if value is None:
            return False
        state.answers[spec.id] = value
        return True
