"""A change to knowledge/ as data: the files it writes or deletes, checked on a copy before the real
directory is touched, applied file by file and put back exactly as it was when a later step fails;
and what the knowledge service says back (its outcome, its errors)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from bot.filelock import flock_within
from bot.knowledge.catalog import Knowledge, check_knowledge
from bot.knowledge.documents import KnowledgeError
from bot.knowledge.loaders import DocumentError
from bot.knowledge.metadata import MissingTitleOrDate

Progress = Callable[[int, int], None]

# What validation needs of the knowledge directory (the lexicon is not checked against anything).
_SKIP_IN_COPY = {"lexicon"}


@dataclass
class Edit:
    """One staff change, planned and checked but not yet written.

    `files` maps a path relative to the knowledge directory to its new text (None: delete it);
    `base` holds the same files' text when the change was planned, so a change planned against
    an older state is refused rather than overwriting someone else's edit.
    """

    action: str  # the audit record's action: upload, import, edit, remove, faq-add, station-edit, …
    target: str  # what it is about: a document, FAQ entry or station id
    files: dict[str, str | None]
    base: dict[str, str | None] = field(default_factory=dict)
    reindex: bool = True  # whether the index must follow (articles changed)
    title: str = ""
    published: str = ""
    detail: str = ""  # extra words for the audit record (e.g. the uploaded file's name)


class EditError(ValueError):
    """A change refused or undone; the message (Chinese, no server paths) says why."""


class NeedTitleAndDate(EditError):
    """No title or publication date: each channel says how to give them."""


@dataclass(frozen=True)
class Indexed:
    """What a re-index did: its one-line summary and the passages per document now indexed."""

    summary: str
    chunks: dict[str, int] = field(default_factory=dict)


class Reindexer(Protocol):
    def __call__(self, progress: Progress | None = None) -> Indexed: ...


class Audit(Protocol):
    def log_staff(self, user_id: str | None, action: str, allowed: bool, detail: str = "") -> None: ...


@dataclass(frozen=True)
class Outcome:
    edit: Edit
    indexed: Indexed | None

    @property
    def chunks(self) -> int:
        return self.indexed.chunks.get(self.edit.target, 0) if self.indexed else 0


def short(value: str, limit: int = 64) -> str:
    return value if len(value) <= limit else value[:limit] + "…"


@contextlib.contextmanager
def refusals(prefix: str = "") -> Iterator[None]:
    """Knowledge and document errors as EditError (a missing title or date as NeedTitleAndDate)."""
    try:
        yield
    except EditError:
        raise
    except MissingTitleOrDate as exc:
        raise NeedTitleAndDate(str(exc)) from exc
    except (DocumentError, KnowledgeError) as exc:
        raise EditError(prefix + str(exc)) from exc
    except ValueError as exc:  # a date the importer could not read, and the like
        raise EditError(prefix + str(exc)) from exc


def read(knowledge_dir: Path, rel: str) -> str | None:
    path = knowledge_dir / rel
    return path.read_text(encoding="utf-8") if path.exists() else None


def base_of(knowledge_dir: Path, files: dict[str, str | None]) -> dict[str, str | None]:
    return {rel: read(knowledge_dir, rel) for rel in files}


def check_on_copy(knowledge_dir: Path, files: dict[str, str | None]) -> Knowledge:
    """Load the whole knowledge base as it would be after the change, in a temporary copy."""
    with tempfile.TemporaryDirectory(prefix="kb-check-") as tmp:
        root = Path(tmp) / knowledge_dir.name  # same name: messages read "knowledge/…" either way
        shutil.copytree(knowledge_dir, root,
                        ignore=lambda d, names: [n for n in names if n.endswith(".tmp")
                                                 or (Path(d) == knowledge_dir and n in _SKIP_IN_COPY)])
        _write(root, files)
        return check_knowledge(root)


def _write(root: Path, files: dict[str, str | None]) -> None:
    for rel, text in files.items():
        path = root / rel
        if text is None:
            path.unlink(missing_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)


def apply(knowledge_dir: Path, files: dict[str, str | None]) -> dict[str, str | None]:
    """Write the change; returns what the files held before (for `restore`). A failure part-way
    puts back what was already written before it raises."""
    before = base_of(knowledge_dir, files)
    try:
        _write(knowledge_dir, files)
    except OSError:
        restore(knowledge_dir, before)
        raise
    return before


def restore(knowledge_dir: Path, before: dict[str, str | None]) -> None:
    _write(knowledge_dir, before)


_THREAD_LOCKS: dict[str, threading.Lock] = {}
_GUARD = threading.Lock()


@contextlib.contextmanager
def edit_lock(data_dir: Path, wait: float) -> Iterator[bool]:
    """One change at a time per knowledge base: a lock for this process's threads and a file lock
    for other processes (the bot, the admin and the command line may all edit). Yields False when
    it could not be had within `wait` seconds."""
    data_dir.mkdir(parents=True, exist_ok=True)
    key = str(data_dir.resolve())
    with _GUARD:
        lock = _THREAD_LOCKS.setdefault(key, threading.Lock())
    if not lock.acquire(timeout=wait):
        yield False
        return
    try:
        fd = os.open(data_dir / "edit.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if not flock_within(fd, wait, poll=0.1):
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
    finally:
        lock.release()
