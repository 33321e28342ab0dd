"""Chinese sentences: where one ends, for every part that cuts text into sentences.

- `sentences`: a paragraph's sentences, trimmed (chunking, drafting, reading a long message).
- `pieces`: the same text cut after every sentence end and line break, losslessly, for filtering
  sentences out (`"".join(pieces(t)) == t`); `whole_sentences_end`: how much of a text still being
  written is whole sentences.
- `ends_sentence`: whether a line of a page ends its sentence (a colon too: a list follows).
"""

from __future__ import annotations

import re

_CLOSING = "”’」』）)"  # quotes and brackets that close after a sentence's end belong to it
# A sentence ends at 。！？； or …… (or ASCII !?;), with any closing quotes or brackets
# that follow it; a full stop between digits (7.68) is not an end.
_SENTENCE = re.compile(rf".*?(?:[。！？；!?;]|……|…(?![…])|$)[{_CLOSING}]*", re.S)
# Hard ends only (no ；): a piece is a sentence or a line, whatever it holds.
_HARD_END = "。！？!?\n"
_PIECE = re.compile(rf"[^{_HARD_END}]*[{_HARD_END}]?")
_HARD_END_AT = re.compile(rf"[{_HARD_END}]")
_LINE_END = re.compile(rf"[。！？；…：:!?][{_CLOSING}]*$")


def sentences(text: str) -> list[str]:
    """Chinese sentences of a paragraph, punctuation and closing quotes kept."""
    out = [s.strip() for s in _SENTENCE.findall(text.strip())]
    return [s for s in out if s]


def pieces(text: str) -> list[str]:
    """The text cut after each 。！？!? and line break, nothing dropped or trimmed."""
    return _PIECE.findall(text)


def whole_sentences_end(text: str) -> int:
    """Where the last whole sentence (or line) of the text ends; 0 when none is complete yet."""
    return max((m.end() for m in _HARD_END_AT.finditer(text)), default=0)


def ends_sentence(text: str) -> bool:
    return bool(_LINE_END.search(text.strip()))
