"""Whole answers: a chosen sentence brings the sentences that finish what it starts.

A sentence ending in "；" or "：" goes on in the next; an enumeration (一是… 二是…, 第一… 第二…) is
kept together, within the answer's length.
"""

from __future__ import annotations

import re

from bot.answering.candidates import Candidate

MAX_ANSWER_CHARS = 320
_ENUMERATION = re.compile(r"^[“\"]?(?:[一二三四五六七八九十]是|第[一二三四五六七八九十]|其次|再次|最后|此外)")


def next_sentence(cand: Candidate) -> Candidate | None:
    """The sentence after this one in its passage, scored just below it."""
    sents = cand.source.chunk.sentences
    if cand.index + 1 >= len(sents):
        return None
    return Candidate(cand.rank, cand.source, cand.index + 1, sents[cand.index + 1], cand.coverage,
                     cand.similarity, cand.typed, cand.score - 0.01)


def with_enumerations(chosen: list[Candidate]) -> list[Candidate]:
    """Sentences that go on listing (一是… 二是… / 第一… 第二…) after a chosen one come along."""
    out = list(chosen)
    keys = {(c.source.chunk.id, c.index) for c in out}
    for cand in chosen:
        nxt = next_sentence(cand)
        while nxt is not None and _ENUMERATION.match(nxt.text) and (nxt.source.chunk.id, nxt.index) not in keys:
            if sum(len(c.text) for c in out) + len(nxt.text) > MAX_ANSWER_CHARS:
                break
            out.append(nxt)
            keys.add((nxt.source.chunk.id, nxt.index))
            nxt = next_sentence(nxt)
    return out


def with_continuations(chosen: list[Candidate]) -> list[Candidate]:
    """A sentence ending in ； or ： goes on in the next one (第一…；第二…): include it.

    Duplicates are dropped; the result is in the order chosen.
    """
    out: list[Candidate] = []
    seen: set[tuple[str, int]] = set()
    for cand in chosen:
        for item in (cand, next_sentence(cand) if cand.text.rstrip("”’）)").endswith(
                ("；", "：", ";", ":")) else None):
            if item is not None and (item.source.chunk.id, item.index) not in seen:
                seen.add((item.source.chunk.id, item.index))
                out.append(item)
    return out
