"""Staff sign-in for the web admin: password hashes or a token from the environment, server-side
sessions with a CSRF token each, and a lock-out after repeated failures."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field

from bot.settings import Settings

SCHEME = "pbkdf2_sha256"
ITERATIONS = 240_000


def hash_password(password: str, *, iterations: int = ITERATIONS, salt: bytes | None = None) -> str:
    """"pbkdf2_sha256$<iterations>$<salt>$<hash>", for BOT_ADMIN_USERS."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    return f"{SCHEME}${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, iterations, salt, digest = stored.split("$")
        if scheme != SCHEME:
            return False
        actual = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, base64.b64decode(digest))


@dataclass
class Session:
    user: str
    csrf: str
    expires: float


@dataclass
class _Failures:
    times: list[float] = field(default_factory=list)


class Auth:
    """Who may sign in, the open sessions and the failed attempts (kept in memory: a restart signs
    everyone out, which is acceptable for a handful of staff)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._sessions: dict[str, Session] = {}
        self._failures: dict[str, _Failures] = {}
        self._lock = threading.Lock()

    @property
    def configured(self) -> bool:
        return bool(self.settings.admin_users or self.settings.admin_token)

    def is_staff(self, user: str) -> bool:
        """Still staff now: a name removed from BOT_ADMIN_USERS (or a withdrawn token) loses its sessions."""
        if user.startswith("token:"):
            return bool(self.settings.admin_token)
        return user in self.settings.admin_users

    # ---------------------------------------------------------------- lock-out
    ADDRESS_FACTOR = 4  # an office behind one address has several staff: it may fail more often than one name

    def locked(self, *keys: str) -> bool:
        window = self.settings.admin_lockout_minutes * 60
        now = time.monotonic()
        with self._lock:
            for key in keys:
                f = self._failures.get(key)
                if f:
                    f.times = [t for t in f.times if now - t < window]
                    limit = self.settings.admin_max_failures * (self.ADDRESS_FACTOR if key.startswith("addr:") else 1)
                    if len(f.times) >= limit:
                        return True
        return False

    def _fail(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.setdefault(key, _Failures()).times.append(time.monotonic())

    # ------------------------------------------------------------------ sign-in
    def sign_in(self, user: str, secret: str, client: str) -> str | None:
        """A new session id, or None. Callers check `locked` first."""
        user = user.strip()
        keys = (f"user:{user}", f"addr:{client}")
        stored = self.settings.admin_users.get(user)
        ok_user = stored is not None and verify_password(secret, stored)
        token = self.settings.admin_token
        ok_token = bool(token) and hmac.compare_digest(secret.encode(), (token or "").encode())
        if not (ok_user or ok_token):
            verify_password(secret, hash_password("x", iterations=1000))  # similar work for unknown names
            self._fail(*keys)
            return None
        name = user if ok_user else f"token:{user or 'staff'}"
        sid = secrets.token_urlsafe(32)
        with self._lock:
            self._failures.pop(keys[0], None)
            self._sessions[sid] = Session(name, secrets.token_urlsafe(24),
                                          time.time() + self.settings.admin_session_hours * 3600)
        return sid

    def session(self, sid: str | None) -> Session | None:
        if not sid:
            return None
        with self._lock:
            s = self._sessions.get(sid)
            if s is None:
                return None
            if s.expires < time.time():
                del self._sessions[sid]
                return None
            return s

    def sign_out(self, sid: str | None) -> None:
        with self._lock:
            self._sessions.pop(sid or "", None)

    @staticmethod
    def csrf_ok(session: Session, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(session.csrf.encode(), (token or "").encode())
