"""Whole answers: a chosen sentence brings the sentences that finish what it starts.

A sentence ending in "；" or "：" goes on in the next; an enumeration (一是… 二是…, 第一… 第二…) is
kept together (past the answer's usual length, within a limit of its own).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.answering.candidates import Candidate
from bot.index.passages import Source
from bot.understanding.answer_types import NAMED_PERSON

MAX_ANSWER_CHARS = 320
MAX_ENUMERATION_CHARS = 560  # an enumeration is kept whole past the usual length, up to this
QUESTIONS_IN_A_ROW = 3  # questions an article asks in a row before it answers
ITEM_SENTENCES = 3  # sentences explaining one item before the next item
SHORT_ITEM = 12  # an item this short ("第四，市场化。") names its point; the next sentence explains it
Follow = Callable[[Source], Source | None]  # the passage that continues a passage, if any
_ENUMERATION = re.compile(r"^[“\"]?(?:[一二三四五六七八九十]是|第[一二三四五六七八九十]|其次|再次|最后|此外)")
# an item that begins inside a sentence ("有两种，一是……")
_INLINE_ITEM = re.compile(r"[，,：:；;]\s*([一二三四五六七八九十]是|第[一二三四五六七八九十])")


def next_sentence(cand: Candidate, follow: Follow | None = None) -> Candidate | None:
    """The sentence after this one in its passage (or, with `follow`, the first of the passage that
    continues it), scored just below it."""
    source, index = cand.source, cand.index + 1
    if index >= len(source.chunk.sentences):
        after = follow(source) if follow is not None else None
        if after is None or not after.chunk.sentences:
            return None
        source, index = after, 0
    return Candidate(cand.rank, source, index, source.chunk.sentences[index], cand.coverage,
                     cand.similarity, cand.typed, cand.score - 0.01)


def with_enumerations(chosen: list[Candidate], follow: Follow | None = None) -> list[Candidate]:
    """Sentences that go on listing (一是… 二是… / 第一… 第二…) after a chosen one come along, each item
    with the sentences that explain it ("第一，专业化。许多社工组织……。第二，职业化。……"), across the
    end of a passage into the one that continues it (`follow`)."""
    out = list(chosen)
    keys = {(c.source.chunk.id, c.index) for c in out}
    for cand in chosen:
        for item in _enumeration_after(cand, follow):
            if (item.source.chunk.id, item.index) in keys:
                continue
            if sum(len(c.text) for c in out) + len(item.text) > MAX_ENUMERATION_CHARS:
                break
            out.append(item)
            keys.add((item.source.chunk.id, item.index))
    return out


def _enumeration_after(cand: Candidate, follow: Follow | None) -> list[Candidate]:
    """The list that starts right after a sentence: its items, and between them what explains each."""
    run: list[Candidate] = []
    nxt = next_sentence(cand, follow)
    inline = [m[1] for m in _INLINE_ITEM.finditer(cand.text)]
    if inline and nxt is not None and not _ENUMERATION.match(nxt.text):
        # "组建方式主要有两种，一是整合……。如西城区……。第二类是校地合作……": the sentence is the list's first
        # item; what explains it comes along when the next item follows.
        between, nxt = _explaining(nxt, follow)
        if nxt is None or not _follows(inline[-1], nxt.text):
            return []
        run += between
    while nxt is not None and _ENUMERATION.match(nxt.text):
        run.append(nxt)
        between, after = _explaining(next_sentence(nxt, follow), follow)
        if after is not None and _follows(nxt.text, after.text):
            run += between  # the item's explanation, up to the next item
        elif len(nxt.text) <= SHORT_ITEM and between:
            run.append(between[0])  # the last item, named in a word, is explained by the next sentence
        nxt = after if after is not None and _follows(nxt.text, after.text) else None
    return run


def _explaining(start: Candidate | None, follow: Follow | None) -> tuple[list[Candidate], Candidate | None]:
    """The sentences from `start` up to the next item (at most ITEM_SENTENCES), and that item or what follows."""
    between: list[Candidate] = []
    after = start
    while after is not None and not _ENUMERATION.match(after.text) and len(between) < ITEM_SENTENCES:
        between.append(after)
        after = next_sentence(after, follow)
    return between, after


_NUMERALS = "一二三四五六七八九十"


def _follows(item: str, later: str) -> bool:
    """`later` is the next item of the list `item` belongs to: "第二" after "第一", "三是" after "二是";
    "其次"/"再次"/"最后"/"此外" follow any item. "一是" after "第四" starts another list."""
    a, b = _ENUMERATION.match(item), _ENUMERATION.match(later)
    if a is None or b is None:
        return False
    first, then = _number(a[0]), _number(b[0])
    return then is None or (first is not None and then == first + 1)


def _number(marker: str) -> int | None:
    digit = next((ch for ch in marker if ch in _NUMERALS), None)
    return _NUMERALS.index(digit) + 1 if digit else None


def with_continuations(chosen: list[Candidate], follow: Follow | None = None) -> list[Candidate]:
    """A sentence ending in ； or ： goes on in the next one (第一…；第二…): include it. So does one that asks
    ("字节跳动为何开始关注社会工作？"): an article asks to answer in what follows, in the passage after it if
    the question ends one (`follow`).

    Duplicates are dropped; the result is in the order chosen.
    """
    out: list[Candidate] = []
    seen: set[tuple[str, int]] = set()
    for cand in chosen:
        items: list[Candidate | None] = [cand]
        if _ends(cand, "；：;:"):
            items.append(next_sentence(cand))
        while (last := items[-1]) is not None and _ends(last, "？?") and len(items) <= QUESTIONS_IN_A_ROW:
            items.append(next_sentence(last, follow))  # questions in a row ("…有哪些优势？下一步将怎么做？")
        for item in items:
            if item is not None and (item.source.chunk.id, item.index) not in seen:
                seen.add((item.source.chunk.id, item.index))
                out.append(item)
    return out


def _ends(cand: Candidate, marks: str) -> bool:
    return cand.text.rstrip("”’）)")[-1:] in marks


def with_the_speakers_words(chosen: list[Candidate], follow: Follow | None = None) -> list[Candidate]:
    """What someone said goes on past the sentence naming them ("李新京认为…。但针对…他建议…。一是以事业留人"):
    the sentences after it, up to the next speaker named or the usual length."""
    if not chosen:
        return chosen
    out = [chosen[0]]
    after = next_sentence(chosen[0], follow)
    while after is not None and not NAMED_PERSON.search(after.text) \
            and sum(len(c.text) for c in out) + len(after.text) <= MAX_ANSWER_CHARS:
        out.append(after)
        after = next_sentence(after, follow)
    taken = {(c.source.chunk.id, c.index) for c in out}
    return out + [c for c in chosen[1:] if (c.source.chunk.id, c.index) not in taken]
