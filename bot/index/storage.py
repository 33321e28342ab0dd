"""The derived index under the data directory: Chroma vectors, BM25 keywords, chunks, manifest.

Layout: `manifest.json` names the committed generation `gen-XXXX/` (chunks.json and the
bm25s index) and the documents it holds; `chroma/` keeps chunk and sentence vectors whose
ids carry a content hash. The manifest is replaced last and atomically, so a reader never
sees a half-written generation, and vectors not in the manifest are ignored.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import bm25s
import numpy as np

from bot.index.passages import Chunk
from bot.settings import Settings

FORMAT = 2
FIX_COMMAND = "python -m bot ingest --rebuild"


class IndexUnavailable(RuntimeError):
    """The index is missing, corrupt or built otherwise; the message says how to fix it."""


class IndexModelMismatch(IndexUnavailable):
    pass


@dataclass
class DocEntry:
    hash: str
    title: str
    published: str
    chunks: list[str] = field(default_factory=list)


@dataclass
class Manifest:
    embedding_model: str
    dim: int
    lexicon: str
    generation: str
    docs: dict[str, DocEntry]
    format: int = FORMAT

    @classmethod
    def read(cls, data_dir: Path) -> Manifest | None:
        path = data_dir / "manifest.json"
        if not path.exists():
            return None
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if raw.get("format") != FORMAT:
                raise ValueError(f"format {raw.get('format')} (this version reads {FORMAT})")
            raw["docs"] = {k: DocEntry(**v) for k, v in raw["docs"].items()}
            return cls(**raw)
        except (ValueError, TypeError, KeyError) as exc:
            raise IndexUnavailable(f"{path} is unreadable ({exc}); run `{FIX_COMMAND}`") from exc

    def write(self, data_dir: Path) -> None:
        tmp = data_dir / "manifest.json.tmp"
        tmp.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=1), encoding="utf-8")
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, data_dir / "manifest.json")


def chroma_client(settings: Settings) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port,
                                   settings=chroma_settings)
    path = settings.data_dir / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


def collections(client: Any, settings: Settings, model_id: str) -> tuple[Any, Any]:
    """The chunk and sentence collections; our own vectors, cosine distance."""
    meta = {"hnsw:space": "cosine", "embedding_model": model_id}
    chunks = client.get_or_create_collection(f"{settings.chroma_collection}_chunks", metadata=meta,
                                             embedding_function=None)
    sents = client.get_or_create_collection(f"{settings.chroma_collection}_sentences", metadata=meta,
                                            embedding_function=None)
    return chunks, sents


def sentence_id(chunk_id: str, k: int) -> str:
    return f"{chunk_id}:s{k}"


def write_generation(data_dir: Path, name: str, chunks: list[Chunk], tokens: list[list[str]]) -> None:
    gen = data_dir / name
    if gen.exists():
        shutil.rmtree(gen)
    gen.mkdir(parents=True)
    records = [{**asdict(c), "sentences": list(c.sentences)} for c in chunks]
    (gen / "chunks.json").write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    retriever = bm25s.BM25()
    retriever.index(tokens or [["_"]], show_progress=False)
    retriever.save(str(gen / "bm25"))


def read_generation(data_dir: Path, name: str) -> tuple[list[Chunk], Any]:
    gen = data_dir / name
    try:
        records = json.loads((gen / "chunks.json").read_text(encoding="utf-8"))
        chunks = [Chunk(**{**r, "sentences": tuple(r["sentences"])}) for r in records]
        retriever = bm25s.BM25.load(str(gen / "bm25"))
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise IndexUnavailable(f"{gen} is missing or corrupt ({exc}); run `{FIX_COMMAND}`") from exc
    return chunks, retriever


def remove_old_generations(data_dir: Path, keep: str) -> None:
    for path in data_dir.glob("gen-*"):
        if path.name != keep and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)


def fetch_vectors(collection: Any, ids: list[str]) -> np.ndarray:
    """Vectors for the given ids, in that order."""
    if not ids:
        return np.zeros((0, 0), dtype=np.float32)
    got = collection.get(ids=ids, include=["embeddings"])
    by_id = dict(zip(got["ids"], got["embeddings"], strict=True))
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise IndexUnavailable(f"{len(missing)} vectors are missing from Chroma; run `{FIX_COMMAND}`")
    return np.asarray([by_id[i] for i in ids], dtype=np.float32)
