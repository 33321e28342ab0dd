"""Hard eligibility criteria as rules: one small check per kind, thresholds from the programme YAML.

Each criterion is pass, fail or unknown with a reason; the verdict is ineligible when any
fails, eligible when all pass, else unknown. "以上" includes the number itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from bot.knowledge.programmes import CriterionSpec, Programme
from bot.rules.facts import OrgFacts
from bot.text.numbers import Years

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


Check = Callable[[CriterionSpec, OrgFacts], tuple[CriterionStatus, str]]


def _said(facts: OrgFacts, key: str) -> str:
    words = facts.said.get(key)
    return f"（您说“{words}”）" if words else ""


def check_beijing(spec: CriterionSpec, facts: OrgFacts) -> tuple[CriterionStatus, str]:
    if facts.org_type == "company":
        return "fail", f"在工商（市场监管）部门注册的企业，不是在民政局注册的社会服务机构{_said(facts, 'org_type')}"
    if facts.beijing is False:
        return "fail", f"机构在{facts.place}，不在北京市范围内{_said(facts, 'beijing')}"
    if facts.org_type == "foundation":  # the clause says 社会服务机构; whether a foundation counts, it does not say
        said = _said(facts, "org_type")
        return "unknown", f"原文写的是“社会服务机构”，基金会能否申报，原文没有写明，请向主办方确认{said}"
    if facts.beijing is None:
        return "unknown", "还不知道机构是否在北京市或区民政局注册"
    if facts.beijing:
        return "pass", f"机构在北京（{facts.place}）{_said(facts, 'beijing')}"
    return "fail", f"机构在{facts.place}，不在北京市范围内{_said(facts, 'beijing')}"


def _years(y: Years, minimum: float) -> CriterionStatus:
    if y.low >= minimum:
        return "pass"
    if y.high < minimum:
        return "fail"
    return "unknown"


def check_min_years(spec: CriterionSpec, facts: OrgFacts) -> tuple[CriterionStatus, str]:
    y = facts.registered
    if y is None:
        return "unknown", "还不知道机构注册成立了多久"
    status = _years(y, spec.min)
    said = _said(facts, "registered")
    if status == "pass":
        return status, f"已注册约{y.describe()}，达到{spec.min:g}年{said}"
    if status == "fail":
        return status, f"注册约{y.describe()}，不满{spec.min:g}年{said}"
    return status, f"注册时长在{y.describe()}之间，需确认是否已满{spec.min:g}年{said}"


def check_min_count(spec: CriterionSpec, facts: OrgFacts) -> tuple[CriterionStatus, str]:
    value = getattr(facts, spec.fact, None)
    if value is None:
        return "unknown", f"还不知道{spec.label.split('（')[0].rstrip('以上0123456789五十人')}的人数"
    said = _said(facts, spec.fact)
    high = getattr(value, "high", value)  # "八九个人" is 8 to 9
    shown = f"{int(value)}～{high}" if high != value else f"{int(value)}"
    if value >= spec.min:
        return "pass", f"{shown}人，达到{spec.min:g}人{said}"
    if high < spec.min:
        return "fail", f"{shown}人，少于{spec.min:g}人{said}"
    return "unknown", f"{shown}人，需确认是否达到{spec.min:g}人{said}"


def check_must_be_true(spec: CriterionSpec, facts: OrgFacts) -> tuple[CriterionStatus, str]:
    value = getattr(facts, spec.fact, None)
    if value is None:
        return "unknown", f"还不知道是否{spec.label}"
    return ("pass", f"符合{_said(facts, spec.fact)}") if value else ("fail", f"不符合{_said(facts, spec.fact)}")


def check_must_be_false(spec: CriterionSpec, facts: OrgFacts) -> tuple[CriterionStatus, str]:
    value = getattr(facts, spec.fact, None)
    if value is None:
        return "unknown", "还不知道是否有违规违纪处罚记录"
    said = _said(facts, spec.fact)
    return ("fail", f"有处罚记录{said}") if value else ("pass", f"没有处罚记录{said}")


def check_certified_tenure(spec: CriterionSpec, facts: OrgFacts) -> tuple[CriterionStatus, str]:
    """At least `min` certified social workers with `min_years` or more in the organisation."""
    need, years = int(spec.min), spec.min_years
    said = _said(facts, "certified_tenure") or _said(facts, "certified")
    if facts.certified_qualified is not None:  # an exact count, as the screener asks it
        n = facts.certified_qualified
        if n >= need:
            return "pass", f"{n}名社工师在本机构工作满{years:g}年"
        return "fail", f"只有{n}名社工师在本机构工作满{years:g}年，少于{need}名"
    total = facts.certified
    if facts.certified_all is not None and total is not None:
        long_ = total if facts.certified_all.low >= years else 0
        short = total if facts.certified_all.high < years else 0
    else:
        long_ = sum(t.count for t in facts.certified_tenures if t.years.low >= years)
        short = sum(t.count for t in facts.certified_tenures if t.years.high < years)
    if total is not None and total < need:
        return "fail", f"只有{total}名社工师，少于{need}名{said}"
    if long_ >= need:
        return "pass", f"{long_}名社工师在本机构工作{years:g}年以上{said}"
    if total is not None and total - short < need:
        return "fail", f"{total}名社工师中有{short}名在本机构工作不满{years:g}年{said}"
    if total is None:
        return "unknown", "还不知道有几名社工师、在本机构工作了多久"
    return "unknown", f"有{total}名社工师，还需确认其中至少{need}名在本机构工作满{years:g}年{said}"


CHECKS: dict[str, Check] = {
    "beijing": check_beijing,
    "min_years": check_min_years,
    "min_count": check_min_count,
    "must_be_true": check_must_be_true,
    "must_be_false": check_must_be_false,
    "certified_tenure": check_certified_tenure,
}


def evaluate(programme: Programme, facts: OrgFacts) -> Eligibility:
    results = []
    for spec in programme.criteria:
        status, reason = CHECKS[spec.check](spec, facts)
        results.append(CriterionResult(spec.id, spec.label, status, reason, spec.quote, programme.doc.id))
    statuses = {r.status for r in results}
    verdict = "ineligible" if "fail" in statuses else "eligible" if statuses == {"pass"} else "unknown"
    missing = [spec.ask for spec, r in zip(programme.criteria, results, strict=True) if r.status == "unknown"]
    return Eligibility(verdict, results, missing)  # type: ignore[arg-type]
