"""The admin's engine and its background work: re-indexing with progress, one job at a time."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

from bot.answering.engine import Engine
from bot.answering.reply import Question, Reply
from bot.index.embeddings import ModelEmbeddings, make_embeddings
from bot.knowledge.changes import Edit
from bot.knowledge.service import Audit, EditError, KnowledgeService
from bot.settings import Settings
from bot.wiring import build_engine, knowledge_service

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
    """The engine the admin searches with, swapped whole after each change; the knowledge service;
    changes that re-index run as jobs on one thread."""

    def __init__(self, settings: Settings, embeddings: ModelEmbeddings | None = None,
                 engine: Engine | None = None, audit: Audit | None = None) -> None:
        self.settings = settings
        self.embeddings = embeddings or (engine.embeddings if engine else make_embeddings(settings))
        self._engine = engine or build_engine(settings, embeddings=self.embeddings)
        self.knowledge: KnowledgeService = knowledge_service(settings, embeddings=self.embeddings,
                                                             analyzer=self._engine.analyzer, audit=audit)
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

    def adopt(self, engine: Engine) -> None:
        """Search with an engine on a newer index generation (committed by another process)."""
        with self._lock:
            self._engine = engine

    def audited_by(self, audit: Audit) -> None:
        """Where the knowledge service writes its audit records (the admin's store)."""
        self.knowledge = knowledge_service(self.settings, embeddings=self.embeddings, analyzer=self.engine.analyzer,
                                           audit=audit)

    def apply(self, edit: Edit, user: str) -> None:
        """A change that needs no re-index (FAQ, stations), applied now; the engine follows."""
        self.knowledge.apply(edit, user=f"web:{user}")
        self.reload()

    def submit(self, label: str, user: str, edit: Edit | None = None) -> Job:
        """Queue a change (or, without one, a re-index of knowledge/ as it is) and return its job."""
        job = Job(uuid.uuid4().hex[:12], label, user)
        self.jobs[job.id] = job
        self._worker.submit(self._run, job, edit)
        return job

    def _run(self, job: Job, edit: Edit | None) -> None:
        job.state = "running"

        def progress(done: int, total: int) -> None:
            job.done, job.total = done, total

        try:
            if edit is not None:
                outcome = self.knowledge.apply(edit, user=f"web:{job.user}", progress=progress)
                job.message = outcome.indexed.summary if outcome.indexed else "已保存"
            else:
                job.message = self.knowledge.reindex(user=f"web:{job.user}", progress=progress).summary
            self.reload()
            job.state = "done"
        except EditError as exc:  # shown to staff on the job page; the previous index keeps answering
            job.message = str(exc)
            job.state = "failed"
        except Exception as exc:
            log.exception("admin job %s failed", job.id)
            job.message = f"出错了：{exc.__class__.__name__}"
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
