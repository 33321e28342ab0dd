"""Personal data out of everything kept or shown: phone, ID-card numbers and e-mail addresses masked.

Applied where text enters (a channel turning a message into a Question and history), again in
the store before anything is written, and to every log record. Ordinary numbers people use with
the bot (years, counts, dates, amounts) are left alone.
"""

from __future__ import annotations

import re
from typing import Any

ID_CARD, MOBILE, LANDLINE, PHONE, EMAIL = "[身份证号]", "[手机号]", "[电话]", "[电话]", "[邮箱]"

_FULL_WIDTH = str.maketrans("０１２３４５６７８９（）＋－", "0123456789()+-")  # one character for one
_S = r"[ \-\u3000]?"  # people group digits with a space or a hyphen
_COUNTRY = r"(?:(?:\(?(?:\+|00)\s?86\)?|86)[ \-]?)"
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # 18-digit ID (last character a digit or X), as typed or grouped 6-8-4; the old 15-digit ID.
    (re.compile(rf"(?<!\d)\d{{6}}{_S}\d{{8}}{_S}\d{{3}}[\dXx](?!\d)"), ID_CARD),
    (re.compile(r"(?<!\d)\d{15}(?!\d)"), ID_CARD),
    # Mobile: 138 1234 5678, 138-1234-5678, +86 138…, 0086…, 8613812345678.
    (re.compile(rf"(?<!\d){_COUNTRY}?1[3-9]\d{_S}\d{{4}}{_S}\d{{4}}(?!\d)"), MOBILE),
    # Landline with its area code: 010-12345678, (010)12345678, 010 6234 5678, 0755 1234567,
    # +86 10 12345678; an extension written with a hyphen (-123) goes with it.
    (re.compile(rf"(?<!\d)(?:{_COUNTRY}\(?0?[1-9]\d{{1,2}}\)?|\(0\d{{2,3}}\)|0\d{{2,3}})"
                rf"[ \-]?\d{{3,4}}{_S}\d{{4}}(?:-\d{{1,5}})?(?!\d)"), LANDLINE),
    # Any other digit run someone calls a phone number: "电话 62345678", "手机号是1381234".
    (re.compile(r"(?:电话|手机|座机|号码|联系方式|tel|phone|mobile)[^\d\n]{0,6}?(\d[\d \-]{4,14}\d)", re.I), PHONE),
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), EMAIL),
]


def mask(text: str) -> str:
    """The text with phone numbers, ID-card numbers and e-mail addresses replaced by a label."""
    if not text or not any(ch.isdigit() or ch == "@" for ch in text):
        return text
    probe = text.translate(_FULL_WIDTH)  # full-width digits match too; positions stay the same
    for pattern, label in _PATTERNS:
        pieces, probe_pieces, last = [], [], 0
        for m in pattern.finditer(probe):
            start, end = m.span(1) if pattern.groups else m.span()
            pieces += [text[last:start], label]
            probe_pieces += [probe[last:start], label]
            last = end
        if pieces:
            text = "".join([*pieces, text[last:]])
            probe = "".join([*probe_pieces, probe[last:]])
    return text


def mask_value(value: Any) -> Any:
    """Every string inside a JSON-like value masked (dict keys too)."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {mask_value(k): mask_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_value(v) for v in value]
    return value
