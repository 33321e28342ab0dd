"""The JSONL batch interface: one request object per line in, one reply object per line out.

Every input line gets its own output line, a reply or an error, and the batch goes on: lines
are read as bytes and decoded one by one (an invalid byte spoils only its line), nothing a
client sends (nesting, huge numbers, wrong types, lone surrogates) escapes as an exception, and
what is written is always valid UTF-8.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from bot.answering.reply import Question, Reply, Turn, reply_json
from bot.state.privacy import mask

MAX_LINE_BYTES = 1_000_000  # a longer line is skipped with an error; a question is at most a few KB
MAX_HISTORY_TURNS = 20  # earlier turns than these are not read
_SURROGATE = re.compile(r"[\ud800-\udfff]")


class RequestError(ValueError):
    pass


def _text(value: str) -> str:
    """Text as it enters: lone surrogates (which no encoder can write) become U+FFFD, personal numbers masked."""
    return mask(_SURROGATE.sub("\ufffd", value))


def _load(line: str) -> Any:
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        raise RequestError(f"not valid JSON: {exc.msg} at column {exc.colno}") from exc
    except RecursionError:
        raise RequestError("not accepted: JSON nested too deeply") from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise RequestError(f"not accepted: {exc}") from None


def parse_request(line: str, default_today: dt.date) -> tuple[str | None, Question]:
    """(id, Question) from one line; RequestError says what is wrong with it."""
    obj = _load(line)
    if not isinstance(obj, dict):
        raise RequestError("a request must be a JSON object")
    req_id = _request_id(obj)
    question = obj.get("question")
    if not isinstance(question, str):
        raise RequestError("'question' must be a string")
    today = default_today
    if obj.get("today") is not None:
        try:
            today = dt.date.fromisoformat(str(obj["today"]))
        except ValueError:
            raise RequestError(f"'today' must be an ISO date (YYYY-MM-DD): {str(obj['today'])[:40]!r}") from None
    raw_history = obj.get("history")
    if raw_history is None:
        raw_history = []
    if not isinstance(raw_history, list):
        raise RequestError("'history' must be a list of {\"role\": \"user\"|\"assistant\", \"content\": str}")
    history: list[Turn] = []
    for turn in raw_history[-MAX_HISTORY_TURNS:]:
        if not isinstance(turn, dict) or turn.get("role") not in ("user", "assistant") \
                or not isinstance(turn.get("content"), str):
            raise RequestError("'history' items must be {\"role\": \"user\"|\"assistant\", \"content\": str}")
        history.append(Turn(turn["role"], _text(turn["content"])))
    return req_id, Question(_text(question), today, history)


def _request_id(obj: Any) -> str | None:
    """The id as a string (a client's id comes back as sent), or None."""
    if not isinstance(obj, dict) or obj.get("id") is None:
        return None
    req_id = obj["id"]
    return req_id if isinstance(req_id, str) else json.dumps(req_id, ensure_ascii=False)[:200]


def _id_of_bad_line(line: str) -> str | None:
    try:
        return _request_id(json.loads(line))
    except (ValueError, RecursionError):
        return None


def read_lines(stream: IO[bytes], max_bytes: int = MAX_LINE_BYTES) -> Iterator[bytes | None]:
    """The raw lines of a byte stream; None stands for a line longer than `max_bytes` (skipped)."""
    while line := stream.readline(max_bytes + 1):
        if len(line) <= max_bytes or line.endswith(b"\n"):
            yield line
            continue
        while (rest := stream.readline(max_bytes)) and not rest.endswith(b"\n"):
            pass
        yield None


def _decode(raw: bytes | str | None, number: int) -> str:
    if raw is None:
        raise RequestError(f"line longer than {MAX_LINE_BYTES} bytes: skipped")
    if isinstance(raw, str):
        return raw
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RequestError(f"not valid UTF-8: byte 0x{raw[exc.start]:02x} at position {exc.start}") from None
    return text.removeprefix("\ufeff") if number == 1 else text  # a byte-order mark is not a character


def run_batch(lines: Iterable[bytes | str | None], ask: Callable[[Question], Reply],
              default_today: dt.date) -> Iterator[dict[str, Any]]:
    """Reply objects in input order; a bad line yields an error object and the batch goes on."""
    for number, raw in enumerate(lines, 1):
        line = ""
        try:
            line = _decode(raw, number)
            if not line.strip():
                continue
            req_id, question = parse_request(line, default_today)
        except RequestError as exc:
            bad_id = _id_of_bad_line(line) if line else None
            if bad_id is None and isinstance(raw, bytes):
                bad_id = _id_of_bad_line(raw.decode("utf-8", "replace"))
            yield {"id": bad_id, "error": str(exc), "line": number, "answered": False}
            continue
        try:
            yield reply_json(req_id, ask(question))
        except Exception as exc:
            yield {"id": req_id, "error": f"internal error: {type(exc).__name__}: {str(exc)[:300]}",
                   "line": number, "answered": False}


def encode(obj: dict[str, Any]) -> bytes:
    """One output line, always valid UTF-8: what cannot be encoded (a lone surrogate in an id) is escaped."""
    try:
        return (json.dumps(obj, ensure_ascii=False) + "\n").encode("utf-8")
    except UnicodeEncodeError:
        return (json.dumps(obj, ensure_ascii=True) + "\n").encode("ascii")
