"""The hybrid retriever as a LangChain retriever: a question in, its ranked passages out as `Document`s
with their metadata (document, passage, title, heading, publication, date, score, rank), so it drops
into any chain (`retriever.invoke("创投计划截止时间")`, `retriever | format_docs | prompt | model`).

The engine asks the same object for typed `Source`s with a question vector it has already computed:
one path embeds, tokenises and ranks for both, and the ranking itself is `HybridRetriever.search`'s.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field

from bot.index.embeddings import ModelEmbeddings
from bot.index.passages import Source
from bot.index.retrieval import HybridRetriever, LoadedIndex, Mode
from bot.knowledge.documents import Document as Article
from bot.settings import Settings
from bot.text.analyzer import TextAnalyzer


class PassageRetriever(BaseRetriever):
    """Dense (Chroma) and keyword (BM25) search fused by reciprocal rank, over one loaded index."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    hybrid: HybridRetriever
    embeddings: ModelEmbeddings
    analyzer: TextAnalyzer
    k: int = Field(default=8, ge=1)
    mode: Mode = "hybrid"
    max_embedded_chars: int = Field(default=256, ge=16)
    articles: dict[str, dict[str, str]] = Field(default_factory=dict)  # doc id -> publication, source, via

    @classmethod
    def over(cls, index: LoadedIndex, embeddings: ModelEmbeddings, analyzer: TextAnalyzer, settings: Settings,
             articles: Iterable[Article] = ()) -> PassageRetriever:
        """The retriever of a loaded index, with the settings' depth and fusion; `articles` (the knowledge
        documents) add each passage's publication and file to its metadata."""
        about = {a.id: {"publication": a.publication, "source": a.path, **({"via": a.via} if a.via else {})}
                 for a in articles}
        return cls(hybrid=HybridRetriever(index, settings.rrf_k), embeddings=embeddings, analyzer=analyzer,
                   k=settings.top_k, max_embedded_chars=settings.max_embedded_chars, articles=about)

    def vector(self, text: str) -> np.ndarray:
        """The embedded question, bounded: a long message costs no more than a short one (its start and
        its end, where the ask usually is, are embedded)."""
        limit = self.max_embedded_chars
        if len(text) > limit:
            text = text[:limit // 2] + " " + text[-(limit - limit // 2):]
        return self.embeddings.embed_query_array(text)

    def sources(self, text: str, vector: np.ndarray | None = None, mode: Mode | None = None) -> list[Source]:
        """The ranked passages for a question in simplified characters; `vector` if it is already embedded."""
        vector = self.vector(text) if vector is None else vector
        return self.hybrid.search(vector, self.analyzer.query_tokens(text), self.k, mode or self.mode)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun
                                ) -> list[Document]:
        return [self.document(s, rank) for rank, s in enumerate(self.sources(self.analyzer.simplify(query)), 1)]

    def document(self, source: Source, rank: int) -> Document:
        """A retrieved passage as a LangChain document: its text as indexed, and where it comes from."""
        chunk = source.chunk
        metadata: dict[str, Any] = {
            "doc_id": chunk.doc_id, "chunk_id": chunk.id, "title": chunk.title, "heading": chunk.heading,
            "published": chunk.published, "ordinal": chunk.ordinal, "score": source.score, "rank": rank,
            "dense_rank": source.dense_rank, "keyword_rank": source.keyword_rank,
            **self.articles.get(chunk.doc_id, {})}
        return Document(page_content=chunk.text, id=chunk.id, metadata=metadata)
