"""A local stand-in for WeChat's servers (the real ones cannot be reached here), on 127.0.0.1.

Both sides of the protocol, written from WeChat's documentation independently of wechatpy:
- the platform posting to the account's URL: signed XML (sha1 of token, timestamp, nonce), and in
  safe mode the message AES-256-CBC encrypted with msg_signature; replies are decrypted the same way;
- the HTTP API the account calls: /cgi-bin/token (access token) and /cgi-bin/message/custom/send
  (customer-service messages), /cgi-bin/menu/create; every call is recorded.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse
from xml.etree import ElementTree

import httpx
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

APP_ID, APP_SECRET, TOKEN = "wx0123456789abcdef", "s3cr3t-app-secret", "token-for-tests"
AES_KEY = base64.b64encode(bytes(range(32))).decode().rstrip("=")  # 43 characters, as WeChat issues it


def sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def _cipher(key: bytes) -> Cipher[modes.CBC]:
    return Cipher(algorithms.AES(key), modes.CBC(key[:16]))


def encrypt(xml: str, key_b64: str = AES_KEY, app_id: str = APP_ID) -> str:
    key = base64.b64decode(key_b64 + "=")
    raw = os.urandom(16) + struct.pack(">I", len(xml.encode())) + xml.encode() + app_id.encode()
    pad = 32 - len(raw) % 32
    enc = _cipher(key).encryptor()
    return base64.b64encode(enc.update(raw + bytes([pad]) * pad) + enc.finalize()).decode()


def decrypt(text: str, key_b64: str = AES_KEY, app_id: str = APP_ID) -> str:
    key = base64.b64decode(key_b64 + "=")
    dec = _cipher(key).decryptor()
    raw = dec.update(base64.b64decode(text)) + dec.finalize()
    raw = raw[:-raw[-1]]
    length = struct.unpack(">I", raw[16:20])[0]
    assert raw[20 + length:].decode() == app_id, "the reply is for another app"
    return raw[20:20 + length].decode()


def text_xml(openid: str, content: str, msg_id: int) -> str:
    return (f"<xml><ToUserName><![CDATA[gh_account]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>")


def event_xml(openid: str, event: str, key: str = "") -> str:
    return (f"<xml><ToUserName><![CDATA[gh_account]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            f"<Event><![CDATA[{event}]]></Event><EventKey><![CDATA[{key}]]></EventKey></xml>")


def fields(xml: str) -> dict[str, str]:
    return {child.tag: child.text or "" for child in ElementTree.fromstring(xml)}


class Platform:
    """WeChat posting to the account: signs (and in safe mode encrypts) like the real platform."""

    def __init__(self, url: str, token: str = TOKEN, aes_key: str | None = None) -> None:
        self.url, self.token, self.aes_key = url, token, aes_key

    def query(self, body: str = "", *, timestamp: int | None = None, nonce: str | None = None,
              bad: str = "") -> tuple[dict[str, str], str]:
        ts, nonce = str(timestamp or int(time.time())), nonce or secrets.token_hex(5)
        query = {"signature": sign(self.token, ts, nonce), "timestamp": ts, "nonce": nonce, "openid": "o-user"}
        if bad == "signature":
            query["signature"] = sign("not-the-token", ts, nonce)
        if self.aes_key is not None:
            encrypted = encrypt(body, self.aes_key)
            query.update(encrypt_type="aes", msg_signature=sign(self.token, ts, nonce, encrypted))
            if bad == "msg_signature":
                query["msg_signature"] = sign(self.token, ts, nonce, encrypted + "x")
            body = (f"<xml><ToUserName><![CDATA[gh_account]]></ToUserName>"
                    f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>")
        return query, body

    def post(self, xml: str, **signing: Any) -> httpx.Response:
        query, body = self.query(xml, **signing)
        return httpx.post(f"{self.url}?{urlencode(query)}", content=body.encode(), timeout=30,
                          headers={"Content-Type": "text/xml"})

    def resend(self, response: httpx.Response) -> httpx.Response:
        """The very same request again (WeChat's retry, or someone replaying it)."""
        request = response.request
        return httpx.post(str(request.url), content=request.content, timeout=30, headers={"Content-Type": "text/xml"})

    def reply(self, response: httpx.Response) -> dict[str, str]:
        """The passive reply's fields, decrypted (and its signature checked) in safe mode; {} for none."""
        if response.text in ("", "success"):
            return {}
        outer = fields(response.text)
        if "Encrypt" not in outer:
            return outer
        assert outer["MsgSignature"] == sign(self.token, outer["TimeStamp"], outer["Nonce"], outer["Encrypt"])
        return fields(decrypt(outer["Encrypt"], str(self.aes_key)))


class FakeWeChatAPI:
    """WeChat's HTTP API on 127.0.0.1: issues access tokens and records what the account sends."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.tokens_issued = 0
        self._lock = threading.Condition()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _answer(self, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urlparse(self.path)
                params = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/cgi-bin/token":
                    if params.get("appid") != APP_ID or params.get("secret") != APP_SECRET:
                        return self._answer({"errcode": 40125, "errmsg": "invalid appsecret"})
                    with api._lock:
                        api.tokens_issued += 1
                        token = f"ACCESS-{api.tokens_issued}"
                        api.calls.append(("token", params))
                    return self._answer({"access_token": token, "expires_in": 7200})
                self._answer({"errcode": 404, "errmsg": "unknown api"})

            def do_POST(self) -> None:
                url = urlparse(self.path)
                params = {k: v[0] for k, v in parse_qs(url.query).items()}
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                if not params.get("access_token", "").startswith("ACCESS-"):
                    return self._answer({"errcode": 40001, "errmsg": "invalid credential"})
                name = {"/cgi-bin/message/custom/send": "custom_send", "/cgi-bin/menu/create": "menu_create"}.get(
                    url.path)
                if name is None:
                    return self._answer({"errcode": 404, "errmsg": "unknown api"})
                with api._lock:
                    api.calls.append((name, body))
                    api._lock.notify_all()
                self._answer({"errcode": 0, "errmsg": "ok"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/cgi-bin/"

    def __enter__(self) -> FakeWeChatAPI:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def sent(self, name: str = "custom_send") -> list[dict[str, Any]]:
        with self._lock:
            return [body for call, body in self.calls if call == name]

    def wait_sent(self, count: int, timeout: float = 30.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        with self._lock:
            while len([1 for call, _ in self.calls if call == "custom_send"]) < count:
                left = deadline - time.monotonic()
                assert left > 0, f"expected {count} customer-service messages, got {self.calls}"
                self._lock.wait(left)
        return self.sent()
