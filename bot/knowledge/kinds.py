"""The kinds of hard criteria and of stages a programme round may have (knowledge/programme-kinds.yaml).

Everything rounds share is data here: the applicant fact a kind reads, the comparison that decides
it, how the screener takes the answer, the words of questions and announcements about it, and the
reasons a reply gives. Only the comparisons themselves are code (bot/rules/eligibility.py).
"""

from __future__ import annotations

import re
import string
from functools import cached_property
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.knowledge.documents import KnowledgeError, shown
from bot.knowledge.schema import validate

KINDS_FILE = "programme-kinds.yaml"

# The comparisons the rules implement, each with the reasons it may give. Adding a kind of
# criterion that reads a known fact with one of these needs no code, only programme-kinds.yaml.
CHECKS: dict[str, frozenset[str]] = {
    "beijing": frozenset({"unknown", "pass", "fail", "fail_company", "unsure_type"}),
    "min_years": frozenset({"unknown", "pass", "fail", "unsure"}),
    "min_count": frozenset({"unknown", "pass", "fail", "unsure"}),
    "must_be_true": frozenset({"unknown", "pass", "fail"}),
    "must_be_false": frozenset({"unknown", "pass", "fail"}),
    "certified_tenure": frozenset({"unknown", "unsure", "pass", "pass_exact", "fail_exact", "fail_total",
                                   "fail_short"}),
}
# Thresholds a check needs from each criterion of a round.
THRESHOLDS: dict[str, tuple[str, ...]] = {"min_years": ("min",), "min_count": ("min",),
                                          "certified_tenure": ("min", "min_years")}
PLACEHOLDERS = {"label", "min", "min_years", "value", "place", "said", "total", "short", "long"}
Answer = Literal["yes_no", "number", "duration"]


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def words_pattern(words: list[str]) -> re.Pattern[str]:
    """A case-insensitive pattern matching any of the words (never the empty string)."""
    return re.compile("|".join(re.escape(w) for w in words) or "(?!x)x", re.I)


class CriterionKind(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    check: str
    fact: str = Field(min_length=1)
    answer: Answer
    words: list[str] = Field(default_factory=list)
    cues: list[str] = Field(default_factory=list)
    context: list[str] = Field(default_factory=list)  # a cue counts only in a clause with one of these too
    label: str = Field(min_length=1)
    ask: str = Field(min_length=1)
    reasons: dict[str, str]

    @model_validator(mode="after")
    def _consistent(self) -> CriterionKind:
        if self.check not in CHECKS:
            raise ValueError(f"check 只能是 {'、'.join(CHECKS)} 之一，而不是 {self.check!r}")
        missing = CHECKS[self.check] - set(self.reasons)
        if missing:
            raise ValueError(f"reasons 缺少 {'、'.join(sorted(missing))}")
        for key, text in (*self.reasons.items(), ("label", self.label), ("ask", self.ask)):
            unknown = _placeholders(text) - PLACEHOLDERS
            if unknown:
                raise ValueError(f"{key} 里有不认识的占位符 {'、'.join(sorted(unknown))}")
        return self

    @cached_property
    def topic(self) -> re.Pattern[str]:
        return words_pattern(self.words)


class StageKind(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str = Field(min_length=1)
    words: list[str] = Field(min_length=1)

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        return words_pattern(self.words)


class Kinds(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    criteria: dict[str, CriterionKind]
    stages: dict[str, StageKind] = Field(default_factory=dict)


def load_kinds(knowledge_dir: Path) -> Kinds:
    path = knowledge_dir / KINDS_FILE
    name = shown(knowledge_dir, path)  # messages never show a server path
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise KnowledgeError(f"{name}：缺少这个文件（条件和阶段的种类）") from exc
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        raise KnowledgeError(f"{name}：无法读取 YAML：{exc}") from exc
    return validate(Kinds, raw, name)


def fmt_number(value: float) -> str:
    return f"{value:g}"
