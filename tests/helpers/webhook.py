"""The Bot API stand-in in webhook mode: after setWebhook it posts each update to the URL with the
secret token, as Telegram's Bot API server does (telegram-bot-api's WebhookActor): updates are
queued per chat and a chat's next update is sent only once the previous one got a 2xx; different
chats go out in parallel over up to max_connections connections; a non-2xx answer or a broken
connection is retried with a growing delay (here from 0.1 s, faster than Telegram's 1 s)."""

from __future__ import annotations

import heapq
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from typing import Any

from tests.helpers.botapi import FakeBotAPI


def _queue_of(update: dict[str, Any]) -> int:
    for key, value in update.items():
        if key == "update_id" or not isinstance(value, dict):
            continue
        chat = value.get("chat") or (value.get("message") or {}).get("chat") or value.get("from")
        if isinstance(chat, dict) and "id" in chat:
            return int(chat["id"])
    return -int(update["update_id"])


class WebhookBotAPI(FakeBotAPI):
    RETRY_FIRST, RETRY_MAX = 0.1, 2.0

    def __init__(self) -> None:
        super().__init__()
        self.webhook: dict[str, Any] | None = None
        self.acks: dict[int, int] = {}  # update_id -> 2xx answers received (1 each, or Telegram redelivered)
        self.delivery_failures: list[tuple[int, str]] = []  # (update_id, why) for every failed delivery
        self.pushed_at: dict[int, float] = {}  # update_id -> when the user sent it
        self._queues: dict[int, deque[dict[str, Any]]] = {}
        self._ready: list[tuple[float, int, int]] = []  # (wake at, tie, queue) heap of sendable queue heads
        self._delay: dict[int, float] = {}
        self._tie = itertools.count()
        self._cv = threading.Condition()
        self._senders: list[threading.Thread] = []
        self._closing = False

    # ------------------------------------------------------------------ the Bot API side
    def _answer(self, method: str, params: dict[str, Any]) -> Any:
        if method == "setWebhook":
            with self._cv:
                self.webhook = {"url": params["url"], "secret": params.get("secret_token") or "",
                                "max_connections": int(params.get("max_connections") or 40)}
                while len(self._senders) < self.webhook["max_connections"]:
                    sender = threading.Thread(target=self._send_loop, daemon=True)
                    sender.start()
                    self._senders.append(sender)
                self._cv.notify_all()
            with self._lock:
                self.calls.append((method, params, time.monotonic()))
            return True
        if method == "deleteWebhook":
            with self._cv:
                self.webhook = None
            return True
        if method == "getWebhookInfo":
            return {"url": (self.webhook or {}).get("url", ""), "has_custom_certificate": False,
                    "pending_update_count": self.pending()}
        return super()._answer(method, params)

    def _push(self, payload: dict[str, Any]) -> int:
        if self.webhook is None:
            return super()._push(payload)
        with self._lock:
            update_id = self._next_update
            self._next_update += 1
        update = {"update_id": update_id, **payload}
        with self._cv:
            self.pushed_at[update_id] = time.monotonic()
            queue = _queue_of(update)
            waiting = self._queues.setdefault(queue, deque())
            waiting.append(update)
            if len(waiting) == 1:
                heapq.heappush(self._ready, (time.monotonic(), next(self._tie), queue))
                self._cv.notify()
        return update_id

    def pending(self) -> int:
        with self._cv:
            return sum(len(q) for q in self._queues.values())

    def close(self) -> None:
        with self._cv:
            self._closing = True
            self._cv.notify_all()

    def __exit__(self, *exc: object) -> None:
        self.close()
        super().__exit__(*exc)

    # ------------------------------------------------------------------ delivery
    def _send_loop(self) -> None:
        while True:
            with self._cv:
                while not self._closing and (self.webhook is None or not self._ready
                                             or self._ready[0][0] > time.monotonic()):
                    timeout = self._ready[0][0] - time.monotonic() if self._ready else None
                    self._cv.wait(timeout=max(timeout, 0.01) if timeout is not None else 0.5)
                if self._closing:
                    return
                _, _, queue = heapq.heappop(self._ready)
                update = self._queues[queue][0]
                hook = dict(self.webhook or {})
            ok, why = self._post(hook, update)
            with self._cv:
                if ok:
                    self.acks[update["update_id"]] = self.acks.get(update["update_id"], 0) + 1
                    self._delay.pop(queue, None)
                    self._queues[queue].popleft()
                    if self._queues[queue]:
                        heapq.heappush(self._ready, (time.monotonic(), next(self._tie), queue))
                    else:
                        del self._queues[queue]
                else:
                    self.delivery_failures.append((update["update_id"], why))
                    delay = min(self._delay.get(queue, self.RETRY_FIRST / 2) * 2, self.RETRY_MAX)
                    self._delay[queue] = delay
                    heapq.heappush(self._ready, (time.monotonic() + delay, next(self._tie), queue))
                self._cv.notify_all()

    @staticmethod
    def _post(hook: dict[str, Any], update: dict[str, Any]) -> tuple[bool, str]:
        request = urllib.request.Request(
            hook["url"], data=json.dumps(update, ensure_ascii=False).encode(), method="POST",
            headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": hook["secret"]})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return 200 <= response.status < 300, str(response.status)
        except urllib.error.HTTPError as exc:
            return False, str(exc.code)
        except (OSError, ValueError) as exc:
            return False, type(exc).__name__
