"""Normal forms of text, all in one place: the stored form ingest writes and the compared forms
(quotes, evidence, titles, a model's figures) that matching uses.

- `normalize_text`: what a knowledge file holds (NFC; full-width digits and letters as ASCII; no
  spaces around Chinese; no invisible characters). Full-width punctuation stays: it is Chinese text.
- `squash`: text as quotes are compared (NFKC, no whitespace), so width and line breaks never
  decide whether a quote is in its article; `squash_mapped` also says where each character came from.
- `squash_words`: only letters and digits (a headline against the first lines of a page).
- `squash_figures`: the grounding check's form, where "十五个" and "15个" are the same figure.
"""

from __future__ import annotations

import re
import unicodedata

from bot.text.numbers import CN_NUM, parse_number

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_PUNCT = "\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\u2014\u2018-\u201f\u2026\u00b7"
# Units a figure is counted in (the grounding check compares a number together with its unit).
UNIT = r"(?:%|万元|亿元|元|万|亿|个|名|位|人|家|年|月|日|号|项|次|岁|天|周|倍|所|批|支|条|期|届|小时|分钟)"

_SPACE_AROUND_CJK = re.compile(rf"(?<=[{CJK}{CJK_PUNCT}])[ \t\u00a0\u3000]+|[ \t\u00a0\u3000]+(?=[{CJK}{CJK_PUNCT}])")
_INVISIBLE = re.compile("[\ufffd\u200b\u200c\u200d\ufeff]")
_FW_DOT_IN_NUMBER = re.compile(r"(?<=\d)．(?=\d)")  # "２０22．3.29"; 。 ends sentences, even after a number
_WHITESPACE = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[\W_]+")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3})")
_CN_FIGURE = re.compile(rf"(百分之)([{CN_NUM}]+)|()([{CN_NUM}]+)(?={UNIT})")


def is_cjk(ch: str) -> bool:
    return bool(re.match(rf"[{CJK}{CJK_PUNCT}]", ch))


def _fullwidth_to_ascii(ch: str) -> str:
    code = ord(ch)
    if 0xFF10 <= code <= 0xFF19 or 0xFF21 <= code <= 0xFF3A or 0xFF41 <= code <= 0xFF5A:
        return chr(code - 0xFEE0)
    return ch


def normalize_text(text: str) -> str:
    """Full-width digits and letters to ASCII, no spaces around Chinese, no invisible characters.

    Idempotent: normalize_text(normalize_text(x)) == normalize_text(x).
    """
    text = unicodedata.normalize("NFC", text)
    text = "".join(_fullwidth_to_ascii(c) for c in text)
    text = _INVISIBLE.sub("", text)
    text = _SPACE_AROUND_CJK.sub("", text)
    text = _FW_DOT_IN_NUMBER.sub(".", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def squash(text: str) -> str:
    """Text as quotes are compared: NFKC, no whitespace."""
    return _WHITESPACE.sub("", unicodedata.normalize("NFKC", text))


def squash_mapped(text: str) -> tuple[str, list[int]]:
    """The text squashed character by character, and for each character of it where it came from."""
    out, where = [], []
    for i, ch in enumerate(text):
        for n in unicodedata.normalize("NFKC", ch):
            if not n.isspace():
                out.append(n)
                where.append(i)
    return "".join(out), where


def squash_words(text: str) -> str:
    """Only the letters and digits of the squashed text: punctuation and underscores go too."""
    return _NOT_WORD.sub("", squash(text))


def squash_figures(text: str) -> str:
    """The squashed text with figures in one spelling: no thousands separators, Chinese numerals before
    a unit as digits ("十五个" -> "15个", "百分之十" -> "10%"), 【1】 as [1]."""
    text = unicodedata.normalize("NFKC", text).replace("【", "[").replace("】", "]")
    text = squash(_THOUSANDS.sub("", text))  # separators go before spaces do: "1, 000" stays two numbers

    def digits(m: re.Match[str]) -> str:
        value = parse_number(m[2] or m[4])
        if value is None:
            return m[0]
        number = f"{value:g}"
        return f"{number}%" if m[1] else number

    return _CN_FIGURE.sub(digits, text)
