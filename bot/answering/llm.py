"""An optional language model behind any OpenAI-compatible endpoint (langchain-openai).

It writes the answer from the numbered sources and the rules' output, rewrites follow-up
questions, and reads an applicant's self-description into the rules' typed fields. It never
decides: every answer passes the grounding check before it is shown, and on any failure,
timeout or error the extractive answer goes out instead. Each such event is counted.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.answering.grounding import check, normalize, strip_instructions
from bot.answering.reply import Reply, Turn
from bot.answering.templates import read_texts
from bot.index.passages import Source
from bot.settings import Settings

log = logging.getLogger(__name__)

PROMPTS: dict[str, set[str]] = {
    "answer_system": {"today"},
    "answer_user": {"sources", "facts", "question"},
    "rewrite_system": set(),
    "rewrite_user": {"history", "question"},
    "extract_system": set(),
    "extract_user": {"message"},
}
NOT_IN_SOURCES = "资料中没有相关信息"
MAX_SOURCES = 5
COMPOSED_KINDS = ("answer", "timeline", "criteria", "station", "fact")  # eligibility verdicts stay the rules' own text
_SENTENCE_END = re.compile(r"[。！？!?\n]")


def load_prompts(prompts_dir: Path) -> dict[str, str]:
    """prompts/llm.yaml, every prompt present with exactly its placeholders."""
    return read_texts(prompts_dir / "llm.yaml", PROMPTS, exact=True)[1]


class LlmClient:
    """A chat model at LLM_BASE_URL; no retries (a fallback answer is better than a long wait)."""

    def __init__(self, settings: Settings) -> None:
        from langchain_openai import ChatOpenAI

        self.settings = settings
        self.model = ChatOpenAI(base_url=settings.llm_base_url, model=settings.llm_model or "default",
                                api_key=settings.llm_api_key or "not-needed",  # type: ignore[arg-type]
                                timeout=settings.llm_timeout, max_retries=0, temperature=settings.llm_temperature,
                                max_tokens=settings.llm_max_tokens)  # type: ignore[call-arg]

    @staticmethod
    def _messages(system: str, user: str) -> list[Any]:
        from langchain_core.messages import HumanMessage, SystemMessage

        return [SystemMessage(system), HumanMessage(user)]

    def complete(self, system: str, user: str) -> str:
        return str(self.model.invoke(self._messages(system, user)).content)

    def stream(self, system: str, user: str) -> Iterator[str]:
        for chunk in self.model.stream(self._messages(system, user)):
            yield str(chunk.content)


class Fallback(Exception):
    """The model's output is not used; `reason` is counted."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass
class Composed:
    text: str  # citations renumbered to the order of `cited`
    cited: list[Source]


