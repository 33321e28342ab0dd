"""A local stand-in of the Telegram Bot API for tests (the real API cannot be reached here).

It speaks the HTTP protocol python-telegram-bot uses: POST /bot<token>/<method> with form or
JSON parameters, long-polled getUpdates, and file downloads from /file/bot<token>/<path>. Tests
push user updates and read what the bot sent; `fail` makes the next calls of a method fail as
Telegram's do (a 502 from its front end, a 429 with retry_after, a dropped connection). Text sent
with parse_mode HTML is parsed as Telegram parses it (tests/helpers/tghtml.py): a sent message holds
the text a user sees and its entities, and malformed HTML gets Telegram's 400.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from tests.helpers.loopback import Loopback
from tests.helpers.tghtml import EntityError, parse

BOT_USER = {"id": 777000, "is_bot": True, "first_name": "社工助手", "username": "sw_helper_bot",
            "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # the default backlog of 5 resets connections under 50 concurrent users
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client hanging up is not an error
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class FakeBotAPI(Loopback):
    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._updates: list[dict[str, Any]] = []
        self._next_update = 1
        self._next_message = 1000
        self.files: dict[str, bytes] = {}
        self.calls: list[tuple[str, dict[str, Any], float]] = []  # (method, params, time)
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}  # (chat, message_id) -> bot message
        self.failures: dict[str, deque[tuple[int, int]]] = {}  # method -> [(status, retry_after)] to answer next
        self.failed: list[tuple[str, int]] = []  # (method, status) of the calls failed on purpose
        super().__init__(_Server(("127.0.0.1", 0), self._handler()))

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # ------------------------------------------------------------------ updates
    def _push(self, payload: dict[str, Any]) -> int:
        with self._lock:
            update_id = self._next_update
            self._next_update += 1
            self._updates.append({"update_id": update_id, **payload})
            self._lock.notify_all()
            return update_id

    def user(self, user_id: int, name: str = "用户") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": name}

    def send_text(self, user_id: int, text: str, *, chat_id: int | None = None, chat_type: str = "private",
                  reply_to_bot: dict[str, Any] | None = None) -> int:
        chat = {"id": chat_id or user_id, "type": chat_type}
        if chat_type != "private":
            chat["title"] = "测试群"
        message: dict[str, Any] = {"message_id": self._new_message_id(), "date": int(time.time()), "chat": chat,
                                   "from": self.user(user_id), "text": text}
        entities = []
        if text.startswith("/"):
            entities.append({"type": "bot_command", "offset": 0, "length": len(text.split()[0])})
        mention = "@" + BOT_USER["username"]
        if mention in text:
            entities.append({"type": "mention", "offset": text.index(mention), "length": len(mention)})
        if entities:
            message["entities"] = entities
        if reply_to_bot is not None:
            message["reply_to_message"] = reply_to_bot
        self._push({"message": message})
        return int(message["message_id"])

    def send_document(self, user_id: int, data: bytes, file_name: str, caption: str = "",
                      mime: str = "text/plain") -> None:
        file_id = f"file{len(self.files) + 1}"
        self.files[file_id] = data
        message = {"message_id": self._new_message_id(), "date": int(time.time()),
                   "chat": {"id": user_id, "type": "private"}, "from": self.user(user_id),
                   "document": {"file_id": file_id, "file_unique_id": file_id + "u", "file_name": file_name,
                                "mime_type": mime, "file_size": len(data)}}
        if caption:
            message["caption"] = caption
        self._push({"message": message})

    def press(self, user_id: int, bot_message: dict[str, Any], data: str) -> None:
        self._push({"callback_query": {"id": f"cq{time.monotonic_ns()}", "from": self.user(user_id),
                                       "chat_instance": "ci", "data": data, "message": bot_message}})

    def fail(self, method: str, times: int = 1, status: int = 502, retry_after: int = 1) -> None:
        """The next `times` calls of `method` fail: status 502, 500, 429 (with retry_after) or 0 (the
        connection is closed without a response, as when the network drops)."""
        with self._lock:
            self.failures.setdefault(method, deque()).extend([(status, retry_after)] * times)

    def _failure(self, method: str) -> tuple[int, int] | None:
        with self._lock:
            queue = self.failures.get(method)
            if not queue:
                return None
            status, retry_after = queue.popleft()
            self.failed.append((method, status))
            return status, retry_after

    # ------------------------------------------------------------------ reading what the bot did
    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [m for (chat, _), m in sorted(self.messages.items(), key=lambda kv: kv[0][1])
                    if chat_id is None or chat == chat_id]

    def last_id(self) -> int:
        with self._lock:
            return self._next_message

    def method_calls(self, method: str) -> list[dict[str, Any]]:
        with self._lock:
            return [p for m, p, _ in self.calls if m == method]

    def _new_message_id(self) -> int:
        with self._lock:
            self._next_message += 1
            return self._next_message

    # ------------------------------------------------------------------ the HTTP side
    def _answer(self, method: str, params: dict[str, Any]) -> Any:
        with self._lock:
            self.calls.append((method, params, time.monotonic()))
            self._lock.notify_all()
        if method == "getMe":
            return BOT_USER
        if method == "getUpdates":
            offset = int(params.get("offset", 0) or 0)
            timeout = min(float(params.get("timeout", 0) or 0), 1.0)
            with self._lock:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                if not self._updates and timeout:
                    self._lock.wait(timeout)
                return list(self._updates[:100])
        if method in ("sendMessage", "editMessageText", "editMessageReplyMarkup"):
            chat_id = int(params["chat_id"])
            message_id = self._new_message_id() if method == "sendMessage" else int(params["message_id"])
            with self._lock:
                old = self.messages.get((chat_id, message_id), {})
                message = {**old, "message_id": message_id, "date": int(time.time()),
                           "chat": {"id": chat_id, "type": "private"}, "from": BOT_USER}
                if "text" in params and params.get("parse_mode") == "HTML":
                    message["text"], message["entities"] = parse(str(params["text"]))
                elif "text" in params:
                    message["text"] = params["text"]
                    message.pop("entities", None)
                if "reply_markup" in params:
                    message["reply_markup"] = params["reply_markup"]
                elif method == "editMessageText":
                    message.pop("reply_markup", None)
                message["parse_mode"] = params.get("parse_mode")
                self.messages[(chat_id, message_id)] = message
                self._lock.notify_all()
            return message
        if method == "getFile":
            file_id = str(params["file_id"])
            return {"file_id": file_id, "file_unique_id": file_id + "u", "file_size": len(self.files[file_id]),
                    "file_path": f"documents/{file_id}"}
        return True

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _reply(self, status: int, body: bytes, content_type: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                if self.path.startswith("/file/bot"):
                    file_id = self.path.rsplit("/", 1)[-1]
                    if file_id in api.files:
                        self._reply(200, api.files[file_id], "application/octet-stream")
                        return
                    self._reply(404, b"{}")
                    return
                path, _, query = self.path.partition("?")  # the Bot API takes GET with a query string too
                self._call(path.rsplit("/", 1)[-1], query, form=True)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8") if length else ""
                form = "json" not in (self.headers.get("Content-Type") or "")
                self._call(self.path.rsplit("/", 1)[-1], raw, form=form)

            def _call(self, method: str, raw: str, form: bool) -> None:
                params: dict[str, Any] = {}
                if not form:
                    params = json.loads(raw or "{}")
                else:
                    for key, values in parse_qs(raw).items():
                        value: Any = values[0]
                        if value[:1] in "[{":
                            with contextlib.suppress(ValueError):
                                value = json.loads(value)
                        params[key] = value
                failure = api._failure(method)
                if failure is not None:
                    status, retry_after = failure
                    if status == 0:  # the connection drops before any answer
                        self.close_connection = True
                        return
                    body: dict[str, Any] = {"ok": False, "error_code": status,
                                            "description": "Bad Gateway" if status == 502 else f"Error {status}"}
                    if status == 429:
                        body["description"] = f"Too Many Requests: retry after {retry_after}"
                        body["parameters"] = {"retry_after": retry_after}
                    self._reply(status, json.dumps(body).encode())
                    return
                try:
                    result = api._answer(method, params)
                except EntityError as exc:
                    self._reply(400, json.dumps({"ok": False, "error_code": 400, "description": str(exc)}).encode())
                    return
                self._reply(200, json.dumps({"ok": True, "result": result}, ensure_ascii=False).encode())

        return Handler
