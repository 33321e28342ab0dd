"""What a question asks for: its content words, the kind of answer it expects, years it names."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from itertools import pairwise

from bot.text.analyzer import Keyword, TextAnalyzer
from bot.text.normalize import CJK
from bot.understanding.answer_types import MEASURE, AnswerType, asked_type, has_answer_type
from bot.understanding.message import asking_part, asks
from bot.understanding.near import CREDIT as NEAR_CREDIT
from bot.understanding.near import Near

# "多少家", "几个村级社工站": the unit and the thing counted.
_COUNT_FOCUS = re.compile(rf"(?:多少|几)(人次|[{MEASURE}])?([{CJK}]{{0,6}})")
_EN_COUNT_FOCUS = re.compile(r"\bhow many ([a-z' -]+?)(?=\s+(?:are|is|were|was|do|does|did|have|has|had|in|at|"
                             r"there|will|can)\b|[?,.]|$)", re.I)
_NUMBER = r"(?:\d[\d.,]*|[一二两三四五六七八九十百千万]+)\s*(?:余|多)?\s*(?:万|亿)?"
CJK_WORD = re.compile(f"[{CJK}]")
YEAR = re.compile(r"(?<!\d)(19\d{2}|20\d{2})(?:年|\s*届|(?!\d))")
_NEXT = re.compile(r"以后|之后|然后|接下来|下一步|后续|随后|what next|after that", re.I)
_PRESENT = re.compile(r"现在|目前|如今|今年|最新|当前|还能|still|now|current", re.I)


@dataclass
class QueryInfo:
    text: str
    keywords: list[Keyword]
    weights: dict[str, float] = field(default_factory=dict)
    answer_type: AnswerType = "any"
    years: list[int] = field(default_factory=list)
    asks_present: bool = False
    asks_next: bool = False
    count_unit: str = ""
    count_noun: str = ""
    english: bool = False
    parts: list[QueryInfo] = field(default_factory=list)  # further sub-questions, each analysed
    unseen: list[str] = field(default_factory=list)  # its Chinese words no passage uses
    near: dict[str, tuple[str, ...]] = field(default_factory=dict)  # passages' words standing in for them
    in_field: bool = False  # its meaning is that of a kind of question the field is asked (intents.yaml)
    own: str = ""  # a follow-up's own words, without the question it follows (else the text is its own)
    own_words: list[Keyword] = field(default_factory=list)  # … the things it names: an answer must name one

    def with_near(self, near: Near) -> QueryInfo:
        """The question with the passages' words that stand in for its unseen ones (`near`)."""
        found = near(self.unseen) if self.unseen else {}
        return replace(self, near={w: n for w, n in found.items() if n}, parts=[p.with_near(near) for p in self.parts])

    def without_story(self) -> QueryInfo:
        """The question without the words of the asker's own story, told outside the clauses that ask, that
        no passage uses ("我爸刚出院回家…", "…做稿子要用"): what the passages can speak of is what is asked."""
        asked = asking_part(self.text).lower()
        kept = [kw for kw in self.keywords if kw.term not in self.unseen or kw.term in asked]
        return self._keeping(kept) if kept else self

    def without(self, terms: tuple[str, ...]) -> QueryInfo:
        """The question without the words holding these terms (the places it names): what it asks of them."""
        return self._keeping([kw for kw in self.keywords if not any(t in kw.term for t in terms)])

    def _keeping(self, kept: list[Keyword]) -> QueryInfo:
        terms = {kw.term for kw in kept}
        return replace(self, keywords=kept, weights={t: self.weights[t] for t in terms},
                       unseen=[w for w in self.unseen if w in terms],
                       own_words=[w for w in self.own_words if w.term in terms])




def typed_strength(info: QueryInfo, sentence: str) -> float:
    """0 when the sentence lacks the kind of answer asked for, 1 when it has it, up to 2
    when a count comes with the unit and the thing the question counts ("13个村级工站")."""
    if not has_answer_type(info.answer_type, sentence):
        return 0.0
    strength = 1.0
    if info.answer_type == "count":
        if info.count_unit and re.search(_NUMBER + re.escape(info.count_unit), sentence):
            strength += 0.25
        noun = info.count_noun[-2:]
        if len(noun) == 2 and re.search(_NUMBER + rf"[{CJK}]{{0,8}}{re.escape(noun)}", sentence):
            strength += 0.75
    return strength


