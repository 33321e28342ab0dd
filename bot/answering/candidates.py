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

    @property
    def date(self) -> PubDate:
        return self.source.published


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
