"""Issue 10, items 14-16: the admin's sign-in and request limits, against a real uvicorn server where
the server matters (X-Forwarded-For, a body that is never sent)."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.answering.engine import Engine
from bot.channels.admin.app import create_app
from bot.channels.admin.auth import Auth, hash_password
from bot.channels.admin.jobs import Workspace
from bot.channels.admin.serve import server
from bot.settings import PROJECT_ROOT, Settings
from bot.state.sessions import SessionStore
from bot.state.store import Store
from tests.helpers.serve import serve

PASSWORD = "correct horse battery"
TOKEN = "a-shared-sign-in-token-of-some-length"


def _auth(settings: Settings) -> Auth:
    return Auth(settings, SessionStore(Store(settings.database).engine))


def _settings(tmp_path: Path, **changes: object) -> Settings:
    base = Settings(data_dir=tmp_path / "data", knowledge_dir=PROJECT_ROOT / "knowledge",
                    prompts_dir=PROJECT_ROOT / "prompts")
    return base.model_copy(update={"admin_users": {"li": hash_password(PASSWORD, iterations=3000)},
                                   "admin_max_failures": 3, **changes})


def bot(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BOT_ADMIN")}
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, timeout=120,
                          cwd=PROJECT_ROOT, env={**clean, **env})


# ------------------------------------------------------------------ item 16: BOT_ADMIN_USERS
@pytest.mark.slow
@pytest.mark.parametrize("value", ["", "not json", "[1, 2]", '{"wang": 5}'])
def test_a_malformed_admin_users_stops_only_the_admin(value: str) -> None:
    listed = bot("kb", "list", BOT_ADMIN_USERS=value)
    assert listed.returncode == 0 and "2022-03-wushe-liandong" in listed.stdout, listed.stderr
    admin = bot("admin", "--port", "1", BOT_ADMIN_USERS=value)
    lines = admin.stderr.strip().splitlines()
    assert admin.returncode == 2 and len(lines) == 1 and "Traceback" not in admin.stderr
    assert '{"wang": "pbkdf2_sha256$…"}' in lines[0] or "admin-hash NAME" in lines[0]


# ------------------------------------------------------------------ item 14: the sign-in
@pytest.mark.slow
def test_a_short_token_is_refused_at_start_and_never_signs_in(tmp_path: Path) -> None:
    admin = bot("admin", "--port", "1", BOT_ADMIN_TOKEN="short-token")
    assert admin.returncode == 2 and "BOT_ADMIN_TOKEN is too short" in admin.stderr
    auth = _auth(_settings(tmp_path, admin_users={}, admin_token="short-token"))
    assert not auth.configured and auth.sign_in("x", "short-token", "10.0.0.1") is None


def test_unknown_names_cost_as_much_as_known_ones(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    auth = _auth(_settings(tmp_path))
    costs: list[int] = []
    real = hashlib.pbkdf2_hmac

    def counting(name: str, password: bytes, salt: bytes, iterations: int, *args: object) -> bytes:
        costs.append(iterations)
        return real(name, password, salt, iterations)

    monkeypatch.setattr(hashlib, "pbkdf2_hmac", counting)
    auth.sign_in("li", "wrong", "10.0.0.1")
    auth.sign_in("nobody", "wrong", "10.0.0.1")
    assert costs and set(costs) == {3000}  # the dummy hash for an unknown name is as costly as li's


def test_someone_elses_failures_do_not_lock_a_staff_member_out(tmp_path: Path) -> None:
    auth = _auth(_settings(tmp_path))
    for _ in range(3):
        assert auth.sign_in("li", "guess", "203.0.113.9") is None
    assert auth.wait_seconds("li", "203.0.113.9") > 0  # the guesser waits
    assert auth.wait_seconds("li", "10.0.0.2") == 0  # li, from the office, does not
    assert auth.sign_in("li", PASSWORD, "10.0.0.2") is not None
    for _ in range(2):  # each further failure doubles the wait
        first = auth.wait_seconds("li", "203.0.113.9")
        auth.sign_in("li", "guess", "203.0.113.9")
        assert auth.wait_seconds("li", "203.0.113.9") > first * 1.5


def test_in_token_mode_a_new_name_buys_no_more_guesses(tmp_path: Path) -> None:
    settings = _settings(tmp_path, admin_users={}, admin_token=TOKEN)
    auth = _auth(settings)
    for name in ("a", "b", "c"):
        assert auth.sign_in(name, "guess", "203.0.113.9") is None
    assert auth.wait_seconds("d", "203.0.113.9") > 0 and auth.wait_seconds("", "203.0.113.9") > 0


# ------------------------------------------------------------------ through a real server
@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, engine: Engine) -> Iterator[tuple[str, Settings]]:
    settings = _settings(tmp_path_factory.mktemp("security"), admin_lockout_minutes=15.0)
    space = Workspace(settings, engine=engine)
    app = create_app(settings, space, Store(settings.database))
    with serve(app, server) as base:
        yield base, settings
    space.close()


@pytest.mark.slow
def test_x_forwarded_for_is_believed_only_from_a_configured_proxy(live: tuple[str, Settings]) -> None:
    base, settings = live
    with httpx.Client(base_url=base) as client:
        codes = [client.post("/login", data={"username": f"name{i}", "password": "guess"},
                             headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code for i in range(5)]
        assert codes[:3] == [401, 401, 401] and codes[3:] == [429, 429]  # rotating the header did not help
        settings.admin_trusted_proxies = "127.0.0.1"  # now the server sits behind a proxy on this machine
        try:
            codes = [client.post("/login", data={"username": "li", "password": "guess"},
                                 headers={"X-Forwarded-For": f"192.0.2.{i}"}).status_code for i in range(5)]
            assert codes == [401] * 5  # each client address has its own count
            signed = client.post("/login", data={"username": "li", "password": PASSWORD},
                                 headers={"X-Forwarded-For": "192.0.2.77"})
            assert signed.status_code == 303 and signed.headers["location"] == "/"
        finally:
            settings.admin_trusted_proxies = ""


def _raw_post(base: str, path: str, length: int, cookie: str = "") -> bytes:
    """Send the headers of a huge multipart POST and only its first 64 KB; return what the server says."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        head = (f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: multipart/form-data; boundary=xyz\r\n"
                f"Content-Length: {length}\r\n" + (f"Cookie: {cookie}\r\n" if cookie else "") + "\r\n")
        sock.sendall(head.encode() + b"--xyz\r\n" + b"x" * 65536)
        sock.settimeout(5)
        return sock.recv(4096)


@pytest.mark.slow
def test_a_huge_upload_is_refused_before_its_body_is_read(live: tuple[str, Settings]) -> None:
    """Issue 10 item 15: an unauthenticated 300 MB POST was received and spooled before the session check."""
    base, _ = live
    anonymous = _raw_post(base, "/documents/upload", 300 * 1024 * 1024)
    assert anonymous.startswith(b"HTTP/1.1 413") or anonymous.startswith(b"HTTP/1.1 303")
    with httpx.Client(base_url=base) as client:
        client.post("/login", data={"username": "li", "password": PASSWORD})
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    signed = _raw_post(base, "/documents/upload", 300 * 1024 * 1024, cookie)
    assert signed.startswith(b"HTTP/1.1 413") and "太大".encode() in signed
    login = _raw_post(base, "/login", 5 * 1024 * 1024)  # a form that is not an upload: 1 MB at most
    assert login.startswith(b"HTTP/1.1 413")  # each answered while most of the body was never sent
