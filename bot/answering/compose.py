"""Extractive answers: pick the sentences that answer, cite them with their dates, or decline."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np

from bot.answering.candidates import Candidate, display, scored, similarity_scale
from bot.answering.citing import cite_passage, source_list
from bot.answering.declines import decline, decline_elsewhere
from bot.answering.reply import SAME_LINE, Cited, Part, Reply
from bot.answering.templates import Templates
from bot.answering.whole import (
    MAX_ANSWER_CHARS,
    next_sentence,
    with_continuations,
    with_enumerations,
    with_the_speakers_words,
)
from bot.index.passages import Source, led_by
from bot.index.retrieval import HybridRetriever
from bot.knowledge.documents import Document
from bot.text.analyzer import TextAnalyzer
from bot.understanding.answer_types import has_answer_type
from bot.understanding.intents import char_pairs
from bot.understanding.near import Near
from bot.understanding.query import QueryInfo, coverage, match, typed_strength

CANDIDATE_CHUNKS = 5
LAPSED_PENALTY = 0.3  # a superseded or expired document gives way to a current one about the present
TIE = 0.01  # scores this close are a tie, broken by which sentence states the latest figure
MAX_SENTENCES = 3
PRACTICAL = ("contact", "hours", "place")  # details the articles lack: declined as not in the knowledge base
TOLD_PENALTY = 0.3  # a follow-up asks for more than the reply it follows already said
TOLD_SHARE = 0.6  # share of a sentence's character pairs in that reply above which the reply said it
# a follow-up checking what it was told ("两百一十万？", "真的吗") is answered by the same sentence
_CHECKS = re.compile(r"\d|[两三四五六七八九十百千]+[万千百十]|真的|确定|是吗|对吗|对吧|没错|sure|really", re.I)


@dataclass(frozen=True)
class Thresholds:
    """Decline below these; calibrated with `python -m bot eval --calibrate` (see README)."""

    confidence: float = 0.52
    out_of_scope: float = 0.45  # below this share of its words known, a question is outside the field
    typed_coverage: float = 0.34


class Composer:
    def __init__(self, analyzer: TextAnalyzer, retriever: HybridRetriever, templates: Templates,
                 docs: dict[str, Document], thresholds: Thresholds | None = None, near: Near | None = None) -> None:
        self.analyzer = analyzer
        self.docs = docs
        self.publications = {d.id: d.publication for d in docs.values()}
        self.retriever = retriever
        self.templates = templates
        self.thresholds = thresholds or Thresholds()
        self.near = near  # the passages' words standing in for a question's word they never use
        chunks = {(c.doc_id, c.heading, c.ordinal): c for c in retriever.index.chunks}
        self._continued = {c.id: chunks.get((c.doc_id, c.heading, c.ordinal + 1)) for c in retriever.index.chunks}

    # ------------------------------------------------------------------ scoring
    def candidates(self, info: QueryInfo, sources: list[Source], qvec: np.ndarray) -> list[Candidate]:
        """The sentences of the top passages, best first."""
        return scored(info, sources[:CANDIDATE_CHUNKS], qvec, self.retriever.sentence_similarities, self.analyzer)

    def chunk_coverage(self, info: QueryInfo, sources: list[Source]) -> float:
        """The best share of the question's words that one of the top passages holds."""
        return max((coverage(info, s.chunk.with_subject, self.analyzer)
                    for s in sources[:3]), default=0.0)

    def confidence(self, info: QueryInfo, sources: list[Source], best: Candidate) -> float:
        """How sure the knowledge base answers: word coverage of the best chunks and meaning match."""
        return 0.55 * self.chunk_coverage(info, sources) + 0.45 * similarity_scale(best.similarity)

    # ---------------------------------------------------------------- selection
    def select(self, info: QueryInfo, cands: list[Candidate]) -> list[Candidate]:
        best = cands[0]
        # A present-tense question prefers the newest source among near-equal answers.
        if info.asks_present or info.answer_type in ("count", "amount"):
            close = [c for c in cands[:6] if c.plain >= best.plain - 0.08 and c.typed == best.typed]
            # "2022年3月" is not newer than "2022年3月29日": only a date surely older than another gives way.
            newest = max(c.date.first_day() for c in close)
            pool = [c for c in close if c.date.last_day() >= newest]
            if info.answer_type == "count":  # "多少家": a figure in 家 rather than "3年多"
                pool = [c for c in pool if typed_strength(info, c.text) > 1] or pool
            lead = max(c.score for c in pool)
            tied = [c for c in pool if c.score >= lead - TIE]
            # The sentence that itself says more of what was asked wins the tie ("最终…选定" over a
            # neighbour lifted by its context); then the one stating the current figure.
            best = max(tied, key=lambda c: (round(coverage(info, c.text, self.analyzer), 2),
                                            self._current(info, c.text), c.score))
        chosen = [best]
        covered = self._covered(info, best.text)
        # Each further part of a multi-part question gets its own best sentence.
        for part in info.parts:  # a sentence supplying the kind of answer the part asks for, if one does
            pool = [c for c in cands[:12] if has_answer_type(part.answer_type, c.text)] or cands[:12]
            top = max(pool, key=lambda c: coverage(part, c.text, self.analyzer) + 0.3 * c.score)
            if top not in chosen and coverage(part, top.text, self.analyzer) > 0:
                chosen.append(top)
        for cand in cands[1:12]:
            if len(chosen) >= MAX_SENTENCES:
                break
            if cand in chosen or sum(len(c.text) for c in chosen) + len(cand.text) > MAX_ANSWER_CHARS:
                continue
            new = self._covered(info, cand.text) - covered
            same_passage = info.answer_type == "any" and self._same_passage(cand, best)
            # Another article's sentence must match at least as well (e.g. an older figure).
            other_doc_ok = cand.source.chunk.doc_id == best.source.chunk.doc_id or cand.coverage >= best.coverage
            # A figure from another article that answers as well is shown with its own date.
            disagreeing = (info.answer_type in ("count", "amount") and cand.typed and other_doc_ok
                           and cand.source.chunk.doc_id not in {c.source.chunk.doc_id for c in chosen})
            if ((new or disagreeing) and cand.typed and other_doc_ok and cand.plain >= best.plain - 0.12) or (
                    same_passage and cand.plain >= best.plain - 0.15):
                chosen.append(cand)
                covered |= new
        if info.asks_next:
            chosen += [n for n in map(next_sentence, list(chosen)) if n is not None]
        if info.answer_type == "said":
            chosen = with_the_speakers_words(chosen, self._follow)
        return with_enumerations(with_continuations(chosen, self._follow), self._follow)

    def _follow(self, source: Source) -> Source | None:
        """The passage that goes on where this one ends, in the same section."""
        after = self._continued.get(source.chunk.id)
        return Source(after, source.score) if after is not None else None

    @staticmethod
    def _current(info: QueryInfo, sentence: str) -> int:
        """Within one article, "目前…达到50家" states the latest figure, "截止2010年…17家" an earlier one."""
        if info.years:
            return 0
        if _NOW.search(sentence):
            return 1
        return -1 if _AS_OF_YEAR.search(sentence) else 0

    @staticmethod
    def _same_passage(a: Candidate, b: Candidate) -> bool:
        """Same section of the same article, in the same or a neighbouring chunk."""
        ca, cb = a.source.chunk, b.source.chunk
        return ca.doc_id == cb.doc_id and ca.heading == cb.heading and abs(ca.ordinal - cb.ordinal) <= 1

    @staticmethod
    def _speaks_of(cand: Candidate, places: tuple[str, ...]) -> bool:
        """The sentence, or the one before it that names its subject, names one of the places."""
        sents = cand.source.chunk.sentences
        text = (sents[cand.index - 1] if cand.index else "") + cand.text
        return any(p in text.lower() for p in places)

    def _covered(self, info: QueryInfo, text: str) -> set[str]:
        return {kw.term for kw in info.keywords if any(v in text for v in kw.variants)}

    # ------------------------------------------------------------------ replies
    def answer(self, info: QueryInfo, sources: list[Source], qvec: np.ndarray, today: dt.date,
               contact: str, about: tuple[str, ...] = (), need: bool = False, told: str = "") -> Reply:
        """The sentences that answer, cited; `about`: places the answer must speak of (another city's);
        `need`: a resident's need told in their own words, answered with what the passages say of it and
        where to turn, and never "not what I answer"; `told`: the reply a follow-up follows, whose sentences
        give way to ones saying more ("北京第一家社工事务所是哪个" – "谁办的啊": not the first agency again)."""
        if need:
            where = self.templates.contacts["station"]
            reply = self.answer(info, sources, qvec, today, where, about, told=told)
            if reply.answered:
                at = next((i for i, part in enumerate(reply.parts) if part.role == "sources"), len(reply.parts))
                reply.parts.insert(at, Part("contact", self.templates.render("need_where", contacts=where)))
                return reply
            return self.decline(info, sources, where, reply.confidence, not_in_kb=True)
        if not sources:
            return self.decline(info, sources, contact, 0.0)
        info = info.without_story()
        cands = self._about(info, self.candidates(info, sources, qvec), about)
        conf = self.confidence(info, sources, cands[0]) if cands else 0.0
        if self.near is not None and info.unseen and (
                conf < self.thresholds.confidence or not self._typed(info, cands)):
            # Words no passage uses, matched by meaning ("筛完" ~ "筛选"); looked up only for a question
            # that would otherwise be declined, so most questions cost no word embedding.
            info = info.with_near(self.near)
            cands = self._about(info, self.candidates(info, sources, qvec), about)
            conf = self.confidence(info, sources, cands[0]) if cands else 0.0
        if about and not cands:
            return decline_elsewhere(self.templates, about[0], sources, contact)
        if not cands:
            return self.decline(info, sources, contact, 0.0)
        if conf < self.thresholds.confidence:
            return self.decline(info, sources, contact, conf)
        if not self._typed(info, cands):
            return self.decline(info, sources, contact, conf, not_in_kb=True)
        if info.years and not self._mentions_years(info, sources):
            return self.decline(info, sources, contact, conf, future=True)
        off = self.off_period(info, today, cands)
        if off:
            for cand in cands:
                if cand.source.chunk.doc_id in off and not any(str(y) in cand.source.chunk.text for y in info.years):
                    cand.score -= LAPSED_PENALTY
            cands.sort(key=lambda c: -c.score)
        if told and not _CHECKS.search(info.own):
            self._give_way_to_new(info, cands, told)
        chosen = self.select(info, cands)
        if not self._answers_the_follow_up(info, chosen):
            return self.decline(info, sources, contact, conf, not_in_kb=True)
        cited = led_by([c.source for c in chosen], [])
        return Reply(self.render(info, chosen, today, contact), answered=True, kind="answer",
                     sources=led_by(cited, sources), cited=cited, confidence=conf)  # what it quotes leads

    def _give_way_to_new(self, info: QueryInfo, cands: list[Candidate], told: str) -> None:
        """The sentences the reply a follow-up follows (`told`) already said rank after the others, but for one
        naming what the follow-up names itself ("西城呢"); `cands` re-sorted."""
        said = char_pairs(told)
        for cand in cands:
            pairs = char_pairs(cand.text)
            if pairs and len(pairs & said) / len(pairs) >= TOLD_SHARE and \
                    not any(match(kw, cand.text, self.analyzer) > 0 for kw in info.own_words):
                cand.score -= TOLD_PENALTY
        cands.sort(key=lambda c: -c.score)

    def _about(self, info: QueryInfo, cands: list[Candidate], about: tuple[str, ...]) -> list[Candidate]:
        """A sentence about Beijing does not answer a question about Shanghai, nor one about Shanghai's
        social workers a question about a programme there: the place and what is asked of it."""
        if not about:
            return cands
        rest = info.without(about)
        return [c for c in cands if self._speaks_of(c, about)
                and coverage(rest, c.text, self.analyzer) >= self.thresholds.typed_coverage]

    def _answers_the_follow_up(self, info: QueryInfo, chosen: list[Candidate]) -> bool:
        """A follow-up naming only things no passage names ("那食堂饭菜好吃吗") is answered only by sentences naming
        one of them or a word standing in for it: the question it follows lends its topic, not an answer to
        something the articles do not speak of."""
        unseen = [kw for kw in info.own_words if kw.term in info.unseen]
        if not unseen or len(unseen) < len(info.own_words):  # one it names is in the articles: it is about them
            return True
        text = "".join(c.text for c in chosen).lower()
        near = self.near([kw.term for kw in unseen]) if self.near is not None else {}
        return any(match(kw, text, self.analyzer) > 0 or any(w in text for w in near.get(kw.term, ()))
                   for kw in unseen)

    def _typed(self, info: QueryInfo, cands: list[Candidate]) -> bool:
        """A sentence among the best supplies the kind of answer asked for (or any will do)."""
        return info.answer_type == "any" or any(
            c.typed and c.coverage >= self.thresholds.typed_coverage for c in cands[:8])

    def off_period(self, info: QueryInfo, today: dt.date, cands: list[Candidate]) -> set[str]:
        """Documents that should not lead this answer.

        Without a year in the question: those superseded or expired. With one: those of other periods,
        when a candidate document of the period asked about is at hand.
        """
        if not info.years:
            return {d.id for d in self.docs.values() if d.lapsed(today)}
        docs = [self.docs[i] for i in {c.source.chunk.doc_id for c in cands} if i in self.docs]
        on = {d.id for d in docs if any(d.covers_year(y) for y in info.years)}
        return {d.id for d in docs if d.id not in on} if on else set()

    def validity_note(self, doc_id: str, today: dt.date) -> str:
        doc = self.docs.get(doc_id)
        if doc is None:
            return ""
        reason = doc.lapsed(today)
        newer = self.docs.get(doc.superseded_by or "")
        if reason == "superseded" and newer is not None:
            return self.templates.render("superseded_note", date=newer.published.zh(), title=newer.title)
        if reason == "expired" and doc.valid_until is not None:
            return self.templates.render("expired_note", until=doc.valid_until.zh())
        return ""

    def _mentions_years(self, info: QueryInfo, sources: list[Source]) -> bool:
        for year in info.years:
            if not any(str(year) in s.chunk.text or s.published.year == year for s in sources[:CANDIDATE_CHUNKS]):
                return False
        return True

    def render(self, info: QueryInfo, chosen: list[Candidate], today: dt.date, contact: str) -> list[Part]:
        """Each document's sentences verbatim after a lead naming it with its date, a note on its validity
        or age, then the sources."""
        t = self.templates
        by_doc: dict[str, list[Candidate]] = {}
        for c in chosen:  # chosen[0] is the best answer, so its document leads
            by_doc.setdefault(c.source.chunk.doc_id, []).append(c)
        groups = list(by_doc.values())
        parts: list[Part] = []
        cited: list[Cited] = []
        for i, group in enumerate(groups):
            group.sort(key=lambda c: (c.source.chunk.ordinal, c.index))  # reading order
            body = "".join(display(c.text) for c in group)
            source = cite_passage(group[0].source, self._publication(group[0]))
            date, publication = source.date, source.publication
            if i:
                lead = t.render("also_lead", date=date)
            elif publication in ("", "未注明出处"):
                lead = t.render("answer_lead_document", date=date, title=source.title)
            elif not _PRESS.search(publication):  # an office's notice is issued, not reported
                lead = t.render("answer_lead_notice", publication=publication, date=date, title=source.title)
            else:
                lead = t.render("answer_lead", publication=publication, date=date)
            parts += [Part("lead", lead, source=source), Part("quote", body, SAME_LINE, source)]
            cited.append(source)
        newest = groups[0][0].date
        note = self.validity_note(groups[0][0].source.chunk.doc_id, today)
        if note:
            parts.append(Part("note", note))
        elif info.asks_present and (today - newest.last_day()).days > 365:
            parts.append(Part("note", t.render("dated_note", date=newest.zh(), contact=contact)))
        return parts + source_list(t, cited)

    def _publication(self, cand: Candidate) -> str:
        return self.publications.get(cand.source.chunk.doc_id, "")

    def decline(self, info: QueryInfo, sources: list[Source], contact: str, conf: float,
                *, not_in_kb: bool = False, future: bool = False) -> Reply:
        # The field is ours but the fact is not in the articles: a practical detail they lack, or a question
        # whose words the passages hold.
        in_field = (not_in_kb or info.in_field or info.answer_type in PRACTICAL
                    or self.chunk_coverage(info, sources) >= self.thresholds.out_of_scope)
        return decline(self.templates, info.years, sources, contact, conf, in_field=in_field, future=future)


_NOW = re.compile(r"目前|现在|截至目前|截止目前|如今|至今|现已|迄今")
_AS_OF_YEAR = re.compile(r"(?:截止|截至|到|至)\s*\d{4}\s*年")
_PRESS = re.compile(r"报|新闻|周刊|杂志|日刊|通讯社")

