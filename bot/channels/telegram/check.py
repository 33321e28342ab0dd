"""The self-check (/check, /cancel and its answer buttons) in Telegram: the shared conversation of
bot/channels/screening.py, one per person in a chat."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.channels.screening import ScreenerFlow, Step, screener_texts
from bot.channels.telegram.render import choices_keyboard, send
from bot.channels.telegram.services import Services, conversations, person, services
from bot.state.privacy import mask


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
    who = person(chat_id, user_id)
    await _send_step(context, chat_id, screening(s).start(who, s.today(), conversations(s).said(who)))


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
