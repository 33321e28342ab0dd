"""The admin's engine and its background work: re-indexing with progress, one job at a time."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

from bot.answering.engine import Engine
from bot.answering.reply import Question, Reply
from bot.index.embeddings import ModelEmbeddings, make_embeddings
from bot.index.ingest import ingest
from bot.settings import Settings
from bot.wiring import build_engine

log = logging.getLogger(__name__)
JobState = Literal["queued", "running", "done", "failed"]


@dataclass
class Job:
    id: str
    label: str
    user: str
    state: JobState = "queued"
    done: int = 0
    total: int = 0
    message: str = ""
    started: float = field(default_factory=time.time)
    finished: float | None = None

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "label": self.label, "state": self.state, "done": self.done, "total": self.total,
                "message": self.message, "seconds": round((self.finished or time.time()) - self.started, 1)}


class Workspace:
    """The engine the admin searches with, swapped whole after each re-index; jobs run on one thread."""

    def __init__(self, settings: Settings, embeddings: ModelEmbeddings | None = None,
                 engine: Engine | None = None) -> None:
        self.settings = settings
        self.embeddings = embeddings or (engine.embeddings if engine else make_embeddings(settings))
        self._engine = engine or build_engine(settings, embeddings=self.embeddings)
        self._lock = threading.Lock()
        self._ask_lock = threading.Lock()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="admin-job")
        self.jobs: dict[str, Job] = {}

    @property
    def engine(self) -> Engine:
        with self._lock:
            return self._engine

    def ask(self, question: Question) -> Reply:
        """One question at a time (called from the server's thread pool)."""
        with self._ask_lock:
            return self.engine.ask(question)

    def explain(self, question: Question) -> str:
        with self._ask_lock:
            return self.engine.explain(question)

    def reload(self) -> None:
        """Reload without re-indexing (FAQ and station edits need no new vectors)."""
        engine = build_engine(self.settings, embeddings=self.embeddings)
        with self._lock:
            self._engine = engine

    def submit(self, label: str, user: str, before: Callable[[], None] | None = None) -> Job:
        """Queue a re-index (after `before`, e.g. writing the uploaded file) and return its job."""
        job = Job(uuid.uuid4().hex[:12], label, user)
        self.jobs[job.id] = job
        self._worker.submit(self._run, job, before)
        return job

    def _run(self, job: Job, before: Callable[[], None] | None) -> None:
        job.state = "running"
        try:
            if before:
                before()

            def progress(done: int, total: int) -> None:
                job.done, job.total = done, total

            report = ingest(self.settings, self.embeddings, self.engine.analyzer, quiet=True, progress=progress)
            self.reload()
            job.message = report.summary()
            job.state = "done"
        except Exception as exc:  # shown to staff on the job page; the previous index keeps answering
            log.exception("admin job %s failed", job.id)
            job.message = str(exc)
            job.state = "failed"
        finally:
            job.finished = time.time()

    def wait(self, job: Job, timeout: float = 120) -> Job:
        """For tests and the command line: block until the job ends."""
        deadline = time.monotonic() + timeout
        while job.state in ("queued", "running") and time.monotonic() < deadline:
            time.sleep(0.05)
        return job

    def close(self) -> None:
        self._worker.shutdown(wait=True)
