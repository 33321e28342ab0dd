"""Handlers for applicants and residents: /start, /help, questions (streamed when a model writes) and errors;
the self-check is in check.py, the buttons in buttons.py."""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import re

from telegram import Message, Update
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.answering.reply import Question, Reply
from bot.channels.telegram.check import screener_answer, screening
from bot.channels.telegram.render import answer_keyboard, menu_keyboard, reply_html, send
from bot.channels.telegram.services import conversations, person, services
from bot.state.privacy import mask

log = logging.getLogger(__name__)
TYPING_EVERY = 4.5  # seconds; Telegram shows "typing" for about five


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
    talk, who = conversations(s), person(chat_id, user_id)
    history = talk.history(who)
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
    # recorded and remembered before sending: kept even if sending fails below
    kept = talk.keep(str(chat_id), str(user_id), question.text, history, reply, conversation=who)
    markup = answer_keyboard(kept.interaction_id, len(kept.passages), s.texts) if reply.kind != "invalid" else None
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


# ---------------------------------------------------------------------- errors
async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    log.error("handler failed: %s", mask(repr(context.error))[:500], exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await context.bot.send_message(update.effective_chat.id,
                                           html.escape(services(context).texts["error"]), parse_mode=ParseMode.HTML)
        except Exception:
            log.exception("could not send the error reply")
