"""Chinese text analysis: Traditional to Simplified, segmentation, keywords and their variants."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import opencc
import rjieba
import yaml

from bot.text.normalize import CJK, normalize_text

_WORD = re.compile(rf"[{CJK}]|[a-z0-9]", re.I)
_LATIN_WORD = re.compile(r"[a-z][a-z'-]*", re.I)
A_NOT_A = rf"(?P<a_not_a>[{CJK}])[不没](?P=a_not_a)"  # "大不大", "多不多", "可不可以": a question form, not a topic
LEXICON_FILES = ("dictionary.txt", "stopwords.txt", "synonyms.yaml", "english.yaml", "generic.txt")
# Tags of words that name things: n, ns (place), nr (person), nt (organisation), nz, j (abbreviation),
# l (a set phrase naming a thing, see _names_a_thing), eng (Latin word); "vn" (a verb used as a noun, 考试)
# is added by its full tag below.
_NOUN_TAGS = ("n", "j", "l", "e")
_FUNCTION_TAGS = ("r", "u", "p", "c", "y", "o", "m")  # by first letter; "e" alone is an interjection
_SCOPES = ("全国", "全市", "全省", "国内", "内地", "国外", "海外", "各地")  # where a place's name could stand


@dataclass(frozen=True)
class Keyword:
    """A content word of a question with the variants that count as a match."""

    term: str
    variants: tuple[str, ...]


class TextAnalyzer:
    """Segmentation with a domain dictionary; one instance per lexicon directory."""

    def __init__(self, lexicon_dir: Path) -> None:
        self.lexicon_dir = lexicon_dir
        self._jieba = rjieba.Jieba()
        self.dictionary: list[str] = []
        for line in self._read("dictionary.txt").splitlines():
            parts = line.split("#", 1)[0].split()
            if parts:
                self.dictionary.append(parts[0])
                freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
                self._jieba.add_word(parts[0], freq, None)
        self.generic = frozenset(w.strip() for w in self._read("generic.txt").splitlines()
                                 if w.strip() and not w.startswith("#"))
        self.stopwords = frozenset(
            w for line in self._read("stopwords.txt").splitlines()
            if not line.startswith("#") for w in line.split()
        )
        groups = yaml.safe_load(self._read("synonyms.yaml") or "[]") or []
        self._variants: dict[str, tuple[str, ...]] = {}
        for group in groups:
            terms = tuple(str(t) for t in group)
            for term in terms:
                merged = self._variants.get(term, ()) + tuple(t for t in terms if t != term)
                self._variants[term] = tuple(dict.fromkeys(merged))
        english = yaml.safe_load(self._read("english.yaml") or "{}") or {}
        self.english = sorted(((k.lower(), [str(v) for v in vs]) for k, vs in english.items()),
                              key=lambda kv: -len(kv[0]))
        self._t2s = opencc.OpenCC("t2s")

    def _read(self, name: str) -> str:
        path = self.lexicon_dir / name
        return path.read_text(encoding="utf-8") if path.exists() else ""

    @cached_property
    def fingerprint(self) -> str:
        """Changes when any lexicon file changes, so the keyword index knows it is stale."""
        digest = hashlib.sha256()
        for name in LEXICON_FILES:
            digest.update(name.encode() + b"\0" + self._read(name).encode())
        return digest.hexdigest()[:16]

    def to_simplified(self, text: str) -> str:
        """Traditional characters to Simplified, nothing else."""
        return str(self._t2s.convert(text))

    def simplify(self, text: str) -> str:
        """Traditional to Simplified Chinese, full-width digits to ASCII."""
        return normalize_text(self._t2s.convert(text))

    def tokens(self, text: str) -> list[str]:
        """Search-mode tokens for BM25: every word and its sub-words, no punctuation or stopwords."""
        return [
            t.lower() for t in self._jieba.cut_for_search(text, True)
            if _WORD.search(t) and t not in self.stopwords
        ]

    def nouns(self, text: str) -> list[str]:
        """The things a text names (nouns, names of people, places and organisations, abbreviations, Latin
        words), as the tagger reads them; two characters or more, no stopwords."""
        tagged = [(re.sub(r"^[这那该此]", "", w), tag) for w, tag in self._jieba.tag(text)]  # 这钱
        return [w for w, tag in tagged if (tag[:1] in _NOUN_TAGS or tag == "vn") and tag != "e"
                and len(w) >= 2 and w not in self.stopwords and not w.isdigit()
                and (tag != "l" or self._names_a_thing(w))]

    def place_names(self, text: str) -> list[str]:
        """The places a text names, as the tagger reads them ("上海", "西城"), and the scopes that stand where a
        place would ("全国", "内地")."""
        return [w for w, tag in self._jieba.tag(text) if tag == "ns" or w in _SCOPES]

    def _names_a_thing(self, phrase: str) -> bool:
        """A set phrase names a thing when a word inside it does ("劳动合同", "联系方式"), not when it is a
        turn of speech ("就行了", "是不是", "忙不过来")."""
        inner = [w for w in self._jieba.cut_for_search(phrase, True) if w != phrase and len(w) >= 2]
        tagged = [self._jieba.tag(w) for w in inner]
        return any(len(t) == 1 and (t[0][1][:1] == "n" or t[0][1] == "vn") for t in tagged)

    def tagged(self, text: str) -> list[tuple[str, str]]:
        """The text's words with their part-of-speech tags (nr: a person's name)."""
        return list(self._jieba.tag(text))

    def words(self, text: str) -> list[str]:
        return [t for t in self._jieba.cut(text, True) if _WORD.search(t)]

    def learn_abbreviations(self, texts: list[str]) -> None:
        """Short names the documents define ("北京社会工作者协会（以下简称“北京社协”）") stand for the full
        name and the full name for them, like the lexicon's synonyms."""
        for text in texts:
            for full, short in abbreviations(text):
                for a, b in ((full, short), (short, full)):
                    self._variants[a] = tuple(dict.fromkeys((*self._variants.get(a, ()), b)))

    def variants(self, term: str) -> tuple[str, ...]:
        return (term, *self._variants.get(term, ()))

    def is_english(self, text: str) -> bool:
        latin = len(_LATIN_WORD.findall(text))
        return latin >= 2 and not re.search(f"[{CJK}]", text)

    def english_terms(self, text: str) -> list[list[str]]:
        """For each English glossary phrase in the text, its Chinese renderings (longest phrase first)."""
        lowered = f" {text.lower()} "
        found: list[list[str]] = []
        for phrase, chinese in self.english:
            if re.search(rf"(?<![a-z]){re.escape(phrase)}(?![a-z])", lowered):
                found.append(chinese)
                lowered = lowered.replace(phrase, " ")
        return found

    def keywords(self, question: str) -> list[Keyword]:
        """Content words of a question, longest first, each with its variants."""
        if self.is_english(question):
            # One keyword per English phrase; its Chinese renderings are alternatives.
            return [Keyword(group[0], tuple(dict.fromkeys(v for t in group for v in self.variants(t))))
                    for group in self.english_terms(question)]
        else:
            # Function words name no topic: pronouns and question words (r), particles (u*), prepositions
            # (p), conjunctions (c), interjections (e, y, o), numerals without digits (m). Adverbs stay: some
            # name a stage ("最终选定", "初步评选"); hedges among them ("大概", "到底") are stopwords.
            function = {w for w, tag in self._jieba.tag(question)
                        if (tag[:1] in _FUNCTION_TAGS or tag == "e") and not w.isdigit()
                        and w not in self.dictionary and w not in self._variants}  # the lexicon's words count
            question = re.sub(A_NOT_A, "，", question)  # "难不难" asks; it names nothing
            words = [w for w in self.words(question) if (w not in self.stopwords and w not in function
                                                         and len(w) > 1 and not self._asking_form(w)) or w.isdigit()]
            words += [w for w in self.dictionary if w in question and w not in words]
        unique = list(dict.fromkeys(w.lower() for w in words))
        # A word inside a longer keyword of the same question ("创投计划" in "志愿服务v创投计划")
        # would count the same words twice.
        kept = [w for w in unique if not any(w != o and w in o for o in unique)]
        return [Keyword(w, self.variants(w)) for w in sorted(kept, key=len, reverse=True)]

    def made_up_from_function(self, word: str) -> bool:
        """A word the segmenter made up (no dictionary has it) that begins with a measure word, a modal verb or a
        question word ("个报" in "多少个报的", "能报"): a piece of how something is said, not a thing."""
        return self._made_up_from(word, "个位名家能可会要想该哪啥谁咋")

    def _asking_form(self, word: str) -> bool:
        """A word the segmenter made up (no dictionary has it) that begins with a question word ("哪开" in
        "在哪开的", "啥样"): it is how the question asks, not what about."""
        return self._made_up_from(word, "哪啥谁咋")

    def _made_up_from(self, word: str, leads: str) -> bool:
        return word[0] in leads and not self._jieba.has_word(word)

    def query_tokens(self, question: str) -> list[str]:
        """Tokens for keyword search: the question's, then the words that stand for its words (an English
        question's: its glossary renderings). A word added is searched as the word it is where the passages'
        tokens hold it whole: its sub-words ("社会", "工作" of 社会工作者) are words of every passage and, added
        for each variant that holds them, outweigh the word asked about."""
        english = self.is_english(question)
        tokens = [] if english else self.tokens(question)
        for kw in self.keywords(question):
            for variant in kw.variants[0 if english else 1:]:
                whole = self.tokens(variant)
                tokens += [variant.lower()] if variant.lower() in whole else whole
        return tokens


