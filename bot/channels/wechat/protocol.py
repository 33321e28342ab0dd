"""WeChat's server-to-server protocol, through wechatpy: signatures, plain and encrypted (safe) mode,
stale or replayed requests, and the passive reply's XML."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature

from bot.settings import Settings

MAX_BODY = 64 * 1024  # a text message is at most a few kilobytes
FRESH_SECONDS = 300  # a request signed longer ago than this is refused: no replay after five minutes


class Refused(Exception):
    """A request that did not come from WeChat (bad signature, stale, undecryptable)."""


@dataclass(frozen=True)
class Signed:
    """The query string WeChat signs each request with."""

    signature: str
    timestamp: str
    nonce: str
    encrypted: bool
    msg_signature: str

    @classmethod
    def from_query(cls, query: dict[str, str]) -> Signed:
        return cls(query.get("signature", ""), query.get("timestamp", ""), query.get("nonce", ""),
                   query.get("encrypt_type", "raw") == "aes", query.get("msg_signature", ""))


class Gate:
    """Checks that a request is WeChat's and opens it; seals the passive reply the same way."""

    def __init__(self, settings: Settings) -> None:
        if not settings.wechat_token:
            raise ValueError("WECHAT_TOKEN is not set (see README, WeChat)")
        self.token = settings.wechat_token
        self.crypto = (WeChatCrypto(self.token, settings.wechat_encoding_aes_key, settings.wechat_app_id or "")
                       if settings.wechat_encoding_aes_key else None)

    def check(self, signed: Signed, now: float | None = None) -> None:
        """The plain signature (sent in every mode) and a fresh timestamp."""
        try:
            check_signature(self.token, signed.signature, signed.timestamp, signed.nonce)
        except InvalidSignatureException:
            raise Refused("bad signature") from None
        try:
            age = abs((time.time() if now is None else now) - int(signed.timestamp))
        except ValueError:
            raise Refused("bad timestamp") from None
        if age > FRESH_SECONDS:
            raise Refused(f"stale request ({age:.0f} s old)")

    def open(self, signed: Signed, body: bytes) -> Any:
        """The message (wechatpy's object); in safe mode decrypted after its own signature is checked."""
        self.check(signed)
        if len(body) > MAX_BODY:
            raise Refused("body too large")
        xml = body.decode("utf-8", errors="replace")
        if signed.encrypted:
            if self.crypto is None:
                raise Refused("encrypted message but WECHAT_ENCODING_AES_KEY is not set")
            try:
                xml = self.crypto.decrypt_message(xml, signed.msg_signature, signed.timestamp, signed.nonce)
            except (InvalidSignatureException, InvalidAppIdException):
                raise Refused("bad message signature or app id") from None
            except Exception as exc:  # not base64, wrong key, broken padding
                raise Refused(f"cannot decrypt: {type(exc).__name__}") from None
        try:
            return parse_message(xml)
        except Exception as exc:
            raise Refused(f"unreadable XML: {type(exc).__name__}") from None

    def reply(self, signed: Signed, message: Any, text: str) -> str:
        """The passive text reply, encrypted when the request was."""
        xml = TextReply(content=text, message=message).render()
        if signed.encrypted and self.crypto is not None:
            return str(self.crypto.encrypt_message(xml, signed.nonce, signed.timestamp))
        return str(xml)


class Seen:
    """Requests already handled, by message id (or sender and time for events), with the reply given:
    WeChat retries a request it got no answer to, and a replayed request must not be answered twice."""

    def __init__(self, size: int = 10_000) -> None:
        self._replies: OrderedDict[str, str | None] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    @staticmethod
    def key(message: Any) -> str:
        msg_id = getattr(message, "id", None)
        if msg_id:
            return f"id:{msg_id}"
        return f"ev:{message.source}:{message.time}:{getattr(message, 'event', '')}:{getattr(message, 'key', '')}"

    def first(self, key: str) -> bool:
        """True the first time a key is seen (and remember it as being handled)."""
        with self._lock:
            if key in self._replies:
                return False
            self._replies[key] = None
            while len(self._replies) > self._size:
                self._replies.popitem(last=False)
            return True

    def done(self, key: str, reply: str) -> None:
        with self._lock:
            if key in self._replies:
                self._replies[key] = reply

    def reply(self, key: str) -> str | None:
        with self._lock:
            return self._replies.get(key)
