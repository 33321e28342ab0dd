"""Handlers for applicants and residents: questions, feedback, passages, /check, station browsing."""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import re
from typing import Any, cast

from telegram import Message, Update
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.answering.reply import Part, Question, Reply, Turn
from bot.channels.render import cited_passages
from bot.channels.screening import ScreenerFlow, Step, screener_texts
from bot.channels.telegram.render import answer_keyboard, choices_keyboard, escaped_parts, menu_keyboard, reply_html
from bot.channels.telegram.services import Services
from bot.state.privacy import mask

log = logging.getLogger(__name__)
HISTORY_TURNS = 6
HISTORY_ANSWER_CHARS = 1000  # of an earlier answer, what the history keeps
TYPING_EVERY = 4.5  # seconds; Telegram shows "typing" for about five


def person(chat_id: int, user_id: int) -> str:
    """One person in one chat: "<chat>" in a private chat (chat = user), "<chat>:<user>" in a group,
    so members never share history or self-check answers."""
    return str(chat_id) if chat_id == user_id else f"{chat_id}:{user_id}"


def person_key(kind: str, chat_id: int, user_id: int) -> str:
    return f"{kind}:{person(chat_id, user_id)}"


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return cast(Services, context.bot_data["services"])


async def send(context: ContextTypes.DEFAULT_TYPE, chat_id: int, text: str | list[Part],
               markup: Any = None) -> Message | None:
    """Send text (HTML-escaped) or a reply's parts (rendered) of any length, the keyboard under the last part."""
    parts = reply_html(text) if isinstance(text, list) else escaped_parts(text)
    last = None
    for i, part in enumerate(parts):
        last = await context.bot.send_message(chat_id, part, parse_mode=ParseMode.HTML,
                                              reply_markup=markup if i == len(parts) - 1 else None)
    return last


# ---------------------------------------------------------------------- commands
async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    s = services(context)
    await send(context, update.effective_chat.id, s.texts["welcome"], menu_keyboard(s.texts))  # type: ignore[union-attr]


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    s = services(context)
    await send(context, update.effective_chat.id, s.texts["help"], menu_keyboard(s.texts))  # type: ignore[union-attr]


# ---------------------------------------------------------------------- questions
def addressed_text(update: Update, bot_username: str) -> str | None:
    """The question, or None in a group when the bot is not addressed (@mention or a reply to it)."""
    message = update.effective_message
    if message is None or message.text is None:
        return None
    text = message.text
    if update.effective_chat and update.effective_chat.type == ChatType.PRIVATE:
        return text
    mention = f"@{bot_username}"
    replied = message.reply_to_message
    if mention.lower() in text.lower():
        return re.sub(re.escape(mention), "", text, flags=re.I).strip()
    if replied is not None and replied.from_user is not None and replied.from_user.username == bot_username:
        return text
    return None


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    s = services(context)
    text = addressed_text(update, context.bot.username)
    user, chat = update.effective_user, update.effective_chat
    if text is None or user is None or chat is None:
        return
    text = mask(text)  # phone and ID numbers go no further: not to the engine, the history or an echo
    if not s.limiter.allow(user.id):
        await send(context, chat.id, s.texts["rate_limited"])
        return
    if screening(s).active(person(chat.id, user.id)):
        await screener_answer(update, context, text)
        return
    await answer(context, chat.id, user.id, text)


