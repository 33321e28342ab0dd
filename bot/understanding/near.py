"""Words of the passages close in meaning to a question's word they never use.

People ask in words the articles do not use: "第一轮筛完还剩几家" where the article says "筛选",
"啥时候能签协议" where it says "签约". Such a word weighs most in a question (it is rare: the corpus
never has it) and so, unmatched, it tips an answerable question into "I don't know". Its nearest words
in the passages' vocabulary, by the bundled embedder, count as a partial match instead.

Only close neighbours that share a character with the word count: the embedder's similarities between
short words are high across the board, and a shared character ("筛完"/"筛选", "初审"/"审核") is what tells
a paraphrase from a word that merely sits near ("老是"/"老旧" shares one too, so the bar is high). A
neighbour inside the word ("执行" in "执行期") is not one: the word's head ("期") is what it asks about.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

SIMILARITY = 0.93  # calibrated on the tuning sets; reported on blind batches
CREDIT = 0.6  # a neighbour's match counts this much of the word's own
NEIGHBOURS = 3
_CACHE = 4096

Embed = Callable[[list[str]], np.ndarray]


class NearWords:
    """The passages' vocabulary (`words`, their `vectors` from the index) and the embedder for new words;
    what it finds for a word is kept, so a word is embedded once per process."""

    def __init__(self, words: list[str], vectors: np.ndarray, embed: Embed,
                 similarity: float = SIMILARITY) -> None:
        self.words = words
        self.vectors = _unit(vectors) if len(words) else vectors
        self.embed = embed
        self.similarity = similarity
        self._cache: dict[str, tuple[str, ...]] = {}

    def __call__(self, unseen: list[str]) -> dict[str, tuple[str, ...]]:
        """For each word, the passages' words standing in for it (none when nothing is close)."""
        todo = [w for w in dict.fromkeys(unseen) if w not in self._cache]
        if todo and self.words:
            for word, vector in zip(todo, _unit(self.embed(todo)), strict=True):
                # a product per word, not one matrix product: that wakes BLAS's threads, which then
                # compete with the embedder's for the cores (p95 tripled when it did)
                sims = np.einsum("ij,j->i", self.vectors, vector)
                best = np.argsort(-sims)[:NEIGHBOURS]
                self._remember(word, tuple(self.words[j] for j in best if sims[j] >= self.similarity
                                           and self.words[j] not in word and set(self.words[j]) & set(word)))
        return {w: self._cache.get(w, ()) for w in unseen}

    def _remember(self, word: str, near: tuple[str, ...]) -> None:
        if len(self._cache) >= _CACHE:
            self._cache.pop(next(iter(self._cache), ""), None)
        self._cache[word] = near


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


Near = Callable[[list[str]], dict[str, tuple[str, ...]]]
