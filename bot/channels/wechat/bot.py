"""What the WeChat account says: the welcome, menu clicks, questions, the self-check and feedback; the
passive reply within WeChat's 5 s, and the customer-service API for what takes longer."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from bot.answering.engine import Engine
from bot.answering.reply import LINE, Part, plain_text
from bot.channels.conversation import Answered, Conversations
from bot.channels.ratelimit import RateLimiter
from bot.channels.screening import ScreenerFlow, Step, screener_texts
from bot.channels.texts import channel_texts
from bot.channels.wechat import api
from bot.channels.wechat.api import ApiClient, split_text
from bot.settings import Settings
from bot.state.privacy import mask
from bot.state.store import Store

log = logging.getLogger(__name__)
T = TypeVar("T")
Run = Callable[..., Awaitable[Any]]  # runs a function on the engine's thread
FEEDBACK = {"1": 1, "2": -1}


async def _ready(parts: list[str]) -> list[str]:
    return parts


def wechat_text(parts: list[Part]) -> str:
    """A reply as WeChat shows it, plain text (its text messages take no formatting): each source of the
    source list on a line of its own, easier to read on a phone than one long line."""
    return plain_text([Part(p.role, p.text, LINE, p.source, p.quote) if p.role == "source" and "\n" not in p.sep
                       else p for p in parts])


def render_reply(answered: Answered, hint: str) -> str:
    """WeChat's whole rendering of an answer: its parts (sources named in them) and how to give feedback;
    `respond` cuts it into messages within WeChat's size at line ends."""
    text = wechat_text(answered.reply.parts)
    return text if answered.reply.kind == "invalid" else f"{text}\n\n{hint}"


class WeChatBot:
    def __init__(self, settings: Settings, store: Store, engine: Callable[[], Engine], run: Run,
                 today: Callable[[], dt.date], api: ApiClient | None) -> None:
        self.settings, self.store, self.engine, self.run, self.today, self.api = (
            settings, store, engine, run, today, api)
        self.texts = channel_texts(settings.prompts_dir)
        self.talk = Conversations(store, "wechat")
        self.limiter = RateLimiter(settings.user_messages_per_minute)
        self._sender = ThreadPoolExecutor(max_workers=2, thread_name_prefix="wechat-api")
        self._later: set[asyncio.Task[None]] = set()

    def flow(self) -> ScreenerFlow:
        return ScreenerFlow(self.engine().advisor, self.store, screener_texts(self.settings.prompts_dir))

    # ------------------------------------------------------------------ the 5 s limit
    async def handle(self, message: Any) -> str:
        """The passive reply ("" for none). An answer not ready in time follows through the API."""
        openid = str(message.source)
        job = asyncio.ensure_future(self.run(self.respond, message))
        try:
            parts: list[str] = await asyncio.wait_for(asyncio.shield(job), self.settings.wechat_reply_seconds)
        except TimeoutError:
            if self.api is None:
                log.warning("wechat: no answer within %.1f s and no API credentials to send it later",
                            self.settings.wechat_reply_seconds)
                return self.texts["error"]
            self._deliver_later(openid, job)
            return self.texts["wechat_working"]
        if len(parts) > 1:
            if self.api is not None:
                self._deliver_later(openid, _ready(parts[1:]))
            else:
                more = (self.texts.fmt("wechat_more", url=self.settings.web_url) if self.settings.web_url
                        else self.texts["wechat_cut"])
                return split_text(parts[0], api.TEXT_BYTES - len(more.encode()) - 2)[0] + "\n" + more
        return parts[0] if parts else ""

    def _deliver_later(self, openid: str, parts: Awaitable[list[str]]) -> None:
        async def deliver() -> None:
            try:
                for part in await parts:
                    await asyncio.get_running_loop().run_in_executor(self._sender, self._send, openid, part)
            except Exception:
                log.exception("wechat: a late answer could not be delivered")

        task = asyncio.ensure_future(deliver())
        self._later.add(task)
        task.add_done_callback(self._later.discard)

    def _send(self, openid: str, text: str) -> None:
        assert self.api is not None
        self.api.message.send_text(openid, text)

    async def drain(self) -> None:
        """Wait for late answers still being delivered (at shutdown)."""
        for task in list(self._later):
            with contextlib.suppress(Exception):
                await task
        self._sender.shutdown(wait=False)

    # ------------------------------------------------------------------ what to say (on the engine's thread)
    def respond(self, message: Any) -> list[str]:
        """The reply's parts, each within WeChat's size; [] when nothing is to be said."""
        return [p for text in self._respond(message) for p in split_text(text)]

    def _respond(self, message: Any) -> list[str]:
        openid = str(message.source)
        if message.type == "event":
            event = str(getattr(message, "event", ""))
            if event in ("subscribe", "subscribe_scan"):
                return [f"{self.texts['welcome']}\n{self.texts['wechat_welcome_tail']}"]
            if event == "click":
                return self._click(openid, str(message.key or ""))
            return []  # unsubscribe, menu links, location reports: nothing to say
        if message.type == "text":
            text = str(message.content or "")
        elif message.type == "voice" and getattr(message, "recognition", None):
            text = str(message.recognition)  # WeChat's own speech recognition, when the account has it on
        else:
            return [self.texts["wechat_not_text"]]
        if not self.limiter.allow(openid):
            return [self.texts["rate_limited"]]
        return self._text(openid, text.strip())

    def _click(self, openid: str, key: str) -> list[str]:
        if key == "check":
            return self._step(self.flow().start(f"wechat:{openid}", self.today(), self.talk.said(openid)))
        if key.startswith("q:") and key[2:].isdigit() and int(key[2:]) < len(self.texts.suggestions):
            return [self._ask(openid, self.texts.suggestions[int(key[2:])])]
        return []

    def _text(self, openid: str, text: str) -> list[str]:
        flow, key, last = self.flow(), f"wechat:{openid}", f"wechat:last:{openid}"
        if flow.active(key):
            return self._step(flow.answer(key, text))
        if text in FEEDBACK and (iid := self.store.get_state(last)) is not None:
            self.store.add_feedback(int(iid), f"wechat:{openid}", FEEDBACK[text])
            self.store.drop_state(last)
            return [self.texts["wechat_feedback_thanks"]]
        if text in (self.texts["check_label"], "自查", "/check"):
            return self._step(flow.start(key, self.today(), self.talk.said(openid)))
        return [self._ask(openid, text)]

    def _ask(self, openid: str, text: str) -> str:
        answered = self.talk.ask(self.engine(), openid, openid, mask(text), self.today())
        if answered.reply.kind != "invalid":
            self.store.set_state(f"wechat:last:{openid}", answered.interaction_id)
        return render_reply(answered, self.texts["wechat_feedback_hint"])

    def _step(self, step: Step) -> list[str]:
        """A self-check step as text: WeChat has no buttons, so the answers are listed."""
        return [step.text + (f"\n{self.flow().reply_hint(step)}" if step.active else "")]
