"""A sliding-window message limit per key (a Telegram user, a web address, a WeChat user)."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Hashable


class RateLimiter:
    """At most `limit` messages per key in any `window` seconds."""

    def __init__(self, limit: int, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._seen: dict[Hashable, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, key: Hashable, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            seen = self._seen[key]
            while seen and now - seen[0] > self.window:
                seen.popleft()
            if len(seen) >= self.limit:
                return False
            seen.append(now)
            if len(self._seen) > 10_000:  # forget keys that have gone quiet
                for old in [k for k, v in self._seen.items() if not v or now - v[-1] > self.window]:
                    del self._seen[old]
            return True
