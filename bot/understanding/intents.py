"""What a message asks for, by meaning: the closest examples in knowledge/intents.yaml.

The examples are data (staff may add some); the bundled embedding model compares a message with
each of them. An intent is taken only when its best example is close enough and clearly closer
than the best example of every other intent, otherwise the message is an ordinary question.
Rules decide before this wherever they are exact (see bot/understanding/message.py).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml
from pydantic import BaseModel, ValidationError, field_validator

from bot.knowledge.documents import KnowledgeError

INTENTS_FILE = "intents.yaml"
QUESTION = "question"  # an ordinary question: retrieval answers it


class IntentExamples(BaseModel):
    """knowledge/intents.yaml: intent name -> example messages."""

    intents: dict[str, list[str]]

    @field_validator("intents")
    @classmethod
    def _non_empty(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for name, examples in value.items():
            if not examples or not all(isinstance(e, str) and e.strip() for e in examples):
                raise ValueError(f"intent {name!r} needs a list of non-empty example messages")
        return value


def load_examples(knowledge_dir: Path) -> dict[str, list[str]]:
    path = knowledge_dir / INTENTS_FILE
    if not path.exists():
        return {}
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return IntentExamples(intents=raw).intents
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise KnowledgeError(f"{path}: {exc}") from exc


@dataclass(frozen=True)
class IntentMatch:
    name: str  # e.g. "deadline", "programme_fact.funder", or QUESTION
    score: float  # similarity of the closest example
    margin: float  # how much closer than the best example of any other intent
    example: str

    @property
    def family(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def key(self) -> str:
        return self.name.split(".", 1)[1] if "." in self.name else ""


def char_pairs(text: str) -> set[str]:
    """Character pairs of the Chinese (and lower-cased Latin) runs of a text."""
    runs = re.findall(r"[\u4e00-\u9fff]+|[a-z]+", text.lower())
    return {r[i:i + 2] for r in runs for i in range(len(r) - 1)} | {r for r in runs if len(r) == 1}


class IntentMatcher:
    """Nearest examples by cosine similarity, plus the words a message shares with an intent's examples.

    Dense similarity alone confuses neighbours ("由哪家机构承接" is as close to "谁资助的" as to "谁承接的");
    the message's character pairs that an intent's examples use, weighted by how few intents use
    them (as keyword search weighs rare words), separate them.
    """

    MIN_SCORE = 0.885  # below this even the closest example is about something else
    MIN_MARGIN = 0.008  # closer than the runner-up intent by at least this
    LEXICAL = 0.04  # weight of the shared, distinctive character pairs

    def __init__(self, examples: dict[str, list[str]], embed_many: Callable[[list[str]], np.ndarray]) -> None:
        self.rows = [(name, text) for name, texts in examples.items() for text in texts]
        self.vectors = embed_many([t for _, t in self.rows]) if self.rows else np.zeros((0, 1), dtype=np.float32)
        self._pairs: dict[str, set[str]] = {}
        for name, text in self.rows:
            self._pairs.setdefault(name, set()).update(char_pairs(text))
        used_by: dict[str, int] = {}
        for pairs in self._pairs.values():
            for p in pairs:
                used_by[p] = used_by.get(p, 0) + 1
        n = max(len(self._pairs), 1)
        self._weight = {p: math.log(1 + n / k) for p, k in used_by.items()}

    def lexical(self, text: str) -> dict[str, float]:
        """Per intent: the weighted share of the message's character pairs its examples use."""
        asked = char_pairs(text)
        total = sum(self._weight.get(p, math.log(1 + len(self._pairs))) for p in asked)
        if not total:
            return {}
        return {name: sum(self._weight[p] for p in asked & pairs) / total for name, pairs in self._pairs.items()}

    def ranked(self, vector: np.ndarray, text: str = "") -> list[IntentMatch]:
        """Every intent with its best example, closest first."""
        if not self.rows:
            return []
        sims = self.vectors @ vector
        lexical = self.lexical(text)
        best: dict[str, tuple[float, str]] = {}
        for (name, example), sim in zip(self.rows, sims, strict=True):
            score = float(sim) + self.LEXICAL * lexical.get(name, 0.0)
            if name not in best or score > best[name][0]:
                best[name] = (score, example)
        order = sorted(best.items(), key=lambda kv: -kv[1][0])
        out = []
        for i, (name, (score, example)) in enumerate(order):
            runner_up = order[1][1][0] if i == 0 and len(order) > 1 else order[0][1][0]
            out.append(IntentMatch(name, score, score - runner_up, example))
        return out

    def match(self, vector: np.ndarray, text: str = "",
              allowed: Callable[[str], bool] = lambda name: True) -> IntentMatch:
        """The intent the message asks for among the allowed ones, or QUESTION."""
        ranked = [m for m in self.ranked(vector, text) if allowed(m.name) or m.name == QUESTION]
        if not ranked:
            return IntentMatch(QUESTION, 0.0, 0.0, "")
        top = ranked[0]
        margin = top.score - ranked[1].score if len(ranked) > 1 else top.score
        if top.score < self.MIN_SCORE or margin < self.MIN_MARGIN:
            return IntentMatch(QUESTION, top.score, margin, top.example)
        return IntentMatch(top.name, top.score, margin, top.example)
