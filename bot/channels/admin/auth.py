"""Staff sign-in for the web admin: password hashes or a token from the environment, server-side
sessions with a CSRF token each, and a growing wait after repeated failures. Sessions and failures live
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


MIN_TOKEN_LENGTH = 20


def iterations_of(stored: str) -> int:
    try:
        return int(stored.split("$")[1])
    except (IndexError, ValueError):
        return ITERATIONS


class Auth:
    """Who may sign in, the open sessions and the failed attempts (kept in the database).

    Failed sign-ins slow down the pair (account, address) that made them, doubling the wait each
    time, so nobody elsewhere can lock a staff member out; an address that fails across many
    accounts is locked as a whole. In token mode every name is the same account: changing the name
    does not buy more guesses.
    """

    ADDRESS_FACTOR = 4  # an office behind one address has several staff: it may fail more often than one name
    FIRST_WAIT = 60.0  # seconds, after admin_max_failures failures; doubled with each further failure

    def __init__(self, settings: Settings, store: SessionStore) -> None:
        self.settings = settings
        self.store = store
        self._dummy: str | None = None

    @property
    def token(self) -> str | None:
        """The shared sign-in token, if one long enough is set (a short one is refused at start-up)."""
        token = self.settings.admin_token
        return token if token and len(token) >= MIN_TOKEN_LENGTH else None

    @property
    def configured(self) -> bool:
        return bool(self.settings.admin_users or self.token)

    def is_staff(self, user: str) -> bool:
        """Still staff now: a name removed from BOT_ADMIN_USERS (or a withdrawn token) loses its sessions."""
        if user.startswith("token:"):
            return self.token is not None
        return user in self.settings.admin_users

    # ---------------------------------------------------------------- failures
    def _account(self, user: str) -> str:
        if user in self.settings.admin_users:
            return f"user:{user}"
        return "token" if self.token else "unknown"

    def wait_seconds(self, user: str, address: str) -> float:
        """How long this name from this address must wait before trying again (0: it may try now)."""
        now = time.time()
        limit = self.settings.admin_max_failures
        lockout = self.settings.admin_lockout_minutes * 60
        waits = [0.0]
        pair = self.store.failure_times(f"{self._account(user.strip())}|{address}", within=lockout)
        if len(pair) >= limit:
            backoff = min(lockout, self.FIRST_WAIT * 2 ** (len(pair) - limit))
            waits.append(pair[-1] + backoff - now)
        by_address = self.store.failure_times(f"addr:{address}", within=lockout)
        if len(by_address) >= limit * self.ADDRESS_FACTOR:
            waits.append(by_address[-1] + lockout - now)
        return max(waits)

    def locked(self, user: str, address: str) -> bool:
        return self.wait_seconds(user, address) > 0

    def _dummy_hash(self) -> str:
        """A hash of the same cost as the real ones, checked for unknown names: timing does not tell
        which names exist."""
        if self._dummy is None:
            cost = max((iterations_of(h) for h in self.settings.admin_users.values()), default=ITERATIONS)
            self._dummy = hash_password(secrets.token_urlsafe(16), iterations=cost)
        return self._dummy

    # ------------------------------------------------------------------ sign-in
    def sign_in(self, user: str, secret: str, client: str) -> str | None:
        """A new session id, or None. Callers check `wait_seconds` first."""
        user = user.strip()
        stored = self.settings.admin_users.get(user)
        ok_user = verify_password(secret, stored if stored is not None else self._dummy_hash()) and stored is not None
        token = self.token
        ok_token = token is not None and hmac.compare_digest(secret.encode(), token.encode())
        pair = f"{self._account(user)}|{client}"
        if not (ok_user or ok_token):
            self.store.fail(pair, f"addr:{client}")
            return None
        name = user if ok_user else f"token:{user or 'staff'}"
        sid = secrets.token_urlsafe(32)
        self.store.clear(pair)
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
