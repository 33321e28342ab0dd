"""The buttons under messages: feedback, cited passages, the menu, common questions, self-check answers
and browsing stations by district."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from bot.channels.telegram.check import check, screener_answer
from bot.channels.telegram.handlers import answer
from bot.channels.telegram.render import choices_keyboard, send
from bot.channels.telegram.services import services

log = logging.getLogger(__name__)


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
        directory = s.engine.directory
        if directory is None:
            return
        options = [(d, f"d:{d}") for d in directory.districts()]
        await send(context, chat_id, s.texts["stations_districts"], choices_keyboard(options, "st:", per_row=2))
    elif item == "faq":
        options = [(q, str(i)) for i, q in enumerate(s.texts.faq)]
        await send(context, chat_id, s.texts["faq_intro"], choices_keyboard(options, "faq:", per_row=1))


async def on_station(context: ContextTypes.DEFAULT_TYPE, chat_id: int, item: str) -> None:
    s = services(context)
    directory = s.engine.directory
    if directory is None:
        return
    level, _, value = item.partition(":")
    if level == "d":
        stations = directory.in_district(value)
        options = [(st.name, f"s:{st.id}") for st in stations]
        await send(context, chat_id, s.texts.fmt("stations_in_district", district=value),
                   choices_keyboard(options, "st:", per_row=1, extra=[(s.texts["stations_back"], "menu:stations")]))
    elif level == "s":
        station = directory.by_id(value)
        if station is None:
            return
        await send(context, chat_id, s.engine.station_card(station),
                   choices_keyboard([], "st:", extra=[(s.texts["stations_back"], f"st:d:{station.district}")]))
