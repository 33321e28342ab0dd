"""The production shape as processes on 127.0.0.1 (no Docker daemon here): a `chroma run` server,
the ingest job, `python -m bot serve` with its workers, the web admin; PostgreSQL comes from
tests/helpers/postgres.py and Telegram from tests/helpers/webhook.py."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from bot.settings import PROJECT_ROOT
from tests.helpers.postgres import free_port

SECRET = "topology-test-secret-0123456789"
ADMIN_TOKEN = "topology-admin-token-0123456789"


def get_json(url: str, timeout: float = 5) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


class Process:
    """A child process with its output in a log file."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], logs: Path) -> None:
        self.name = name
        self.log = logs / f"{name}.log"
        self.handle = open(self.log, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(args, env=env, cwd=PROJECT_ROOT, stdout=self.handle, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM to the process group (uvicorn passes it to its workers), SIGKILL if it lingers."""
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.handle.close()

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def wait_until(check: Any, timeout: float, what: str, interval: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(interval)
    raise TimeoutError(f"{what}: not within {timeout:.0f} s")


class Topology:
    """Start and stop the pieces; `env` is what every piece shares (database, Chroma, Telegram)."""

    def __init__(self, root: Path, database_url: str, bot_api_url: str) -> None:
        self.root = root
        self.logs = root / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.chroma_port = free_port()
        self.serve_port = free_port()
        self.admin_port = free_port()
        self.knowledge = root / "knowledge"
        self.env = {**os.environ, "BOT_DATABASE_URL": database_url, "BOT_CHROMA_HOST": "127.0.0.1",
                    "BOT_CHROMA_PORT": str(self.chroma_port), "BOT_GENERATION_POLL_SECONDS": "1",
                    "TELEGRAM_BOT_TOKEN": "123456:TEST", "TELEGRAM_BASE_URL": bot_api_url,
                    "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{self.serve_port}/telegram",
                    "TELEGRAM_WEBHOOK_SECRET": SECRET, "BOT_USER_MESSAGES_PER_MINUTE": "100",
                    "BOT_KNOWLEDGE_DIR": str(self.knowledge), "BOT_ADMIN_TOKEN": ADMIN_TOKEN,
                    "PYTHONUNBUFFERED": "1"}
        self.chroma: Process | None = None
        self.serve: Process | None = None
        self.admin: Process | None = None

    def _env(self, role: str) -> dict[str, str]:
        """Each role its own data directory: nothing is shared through local files."""
        return {**self.env, "BOT_DATA_DIR": str(self.root / f"data-{role}")}

    # ------------------------------------------------------------------ pieces
    def start_chroma(self) -> None:
        exe = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
        self.chroma = Process("chroma", [exe, "run", "--path", str(self.root / "chroma"), "--host", "127.0.0.1",
                                         "--port", str(self.chroma_port)], self.env, self.logs)
        wait_until(lambda: self._up(f"http://127.0.0.1:{self.chroma_port}/api/v2/heartbeat"), 60, "chroma run")

    def ingest(self) -> str:
        done = subprocess.run([sys.executable, "-m", "bot", "ingest", "--quiet"], env=self._env("ingest"),
                              cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        return done.stderr

    def start_serve(self, workers: int = 2) -> None:
        self.serve = Process("serve", [sys.executable, "-m", "bot", "serve", "--workers", str(workers),
                                       "--port", str(self.serve_port)], self._env("serve"), self.logs)

    def ready_workers(self, workers: int = 2, timeout: float = 300) -> dict[str, dict[str, Any]]:
        """Poll /readyz until `workers` different workers have said they are ready; their answers."""
        seen: dict[str, dict[str, Any]] = {}

        def check() -> bool:
            assert self.serve is not None and self.serve.alive(), self.serve.tail() if self.serve else ""
            status, body = self._readyz()
            if status == 200:
                seen[body["worker"]] = body
            return len(seen) >= workers

        wait_until(check, timeout, f"{workers} ready webhook workers", interval=0.1)
        return seen

    def _readyz(self) -> tuple[int, dict[str, Any]]:
        try:
            return get_json(f"http://127.0.0.1:{self.serve_port}/readyz", timeout=2)
        except (OSError, ValueError):
            return 0, {}

    def worker_pids(self) -> list[int]:
        assert self.serve is not None
        return [p for p in children(self.serve.pid) if "spawn_main" in Path(f"/proc/{p}/cmdline").read_text()]

    def start_admin(self) -> None:
        self.admin = Process("admin", [sys.executable, "-m", "bot", "admin", "--port", str(self.admin_port)],
                             self._env("admin"), self.logs)
        wait_until(lambda: self._up(f"http://127.0.0.1:{self.admin_port}/login"), 300, "the web admin")

    @staticmethod
    def _up(url: str) -> bool:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return 200 <= response.status < 500
        except urllib.error.HTTPError as exc:
            return exc.code < 500
        except OSError:
            return False

    def stop_all(self) -> None:
        for piece in (self.serve, self.admin, self.chroma):
            if piece is not None:
                piece.stop()


def admin_upload(port: int, name: str, content: str, title: str, published: str, timeout: float = 300) -> float:
    """Sign in with the token, upload a document, wait for its re-index job; seconds it took."""
    import httpx

    started = time.monotonic()
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", follow_redirects=True, timeout=60) as client:
        signed_in = client.post("/login", data={"username": "staff", "password": ADMIN_TOKEN})
        assert signed_in.status_code == 200, (signed_in.status_code, signed_in.text[:500])
        page = client.get("/documents").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page)
        assert csrf, "no CSRF token on the documents page"
        response = client.post("/documents/upload", data={"csrf": csrf.group(1), "title": title,
                                                          "published": published, "publication": "测试报"},
                               files={"file": (name, content.encode(), "text/plain")}, follow_redirects=False)
        assert response.status_code == 303, response.text[:500]
        job = response.headers["location"].rsplit("/", 1)[-1]

        def finished() -> dict[str, Any] | None:
            state = client.get(f"/api/jobs/{job}").json()
            return state if state["state"] in ("done", "failed") else None

        state = wait_until(finished, timeout, "the admin's re-index job", interval=0.3)
        assert state["state"] == "done", state
    return time.monotonic() - started
