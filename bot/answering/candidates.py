"""A sentence of a retrieved passage as a possible answer, and the scales it is scored on."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.index.passages import Source
from bot.text.dates import PubDate


@dataclass
class Candidate:
    rank: int
    source: Source
    index: int
    text: str
    coverage: float
    similarity: float
    typed: bool
    score: float = 0.0
    phrase: float = 0.0  # the part of the score for saying the question's phrase as a phrase

    @property
    def date(self) -> PubDate:
        return self.source.published

    @property
    def plain(self) -> float:
        """The score without the phrase's part: how well it answers, when judged beside the best one."""
        return self.score - self.phrase


def similarity_scale(sim: float) -> float:
    """e5 cosine similarities sit between ~0.75 (unrelated) and ~0.92 (close paraphrase)."""
    return float(np.clip((sim - 0.76) / 0.14, 0.0, 1.0))


def display(sentence: str) -> str:
    """Drop quote marks left unbalanced by cutting a quotation into sentences."""
    text = sentence.strip()
    if text.startswith("“") and "”" not in text:
        text = text[1:]
    if text.endswith("”") and "“" not in text:
        text = text[:-1]
    return text
