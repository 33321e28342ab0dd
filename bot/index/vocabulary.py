"""The passages' vocabulary: every word they use, embedded once at ingest.

A question's word the passages never use ("筛完", "签协议") is matched by meaning to the words they do
use ("筛选", "签约"); see `bot.understanding.near`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import numpy as np

from bot.index.embeddings import ModelEmbeddings
from bot.index.passages import Chunk
from bot.text.analyzer import TextAnalyzer
from bot.text.normalize import CJK

_CHINESE = re.compile(f"[{CJK}]")
BATCH = 256


def vocabulary(analyzer: TextAnalyzer, chunks: Iterable[Chunk]) -> list[str]:
    """The Chinese words of two characters or more the passages use, stopwords aside, lower-cased, sorted."""
    return sorted({w.lower() for c in chunks for w in analyzer.words(c.with_subject)
                   if len(w) >= 2 and _CHINESE.search(w) and w not in analyzer.stopwords})


def build(collection: Any, words: list[str], embeddings: ModelEmbeddings, previous: Any | None) -> int:
    """Fill a generation's vocabulary collection: vectors of words the previous one held are copied, the
    others embedded (as queries: they are compared with a question's words). Returns how many were embedded."""
    known: dict[str, Any] = {}
    if previous is not None:
        for i in range(0, len(words), 2000):
            got = previous.get(ids=words[i:i + 2000], include=["embeddings"])
            known.update(zip(got["ids"], got["embeddings"], strict=True))
    todo = [w for w in words if w not in known]
    for i in range(0, len(todo), BATCH):
        batch = todo[i:i + BATCH]
        known.update(zip(batch, embeddings.embed_queries_array(batch), strict=True))
    for i in range(0, len(words), 2000):
        part = words[i:i + 2000]
        collection.add(ids=part, documents=part,
                       embeddings=[list(map(float, np.asarray(known[w]))) for w in part])
    return len(todo)