_DEFINED = re.compile(rf"([{CJK}A-Za-z]{{2,40}})[（(](?:以下|下文)?简称[“\"「]?([{CJK}A-Za-z]{{2,12}})[”\"」]?[）)]")


def abbreviations(text: str) -> list[tuple[str, str]]:
    """(full name, short name) pairs a text defines. The full name is the shortest end of the words before the
    brackets that holds the short name's characters in order ("…来到北京社会工作者协会（以下简称“北京社协”）"
    defines 北京社协 as 北京社会工作者协会)."""
    found = []
    for m in _DEFINED.finditer(text):
        before, short = m[1], m[2]
        for start in range(len(before) - len(short), -1, -1):
            if _in_order(short, before[start:]) and before[start] == short[0]:
                if before[start:] != short:
                    found.append((before[start:], short))
                break
    return found


_QUOTED = re.compile(rf"[“「\"]([{CJK}]{{3,8}})[”」\"]")


def quoted_terms(texts: Iterable[str]) -> list[str]:
    """The names an article marks as such by quoting them ("以会带所", "银杏家园", "五社联动"), in order found."""
    return list(dict.fromkeys(m[1] for text in texts for m in _QUOTED.finditer(text)))


def _in_order(chars: str, text: str) -> bool:
    rest = iter(text)
    return all(c in rest for c in chars)

