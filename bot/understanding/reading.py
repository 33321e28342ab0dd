"""A question read once: smalltalk or unusable input told apart, then the message, what it asks for,
the things it names and what it says of the applicant, in one `Reading` the answering floor consumes.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace

from bot.knowledge.places import Places
from bot.text.analyzer import TextAnalyzer
from bot.text.normalize import CJK
from bot.understanding.answer_types import ORG_NAME, AnswerType, answer_type, asked_type
from bot.understanding.fact_words import SELF
from bot.understanding.facts import OrgFacts, accumulate, extract
from bot.understanding.message import Message, MessageReader, asking_part
from bot.understanding.query import QueryInfo, analyze
from bot.understanding.smalltalk import Smalltalk, SmalltalkReader

Rewrite = Callable[[str], str | None]  # a follow-up's ask -> the question standing alone (a language model)


@dataclass(frozen=True)
class Invalid:
    """Input that cannot be a question; `key` names the reply template."""

    key: str


# "我妈住上海浦东，那边的社工站咋找": the ask points at a place the message named before it.
_THERE = re.compile(r"那边|那里|那儿|那头|当地|那个地方|there", re.I)


@dataclass(frozen=True)
class Named:
    """A thing a question names, with the forms that count as the same thing."""

    label: str
    forms: tuple[str, ...]  # lower-cased


@dataclass
class Reading:
    """One question as the engine reads it, once."""

    message: Message
    asked: str  # what the question means: the standalone text of a follow-up, else the ask
    query: QueryInfo  # the standalone question's content words (weighted by rarity), answer type, years
    ask_query: QueryInfo  # the ask's own content words, as one part
    ask_type: AnswerType  # the kind of answer the ask expects
    named: list[Named]  # the things the asking part of `asked` names
    we: bool  # the applicant speaks of itself in this message ("我们")
    we_before: bool  # … or did in an earlier one
    facts_before: OrgFacts  # the applicant's facts told earlier in the conversation
    facts_now: OrgFacts  # … told in this message (without "we", once earlier facts were told)
    facts: OrgFacts  # all of them, a later statement overriding an earlier one
    elsewhere: tuple[str, ...]  # places outside Beijing the asking part names: what an answer must be about

    @property
    def text(self) -> str:
        return self.message.text

    @property
    def ask(self) -> str:
        return self.message.ask

    @property
    def standalone(self) -> str:
        return self.message.standalone


class QuestionReader:
    """Reads questions with the project's lexicon, the knowledge's names and places, and the indexed
    passages (`corpus`, which tell how rare, how telling, a word is)."""

    def __init__(self, analyzer: TextAnalyzer, messages: MessageReader, smalltalk: SmalltalkReader,
                 places: Places, corpus: list[str], max_chars: int) -> None:
        self.analyzer = analyzer
        self.messages = messages
        self.smalltalk = smalltalk
        self.places = places
        self.corpus = corpus
        self.max_chars = max_chars

    def invalid(self, text: str) -> str | None:
        """The template key for input that cannot be a question, else None."""
        stripped = text.strip()
        if not stripped:
            return "invalid_empty"
        if len(stripped) > self.max_chars:
            return "invalid_too_long"
        letters = sum(1 for ch in stripped if unicodedata.category(ch)[0] in "LN")
        controls = sum(1 for ch in stripped if unicodedata.category(ch) in ("Cc", "Co", "Cs", "Cn")
                       and ch not in "\n\t")
        if controls > 0.1 * len(stripped) or ("\ufffd" in stripped and letters < 0.5 * len(stripped)):
            return "invalid_unreadable"
        if not re.search(f"[{CJK}]", stripped) and len(re.findall(r"[A-Za-z]{2,}", stripped)) < 2:
            return "invalid_unreadable"
        return None

    def understand(self, text: str, today: dt.date, earlier: list[str],
                   rewrite: Rewrite | None = None, answered: str = "") -> Smalltalk | Invalid | Reading:
        """Smalltalk, unusable input, or the question read; `earlier` are the user's earlier messages,
        and `rewrite` (a language model) may make a follow-up stand alone."""
        problem = self.invalid(text)
        small = self.smalltalk.read(self.analyzer.simplify(text)) if problem != "invalid_too_long" else None
        if small is not None:
            return small
        if problem:
            return Invalid(problem)
        msg = self.message(text, today, earlier, rewrite, answered)
        before = accumulate(msg.earlier, today, self.places)
        now = extract(msg.text, today, self.places, require_first_person=not before.known())
        asked = msg.standalone if msg.follow_up else msg.ask
        return Reading(
            msg, asked, self._query(msg),
            analyze(msg.ask, self.analyzer, self.corpus, split=False), asked_type(msg.ask),
            self.named(self._without_times(asking_part(asked), msg)), bool(SELF.search(msg.text)),
            any(SELF.search(m) for m in msg.earlier),
            before, now, accumulate([*msg.earlier, msg.text], today, self.places),
            tuple(self.places.named_elsewhere(asked if _THERE.search(asking_part(asked)) else asking_part(asked))))

    def _query(self, msg: Message) -> QueryInfo:
        """The standalone question analysed; a follow-up that asks for a kind of answer of its own ("那会上
        北京社协的会长是谁" after "恳谈会在哪开的") wants that kind, not the kind the earlier question wanted."""
        query = analyze(msg.standalone, self.analyzer, self.corpus)
        if not msg.follow_up:
            return query
        own = analyze(msg.ask, self.analyzer, self.corpus, split=False)
        # what it names, not how it asks ("展开说说") nor a word the segmenter made of a count ("多少个报的")
        things = {n.label.lower() for n in self.named(msg.ask) if not self.analyzer.made_up_from_function(n.label)}
        query = replace(query, own=msg.ask, own_words=[kw for kw in own.keywords if kw.term in things])
        if own.answer_type == "any" and not _OWN_QUESTION.search(msg.ask):
            return query  # "西城呢", "展开说说": the kind of answer the question it follows wanted
        return replace(query, answer_type=own.answer_type, count_unit=own.count_unit, count_noun=own.count_noun)

    def message(self, text: str, today: dt.date, earlier: list[str], rewrite: Rewrite | None = None,
                answered: str = "") -> Message:
        """The message read: script, slips, the ask, the times it names, and what it means standing alone
        (`answered`: the reply it follows up on)."""
        msg = self.messages.read(text, today, earlier, answered)
        if msg.earlier and rewrite is None:
            msg.standalone = _who_it_was(msg, answered) or msg.standalone
        if msg.earlier and rewrite is not None:
            rewritten = rewrite(msg.ask)
            if rewritten:
                msg.standalone = self.analyzer.simplify(rewritten)
        return msg

    @staticmethod
    def _without_times(text: str, msg: Message) -> str:
        """The text without the days and spans it names: "下礼拜" is a time, not a thing named."""
        for mention in msg.times:
            text = text.replace(mention.text, " ")
        return text

    def named(self, text: str) -> list[Named]:
        """The things a question names: its nouns (the generic ones aside), or in English its glossary
        phrases; each with its variants."""
        a = self.analyzer
        if a.is_english(text):  # English is judged by the glossary's Chinese for its phrases
            return [Named(group[0], tuple(v.lower() for t in group for v in a.variants(t)))
                    for group in a.english_terms(text)]
        return [Named(n, tuple(v.lower() for v in a.variants(n.lower()))) for n in a.nouns(text)
                if n not in a.generic]


# A follow-up asking a question of its own ("它具体做了些啥" after "通运街道是什么时候成立的"): not a date again
_OWN_QUESTION = re.compile(r"什么|啥|咋|怎么|怎样|如何|为何|哪|谁|多少|(?<![好没十这那前])几(?!乎)|"
                           r"\b(?:what|how|why|which|who)\b", re.I)
# People (an organisation as its people): "他们那边". "它" is as often the topic ("那它总共资助几个项目").
_PRONOUN = re.compile(r"他们|她们|(?<![其])[他她](?![们人乡])")
_NAME_BEFORE = re.compile(r".*[由是的据，,：:]")  # what comes before a name in a sentence


def _who_it_was(msg: Message, answered: str) -> str:
    """A follow-up to a question asking who ("创投具体是谁在执行？"): its "他们" is the organisation the reply
    named ("北京社会工作者协会"), with the earlier question kept for its topic; "" when that does not apply."""
    if answer_type(msg.earlier[-1]) != "org" or not _PRONOUN.search(msg.ask):
        return ""
    said = re.sub(r"《[^》]*》", " ", answered)
    found = ORG_NAME.search(said)
    name = _NAME_BEFORE.sub("", found[0]) if found else ""
    if len(name) < 4:
        return ""
    return f"{msg.earlier[-1]} {_PRONOUN.sub(name, msg.ask, count=1)}"