def analyze(text: str, analyzer: TextAnalyzer, corpus: list[str], split: bool = True) -> QueryInfo:
    """Keywords weighted by rarity in the (lower-cased) corpus: a word in every chunk weighs little; the
    Chinese words in none are `unseen` (`with_near` finds the passages' words that stand in for them).

    A question of several parts ("…？…？", or clauses that each ask) also gets each later part analysed.
    """
    parts = asked_parts(text) if split else []
    keywords = _with_latin_names(analyzer.keywords(text), text, analyzer, corpus)
    focus = _COUNT_FOCUS.search(text)
    # "几个村的社工站": what is counted is the head after 的 (社工站), else what comes before it ("几个村的")
    phrase = re.split(r"[了是吗呢啊呀？?，,。]", focus[2])[0] if focus else ""
    noun = phrase.rsplit("的", 1)[-1] or phrase.split("的", 1)[0]
    if not noun and (counted := _EN_COUNT_FOCUS.search(text)):  # "how many social workers are there"
        noun = next((group[0] for group in analyzer.english_terms(counted[1])), "")
    identity = _who_they_are(text, analyzer)
    if identity:  # "刘京是啥职务": 职务 names the kind of answer, not a topic the passages must share
        keywords = [kw for kw in keywords if kw.term not in _IDENTITY_WORDS]
    n = max(len(corpus), 1)
    weights: dict[str, float] = {}
    unseen: list[str] = []
    for kw in keywords:
        df = sum(1 for chunk in corpus if any(v.lower() in chunk for v in kw.variants))
        weights[kw.term] = math.log(1.0 + n / (1.0 + df)) + 0.2
        if not df and CJK_WORD.search(kw.term):
            unseen.append(kw.term)
    return QueryInfo(
        text=text, keywords=keywords, weights=weights, answer_type=identity or asked_type(text),
        years=[int(y) for y in YEAR.findall(text)], asks_present=bool(_PRESENT.search(text)),
        asks_next=bool(_NEXT.search(text)), english=analyzer.is_english(text),
        count_unit=(focus[1] or "") if focus else "", count_noun=noun,
        parts=[analyze(p, analyzer, corpus, split=False) for p in parts[1:]] if len(parts) > 1 else [],
        unseen=unseen,
    )


# "沈小平是谁啊", "刘京是啥职务", "张强是哪个部门的": asked of a person named, what they are (a title, a post)
_IDENTITY_WORDS = ("单位", "部门", "职务", "职位", "身份", "来头")
_IDENTITY = re.compile(rf"^(?:是谁|是什么人|是干嘛的|是干什么的|是做什么的|"
                       rf"是?(?:哪个|什么|啥)(?:{'|'.join(_IDENTITY_WORDS)}))")


def _who_they_are(text: str, analyzer: TextAnalyzer) -> AnswerType | None:
    """A question asking who a person it names is wants the sentence giving them with their title."""
    clause = asking_part(text).strip()
    tagged = analyzer.tagged(clause)
    if len(tagged) >= 2 and tagged[0][1] == "nr" and _IDENTITY.match(clause[len(tagged[0][0]):]):
        return "person"
    return None


_LATIN_LED = re.compile(rf"([a-z]+)[{CJK}]{{2,}}")


def _with_latin_names(keywords: list[Keyword], text: str, analyzer: TextAnalyzer, corpus: list[str]) -> list[Keyword]:
    """A name that begins with a Latin letter ("V创投") is one word where the passages use it so; segmented,
    its letter is dropped and "创投" alone names another programme."""
    names = []
    for m in _LATIN_LED.finditer(text.lower()):
        name = next((m[0][:end] for end in range(len(m[0]), len(m[1]) + 1, -1)
                     if any(m[0][:end] in chunk for chunk in corpus)), "")
        if name:
            names.append(name)
    if not names:
        return keywords
    rest = text.lower()
    for n in names:
        rest = rest.replace(n, " ")
    kept = [kw for kw in keywords if kw.term in rest or not any(kw.term in n for n in names)]
    return [*(Keyword(n, analyzer.variants(n)) for n in names), *kept]


def asked_parts(text: str) -> list[str]:
    """The parts a question asks, in order: its sentences, and within one the clauses that ask
    ("啥时候成立，下面管几个村站" asks twice); a clause that only tells ("我在考虑报社工专业") goes with
    the part before it."""
    out: list[str] = []
    for sentence in (p for p in re.split(r"(?<=[？?])", text) if len(p.strip()) >= 4):
        clauses = [c for c in re.split(r"(?<=[，,；;。！!？?])", sentence) if c.strip()]
        asking = [c for c in clauses if asks(c) and len(c.strip(" ，,；;。！!？?")) >= 4]
        if len(asking) < 2:
            out.append(sentence)
            continue
        # each asking clause with the telling clauses that lead up to it
        current = ""
        for clause in clauses:
            current += clause
            if clause in asking:
                out.append(current)
                current = ""
        if current and out:
            out[-1] += current
    return out


