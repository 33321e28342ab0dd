"""The JSONL batch interface: one request object per line in, one reply object per line out."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from bot.answering.reply import Question, Reply, Turn
from bot.rules.eligibility import Eligibility


class RequestError(ValueError):
    pass


def parse_request(line: str, default_today: dt.date) -> tuple[str | None, Question]:
    """(id, Question) from one line; RequestError says what is wrong with it."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise RequestError(f"not valid JSON: {exc.msg} at column {exc.colno}") from exc
    if not isinstance(obj, dict):
        raise RequestError("a request must be a JSON object")
    req_id = obj.get("id")
    req_id = None if req_id is None else str(req_id)
    question = obj.get("question")
    if not isinstance(question, str):
        raise RequestError("'question' must be a string")
    today = default_today
    if obj.get("today") is not None:
        try:
            today = dt.date.fromisoformat(str(obj["today"]))
        except ValueError as exc:
            raise RequestError(f"'today' must be an ISO date (YYYY-MM-DD): {obj['today']!r}") from exc
    history: list[Turn] = []
    for turn in obj.get("history") or []:
        if not isinstance(turn, dict) or turn.get("role") not in ("user", "assistant") \
                or not isinstance(turn.get("content"), str):
            raise RequestError("'history' items must be {\"role\": \"user\"|\"assistant\", \"content\": str}")
        history.append(Turn(turn["role"], turn["content"]))
    return req_id, Question(question, today, history)


def eligibility_json(e: Eligibility | None) -> dict[str, Any] | None:
    if e is None:
        return None
    return {"verdict": e.verdict,
            "criteria": [{"id": c.id, "status": c.status, "reason": c.reason} for c in e.criteria]}


def reply_json(req_id: str | None, reply: Reply) -> dict[str, Any]:
    return {
        "id": req_id,
        "answer": reply.answer,
        "answered": reply.answered,
        "sources": [{"doc_id": s.chunk.doc_id, "title": s.chunk.title, "published": s.chunk.published,
                     "heading": s.chunk.heading, "text": s.chunk.text, "score": s.score}
                    for s in reply.sources],
        "eligibility": eligibility_json(reply.eligibility),
        "latency_ms": reply.latency_ms,
        "generator": reply.generator,
    }


def _request_id(line: str) -> str | None:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError:
        return None
    return str(obj["id"]) if isinstance(obj, dict) and obj.get("id") is not None else None


def run_batch(lines: Iterable[str], ask: Callable[[Question], Reply],
              default_today: dt.date) -> Iterator[dict[str, Any]]:
    """Reply objects in input order; a bad line yields an error object and the batch goes on."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            req_id, question = parse_request(line, default_today)
        except RequestError as exc:
            yield {"id": _request_id(line), "error": str(exc), "line": number, "answered": False}
            continue
        try:
            yield reply_json(req_id, ask(question))
        except Exception as exc:
            yield {"id": req_id, "error": f"internal error: {type(exc).__name__}: {exc}", "line": number,
                   "answered": False}
