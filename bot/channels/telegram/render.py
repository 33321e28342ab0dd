"""Telegram rendering: a reply's parts as Telegram HTML (quotes as block quotes, quoted clauses and source
titles in italics, the verdict in bold), HTML-escaped text, 4096-character messages, inline keyboards;
`send` sends them."""

from __future__ import annotations

import html
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot.answering.reply import Part, lines, plain_text
from bot.channels.render import SpanKind, spans, split_parts
from bot.channels.telegram.texts import Texts

LIMIT = 4096
_SPAN_TAGS: dict[SpanKind, str] = {"quote": "i", "title": "i"}
_PART_TAGS = {"quote": "blockquote", "verdict": "b", "sources": "b"}


def _tagged(tag: str | None, inner: str) -> str:
    return f"<{tag}>{inner}</{tag}>" if tag and inner else inner


def part_html(part: Part) -> str:
    """One part in Telegram's HTML."""
    inner = "".join(_tagged(_SPAN_TAGS.get(kind) if part.role != "quote" else None, html.escape(text))
                    for kind, text in spans(part))
    return _tagged(_PART_TAGS.get(part.role), inner)


def reply_html(parts: list[Part], limit: int = LIMIT) -> list[str]:
    """A reply as Telegram HTML messages within the limit, cut between lines (a line longer than a message
    is cut as escaped plain text, so no tag is ever split)."""
    units: list[tuple[str, str]] = []  # (separator before it, HTML)
    for line in lines(parts):
        body = "".join((html.escape(p.sep) if i else "") + part_html(p) for i, p in enumerate(line))
        if len(body) <= limit:
            units.append((line[0].sep, body))
            continue
        pieces = escaped_parts(plain_text(line), limit)
        units += [(line[0].sep, pieces[0]), *(("", piece) for piece in pieces[1:])]
    messages: list[str] = []
    current = ""
    for i, (sep, body) in enumerate(units):
        if i and len(current) + len(sep) + len(body) > limit:
            messages.append(current)
            current = body
        else:
            current = current + sep + body if i else body
    messages.append(current or " ")
    return messages


def split_text(text: str, limit: int = LIMIT) -> list[str]:
    """Parts whose HTML-escaped length fits the limit, cut at line ends where possible."""
    return [p or " " for p in split_parts(text, limit, lambda t: len(html.escape(t)))]


def escaped_parts(text: str, limit: int = LIMIT) -> list[str]:
    return [html.escape(p) for p in split_text(text, limit)]


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


async def send(context: ContextTypes.DEFAULT_TYPE, chat_id: int, text: str | list[Part],
               markup: Any = None) -> Message | None:
    """Send text (HTML-escaped) or a reply's parts (rendered) of any length, the keyboard under the last part."""
    parts = reply_html(text) if isinstance(text, list) else escaped_parts(text)
    last = None
    for i, part in enumerate(parts):
        last = await context.bot.send_message(chat_id, part, parse_mode=ParseMode.HTML,
                                              reply_markup=markup if i == len(parts) - 1 else None)
    return last
