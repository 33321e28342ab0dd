"""The rule cases in tests/rules/*.yaml, and rules read from YAML without code changes."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.knowledge.places import load_places
from bot.knowledge.programmes import load_programmes
from bot.rules.eligibility import evaluate
from bot.settings import PROJECT_ROOT
from bot.text.numbers import INF, Years
from bot.understanding.facts import OrgFacts, accumulate

KNOWLEDGE = PROJECT_ROOT / "knowledge"
PROGRAMME = load_programmes(KNOWLEDGE)[0]
CASES = [case for path in sorted((PROJECT_ROOT / "tests" / "rules").glob("*.yaml"))
         for case in yaml.safe_load(path.read_text(encoding="utf-8"))]


def facts_of(case: dict[str, Any]) -> OrgFacts:
    today = dt.date.fromisoformat(str(case.get("today", "2026-11-22")))
    if "text" in case or "messages" in case:
        return accumulate(case.get("messages") or [case["text"]], today, load_places(KNOWLEDGE))
    raw = dict(case["facts"])
    facts = OrgFacts()
    if "registered" in raw:
        r = raw.pop("registered")
        facts.registered = Years(float(r[0]), float(r[1])) if isinstance(r, list) else Years(float(r), float(r))
    if "certified_years" in raw:
        y = float(raw.pop("certified_years"))
        facts.certified_all = Years(y, y)
    for key, value in raw.items():
        setattr(facts, key, value)
    if facts.beijing is not None:
        facts.place = "北京" if facts.beijing else "外地"
    return facts


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 40
    failing = {cid for c in CASES for cid in c["failed"]}
    assert failing == {c.id for c in PROGRAMME.criteria}, "every way of failing has a case"


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_rule_case(case: dict[str, Any]) -> None:
    result = evaluate(PROGRAMME, facts_of(case))
    failed = sorted(c.id for c in result.criteria if c.status == "fail")
    assert (result.verdict, failed) == (case["verdict"], sorted(case["failed"])), \
        [(c.id, c.status, c.reason) for c in result.criteria]
    passed = {c.id for c in result.criteria if c.status == "pass"}
    assert set(case.get("passed", [])) <= passed


def test_every_criterion_has_a_reason_and_its_quote() -> None:
    result = evaluate(PROGRAMME, facts_of({"text": "我们机构成立两年"}))
    assert all(c.reason and c.quote for c in result.criteria)
    assert result.missing and all(q.endswith("？") for q in result.missing)


def test_changing_a_threshold_in_yaml_changes_the_verdict(tmp_path: Path) -> None:
    kb = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, kb)
    facts = facts_of({"facts": {"fulltime_staff": 9}})
    assert evaluate(load_programmes(kb)[0], facts).verdict == "ineligible"
    path = kb / "programmes" / "2022-shegong-chuangtou.yaml"
    text = path.read_text(encoding="utf-8")
    assert "    min: 10\n    quote: 专职人员" in text
    path.write_text(text.replace("    min: 10\n    quote: 专职人员", "    min: 8\n    quote: 专职人员"),
                    encoding="utf-8")
    changed = evaluate(load_programmes(kb)[0], facts)
    assert changed.verdict == "unknown"
    assert next(c for c in changed.criteria if c.id == "fulltime_staff_10").status == "pass"


def test_years_interval_is_inclusive_at_threshold() -> None:
    assert evaluate(PROGRAMME, facts_of({"facts": {"registered": [3, INF]}})).criteria[1].status == "pass"
