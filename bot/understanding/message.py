"""A message understood: its script, slips corrected, the ask found in it, the times it names.

People type long messages with context before the ask, run-ons without punctuation, homophones of
domain terms, Traditional characters and English. This module turns one message (and the
conversation before it) into what the rest of the engine works with; it decides nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Literal

from bot.text.analyzer import A_NOT_A, TextAnalyzer
from bot.text.dates import TimeMention, time_mentions
from bot.text.normalize import CJK
from bot.text.sentences import sentences
from bot.text.slips import Slip, SlipReader

Script = Literal["simplified", "traditional", "english"]

# A sentence that asks: a question mark, a final particle, or a question word.
_ASKS = re.compile(r"[？?]|[吗呢吧么嘛不没][。！!…~～，,；;\s]*$|什么|啥|咋|怎么|怎样|如何|哪(?!怕)|"
                   r"(?<![好没十这那前])几(?!乎)|多少|(?<![很许最较更好])多[长久大远高]|是[^，,。；;]{1,12}还是(?![挺很比较蛮])|谁|"
                   rf"是否|能否|可否|{A_NOT_A}|来得及|\b(?:what|when|where|who|which|how)\b|"
                   # an English verb asks where it leads its clause ("is it open"), not inside one ("it is open")
                   r"^\s*(?:can|could|is|are|do|does|did|will|would|should|may|was|were)\b",
                   re.I)
# A follow-up leans on the conversation: "那签约呢？", "她们组成了什么团队？", "它们平时做什么？".
# A message opening with a connective ("所以现在是报不了了对吧", "而且…", "这样的话…") goes on from the one before.
_FOLLOW_UP = re.compile(r"^(那|那么|还有|另外|其中|这个|那个|所以|而且|然后|这样的话|那样的话)|"
                        r"它们?|她们|他们|这些|那些|这里|那里|呢[？?]?$|"
                        r"^(第[一二三四五六七八九十\d]+|下一|上一|前一|后一)(年|个|阶段|步)")
# A colon ends what leads up to the ask ("编辑让我核对两个数：第一阶段…"), except between the digits of a time.
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;\n：])|(?<=[^\d]:)")
_CLAUSE_END = re.compile(r"(?<=[，,；;。！？!?\n：])|(?<=[^\d]:)")
# "那全国呢", "深圳那边呢": the same question of another place
_BARE_OTHER = re.compile(r"(?:那么?|那个|还有)?\s*(\S{2,12}?)\s*(?:那边|那儿|那里|这边|的)?\s*呢[？?。!！~～]*")
_SPACE_BETWEEN = re.compile(rf"(?<=[{CJK}])[ \t\u3000]+(?=[{CJK}])")
# "这个街道", "那家机构": a thing of that kind the conversation named. ("它", "他们" are left alone: they
# point at the topic as often as at the last organisation named.)
_HEADS = "街道|社区|村|镇|机构|协会|基金会|项目|活动|中心|社工站|计划|基金|事务所"
_THIS_ONE = re.compile(rf"(?:这个|那个|这家|那家|这一|那一|该)({_HEADS})")
_NOT_IN_NAMES = re.compile(r".*[由是的在和与及、向为对从将据即]")  # what comes before a name in a sentence
_STATED = re.compile(r"[。！!]\s*$")
LONG_MESSAGE = 60  # characters; a shorter message is its own ask


@dataclass
class Message:
    """One message as the engine reads it."""

    original: str
    text: str  # Simplified, full-width digits normalised, slips corrected: the whole message
    ask: str  # the sentences that ask (the whole text when it is short or asks nowhere in particular)
    context: str  # what the message says before or around the ask
    standalone: str  # the ask with enough of the conversation to stand alone for retrieval
    script: Script
    slips: list[Slip] = field(default_factory=list)
    times: list[TimeMention] = field(default_factory=list)
    earlier: list[str] = field(default_factory=list)  # the user's earlier messages, simplified, oldest first

    @property
    def follow_up(self) -> bool:
        return bool(self.earlier) and self.standalone != self.ask


def script_of(text: str, analyzer: TextAnalyzer) -> Script:
    """English, or Chinese written in Traditional characters (some character changes from Traditional to
    Simplified), or Simplified."""
    if analyzer.is_english(text):
        return "english"
    converted = analyzer.to_simplified(text)
    changed = sum(1 for a, b in zip(text, converted, strict=False) if a != b and re.match(f"[{CJK}]", a))
    return "traditional" if changed >= 1 else "simplified"


def asks(text: str) -> bool:
    """Whether a text asks anything (a question mark, a final particle, a question word). A statement ended
    with a full stop that asks only with 几 does not ask: "在帮几家机构梳理材料。" means "a few"."""
    cues = [m[0] for m in _ASKS.finditer(text)]
    return bool(cues) and not (set(cues) == {"几"} and _STATED.search(text))


def find_ask(text: str) -> tuple[str, str]:
    """(ask, context): in a long message, the sentences that ask; the rest is context."""
    if len(text) < LONG_MESSAGE:
        return text, ""
    parts = [s for s in re.split(_SENTENCE_END, text) if s.strip()]
    parts = [p for s in parts for p in (sentences(s) or [s])]
    asking = [p for p in parts if asks(p)]
    if not asking or len(asking) == len(parts):
        return text, ""
    # The context sentences between asks belong to them ("…助残类在不在范围里？还有截止到哪天？").
    first = parts.index(asking[0])
    ask = "".join(parts[first:])
    return ask.strip(), "".join(parts[:first]).strip()


def asking_part(text: str) -> str:
    """The clauses of a message that ask ("我的电话是…，申报截止到几号？" asks only in its second): what
    the rest says is the asker's context, not what the answer must be about."""
    clauses = [c for c in re.split(_CLAUSE_END, text) if c.strip()]
    asking = [c for c in clauses if asks(c)]
    return "".join(asking) if asking else text


