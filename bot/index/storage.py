"""The index in its knowledge service (Chroma, embedded or a `chroma run` server): generations and the pointer.

A generation is a pair of Chroma collections (chunk and sentence vectors; each chunk's record in its
metadata) plus the knowledge files it was built from. A registry collection holds each generation's
manifest and one record, `current`, naming the committed generation. Ingest builds a generation
beside the committed one and commits it by rewriting that one record, so a reader sees the old
generation or the new one, never a half-built one; readers poll the pointer to notice a new one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from bot.settings import Settings

log = logging.getLogger(__name__)
FORMAT = 3
FIX_COMMAND = "python -m bot ingest --rebuild"
POINTER = "current"
GRACE_SECONDS = 120.0  # a superseded generation stays this long for readers still switching
_DUMMY = [1.0]  # registry records carry no meaningful vector


class IndexUnavailable(RuntimeError):
    """The index is missing, corrupt or built otherwise; the message says how to fix it."""


class IndexModelMismatch(IndexUnavailable):
    pass


class IndexCorrupt(IndexUnavailable):
    """The embedded store's database file is damaged."""


class DataDirUnwritable(IndexUnavailable):
    """The data directory cannot be written (read-only file system or no permission)."""


@dataclass
class DocEntry:
    hash: str
    title: str
    published: str
    chunks: list[str] = field(default_factory=list)


@dataclass
class Manifest:
    """What a generation holds; `vectors` names the generation whose collections hold its vectors
    (an edit that changes no document, e.g. an FAQ answer, reuses the previous generation's)."""

    embedding_model: str
    dim: int
    lexicon: str
    knowledge: str  # fingerprint of every knowledge file the generation was built from
    generation: str
    vectors: str
    docs: dict[str, DocEntry]
    chunks: int = 0
    sentences: int = 0
    words: int = -1  # the vocabulary's size; -1 in generations built before it was kept
    created: float = 0.0
    format: int = FORMAT

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        try:
            raw = json.loads(text)
            if raw.get("format") != FORMAT:
                raise ValueError(f"format {raw.get('format')} (this version reads {FORMAT})")
            raw["docs"] = {k: DocEntry(**v) for k, v in raw["docs"].items()}
            known = {f.name for f in fields(cls)}  # a later version's extra fields are not an error
            return cls(**{k: v for k, v in raw.items() if k in known})
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise IndexUnavailable(f"the index manifest is unreadable ({exc}); run `{FIX_COMMAND}`") from exc


def new_generation_name() -> str:
    """Sortable by time, unique: g20250301T101500-3fa2."""
    import secrets

    return "g" + dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)


