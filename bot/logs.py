"""Logging for every command: one format on stderr, and no secret or personal number in any record.

Redaction happens where each record is made (a log-record factory), so it holds for every
logger and handler, including httpx's request lines (which carry the bot token in the URL),
tracebacks and handlers that libraries add later.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from bot.state.privacy import mask

SECRET = "[redacted]"
# Any Telegram bot token ("123456789:AA…"), also one that is not configured here.
_BOT_TOKEN = re.compile(r"(?<!\d)\d{5,12}:[A-Za-z0-9_-]{30,}")  # also in .../bot<token>/...


class Redactor:
    """Replaces known secrets, anything shaped like a bot token and personal numbers in log text."""

    def __init__(self) -> None:
        self._secrets: list[str] = []
        self._lock = threading.Lock()

    def add(self, secrets: Iterable[str | None]) -> None:
        with self._lock:
            found = set(self._secrets)
            for s in secrets:
                if s and len(s) >= 6:  # a shorter "secret" would blank out ordinary words
                    found |= {s, quote(s, safe="")}
            self._secrets = sorted(found, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, SECRET)
        return mask(_BOT_TOKEN.sub(SECRET, text))

    def record(self, record: logging.LogRecord) -> None:
        """Redact one record in place: its message (formatted now), traceback and stack."""
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: logging reports it later, as it always did
            return
        clean = self(message)
        if clean != message or record.args:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self(record.exc_text)
        if record.stack_info:
            record.stack_info = self(record.stack_info)


redactor = Redactor()
_installed = False


def install_redaction(secrets: Iterable[str | None] = ()) -> None:
    """Redact every log record from now on (idempotent); `secrets` are added to what is redacted."""
    global _installed
    redactor.add(secrets)
    if _installed:
        return
    make = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        redactor.record(record)
        return record

    logging.setLogRecordFactory(factory)
    _installed = True


def setup_logging(verbose: bool = False, secrets: Iterable[str | None] = ()) -> None:
    """Levels and format for the command line (stderr), with redaction installed."""
    install_redaction(secrets)
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("bm25s").setLevel(logging.WARNING)