class MessageReader:
    """Reads messages with the project's lexicon and domain terms."""

    def __init__(self, analyzer: TextAnalyzer, slips: SlipReader) -> None:
        self.analyzer = analyzer
        self.slips = slips

    def read(self, original: str, today: dt.date, earlier_user: list[str], answered: str = "") -> Message:
        """`answered`: the reply the user is following up on, which names what "这个街道" is."""
        # Spaces between Chinese words are where a hurried or voice-typed message puts its commas.
        simple = self.analyzer.simplify(_SPACE_BETWEEN.sub("，", original.strip()))
        script = script_of(original.strip(), self.analyzer)
        corrected, slips = self.slips.correct(simple)
        ask, context = find_ask(corrected)
        ask = without_exception(ask)
        earlier = [self.analyzer.simplify(t) for t in earlier_user]
        standalone = ask
        # A short question is not a follow-up by length alone, but one that names nothing ("谁办的啊") is.
        if earlier and (_FOLLOW_UP.search(ask) or not self.analyzer.keywords(ask)):
            resolved = resolve(ask, self.analyzer.simplify(answered or earlier[-1]))
            # once it names what it points at, it stands alone ("通运街道是啥时候成立的")
            standalone = resolved if resolved != ask else (
                self._in_place_of(ask, earlier[-1]) or earlier[-1] + " " + ask)
        return Message(original=original, text=corrected, ask=ask, context=context, standalone=standalone,
                       script=script, slips=slips, times=time_mentions(corrected, today), earlier=earlier)

    def _in_place_of(self, ask: str, before: str) -> str:
        """"那全国呢" after "北京现在有多少社工" asks the same of another place: the question before with the
        place it named replaced ("全国现在有多少社工"); so does "那副会长呢" after "北京社协的会长是谁" of
        another thing of the same kind, told by the head word they end in ("会长"); "" when the follow-up
        is not a bare name or the question before named nothing of its kind."""
        m = _BARE_OTHER.fullmatch(ask.strip())
        if m is None:
            return ""
        other = m[1]
        if self.analyzer.place_names(other) == [other]:
            places = [p for p in self.analyzer.place_names(before) if p != other]
            return before.replace(places[0], other, 1) if places else ""
        kin = [kw.term for kw in self.analyzer.keywords(before)
               if kw.term != other and kw.term in before and _same_head(kw.term, other)]
        return before.replace(max(kin, key=len), other, 1) if kin else ""


def _same_head(a: str, b: str) -> bool:
    """Two names of one kind: they end in the same word of two characters or more ("副会长", "会长";
    "V创投", "社工创投")."""
    return len(a) >= 2 and len(b) >= 2 and a[-2:] == b[-2:] and bool(re.fullmatch(f"[{CJK}]{{2}}", a[-2:]))


# "除了机构资质，项目本身有啥要求": what is set aside, up to 以外/之外 or the end of its clause
_EXCEPT = re.compile(r"(?:^|(?<=[，,。；;？?！!\s]))(?:除了?[^，,。；;？?！!]{1,16}?(?:以外|之外)(?!的)[，,]?|"
                     r"除了[^，,。；;？?！!]{1,16}[，,])")


def without_exception(ask: str) -> str:
    """The ask without what it sets aside: "除了机构资质，项目本身有啥硬性要求" asks about projects, and
    the words 机构资质 must not steer the answer back to the applicant's criteria."""
    rest = _EXCEPT.sub("", ask, count=1).strip()
    return rest if len(re.findall(f"[{CJK}]", rest)) >= 6 else ask  # "其他的呢" names nothing: kept whole


def resolve(ask: str, before: str) -> str:
    """A follow-up with the thing it points at named: "这个街道" becomes the 街道 the reply before named
    ("通运街道"). Unchanged when nothing fits."""
    before = re.sub(r"《[^》]*》", " ", before)  # titles of sources name no subject

    def named_with(head: str) -> str | None:
        names = re.findall(rf"[{CJK}]{{1,8}}?{head}", before)
        names = [_NOT_IN_NAMES.sub("", n) for n in names]
        names = [n for n in names if len(n) > len(head) and not n.startswith(("这", "那", "该"))]
        return names[0] if names else None

    def this_one(m: re.Match[str]) -> str:
        return named_with(m[1]) or m[0]

    return _THIS_ONE.sub(this_one, ask)


def domain_terms(analyzer: TextAnalyzer, names: list[str]) -> list[str]:
    """Terms whose slips are worth catching: the domain dictionary and the names the knowledge gives."""
    return [*analyzer.dictionary, *names]