def _describe(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


def _classify(exc: BaseException, where: Path) -> IndexUnavailable | None:
    """A one-line diagnosis of an error opening the embedded store, or None if it is something else."""
    text = str(exc).lower()
    if isinstance(exc, PermissionError) or "readonly" in text or "read-only" in text or "os error 30" in text \
            or "os error 13" in text or "permission denied" in text:
        return DataDirUnwritable(f"the data directory {where} cannot be written ({_describe(exc)}); make it "
                                 f"writable for this user or set BOT_DATA_DIR to a writable directory")
    if "code: 26" in text or "code: 11" in text or "malformed" in text or "not a database" in text:
        return IndexCorrupt(f"the index database in {where} is damaged ({_describe(exc)})")
    return None


def chroma_client(settings: Settings) -> Any:
    """The Chroma client: an HTTP client of the server when BOT_CHROMA_HOST is set, else the embedded store."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings)
    path = settings.data_dir / "chroma"
    try:
        path.mkdir(parents=True, exist_ok=True)
        client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
        client.list_collections(limit=1)  # touches the database: a damaged file fails here
        return client
    except Exception as exc:
        problem = _classify(exc, path if path.exists() else settings.data_dir)
        if problem is None:
            raise
        with contextlib.suppress(Exception):
            from chromadb.api.shared_system_client import SharedSystemClient

            SharedSystemClient.clear_system_cache()  # do not keep a half-opened system for this path
        raise problem from exc


def move_aside(settings: Settings) -> Path:
    """Move a damaged embedded store out of the way (kept for inspection); the caller rebuilds."""
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient.clear_system_cache()
    src = settings.data_dir / "chroma"
    dest = settings.data_dir / f"chroma.damaged-{dt.datetime.now().strftime('%Y%m%d-%H%M%S')}"
    src.rename(dest)
    return dest


class IndexStore:
    """The generations in one Chroma (embedded or server) and the pointer to the committed one."""

    def __init__(self, settings: Settings, client: Any | None = None) -> None:
        self.settings = settings
        self.base = settings.chroma_collection
        self.client = client if client is not None else chroma_client(settings)
        self.registry = self.client.get_or_create_collection(f"{self.base}-registry", embedding_function=None)

    # ------------------------------------------------------------------ reading
    def current_name(self) -> str | None:
        """The committed generation's name: one small read, cheap enough to poll every few seconds."""
        got = self.registry.get(ids=[POINTER], include=["metadatas"])
        metas = got.get("metadatas") or []
        return str(metas[0]["generation"]) if got["ids"] and metas and metas[0] else None

    def manifest(self, generation: str) -> Manifest:
        got = self.registry.get(ids=[f"manifest:{generation}"], include=["documents"])
        if not got["ids"]:
            raise IndexUnavailable(f"generation {generation} has no manifest; run `{FIX_COMMAND}`")
        return Manifest.from_json(got["documents"][0])

    def current(self) -> Manifest | None:
        name = self.current_name()
        return self.manifest(name) if name else None

    def files(self, generation: str) -> dict[str, str]:
        """The knowledge files a generation was built from, by path relative to the knowledge directory."""
        got = self.registry.get(where={"$and": [{"kind": "file"}, {"generation": generation}]},
                                include=["documents", "metadatas"])
        return {str(m["path"]): doc for m, doc in zip(got["metadatas"], got["documents"], strict=True)}

    def collections(self, vectors: str, model_id: str = "", *, create: bool = False) -> tuple[Any, Any]:
        """The chunk and sentence collections of a generation (cosine distance, our own vectors)."""
        names = (f"{self.base}-{vectors}-chunks", f"{self.base}-{vectors}-sentences")
        if create:
            meta = {"hnsw:space": "cosine", "embedding_model": model_id, "generation": vectors}
            return tuple(self.client.create_collection(n, metadata=meta, embedding_function=None)
                         for n in names)
        try:
            return tuple(self.client.get_collection(n, embedding_function=None) for n in names)
        except Exception as exc:
            raise IndexUnavailable(f"the vectors of generation {vectors} are gone ({_describe(exc)})") from exc

    def vocabulary(self, generation: str, model_id: str = "", *, create: bool = False) -> Any:
        """A generation's vocabulary: each word its passages use, with its vector."""
        name = f"{self.base}-{generation}-words"
        if create:
            meta = {"hnsw:space": "cosine", "embedding_model": model_id, "generation": generation}
            return self.client.create_collection(name, metadata=meta, embedding_function=None)
        try:
            return self.client.get_collection(name, embedding_function=None)
        except Exception as exc:
            raise IndexUnavailable(f"the vocabulary of generation {generation} is gone ({_describe(exc)})") from exc

    # ------------------------------------------------------------------ writing (ingest, under its lock)
    def write_files(self, generation: str, files: dict[str, str]) -> None:
        items = sorted(files.items())
        for i in range(0, len(items), 200):
            part = items[i:i + 200]
            self.registry.upsert(ids=[f"file:{generation}:{p}" for p, _ in part], documents=[t for _, t in part],
                                 embeddings=[_DUMMY] * len(part),
                                 metadatas=[{"kind": "file", "generation": generation, "path": p} for p, _ in part])

    def commit(self, manifest: Manifest) -> None:
        """Record the manifest, then point `current` at it: one record, so the switch is atomic."""
        manifest.created = time.time()
        self.registry.upsert(ids=[f"manifest:{manifest.generation}"], documents=[manifest.to_json()],
                             embeddings=[_DUMMY], metadatas=[{"kind": "manifest", "generation": manifest.generation,
                                                              "created": manifest.created}])
        self.registry.upsert(ids=[POINTER], documents=[manifest.generation], embeddings=[_DUMMY],
                             metadatas=[{"kind": "pointer", "generation": manifest.generation,
                                         "at": manifest.created}])

    def prune(self, now: float | None = None) -> list[str]:
        """Drop generations nobody reads any more: all but the committed one, the one before it and any
        superseded less than GRACE_SECONDS ago; then collections no kept generation uses (including
        those of builds that never committed: this runs under the ingest lock)."""
        now = time.time() if now is None else now
        got = self.registry.get(where={"kind": "manifest"}, include=["metadatas"])
        made = sorted((float(m["created"]), str(m["generation"])) for m in got["metadatas"])
        current = self.current_name()
        keep: set[str] = set()
        if current:
            keep.add(current)
        for k, (_, name) in enumerate(made):
            successor = made[k + 1][0] if k + 1 < len(made) else None
            if successor is None or now - successor < GRACE_SECONDS or k == len(made) - 2:
                keep.add(name)
        used: set[str] = set()
        for name in sorted(keep):
            try:
                used.add(self.manifest(name).vectors)
            except IndexUnavailable:
                if name != current:
                    keep.discard(name)  # an unreadable manifest is of no use to any reader
        dropped = [name for _, name in made if name not in keep]
        for name in dropped:
            self.registry.delete(where={"generation": name})
        prefix = f"{self.base}-"
        for col in self.client.list_collections():
            name = col if isinstance(col, str) else col.name
            legacy = name in (f"{self.base}_chunks", f"{self.base}_sentences")
            owner = name[len(prefix):].rsplit("-", 1)[0]
            if legacy or (name.startswith(prefix) and name.endswith(("-chunks", "-sentences"))
                          and owner not in used) or (name.startswith(prefix) and name.endswith("-words")
                                                     and owner not in keep):
                with contextlib.suppress(Exception):
                    self.client.delete_collection(name)
        return dropped


def sentence_id(chunk_id: str, k: int) -> str:
    return f"{chunk_id}:s{k}"


def fetch_vectors(collection: Any, ids: list[str], batch: int = 2000) -> np.ndarray:
    """Vectors for the given ids, in that order."""
    if not ids:
        return np.zeros((0, 0), dtype=np.float32)
    by_id: dict[str, Any] = {}
    for i in range(0, len(ids), batch):
        got = collection.get(ids=ids[i:i + batch], include=["embeddings"])
        by_id.update(zip(got["ids"], got["embeddings"], strict=True))
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise IndexUnavailable(f"{len(missing)} vectors are missing from Chroma; run `{FIX_COMMAND}`")
    return np.asarray([by_id[i] for i in ids], dtype=np.float32)


def remove_legacy_files(data_dir: Path) -> None:
    """The format-2 index kept its manifest and keyword index on local disk; generations now live in Chroma."""
    import shutil

    (data_dir / "manifest.json").unlink(missing_ok=True)
    for path in data_dir.glob("gen-*"):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