def match(keyword: Keyword, text: str, analyzer: TextAnalyzer) -> float:
    """1 when the word or a variant occurs (ignoring case); for a compound word, partial
    credit in proportion to the characters of it that its found parts cover."""
    text = text.lower()
    if any(v.lower() in text for v in keyword.variants):
        return 1.0
    term = keyword.term
    abbreviated = ABBREVIATED if _abbreviates(term, text) else 0.0
    if len(term) < 3 or _LATIN_LED.fullmatch(term):
        return abbreviated  # "V创投" is not partly "创投": its letter names it
    covered = [False] * len(term)
    for part in analyzer.tokens(term):
        if len(part) < 2 or part == term or not any(v.lower() in text for v in analyzer.variants(part)):
            continue
        start = term.find(part)
        while start >= 0:
            covered[start:start + len(part)] = [True] * len(part)
            start = term.find(part, start + 1)
    # A Chinese compound names its last part (its head): "村级社工站" is a kind of "社工站", but "社工站"
    # is not a kind of "社工". Parts that leave out the head earn nothing.
    by_parts = 0.8 * (sum(covered) / len(term)) ** 2 if covered[-1] else 0.0
    # Segmentation can cut an unfamiliar word wrongly ("绘本共读" -> "有绘" / "本共读"):
    # character pairs of the keyword found in the text give partial credit too, the head's among them.
    pairs = [term[i:i + 2] for i in range(len(term) - 1)]
    by_pairs = 0.8 * (sum(1 for p in pairs if p in text) / len(pairs)) ** 2 if pairs and pairs[-1] in text else 0.0
    return max(by_parts, by_pairs, abbreviated)


ABBREVIATED = 0.6  # credit for a short word whose full form the text says ("初选" for "初步评选")


def _abbreviates(term: str, text: str) -> bool:
    """A Chinese short form keeps characters of its full form in order ("初选" = 初步评选, "年检" = 年度检查): the
    text has the word's characters in order, each at most two characters after the one before."""
    if not 2 <= len(term) <= 4 or not all(CJK_WORD.match(ch) for ch in term):
        return False
    return re.search(f"{re.escape(term[0])}" + "".join(f"[{CJK}]{{0,2}}{re.escape(ch)}" for ch in term[1:]),
                     text) is not None


def _near_match(info: QueryInfo, term: str, text: str) -> float:
    """Partial credit when the text has a word that stands in for an unseen one ("筛选" for "筛完")."""
    near = info.near.get(term)
    return NEAR_CREDIT if near and any(w in text.lower() for w in near) else 0.0


def coverage(info: QueryInfo, text: str, analyzer: TextAnalyzer) -> float:
    """Weighted share of the question's content words that the text contains."""
    total = sum(info.weights.values())
    if total == 0:
        return 0.0
    got = sum(info.weights[kw.term] * max(match(kw, text, analyzer), _near_match(info, kw.term, text))
              for kw in info.keywords)
    return got / total


_JOINER = re.compile(r"^(?:的|之)?$")  # what may stand between two words that make one phrase ("北京社协的会长")


def phrases(info: QueryInfo) -> list[tuple[Keyword, Keyword]]:
    """Pairs of the question's words that stand together in its own words, as one phrase ("北京社协的会长");
    a follow-up's phrases are its own, not those of the question it follows."""
    text = (info.own or info.text).lower()
    found = sorted(((pos, kw) for kw in info.keywords if (pos := text.find(kw.term.lower())) >= 0),
                   key=lambda found: found[0])
    return [(a, b) for (i, a), (j, b) in pairwise(found) if _JOINER.match(text[i + len(a.term):j]) is not None]


def phrase_pattern(info: QueryInfo) -> re.Pattern[str] | None:
    """What says one of the question's phrases as a phrase, the second word right after the first, in lower case
    ("北京社会工作者协会会长李新京" says 北京社协的会长; a text naming both far apart does not); None when it has none.
    Built once per question: every sentence of the passages is matched against it."""
    forms = [re.escape(v1.lower()) + "(?:的|之)?" + re.escape(v2.lower())
             for a, b in phrases(info) for v1 in a.variants for v2 in b.variants]
    return re.compile("|".join(forms)) if forms else None