class LlmWriter:
    """What the engine asks of the model, each use with its own check and fallback."""

    def __init__(self, client: LlmClient, prompts: dict[str, str], settings: Settings) -> None:
        self.client = client
        self.prompts = prompts
        self.settings = settings
        self.counts: Counter[str] = Counter()
        self._down_until = 0.0

    # After a timeout or error the model is left alone for a while: each question would
    # otherwise wait out the timeout again before its extractive answer.
    PAUSE_AFTER_FAILURE = 30.0

    def available(self) -> bool:
        return time.monotonic() >= self._down_until

    def _failed(self) -> None:
        self._down_until = time.monotonic() + self.PAUSE_AFTER_FAILURE

    @classmethod
    def from_settings(cls, settings: Settings) -> LlmWriter | None:
        if not settings.llm_base_url:
            return None
        return cls(LlmClient(settings), load_prompts(settings.prompts_dir), settings)

    def count(self, event: str, detail: str = "") -> None:
        self.counts[event] += 1
        if not event.endswith("used"):
            log.warning("llm %s%s", event, f": {detail}" if detail else "")

    # ------------------------------------------------------------------ answers
    def compose(self, question: str, reply: Reply, today: dt.date,
                on_partial: Callable[[str], None] | None = None) -> Composed:
        """The model's answer from the reply's passages and rules output, checked; raises Fallback."""
        if not self.available():
            raise Fallback("skipped", "a recent timeout or error")
        given = self._sources(reply)
        texts = [strip_instructions(s.chunk.text) for s in given]
        numbered = "\n\n".join(f"[{i}] 《{s.chunk.title}》（{s.chunk.published}）\n{text}"
                               for i, (s, text) in enumerate(zip(given, texts, strict=True), 1))
        facts = reply.answer if reply.kind != "answer" else "（无）"
        today_zh = f"{today.year}年{today.month}月{today.day}日"
        system = self.prompts["answer_system"].format(today=today_zh)
        user = self.prompts["answer_user"].format(sources=numbered, facts=facts, question=question)
        extra = [strip_instructions(reply.answer), today_zh, today.isoformat(),
                 *(f"{s.chunk.title} {s.chunk.published}" for s in given)]
        text = self._generate(system, user, texts, extra, on_partial)
        if NOT_IN_SOURCES in normalize(text):
            raise Fallback("declined", "the model found no answer where the extractive answer found one")
        result = check(text, texts, extra)
        if not result.ok:
            raise Fallback("grounding", "; ".join(result.problems))
        order = list(dict.fromkeys(result.cited))  # renumbered 〔1〕〔2〕… in order of first citation
        text = re.sub(r"\[(\d+)\]", lambda m: f"〔{order.index(int(m[1])) + 1}〕", text)
        return Composed(text.strip(), [given[n - 1] for n in order])

    @staticmethod
    def _sources(reply: Reply) -> list[Source]:
        out: list[Source] = []
        for s in [*reply.cited, *reply.sources]:
            if s.chunk.id not in {o.chunk.id for o in out}:
                out.append(s)
        return out[:MAX_SOURCES]

    def _generate(self, system: str, user: str, texts: list[str], extra: list[str],
                  on_partial: Callable[[str], None] | None) -> str:
        deadline = time.monotonic() + self.settings.llm_timeout
        try:
            if on_partial is None or not self.settings.llm_stream:
                return self.client.complete(system, user)
            text, shown = "", 0
            for piece in self.client.stream(system, user):
                text += piece
                if time.monotonic() > deadline:
                    raise Fallback("timeout", f"over {self.settings.llm_timeout:g} s")
                end = max((m.end() for m in _SENTENCE_END.finditer(text)), default=0)
                if end > shown:  # show only whole sentences that pass the check so far
                    partial = check(text[:end], texts, extra, require_citation=False)
                    if not partial.ok:
                        raise Fallback("grounding", "; ".join(partial.problems))
                    shown = end
                    on_partial(text[:end])
            return text
        except Fallback:
            raise
        except Exception as exc:  # timeouts, HTTP errors, malformed responses: all fall back
            self._failed()
            name = type(exc).__name__
            raise Fallback("timeout" if "Timeout" in name else "error", f"{name}: {exc}"[:300]) from exc

    # ------------------------------------------------------------------ follow-ups
    def rewrite(self, history: list[Turn], question: str) -> str | None:
        """A standalone version of a follow-up question, or None (the caller's heuristic applies)."""
        if not self.available():
            return None
        lines = "\n".join(f"{'用户' if t.role == 'user' else '助手'}：{t.content[:300]}" for t in history[-6:])
        try:
            out = self.client.complete(self.prompts["rewrite_system"],
                                       self.prompts["rewrite_user"].format(history=lines, question=question))
        except Exception as exc:
            self._failed()
            self.count("rewrite_error", f"{type(exc).__name__}: {exc}"[:200])
            return None
        out = re.sub(r"^(改写后的(独立)?问题|问题)[:：]\s*", "", out.strip()).strip("“”\"' \n")
        if not out or len(out) > max(200, 3 * len(question)) or not re.search(r"[\u4e00-\u9fff]", out):
            self.count("rewrite_rejected", out[:80])
            return None
        self.count("rewrite_used")
        return out

    # ------------------------------------------------------------------ facts
    def extract(self, message: str) -> dict[str, Any]:
        """Facts from an applicant's words as JSON; only values the words support are kept."""
        if not self.available():
            return {}
        try:
            raw = self.client.complete(self.prompts["extract_system"],
                                       self.prompts["extract_user"].format(message=message))
            m = re.search(r"\{.*\}", raw, re.S)
            data = json.loads(m[0]) if m else None
        except Exception as exc:
            self.count("extract_error", f"{type(exc).__name__}: {exc}"[:200])
            return {}
        if not isinstance(data, dict):
            self.count("extract_error", "not a JSON object")
            return {}
        return supported_facts(data, message)


_NUMERIC = ("registered_years", "fulltime_staff", "core_team", "certified", "certified_years")
_FLAGS = {"beijing": re.compile(r"北京|东城|西城|朝阳|海淀|丰台|石景山|门头沟|房山|通州|顺义|昌平|大兴|怀柔|平谷|"
                                r"密云|延庆|天津|河北|上海|外地|外省"),
          "inspections_passed": re.compile(r"年检|年审"),
          "has_violation": re.compile(r"处罚|违规|违纪|违法")}
_HEDGED = re.compile(r"不到|不足|未满|没满|差|将近|快|接近|左右|大概|约")


def supported_facts(data: dict[str, Any], message: str) -> dict[str, Any]:
    """Keep a number only if the message states it (and not hedged: "不到三年"), a yes/no only if
    the message talks about it. What the model adds beyond the words is dropped."""
    text = normalize(message)
    out: dict[str, Any] = {}
    for key in _NUMERIC:
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            continue
        number = f"{float(value):g}"
        m = re.search(rf"(?<![\d.]){re.escape(number)}(?![\d.])", text)
        if m and not _HEDGED.search(text[max(0, m.start() - 3):m.end() + 3]):
            out[key] = float(value) if key.endswith("years") else int(value)
    for key, pattern in _FLAGS.items():
        if isinstance(data.get(key), bool) and pattern.search(message):
            out[key] = data[key]
    return out
