"""A sentence of a retrieved passage as a possible answer, and the scales it is scored on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bot.answering.grounding import addresses_assistant
from bot.index.passages import Source
from bot.text.analyzer import TextAnalyzer
from bot.text.dates import PubDate
from bot.understanding.answer_types import OTHER_PROGRAMME
from bot.understanding.query import QueryInfo, coverage, phrase_pattern, typed_strength

# An English question is less similar to the Chinese sentence that answers it than a Chinese one is: the median
# similarity to the evidence sentence was 0.79 for 13 English and 0.90 for 309 Chinese tuning questions.
CROSS_LINGUAL = 0.11
OTHER_PROGRAMME_PENALTY = 0.15  # a sentence about a programme the question does not name
PHRASE = 0.1  # a sentence saying the question's phrases as phrases ("北京社协的会长" -> "…协会会长李新京")


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


def scored(info: QueryInfo, sources: list[Source], qvec: np.ndarray,
           similarities: Callable[[np.ndarray, str], list[float]], analyzer: TextAnalyzer) -> list[Candidate]:
    """Every sentence of the passages scored as an answer to the question, best first: the share of its words
    the sentence (or, for part of the credit, its context) holds, its meaning, the kind of answer it supplies,
    the passage's rank, whether it says the question's phrase, whether it is about another programme."""
    out: list[Candidate] = []
    other = not OTHER_PROGRAMME.search(info.text)  # a sentence about another programme than the one asked
    phrase = phrase_pattern(info)
    for rank, src in enumerate(sources):
        sims = similarities(qvec, src.chunk.id)
        heading = f"{src.chunk.title} {src.chunk.heading} "
        for i, sentence in enumerate(src.chunk.sentences):
            if addresses_assistant(sentence):  # an instruction planted in a document is not an answer
                continue
            # Title, heading and the sentence before (which often names the subject) lend
            # a sentence context, but only part of the credit.
            before = src.chunk.sentences[i - 1] if i else ""
            cov = max(coverage(info, sentence, analyzer),
                      0.7 * coverage(info, heading + before + sentence, analyzer))
            sim = (sims[i] if i < len(sims) else 0.0) + (CROSS_LINGUAL if info.english else 0.0)
            strength = typed_strength(info, sentence)
            cand = Candidate(rank, src, i, sentence, cov, sim, strength > 0)
            cand.phrase = PHRASE if phrase is not None and phrase.search(sentence.lower()) else 0.0
            cand.score = (0.5 * cov + 0.5 * similarity_scale(sim) + cand.phrase
                          + (0.15 * strength if strength else -0.15) + 0.04 / (rank + 1)
                          - (OTHER_PROGRAMME_PENALTY if other and OTHER_PROGRAMME.search(sentence) else 0.0))
            out.append(cand)
    out.sort(key=lambda c: -c.score)
    return out
