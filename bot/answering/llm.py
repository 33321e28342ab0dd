"""An optional language model behind any OpenAI-compatible endpoint, as LangChain runnable chains.

It writes the answer from the numbered sources and the rules' output, rewrites follow-up
questions, and reads an applicant's self-description into the rules' typed fields. Each use is one
chain, prompt | model | parser, whose transient failures are retried once (`with_retry`) and whose
every other failure, timeout or rejected output falls back (`with_fallbacks`) to what the engine has
without the model: the extractive answer, the heuristic follow-up, the rule-based facts. It never
decides: every answer passes the grounding check before it is shown. Each fallback is counted.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.answering.grounding import check, strip_instructions, supported_facts
from bot.answering.reply import Reply, Turn
from bot.index.passages import Source
from bot.settings import Settings
from bot.text.dates import zh_date
from bot.text.normalize import squash_figures
from bot.text.sentences import whole_sentences_end

if TYPE_CHECKING:  # LangChain's runnables are imported when a model is configured (their import takes ~0.5 s)
    from langchain_core.language_models import LanguageModelInput
    from langchain_core.messages import BaseMessage
    from langchain_core.prompts import ChatPromptTemplate
    from langchain_core.runnables import Runnable
    from langchain_core.runnables.retry import ExponentialJitterParams

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
# One retry, soon: a user is waiting, and the extractive answer is ready if it fails again.
RETRY_ATTEMPTS = 2
RETRY_WAIT: ExponentialJitterParams = {"max": 2.0, "jitter": 0.5}  # 1 to 1.5 s before the retry


def load_prompts(prompts_dir: Path) -> dict[str, ChatPromptTemplate]:
    """prompts/llm.yaml as chat templates ("answer", "rewrite", "extract"), each text present with
    exactly its placeholders."""
    from bot.knowledge.prompts import load_chat_prompts

    return load_chat_prompts(prompts_dir / "llm.yaml", PROMPTS)


def transient(exc: BaseException) -> bool:
    """Worth one more try: a server error (5xx) or a dropped connection. Not a timeout (the user
    would wait twice as long), a refusal (4xx: rate limit, key) or a malformed reply."""
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return False
    return isinstance(exc, openai.InternalServerError | openai.APIConnectionError)


class LlmClient:
    """A chat model at LLM_BASE_URL (langchain-openai). `chat` is the model with the chain's retry;
    the HTTP client's own retries are off so that only `transient` failures are retried, once."""

    def __init__(self, settings: Settings) -> None:
        from langchain_openai import ChatOpenAI

        self.settings = settings
        self.model = ChatOpenAI(base_url=settings.llm_base_url, model=settings.llm_model or "default",
                                api_key=settings.llm_api_key or "not-needed",  # type: ignore[arg-type]
                                timeout=settings.llm_timeout, max_retries=0, temperature=settings.llm_temperature,
                                max_tokens=settings.llm_max_tokens)  # type: ignore[call-arg]
        self.chat: Runnable[LanguageModelInput, BaseMessage] = self.model.with_retry(
            retry_if_exception_type=transient, stop_after_attempt=RETRY_ATTEMPTS, exponential_jitter_params=RETRY_WAIT)


class Fallback(Exception):
    """The model's output is not used; `reason` is counted."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass
class Composed:
    text: str  # citations renumbered to the order of `cited`
    cited: list[Source]
    fallback: str = ""  # why the extractive answer stands ("grounding", "timeout", …); "" when the model's is used


@dataclass(frozen=True)
class Grounds:
    """What an answer may state: the numbered sources given to the model and the rules' output."""

    given: list[Source]
    texts: list[str]
    extra: list[str]


