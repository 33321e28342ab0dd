"""Calls to the Bot API that survive one bad moment: transient errors retried with backoff.

Installed as PTB's rate limiter, so it wraps every request: a 5xx (502 Bad Gateway), a dropped
connection or a timeout is retried with exponential backoff; a 429 waits the time Telegram asks
for, as often as needed within the attempts (AIORateLimiter, when used for throttling, pauses
every other request meanwhile). The typing indicator is not retried: it is best-effort.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import AIORateLimiter, BaseRateLimiter

log = logging.getLogger(__name__)
JSON = bool | dict[str, Any] | list[dict[str, Any]]
NOT_RETRIED = frozenset({"getUpdates", "sendChatAction"})  # the updater retries on its own; typing is best-effort


class RetryingLimiter(BaseRateLimiter[int]):
    """Retries transient failures of a Bot API call; throttles with AIORateLimiter when given one."""

    def __init__(self, throttle: AIORateLimiter | None = None, attempts: int = 6, backoff: float = 0.5,
                 max_backoff: float = 10.0) -> None:
        self.throttle = throttle
        self.attempts = attempts
        self.backoff = backoff
        self.max_backoff = max_backoff

    async def initialize(self) -> None:
        if self.throttle is not None:
            await self.throttle.initialize()

    async def shutdown(self) -> None:
        if self.throttle is not None:
            await self.throttle.shutdown()

    async def process_request(self, callback: Callable[..., Coroutine[Any, Any, JSON]], args: Any,
                              kwargs: dict[str, Any], endpoint: str, data: dict[str, Any],
                              rate_limit_args: int | None) -> JSON:
        attempts = 1 if endpoint in NOT_RETRIED else self.attempts
        for attempt in range(1, attempts + 1):
            try:
                if self.throttle is None:
                    return await callback(*args, **kwargs)
                # The throttle waits out each 429 itself (pausing other requests) up to `attempts` times.
                return await self.throttle.process_request(callback, args, kwargs, endpoint, data,
                                                           rate_limit_args or attempts - 1)
            except BadRequest:  # our request is wrong: sending it again changes nothing
                raise
            except RetryAfter as exc:
                if self.throttle is not None or attempt == attempts:
                    raise
                delay = exc.retry_after if isinstance(exc.retry_after, (int, float)) \
                    else exc.retry_after.total_seconds()
                log.warning("Telegram %s: flood limit, retry %d in %.1f s", endpoint, attempt, delay)
                await asyncio.sleep(delay + 0.1)
            except NetworkError as exc:  # 5xx, a dropped connection, a timeout
                if attempt == attempts:
                    log.error("Telegram %s failed %d times, giving up: %s", endpoint, attempts, exc)
                    raise
                delay = min(self.max_backoff, self.backoff * 2 ** (attempt - 1)) * random.uniform(1.0, 1.25)
                log.warning("Telegram %s failed (%s); retry %d in %.1f s", endpoint, exc, attempt, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")
