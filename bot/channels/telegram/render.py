"""Telegram rendering: HTML-escaped text, 4096-character parts, inline keyboards."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.channels.render import split_parts
from bot.channels.telegram.texts import Texts

LIMIT = 4096


def split_text(text: str, limit: int = LIMIT) -> list[str]:
    """Parts whose HTML-escaped length fits the limit, cut at line ends where possible."""
    return [p or " " for p in split_parts(text, limit, lambda t: len(html.escape(t)))]


def escaped_parts(text: str) -> list[str]:
    return [html.escape(p) for p in split_text(text)]


def answer_keyboard(interaction_id: int, passages: int, texts: Texts) -> InlineKeyboardMarkup:
    rows = []
    if passages:
        rows.append([InlineKeyboardButton(texts.fmt("show_passage", n=i + 1), callback_data=f"src:{interaction_id}:{i}")
                     for i in range(passages)])
    rows.append([InlineKeyboardButton("👍", callback_data=f"fb:{interaction_id}:1"),
                 InlineKeyboardButton("👎", callback_data=f"fb:{interaction_id}:-1")])
    return InlineKeyboardMarkup(rows)


def menu_keyboard(texts: Texts) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(texts["menu_check"], callback_data="menu:check"),
         InlineKeyboardButton(texts["menu_deadline"], callback_data="menu:deadline")],
        [InlineKeyboardButton(texts["menu_stations"], callback_data="menu:stations"),
         InlineKeyboardButton(texts["menu_faq"], callback_data="menu:faq")],
    ])


def choices_keyboard(options: list[tuple[str, str]], prefix: str, per_row: int = 5,
                     extra: list[tuple[str, str]] | None = None) -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(label, callback_data=f"{prefix}{value}"[:64]) for label, value in options]
    rows = [buttons[i:i + per_row] for i in range(0, len(buttons), per_row)]
    if extra:
        rows.append([InlineKeyboardButton(label, callback_data=data) for label, data in extra])
    return InlineKeyboardMarkup(rows)
