"""Staff sign-in for the web admin: password hashes or a token from the environment, server-side
sessions with a CSRF token each, and a lock-out after repeated failures. Sessions and failures live
in the conversation database, so several admin processes (and a restart) share them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from bot.settings import Settings
from bot.state.sessions import SessionStore

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


class Auth:
    """Who may sign in, the open sessions and the failed attempts (kept in the database)."""

    def __init__(self, settings: Settings, store: SessionStore) -> None:
        self.settings = settings
        self.store = store

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
        for key in keys:
            limit = self.settings.admin_max_failures * (self.ADDRESS_FACTOR if key.startswith("addr:") else 1)
            if self.store.failures(key, within=window) >= limit:
                return True
        return False

    def _fail(self, *keys: str) -> None:
        self.store.fail(*keys)

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
        self.store.clear(keys[0])
        self.store.create(sid, name, secrets.token_urlsafe(24), time.time() + self.settings.admin_session_hours * 3600)
        return sid

    def session(self, sid: str | None) -> Session | None:
        if not sid:
            return None
        found = self.store.get(sid)
        return Session(found.user, found.csrf, found.expires) if found else None

    def sign_out(self, sid: str | None) -> None:
        if sid:
            self.store.delete(sid)

    @staticmethod
    def csrf_ok(session: Session, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(session.csrf.encode(), (token or "").encode())
