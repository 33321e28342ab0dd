"""The eligibility self-check as a conversation, the same in every channel: start, answer, cancel, resume.

A channel names the conversation (its chat) and renders the `Step` it gets back: the text, and the
options as buttons (Telegram, web) or as a hint to reply with (terminal, WeChat). The screener's
state lives in the store, so a check resumes after a restart.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from bot.answering.programme import Advisor
from bot.answering.reply import Reply
from bot.channels.texts import TextFile, read_texts
from bot.rules.screener import Screener, ScreenerState

TEXTS = ("start", "resume", "progress", "unreadable", "cancelled", "cancel_button", "none", "reply_hint")
CANCEL_WORDS = frozenset({"/cancel", "cancel", "退出", "取消", "退出自查", "结束", "不查了"})


class States(Protocol):
    """The part of the store the flow needs (bot.state.store.Store has it)."""

    def get_state(self, key: str) -> Any: ...

    def set_state(self, key: str, value: Any) -> None: ...

    def drop_state(self, key: str) -> None: ...


ScreenerTexts = TextFile


@lru_cache(maxsize=4)
def screener_texts(prompts_dir: Path) -> ScreenerTexts:
    """prompts/screener.yaml, checked once per directory."""
    return TextFile(read_texts(prompts_dir / "screener.yaml", TEXTS, "self-check texts"))


@dataclass
class Step:
    """What a channel shows after one move: a notice, the next question with its options, or the verdict."""

    notice: str = ""
    question: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)  # (label, the answer it sends)
    verdict: Reply | None = None

    @property
    def active(self) -> bool:
        """True while the check waits for an answer."""
        return bool(self.question)

    @property
    def text(self) -> str:
        return "\n".join(t for t in (self.notice, self.question, self.verdict.answer if self.verdict else "") if t)


class ScreenerFlow:
    """One check per conversation key; the key is the channel's (e.g. a chat id)."""

    def __init__(self, advisor: Advisor, states: States, texts: ScreenerTexts) -> None:
        self.advisor = advisor
        self.states = states
        self.texts = texts

    @staticmethod
    def _key(key: str) -> str:
        return f"screener:{key}"

    def active(self, key: str) -> bool:
        return self.states.get_state(self._key(key)) is not None

    def _screener(self, today: dt.date, programme_id: str | None = None) -> Screener | None:
        """The round open today (else the next, else the newest), or the round a saved check began with."""
        return self.advisor.rules.screener(today, programme_id)

    def _saved(self, key: str) -> tuple[Screener, ScreenerState] | None:
        raw = self.states.get_state(self._key(key))
        if raw is None:
            return None
        try:
            state = ScreenerState.from_json(raw)
        except (KeyError, TypeError, ValueError):
            state = None
        screener = self._screener(dt.date.fromisoformat(state.today), state.programme) if state else None
        if state is None or screener is None:  # unreadable, or its programme is gone: start afresh
            self.states.drop_state(self._key(key))
            return None
        return screener, state

    def start(self, key: str, today: dt.date, said: list[str] | None = None) -> Step:
        """Begin a check (what the user said before counts), or resume the one under way."""
        saved = self._saved(key)
        if saved is not None:
            return self._next(key, *saved, notice=self.texts["resume"])
        screener = self._screener(today)
        if screener is None:
            return Step(notice=self.texts["none"])
        state = screener.start(today, said)
        return self._next(key, screener, state, notice=self.texts.fmt("start", programme=screener.programme.name))

    def answer(self, key: str, text: str) -> Step:
        """Take the answer to the current question (or a cancel word); without a check under way, nothing."""
        if text.strip().lower() in CANCEL_WORDS:
            return self.cancel(key)
        saved = self._saved(key)
        if saved is None:
            return Step()
        screener, state = saved
        notice = "" if screener.answer(state, text) else self.texts["unreadable"]
        return self._next(key, screener, state, notice=notice)

    def cancel(self, key: str) -> Step:
        self.states.drop_state(self._key(key))
        return Step(notice=self.texts["cancelled"])

    def _next(self, key: str, screener: Screener, state: ScreenerState, notice: str = "") -> Step:
        prompt = screener.next_prompt(state)
        if prompt is None:
            self.states.drop_state(self._key(key))
            verdict = self.advisor.verdict(screener.facts(state), dt.date.fromisoformat(state.today),
                                               screener.programme)
            return Step(notice=notice, verdict=verdict)
        self.states.set_state(self._key(key), state.to_json())
        ids = [c.id for c in screener.programme.criteria]
        question = self.texts.fmt("progress", n=ids.index(prompt.criterion) + 1, total=len(ids), question=prompt.text)
        return Step(notice=notice, question=question, options=list(prompt.options))

    def reply_hint(self, step: Step) -> str:
        """For channels without buttons: how to answer the current question."""
        return self.texts.fmt("reply_hint", options="／".join(label for label, _ in step.options))
