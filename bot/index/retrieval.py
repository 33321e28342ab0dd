"""Hybrid retrieval: Chroma dense search and BM25 keyword search fused by reciprocal rank."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from bot.index.embeddings import ModelEmbeddings
from bot.index.passages import Chunk, Source
from bot.index.storage import (
    FIX_COMMAND,
    IndexModelMismatch,
    IndexUnavailable,
    Manifest,
    chroma_client,
    collections,
    fetch_vectors,
    read_generation,
    sentence_id,
)
from bot.settings import Settings

Mode = Literal["dense", "keyword", "hybrid"]
KEEP_WITHIN = 5  # each method's best hit is among this many fused results (the passages answers are built from)


@dataclass
class LoadedIndex:
    """The committed generation in memory plus the Chroma collection for dense search."""

    manifest: Manifest
    chunks: list[Chunk]
    bm25: Any
    chunk_collection: Any
    sentence_vectors: np.ndarray  # one row per sentence, chunk order then sentence order
    sentence_rows: dict[str, list[int]]  # chunk id -> rows of its sentences

    @classmethod
    def open(cls, settings: Settings, embeddings: ModelEmbeddings) -> LoadedIndex:
        manifest = Manifest.read(settings.data_dir)
        if manifest is None:
            raise IndexUnavailable(f"no index in {settings.data_dir}; run `python -m bot ingest`")
        if manifest.embedding_model != embeddings.model_id:
            raise IndexModelMismatch(
                f"the index was built with {manifest.embedding_model} but the settings ask for "
                f"{embeddings.model_id}; run `{FIX_COMMAND}`"
            )
        chunks, bm25 = read_generation(settings.data_dir, manifest.generation)
        chunk_col, sent_col = collections(chroma_client(settings), settings, embeddings.model_id)
        ids = [sentence_id(c.id, k) for c in chunks for k in range(len(c.sentences))]
        vectors = fetch_vectors(sent_col, ids)
        rows: dict[str, list[int]] = {}
        row = 0
        for c in chunks:
            rows[c.id] = list(range(row, row + len(c.sentences)))
            row += len(c.sentences)
        return cls(manifest, chunks, bm25, chunk_col, vectors, rows)


class HybridRetriever:
    """Ranks chunks for a question; `mode` selects dense, keyword or their fusion."""

    def __init__(self, index: LoadedIndex, rrf_k: int = 60) -> None:
        self.index = index
        self.rrf_k = rrf_k
        self._by_id = {c.id: i for i, c in enumerate(index.chunks)}
        self._vocab: dict[str, int] = dict(index.bm25.vocab_dict)

    def dense(self, query_vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """(chunk position, cosine similarity), best first; vectors outside the manifest are skipped."""
        n = min(self.index.chunk_collection.count(), max(k * 2, k + 10))
        if n == 0:
            return []
        res = self.index.chunk_collection.query(query_embeddings=[query_vector.tolist()], n_results=n,
                                                include=["distances"])
        out = []
        for cid, dist in zip(res["ids"][0], res["distances"][0], strict=True):
            if cid in self._by_id:
                out.append((self._by_id[cid], 1.0 - float(dist)))
        return out[:k]

    def keyword(self, tokens: list[str], k: int) -> list[tuple[int, float]]:
        known = [t for t in tokens if t in self._vocab]
        if not known or not self.index.chunks:
            return []
        scores = self.index.bm25.get_scores(known)
        order = np.argsort(-scores)[:k]
        return [(int(i), float(scores[i])) for i in order if scores[i] > 0]

    def search(self, query_vector: np.ndarray, tokens: list[str], k: int, mode: Mode = "hybrid") -> list[Source]:
        depth = max(k, 20)
        dense = self.dense(query_vector, depth) if mode != "keyword" else []
        keyword = self.keyword(tokens, depth) if mode != "dense" else []
        fused: dict[int, float] = {}
        dense_rank = {pos: r for r, (pos, _) in enumerate(dense, 1)}
        keyword_rank = {pos: r for r, (pos, _) in enumerate(keyword, 1)}
        for ranks in (dense_rank, keyword_rank):
            for pos, r in ranks.items():
                fused[pos] = fused.get(pos, 0.0) + 1.0 / (self.rrf_k + r)
        order = sorted(fused, key=lambda p: -fused[p])[:k]
        # Each method's best hit is kept: a short new document that keyword search ranks first must
        # not be crowded out by the many passages of a long article that both methods rank well.
        for best in (ranks[0][0] for ranks in (dense, keyword) if ranks):
            if best not in order[:KEEP_WITHIN] and k > 1:
                order = [p for p in order if p != best]
                order.insert(min(KEEP_WITHIN - 1, len(order)), best)
                order = order[:k]
        return [Source(self.index.chunks[p], round(fused[p], 5), dense_rank.get(p), keyword_rank.get(p))
                for p in order]

    def sentence_similarities(self, query_vector: np.ndarray, chunk_id: str) -> list[float]:
        rows = self.index.sentence_rows.get(chunk_id, [])
        if not rows:
            return []
        return [float(x) for x in self.index.sentence_vectors[rows] @ query_vector]
