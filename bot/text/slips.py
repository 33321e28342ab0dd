"""Slips of the keyboard: domain terms typed with a homophone (社公站, 穿投, 社工占) recognised by sound.

Chinese is typed by pinyin, so a wrong character usually sounds like the right one, or nearly:
an input method confuses zh/z, ch/c, sh/s, l/n, f/h and an/ang, en/eng, in/ing. A span of the
message that is not itself a known word, has the same number of syllables as a domain term, shares
at least one character with it and sounds the same under those confusions is read as that term.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

_DATE_UNITS = "年月日号"  # after a digit, the end of a date, not the start of a term
_BEFORE_A_UNIT = "哪几今去明前后那当同每多零一二两三四五六七八九十〇"  # … or after a word that makes it a time
_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("n", "l"), ("h", "f"))
_FINALS = (("uang", "uan"), ("iang", "ian"), ("ang", "an"), ("eng", "en"), ("ing", "in"))


@dataclass(frozen=True)
class Slip:
    """`typed` at text[start:start+len(typed)] was read as `term`."""

    typed: str
    term: str
    start: int


@cache
def _syllable(ch: str) -> str:
    from pypinyin import Style, lazy_pinyin

    return lazy_pinyin(ch, style=Style.NORMAL, errors="ignore")[0] if "\u4e00" <= ch <= "\u9fff" else ch


def _is_word(text: str) -> bool:
    """A common word of its own (年间, 时间): two characters that are a word are no slip."""
    from pypinyin.phrases_dict import phrases_dict

    return text in phrases_dict


def _fuzzy(syllable: str) -> str:
    for long, short in _INITIALS:
        if syllable.startswith(long):
            syllable = short + syllable[len(long):]
            break
    for long, short in _FINALS:
        if syllable.endswith(long):
            return syllable[: -len(long)] + short
    return syllable


def sound(text: str) -> tuple[str, ...]:
    """The fuzzy syllables of a run of Chinese characters."""
    return tuple(_fuzzy(_syllable(ch)) for ch in text)


class SlipReader:
    """Finds homophone slips of a fixed set of domain terms."""

    def __init__(self, terms: Iterable[str], known_words: Iterable[str] = ()) -> None:
        chinese = {t for t in terms if 2 <= len(t) <= 8 and all("\u4e00" <= c <= "\u9fff" for c in t)}
        self.terms = sorted(chinese, key=len, reverse=True)
        self.known = set(known_words) | chinese
        self._by_sound: dict[tuple[str, ...], list[str]] = {}
        for term in self.terms:
            self._by_sound.setdefault(sound(term), []).append(term)

    def find(self, text: str) -> list[Slip]:
        """Slips in the text, longest terms first, not overlapping one another or a correct term."""
        # Correct spellings are never "corrected": a span is left alone where a term at least as long stands.
        taken = [0] * len(text)
        for term in self.terms:
            at = text.find(term)
            while at >= 0:
                taken[at:at + len(term)] = [max(t, len(term)) for t in taken[at:at + len(term)]]
                at = text.find(term, at + 1)
        slips: list[Slip] = []
        for size in sorted({len(t) for t in self.terms}, reverse=True):
            for start in range(len(text) - size + 1):
                span = text[start:start + size]
                if max(taken[start:start + size]) >= size or span in self.known:
                    continue
                if not all("\u4e00" <= c <= "\u9fff" for c in span) or (size == 2 and _is_word(span)):
                    continue
                # "2019年建的", "哪年建的" are no 年检
                if start and (text[start - 1].isdigit() or text[start - 1] in _BEFORE_A_UNIT) and \
                        span[0] in _DATE_UNITS:
                    continue
                for term in self._by_sound.get(sound(span), []):
                    shared = sum(a == b for a, b in zip(span, term, strict=True))
                    if shared >= max(1, size // 2) and shared < size:
                        slips.append(Slip(span, term, start))
                        taken[start:start + size] = [size] * size
                        break
        return sorted(slips, key=lambda s: s.start)

    def correct(self, text: str) -> tuple[str, list[Slip]]:
        """The text with slips replaced by their terms, and the slips."""
        slips = self.find(text)
        for slip in reversed(slips):
            text = text[:slip.start] + slip.term + text[slip.start + len(slip.typed):]
        return text, slips
