"""Score a question set (the eval YAML format) in process: recall, facts, declines, verdicts, latency."""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, RootModel

from bot.answering.reply import Question, Reply, Turn, reply_json
from bot.knowledge.schema import Required, Strict, Text, read_yaml, validate
from bot.text.normalize import squash


def norm(text: str) -> str:
    return squash(text or "").lower()


class TurnModel(Strict):
    role: Literal["user", "assistant"]
    content: Required


class ExpectedVerdict(Strict):
    verdict: Literal["eligible", "ineligible", "unknown"]
    failed: list[Required] = Field(default_factory=list)


def _groups(value: object) -> object:
    """must_include: a list of groups of alternatives; a bare string is a group of one."""
    return [[g] if isinstance(g, str) else g for g in value] if isinstance(value, list) else value


class QuestionItem(BaseModel):
    """One question of a set (the format of /work/shared/eval/README.md); other keys are kept."""

    model_config = ConfigDict(extra="allow")
    id: Required
    question: Required
    category: Text = ""
    answerable: bool = True
    today: dt.date | None = None
    history: list[TurnModel] = Field(default_factory=list)
    evidence: list[Required] = Field(default_factory=list)
    must_include: Annotated[list[list[Required]], BeforeValidator(_groups)] = Field(default_factory=list)
    must_not_include: list[Required] = Field(default_factory=list)
    eligibility: ExpectedVerdict | None = None


QuestionSet = RootModel[list[QuestionItem]]


def load_questions(path: Path) -> list[dict[str, Any]]:
    """A question set, checked: a message names the file, the question and the field."""
    raw = read_yaml(path, str(path), ValueError) or []
    if not isinstance(raw, list):
        raise ValueError(f"{path}：问题集应为 YAML 列表（每个问题以“- id: …”开始）")
    items = validate(QuestionSet, raw, str(path), error=ValueError).root
    seen: set[str] = set()
    for i, item in enumerate(items, 1):
        if item.id in seen:
            raise ValueError(f"{path}：第{i}项（{item.id}）：id {item.id} 用了两次")
        seen.add(item.id)
    return [item.model_dump(exclude_unset=True) for item in items]


def to_question(item: dict[str, Any], default_today: dt.date) -> Question:
    today = dt.date.fromisoformat(str(item["today"])) if item.get("today") else default_today
    history = [Turn(t["role"], t["content"]) for t in item.get("history") or []]
    return Question(str(item["question"]), today, history)


def evidence_rank(reply: dict[str, Any], evidence: list[str]) -> int | None:
    wanted = [norm(e) for e in evidence]
    for rank, src in enumerate(reply.get("sources") or [], 1):
        if any(w in norm(src.get("text", "")) for w in wanted):
            return rank
    return None


def check(item: dict[str, Any], reply: dict[str, Any], k: int = 5) -> tuple[dict[str, bool], int | None]:
    res: dict[str, bool] = {}
    answerable = item.get("answerable", True)
    res["answered"] = bool(reply.get("answered")) == answerable
    answer = norm(reply.get("answer", ""))
    rank = None
    if item.get("evidence") and answerable:
        rank = evidence_rank(reply, item["evidence"])
        res[f"recall@{k}"] = rank is not None and rank <= k
    if item.get("must_include"):
        res["facts"] = all(any(norm(alt) in answer for alt in group) for group in item["must_include"])
    if item.get("must_not_include"):
        res["no_forbidden"] = not any(norm(bad) in answer for bad in item["must_not_include"])
    if item.get("eligibility"):
        exp = item["eligibility"]
        got = reply.get("eligibility") or {}
        failed = sorted(c["id"] for c in got.get("criteria", []) if c.get("status") == "fail")
        res["eligibility"] = got.get("verdict") == exp["verdict"] and failed == sorted(exp.get("failed", []))
    return res, rank


@dataclass
class Row:
    id: str
    category: str
    passed: bool
    checks: dict[str, bool]
    rank: int | None
    answer: str
    latency_ms: float
    confidence: float


@dataclass
class EvalResult:
    rows: list[Row] = field(default_factory=list)
    k: int = 5

    def summary(self) -> dict[str, Any]:
        ranked = [r for r in self.rows if f"recall@{self.k}" in r.checks]
        lat = sorted(r.latency_ms for r in self.rows)
        return {
            "pass": round(sum(r.passed for r in self.rows) / max(len(self.rows), 1), 3),
            f"recall@{self.k}": round(sum(r.checks[f"recall@{self.k}"] for r in ranked) / max(len(ranked), 1), 3),
            "mrr": round(sum(1 / r.rank if r.rank else 0 for r in ranked) / max(len(ranked), 1), 3),
            "p50_ms": round(statistics.median(lat), 1) if lat else None,
            "p95_ms": round(lat[max(0, int(len(lat) * 0.95) - 1)], 1) if lat else None,
            "questions": len(self.rows),
        }

    def report(self, verbose: bool = True) -> str:
        lines = []
        if verbose:
            for r in self.rows:
                if not r.passed:
                    bad = ",".join(k for k, v in r.checks.items() if not v)
                    lines.append(f"FAIL {r.id:<22} [{bad}] rank={r.rank} conf={r.confidence:.2f} :: "
                                 f"{r.answer[:110]!r}")
            cats: dict[str, list[int]] = {}
            totals: dict[str, list[int]] = {}
            for r in self.rows:
                c = cats.setdefault(r.category, [0, 0])
                c[0] += r.passed
                c[1] += 1
                for key, v in r.checks.items():
                    t = totals.setdefault(key, [0, 0])
                    t[0] += v
                    t[1] += 1
            lines.append("by category: " + "  ".join(f"{c} {p}/{n}" for c, (p, n) in sorted(cats.items())))
            lines.append("by check:    " + "  ".join(f"{c} {p}/{n}" for c, (p, n) in sorted(totals.items())))
        lines.append("score: " + " ".join(f"{k}={v}" for k, v in self.summary().items()))
        return "\n".join(lines)


def evaluate(items: list[dict[str, Any]], ask: Callable[[Question], Reply],
             default_today: dt.date | None = None, k: int = 5) -> EvalResult:
    today = default_today or dt.date.today()
    result = EvalResult(k=k)
    for item in items:
        reply = ask(to_question(item, today))
        obj = reply_json(str(item["id"]), reply)
        checks, rank = check(item, obj, k)
        result.rows.append(Row(str(item["id"]), str(item.get("category", "")), all(checks.values()), checks,
                               rank, reply.answer, reply.latency_ms, reply.confidence))
    return result


def calibrate(rows_by_threshold: dict[float, EvalResult]) -> tuple[float, str]:
    """The threshold with the most correct answered/declined decisions, and a table of all."""
    table = []
    best, best_key = -1.0, 0.0
    for threshold, res in sorted(rows_by_threshold.items()):
        ok = sum(r.checks["answered"] for r in res.rows) / max(len(res.rows), 1)
        passed = res.summary()["pass"]
        table.append(f"threshold={threshold:.2f} answered-correct={ok:.3f} pass={passed}")
        if ok > best:
            best, best_key = ok, threshold
    return best_key, "\n".join(table)
