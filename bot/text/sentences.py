"""Chinese sentences: where one ends."""

from __future__ import annotations

import re

# A sentence ends at 。！？； or …… (or ASCII !?;), with any closing quotes or brackets
# that follow it; a full stop between digits (7.68) is not an end.
_SENTENCE = re.compile(r".*?(?:[。！？；!?;]|……|…(?![…])|$)[”’」』）)]*", re.S)


def sentences(text: str) -> list[str]:
    """Chinese sentences of a paragraph, punctuation and closing quotes kept."""
    out = [s.strip() for s in _SENTENCE.findall(text.strip())]
    return [s for s in out if s]