async def _keep_typing(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
    """The typing indicator while the engine works; best-effort: a failed call never stops an answer."""
    while True:
        try:
            await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
        except TelegramError as exc:
            log.info("typing indicator not shown in chat %s: %s", chat_id, exc)
        await asyncio.sleep(TYPING_EVERY)


async def answer(context: ContextTypes.DEFAULT_TYPE, chat_id: int, user_id: int, text: str) -> Reply:
    s = services(context)
    key = person_key("history", chat_id, user_id)
    history = [Turn(t["role"], t["content"]) for t in s.store.get_state(key) or []]
    question = Question(mask(text), s.today(), history)
    typing = asyncio.create_task(_keep_typing(context, chat_id))
    try:
        if s.streams:
            reply, draft = await _ask_streaming(context, chat_id, user_id, question)
        else:
            reply, draft = await s.ask(question, user=user_id), None
    finally:
        typing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await typing
    passages = cited_passages(reply)
    iid = s.store.record(channel="telegram", user_id=str(user_id), chat_id=str(chat_id), question=question.text,
                         answer=reply.answer, answered=reply.answered, kind=reply.kind,
                         confidence=reply.confidence, latency_ms=reply.latency_ms, sources=passages)
    log.info("chat %s asked %r -> %s (%.0f ms)", chat_id, question.text[:80], reply.kind, reply.latency_ms)
    if reply.kind != "invalid":  # a message refused as too long or unreadable is not part of the conversation
        turns = [*({"role": t.role, "content": t.content} for t in history),
                 {"role": "user", "content": question.text},
                 {"role": "assistant", "content": reply.answer[:HISTORY_ANSWER_CHARS]}]
        s.store.set_state(key, turns[-HISTORY_TURNS:])  # kept even if sending fails below
    markup = answer_keyboard(iid, len(passages), s.texts) if reply.kind != "invalid" else None
    parts = reply_html(reply.parts)
    if draft is not None and len(parts) == 1:  # the streamed message becomes the checked final answer
        await context.bot.edit_message_text(parts[0], chat_id=chat_id, message_id=draft.message_id,
                                            parse_mode=ParseMode.HTML, reply_markup=markup)
    else:
        if draft is not None:
            await context.bot.delete_message(chat_id, draft.message_id)
        await send(context, chat_id, reply.parts, markup)
    return reply


STREAM_EDIT_SECONDS = 1.0  # Telegram allows about one edit per second in a chat


async def _ask_streaming(context: ContextTypes.DEFAULT_TYPE, chat_id: int, user_id: int,
                         question: Question) -> tuple[Reply, Message | None]:
    """Ask with a language model: a draft message shows the checked sentences as they arrive."""
    s = services(context)
    loop = asyncio.get_running_loop()
    latest: list[str] = []
    arrived = asyncio.Event()
    draft = await context.bot.send_message(chat_id, s.texts["streaming"])

    def on_partial(text: str) -> None:  # on the engine's thread
        def note() -> None:
            latest.append(text)
            arrived.set()

        loop.call_soon_threadsafe(note)

    async def edit_loop() -> None:
        """Show the newest checked text as soon as it arrives, then at most once a second."""
        shown = ""
        while True:
            await arrived.wait()
            arrived.clear()
            if latest[-1] != shown:
                shown = latest[-1]
                with contextlib.suppress(TelegramError):  # a failed draft edit only delays the answer
                    await context.bot.edit_message_text(html.escape(shown[:3900]) + " …", chat_id=chat_id,
                                                        message_id=draft.message_id, parse_mode=ParseMode.HTML)
            await asyncio.sleep(STREAM_EDIT_SECONDS)

    editor = asyncio.create_task(edit_loop())
    try:
        reply = await s.ask(question, on_partial, user=user_id)
    finally:
        editor.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await editor
    return reply, draft


# ---------------------------------------------------------------------- buttons
async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None or query.data is None or update.effective_chat is None:
        return
    s = services(context)
    chat_id, user_id = update.effective_chat.id, query.from_user.id
    kind, _, rest = query.data.partition(":")
    numbers = _numbers(rest) if kind in ("fb", "src") else None
    if kind in ("fb", "src") and numbers is None:  # not a button this bot made
        log.warning("callback data %r from user %s ignored", query.data[:64], user_id)
        await query.answer()
        return
    if kind == "fb" and numbers is not None:
        rated, value = numbers
        row = s.store.interaction(rated)
        if row is None or row["user_id"] != str(user_id):  # only the person who got the answer rates it
            log.warning("user %s tried to rate interaction %s, not theirs", user_id, rated)
            await query.answer(s.texts["feedback_not_yours"])
            return
        s.store.add_feedback(rated, str(user_id), 1 if value > 0 else -1)
        await query.answer(s.texts["feedback_thanks"])
        return
    await query.answer()
    if kind == "src" and numbers is not None:
        iid, n = numbers
        row = s.store.interaction(iid)
        sources = row["sources"] if row else []
        if n >= len(sources):
            await send(context, chat_id, s.texts["passage_missing"])
            return
        p = sources[n]
        await send(context, chat_id, s.texts.fmt("passage", title=p["title"], date=p["published"], text=p["text"]))
    elif kind == "menu":
        await on_menu(update, context, rest)
    elif kind == "faq" and rest.isdigit() and int(rest) < len(s.texts.faq):
        await answer(context, chat_id, user_id, s.texts.faq[int(rest)])
    elif kind == "chk":
        await screener_answer(update, context, rest)
    elif kind == "st":
        await on_station(context, chat_id, rest)


def _numbers(data: str) -> tuple[int, int] | None:
    """"12:-1" -> (12, -1); None for anything else."""
    first, _, second = data.partition(":")
    try:
        return int(first), int(second)
    except ValueError:
        return None


async def on_menu(update: Update, context: ContextTypes.DEFAULT_TYPE, item: str) -> None:
    s = services(context)
    chat_id = update.effective_chat.id  # type: ignore[union-attr]
    if item == "check":
        await check(update, context)
    elif item == "deadline":
        await answer(context, chat_id, update.effective_user.id, s.texts["deadline_question"])  # type: ignore[union-attr]
    elif item == "stations":
        guide = s.engine.stations
        if guide is None:
            return
        options = [(d, f"d:{d}") for d in guide.directory.districts()]
        await send(context, chat_id, s.texts["stations_districts"], choices_keyboard(options, "st:", per_row=2))
    elif item == "faq":
        options = [(q, str(i)) for i, q in enumerate(s.texts.faq)]
        await send(context, chat_id, s.texts["faq_intro"], choices_keyboard(options, "faq:", per_row=1))


async def on_station(context: ContextTypes.DEFAULT_TYPE, chat_id: int, item: str) -> None:
    s = services(context)
    guide = s.engine.stations
    if guide is None:
        return
    level, _, value = item.partition(":")
    if level == "d":
        stations = guide.directory.in_district(value)
        options = [(st.name, f"s:{st.id}") for st in stations]
        await send(context, chat_id, s.texts.fmt("stations_in_district", district=value),
                   choices_keyboard(options, "st:", per_row=1, extra=[(s.texts["stations_back"], "menu:stations")]))
    elif level == "s":
        station = guide.directory.by_id(value)
        if station is None:
            return
        await send(context, chat_id, guide.card(station),
                   choices_keyboard([], "st:", extra=[(s.texts["stations_back"], f"st:d:{station.district}")]))


# ---------------------------------------------------------------------- the screener
def screening(s: Services) -> ScreenerFlow:
    """The shared self-check conversation (bot/channels/screening.py), keyed by person (see `person`)."""
    return ScreenerFlow(s.engine.advisor, s.store, screener_texts(s.settings.prompts_dir))


def _who(update: Update) -> tuple[int, int]:
    """(chat, user) of an update; the user is the chat when there is none (a channel post)."""
    chat_id = update.effective_chat.id  # type: ignore[union-attr]
    return chat_id, update.effective_user.id if update.effective_user else chat_id


async def check(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    s = services(context)
    chat_id, user_id = _who(update)
    history = s.store.get_state(person_key("history", chat_id, user_id)) or []
    said = [t["content"] for t in history if t["role"] == "user"]
    await _send_step(context, chat_id, screening(s).start(person(chat_id, user_id), s.today(), said))


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat_id, user_id = _who(update)
    await _send_step(context, chat_id, screening(services(context)).cancel(person(chat_id, user_id)))


async def screener_answer(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    chat_id, user_id = _who(update)
    flow = screening(services(context))
    if flow.active(person(chat_id, user_id)) or text == "/cancel":
        await _send_step(context, chat_id, flow.answer(person(chat_id, user_id), mask(text)))


async def _send_step(context: ContextTypes.DEFAULT_TYPE, chat_id: int, step: Step) -> None:
    """A notice on its own; the question with its answer buttons; or the verdict."""
    if step.notice:
        await send(context, chat_id, step.notice)
    if step.question:
        cancel_label = screener_texts(services(context).settings.prompts_dir)["cancel_button"]
        await send(context, chat_id, step.question,
                   choices_keyboard(step.options, "chk:", extra=[(cancel_label, "chk:/cancel")]))
    if step.verdict is not None:
        await send(context, chat_id, step.verdict.parts)


# ---------------------------------------------------------------------- errors
async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    log.error("handler failed: %s", mask(repr(context.error))[:500], exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await context.bot.send_message(update.effective_chat.id,
                                           html.escape(services(context).texts["error"]), parse_mode=ParseMode.HTML)
        except Exception:
            log.exception("could not send the error reply")
