"""A local stand-in for an OpenAI-compatible chat-completions server, on 127.0.0.1.

It speaks the protocol the real `langchain-openai` client uses (POST /v1/chat/completions, JSON or
server-sent events when "stream" is true) and answers from a script: a function of the request's
purpose (answer / rewrite / extract) and its user message. A scripted reply may also be a
failure: an HTTP status, a delay longer than the client's timeout, a malformed body, or a
connection closed without any response.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.helpers.loopback import Loopback


@dataclass
class Scripted:
    content: str = ""
    status: int = 200
    delay: float = 0.0  # before the first byte
    malformed: bool = False
    chunk_delay: float = 0.0  # between streamed pieces
    dropped: bool = False  # the connection is closed without a response (the client sees a connection error)


Script = Callable[[str, str], Scripted | str]  # (purpose, user message) -> reply


def purpose_of(system: str) -> str:
    if "改写" in system:
        return "rewrite"
    if "JSON" in system:
        return "extract"
    return "answer"


class FakeLLM(Loopback):
    def __init__(self, script: Script | None = None) -> None:
        self.script: Script = script or (lambda purpose, user: "")
        self.requests: list[dict[str, Any]] = []
        super().__init__(ThreadingHTTPServer(("127.0.0.1", 0), self._handler()))

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def purposes(self) -> list[str]:
        return [purpose_of(r["messages"][0]["content"]) for r in self.requests]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                fake.requests.append(body)
                messages = body["messages"]
                reply = fake.script(purpose_of(messages[0]["content"]), messages[-1]["content"])
                scripted = reply if isinstance(reply, Scripted) else Scripted(str(reply))
                if scripted.delay:
                    time.sleep(scripted.delay)
                if scripted.dropped:
                    self.close_connection = True  # no status line: httpx raises RemoteProtocolError
                elif scripted.status != 200:
                    self._send(scripted.status, b'{"error": {"message": "scripted failure"}}')
                elif scripted.malformed:
                    self._send(200, b'{"choices": [{"message": ')
                elif body.get("stream"):
                    self._stream(body, scripted)
                else:
                    self._send(200, json.dumps({
                        "id": "chatcmpl-1", "object": "chat.completion", "created": int(time.time()),
                        "model": body.get("model", "fake"),
                        "choices": [{"index": 0, "finish_reason": "stop",
                                     "message": {"role": "assistant", "content": scripted.content}}],
                        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                    }).encode())

            def _send(self, status: int, data: bytes) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (its timeout)
                    pass

            def _stream(self, body: dict[str, Any], scripted: Scripted) -> None:
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.send_header("Connection", "close")
                    self.end_headers()
                    text = scripted.content
                    pieces = [text[i:i + 6] for i in range(0, len(text), 6)] or [""]
                    for piece in pieces:
                        event = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": int(time.time()),
                                 "model": body.get("model", "fake"),
                                 "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                        self.wfile.write(f"data: {json.dumps(event, ensure_ascii=False)}\n\n".encode())
                        self.wfile.flush()
                        time.sleep(scripted.chunk_delay)
                    done = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": int(time.time()),
                            "model": body.get("model", "fake"),
                            "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
                    self.wfile.write(f"data: {json.dumps(done)}\n\ndata: [DONE]\n\n".encode())
                    self.wfile.flush()
                    self.close_connection = True
                except (BrokenPipeError, ConnectionResetError):
                    pass

        return Handler
