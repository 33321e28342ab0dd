"""Hybrid retrieval: Chroma dense search and BM25 keyword search fused by reciprocal rank."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any, Literal

import bm25s
import numpy as np

from bot.index.embeddings import ModelEmbeddings
from bot.index.passages import Chunk, Source
from bot.index.storage import (
    FIX_COMMAND,
    IndexModelMismatch,
    IndexStore,
    IndexUnavailable,
    Manifest,
    fetch_vectors,
    sentence_id,
)
from bot.settings import Settings

log = logging.getLogger(__name__)

Mode = Literal["dense", "keyword", "hybrid"]
KEEP_WITHIN = 5  # each method's best hit is among this many fused results (the passages answers are built from)
_PAGE = 2000


@dataclass
class LoadedIndex:
    """One committed generation in memory (chunks, keyword index, sentence vectors) plus its Chroma
    collection for dense search."""

    manifest: Manifest
    chunks: list[Chunk]
    bm25: Any
    chunk_collection: Any
    sentence_vectors: np.ndarray  # one row per sentence, chunk order then sentence order
    sentence_rows: dict[str, list[int]]  # chunk id -> rows of its sentences
    words: list[str] = field(default_factory=list)  # the passages' vocabulary …
    word_vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))  # … embedded

    @classmethod
    def open(cls, settings: Settings, embeddings: ModelEmbeddings, service: IndexStore | None = None,
             manifest: Manifest | None = None) -> LoadedIndex:
        """The committed generation (or the one given), whole: a generation missing a passage is refused."""
        service = service or IndexStore(settings)
        manifest = manifest or service.current()
        if manifest is None:
            raise IndexUnavailable(f"no index in {_where(settings)}; run `python -m bot ingest`")
        if manifest.embedding_model != embeddings.model_id:
            raise IndexModelMismatch(
                f"the index was built with {manifest.embedding_model} but the settings ask for "
                f"{embeddings.model_id}; run `{FIX_COMMAND}`"
            )
        chunk_col, sent_col = service.collections(manifest.vectors)
        chunks, tokens = _read_chunks(chunk_col, manifest)
        bm25 = bm25s.BM25()
        bm25.index(tokens or [["_"]], show_progress=False)
        ids = [sentence_id(c.id, k) for c in chunks for k in range(len(c.sentences))]
        vectors = fetch_vectors(sent_col, ids)
        rows: dict[str, list[int]] = {}
        row = 0
        for c in chunks:
            rows[c.id] = list(range(row, row + len(c.sentences)))
            row += len(c.sentences)
        words, word_vectors = _read_vocabulary(service, manifest)
        return cls(manifest, chunks, bm25, chunk_col, vectors, rows, words, word_vectors)


def _where(settings: Settings) -> str:
    return f"the Chroma server {settings.chroma_host}:{settings.chroma_port}" if settings.chroma_host \
        else str(settings.data_dir)


def _read_vocabulary(service: IndexStore, manifest: Manifest) -> tuple[list[str], np.ndarray]:
    """The generation's words and their vectors; none for a generation built before they were kept."""
    if manifest.words <= 0:
        return [], np.zeros((0, 0), dtype=np.float32)
    try:
        collection = service.vocabulary(manifest.generation)
    except IndexUnavailable as exc:  # an aid to understanding, not the index: answer without it
        log.warning("%s; answering without near words until the next ingest", exc)
        return [], np.zeros((0, 0), dtype=np.float32)
    words: list[str] = []
    vectors: list[Any] = []
    for offset in range(0, manifest.words, _PAGE):
        got = collection.get(include=["embeddings"], limit=_PAGE, offset=offset)
        words += [str(i) for i in got["ids"]]
        vectors += list(got["embeddings"])
    if len(words) != manifest.words:
        raise IndexUnavailable(f"the vocabulary of generation {manifest.generation} is incomplete "
                               f"({len(words)} of {manifest.words} words); run `{FIX_COMMAND}`")
    return words, np.asarray(vectors, dtype=np.float32)


def _read_chunks(collection: Any, manifest: Manifest) -> tuple[list[Chunk], list[list[str]]]:
    """The generation's chunks in manifest order, with their keyword tokens."""
    order = [cid for entry in manifest.docs.values() for cid in entry.chunks]
    found: dict[str, tuple[Chunk, list[str]]] = {}
    try:
        for i in range(0, len(order), _PAGE):
            got = collection.get(ids=order[i:i + _PAGE], include=["documents", "metadatas"])
            for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
                chunk = Chunk(id=cid, doc_id=meta["doc_id"], title=meta["title"], published=meta["published"],
                              heading=meta["heading"], text=text, ordinal=int(meta["ordinal"]),
                              sentences=tuple(json.loads(meta["sentences"])))
                found[cid] = (chunk, list(json.loads(meta["tokens"])))
    except (KeyError, TypeError, ValueError) as exc:
        raise IndexUnavailable(f"generation {manifest.generation} is unreadable ({exc}); run `{FIX_COMMAND}`") from exc
    missing = [cid for cid in order if cid not in found]
    if missing:
        raise IndexUnavailable(f"generation {manifest.generation} lacks {len(missing)} passages; run `{FIX_COMMAND}`")
    return [found[c][0] for c in order], [found[c][1] for c in order]


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
