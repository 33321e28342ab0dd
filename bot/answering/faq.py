"""Matching a question to a staff-approved FAQ entry, before retrieval."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bot.knowledge.faq import FaqEntry
from bot.text.analyzer import TextAnalyzer

_PLACE_SUFFIX = re.compile(r"(镇|乡|区|街道|社区|村)$")


def keyword_forms(analyzer: TextAnalyzer, text: str) -> list[tuple[str, ...]]:
    """Content words with their variants; a place also without its 镇/街道/社区 ("魏善庄镇" ~ "魏善庄")."""
    out = []
    for k in analyzer.keywords(analyzer.simplify(text)):
        forms = k.variants or (k.term,)
        stem = _PLACE_SUFFIX.sub("", k.term)
        out.append((*forms, stem) if stem != k.term and len(stem) >= 2 else forms)
    return out


@dataclass(frozen=True)
class FaqMatch:
    entry: FaqEntry
    question: str
    similarity: float
    overlap: float


class FaqMatcher:
    """Finds the entry one of whose variants asks the same as a question.

    e5 similarities of merely related questions reach 0.96 ("社工站的电话是多少" vs "社工站能提供什么
    服务"), so meaning alone is not enough: the two must also share their content words, both ways.
    A miss costs little (the question goes on to retrieval); a wrong match would answer another question.
    """

    SIMILARITY = 0.95
    OVERLAP = 0.75  # share of the variant's content words the question holds
    REVERSE = 0.6  # share of the question's content words the variant holds

    def __init__(self, entries: list[FaqEntry], embed: Callable[[str], np.ndarray],
                 keywords: Callable[[str], list[tuple[str, ...]]]) -> None:
        """`embed` turns a question into a unit vector; `keywords` into its content words, each with variants."""
        self.entries = entries
        self.keywords = keywords
        self.rows = [(e, q) for e in entries for q in e.questions]
        self.vectors = np.array([embed(q) for _, q in self.rows]) if self.rows else np.zeros((0, 1))
        self.words = [keywords(q) for _, q in self.rows]

    @staticmethod
    def _share(words: list[tuple[str, ...]], text: str) -> float:
        return sum(any(v in text for v in w) for w in words) / len(words) if words else 0.0

    def match(self, qvec: np.ndarray, text: str) -> FaqMatch | None:
        if not self.rows:
            return None
        sims = self.vectors @ qvec
        asked = self.keywords(text)
        best: FaqMatch | None = None
        for (entry, question), sim, words in zip(self.rows, sims, self.words, strict=True):
            overlap = self._share(words, text)
            close = (sim >= self.SIMILARITY and overlap >= self.OVERLAP
                     and self._share(asked, question) >= self.REVERSE)
            if close and (best is None or sim > best.similarity):
                best = FaqMatch(entry, question, float(sim), overlap)
        return best
