"""Hard eligibility criteria as rules: one small comparison per check, thresholds from the round's YAML.

Each criterion is pass, fail or unknown with a reason worded in knowledge/programme-kinds.yaml;
the verdict is ineligible when any fails, eligible when all pass, else unknown. "以上" includes
the number itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from bot.knowledge.kinds import PLACEHOLDERS
from bot.knowledge.programmes import CriterionSpec, Programme
from bot.text.numbers import Years
from bot.understanding.facts import OrgFacts

CriterionStatus = Literal["pass", "fail", "unknown"]
Verdict = Literal["eligible", "ineligible", "unknown"]


@dataclass
class CriterionResult:
    id: str
    label: str
    status: CriterionStatus
    reason: str
    quote: str = ""
    doc_id: str = ""


@dataclass
class Eligibility:
    verdict: Verdict
    criteria: list[CriterionResult]
    missing: list[str] = field(default_factory=list)
    programme: str = ""  # the id of the round whose criteria decided


Outcome = tuple[CriterionStatus, str, dict[str, object]]  # status, reason key, values for the reason text
Check = Callable[[CriterionSpec, OrgFacts], Outcome]


def _said(facts: OrgFacts, key: str) -> str:
    words = facts.said.get(key)
    return f"（您说“{words}”）" if words else ""


def check_beijing(spec: CriterionSpec, facts: OrgFacts) -> Outcome:
    value = getattr(facts, spec.fact)
    if facts.org_type == "company":  # registered with market regulation, not a civil-affairs bureau
        return "fail", "fail_company", {}
    if value is not False and facts.org_type == "foundation":  # the clause says 社会服务机构, not 基金会
        return "unknown", "unsure_type", {}
    if value is None:
        return "unknown", "unknown", {}
    return ("pass" if value else "fail"), ("pass" if value else "fail"), {"place": facts.place}


def _years(y: Years, minimum: float) -> CriterionStatus:
    if y.low >= minimum:
        return "pass"
    if y.high < minimum:
        return "fail"
    return "unknown"


def check_min_years(spec: CriterionSpec, facts: OrgFacts) -> Outcome:
    y: Years | None = getattr(facts, spec.fact)
    if y is None:
        return "unknown", "unknown", {}
    status = _years(y, spec.min)
    return status, "unsure" if status == "unknown" else status, {"value": y.describe()}


def check_min_count(spec: CriterionSpec, facts: OrgFacts) -> Outcome:
    value = getattr(facts, spec.fact)
    if value is None:
        return "unknown", "unknown", {}
    high = getattr(value, "high", value)  # "八九个人" is 8 to 9
    shown = f"{int(value)}～{high}" if high != value else f"{int(value)}"
    if value >= spec.min:
        return "pass", "pass", {"value": shown}
    if high < spec.min:
        return "fail", "fail", {"value": shown}
    return "unknown", "unsure", {"value": shown}


def check_must_be_true(spec: CriterionSpec, facts: OrgFacts) -> Outcome:
    value = getattr(facts, spec.fact)
    if value is None:
        return "unknown", "unknown", {}
    return ("pass", "pass", {}) if value else ("fail", "fail", {})


def check_must_be_false(spec: CriterionSpec, facts: OrgFacts) -> Outcome:
    value = getattr(facts, spec.fact)
    if value is None:
        return "unknown", "unknown", {}
    return ("fail", "fail", {}) if value else ("pass", "pass", {})


def check_certified_tenure(spec: CriterionSpec, facts: OrgFacts) -> Outcome:
    """At least `min` certified social workers with `min_years` or more in the organisation."""
    need, years = int(spec.min), spec.min_years
    if facts.certified_qualified is not None:  # an exact count, as the screener asks it
        n = facts.certified_qualified
        return ("pass", "pass_exact", {"value": n}) if n >= need else ("fail", "fail_exact", {"value": n})
    total = facts.certified
    if facts.certified_all is not None and total is not None:
        long_ = total if facts.certified_all.low >= years else 0
        short = total if facts.certified_all.high < years else 0
    else:
        long_ = sum(t.count for t in facts.certified_tenures if t.years.low >= years)
        short = sum(t.count for t in facts.certified_tenures if t.years.high < years)
    counts: dict[str, object] = {"total": total, "long": long_, "short": short}
    if total is not None and total < need:
        return "fail", "fail_total", counts
    if long_ >= need:
        return "pass", "pass", counts
    if total is not None and total - short < need:
        return "fail", "fail_short", counts
    if total is None:
        return "unknown", "unknown", counts
    return "unknown", "unsure", counts


CHECKS: dict[str, Check] = {
    "beijing": check_beijing,
    "min_years": check_min_years,
    "min_count": check_min_count,
    "must_be_true": check_must_be_true,
    "must_be_false": check_must_be_false,
    "certified_tenure": check_certified_tenure,
}


def said_for(spec: CriterionSpec, facts: OrgFacts) -> str:
    """The applicant's own words the verdict on this criterion rests on."""
    if spec.check == "beijing" and facts.org_type:
        return _said(facts, "org_type")
    if spec.check == "certified_tenure":
        return _said(facts, "certified_tenure") or _said(facts, spec.fact)
    return _said(facts, spec.fact)


def judge(spec: CriterionSpec, facts: OrgFacts) -> tuple[CriterionStatus, str]:
    """One criterion: its status and the reason, worded by programme-kinds.yaml."""
    status, key, values = CHECKS[spec.check](spec, facts)
    context = dict.fromkeys(PLACEHOLDERS, "") | spec.thresholds() | {"said": said_for(spec, facts)}
    context.update({k: "" if v is None else str(v) for k, v in values.items()})
    return status, spec.rule.reasons[key].format(**context)


def evaluate(programme: Programme, facts: OrgFacts) -> Eligibility:
    results = []
    for spec in programme.criteria:
        status, reason = judge(spec, facts)
        results.append(CriterionResult(spec.id, spec.label, status, reason, spec.quote, programme.doc.id))
    statuses = {r.status for r in results}
    verdict = "ineligible" if "fail" in statuses else "eligible" if statuses == {"pass"} else "unknown"
    missing = [spec.ask for spec, r in zip(programme.criteria, results, strict=True) if r.status == "unknown"]
    return Eligibility(verdict, results, missing, programme.id)  # type: ignore[arg-type]