class LlmWriter:
    """What the engine asks of the model: three chains, each with its own check and fallback."""

    def __init__(self, client: LlmClient, prompts: dict[str, ChatPromptTemplate], settings: Settings) -> None:
        from langchain_core.output_parsers import StrOutputParser
        from langchain_core.runnables import RunnableLambda, RunnablePassthrough

        from bot.knowledge.prompts import JsonObjectParser

        self.client = client
        self.prompts = prompts
        self.settings = settings
        self.counts: Counter[str] = Counter()
        self._down_until = 0.0
        gate, text = RunnableLambda(self._gate), StrOutputParser()
        self._written = prompts["answer"] | client.chat | text
        self._streamed = prompts["answer"] | client.model | text  # no retry: see _stream
        self.answer: Runnable[dict[str, Any], Composed] = (
            gate | RunnablePassthrough.assign(text=RunnableLambda(self._generate)) | RunnableLambda(self._checked)
        ).with_fallbacks([RunnableLambda(self._extractive)], exception_key="error")
        self.standalone: Runnable[dict[str, Any], str] = (  # "" when there is none
            gate | RunnablePassthrough.assign(text=prompts["rewrite"] | client.chat | text)
            | RunnableLambda(self._rewritten)
        ).with_fallbacks([RunnableLambda(self._no_rewrite)], exception_key="error")
        self.facts: Runnable[dict[str, Any], dict[str, Any]] = (
            gate | prompts["extract"] | client.chat | JsonObjectParser()
        ).with_fallbacks([RunnableLambda(self._no_facts)], exception_key="error")

    # After a timeout or error the model is left alone for a while: each question would otherwise
    # wait out the timeout again before its extractive answer. (A circuit breaker: LangChain has none.)
    PAUSE_AFTER_FAILURE = 30.0

    def available(self) -> bool:
        return time.monotonic() >= self._down_until

    def _failed(self) -> None:
        self._down_until = time.monotonic() + self.PAUSE_AFTER_FAILURE

    def _gate(self, inputs: dict[str, Any]) -> dict[str, Any]:
        if not self.available():
            raise Fallback("skipped", "a recent timeout or error")
        return inputs

    def _failure(self, error: BaseException) -> Fallback:
        """The reason counted for a chain's failure; a timeout or error pauses the model."""
        if isinstance(error, Fallback):
            return error
        self._failed()
        name = type(error).__name__
        return Fallback("timeout" if "Timeout" in name else "error", f"{name}: {error}"[:300])

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
        """The model's answer from the reply's passages and rules output, checked; else the extractive
        answer with the reason in `fallback`."""
        given = self._sources(reply)
        texts = [strip_instructions(s.chunk.text) for s in given]
        numbered = "\n\n".join(f"[{i}] 《{s.chunk.title}》（{s.chunk.published}）\n{text}"
                               for i, (s, text) in enumerate(zip(given, texts, strict=True), 1))
        today_zh = zh_date(today)
        extra = [strip_instructions(reply.answer), today_zh, today.isoformat(),
                 *(f"{s.chunk.title} {s.chunk.published}" for s in given)]
        return self.answer.invoke({
            "today": today_zh, "sources": numbered, "question": question,
            "facts": reply.answer if reply.kind != "answer" else "（无）",
            "grounds": Grounds(given, texts, extra), "reply": reply, "on_partial": on_partial})

    @staticmethod
    def _sources(reply: Reply) -> list[Source]:
        out: list[Source] = []
        for s in [*reply.cited, *reply.sources]:
            if s.chunk.id not in {o.chunk.id for o in out}:
                out.append(s)
        return out[:MAX_SOURCES]

    def _generate(self, inputs: dict[str, Any]) -> Runnable[dict[str, Any], str] | str:
        if inputs["on_partial"] is None or not self.settings.llm_stream:
            return self._written  # invoked by RunnableLambda with the same input
        return self._stream(inputs)

    def _stream(self, inputs: dict[str, Any]) -> str:
        """The answer as the model streams it, each whole sentence checked before `on_partial` shows it.

        Hand code around the library's stream, because the library would make it worse: a fallback
        (`with_fallbacks`) takes over only before the first chunk, but the check must be able to stop
        an answer after sentences are shown; a retry after that would show them twice; and the client's
        timeout bounds each read, not the whole answer, so the deadline is kept here."""
        on_partial: Callable[[str], None] = inputs["on_partial"]
        grounds: Grounds = inputs["grounds"]
        deadline = time.monotonic() + self.settings.llm_timeout
        text, shown = "", 0
        for piece in self._streamed.stream(inputs):
            text += piece
            if time.monotonic() > deadline:
                raise Fallback("timeout", f"over {self.settings.llm_timeout:g} s")
            end = whole_sentences_end(text)
            if end > shown:  # show only whole sentences that pass the check so far
                partial = check(text[:end], grounds.texts, grounds.extra, require_citation=False)
                if not partial.ok:
                    raise Fallback("grounding", "; ".join(partial.problems))
                shown = end
                on_partial(text[:end])
        return text

    def _checked(self, inputs: dict[str, Any]) -> Composed:
        """The grounding check of the whole answer, as the chain's last step: failing it is a fallback."""
        text: str = inputs["text"]
        grounds: Grounds = inputs["grounds"]
        if NOT_IN_SOURCES in squash_figures(text):
            raise Fallback("declined", "the model found no answer where the extractive answer found one")
        result = check(text, grounds.texts, grounds.extra)
        if not result.ok:
            raise Fallback("grounding", "; ".join(result.problems))
        order = list(dict.fromkeys(result.cited))  # renumbered 〔1〕〔2〕… in order of first citation
        text = re.sub(r"\[(\d+)\]", lambda m: f"〔{order.index(int(m[1])) + 1}〕", text)
        self.count("used")
        return Composed(text.strip(), [grounds.given[n - 1] for n in order])

    def _extractive(self, inputs: dict[str, Any]) -> Composed:
        """The fallback: the extractive answer the engine already has, with the reason."""
        failure = self._failure(inputs["error"])
        self.count(failure.reason, str(failure))
        reply: Reply = inputs["reply"]
        return Composed(reply.answer, list(reply.cited), fallback=failure.reason)

    # ------------------------------------------------------------------ follow-ups
    def rewrite(self, history: list[Turn], question: str) -> str | None:
        """A standalone version of a follow-up question, or None (the caller's heuristic applies)."""
        lines = "\n".join(f"{'用户' if t.role == 'user' else '助手'}：{t.content[:300]}" for t in history[-6:])
        return self.standalone.invoke({"history": lines, "question": question}) or None

    def _rewritten(self, inputs: dict[str, Any]) -> str:
        out = re.sub(r"^(改写后的(独立)?问题|问题)[:：]\s*", "", inputs["text"].strip()).strip("“”\"' \n")
        if not out or len(out) > max(200, 3 * len(inputs["question"])) or not re.search(r"[\u4e00-\u9fff]", out):
            raise Fallback("rewrite_rejected", out[:80])
        self.count("rewrite_used")
        return out

    def _no_rewrite(self, inputs: dict[str, Any]) -> str:
        error = inputs["error"]
        if isinstance(error, Fallback):
            if error.reason != "skipped":
                self.count(error.reason, error.detail)
        else:
            self.count("rewrite_error", self._failure(error).detail[:200])
        return ""

    # ------------------------------------------------------------------ facts
    def extract(self, message: str) -> dict[str, Any]:
        """Facts from an applicant's words as JSON; only values the words support are kept."""
        return supported_facts(self.facts.invoke({"message": message}), message)

    def _no_facts(self, inputs: dict[str, Any]) -> dict[str, Any]:
        error = inputs["error"]
        if not (isinstance(error, Fallback) and error.reason == "skipped"):  # errors here do not pause the model
            self.count("extract_error", f"{type(error).__name__}: {error}"[:200])
        return {}

