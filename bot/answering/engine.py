"""The answering engine: a Question in, a Reply out. Knows nothing of Telegram or the CLI."""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from bot.answering.citing import cite, cite_passage, source_list
from bot.answering.compose import CANDIDATE_CHUNKS, Composer, Thresholds
from bot.answering.declines import contact_for
from bot.answering.faq import FaqMatch, FaqMatcher, keyword_forms
from bot.answering.llm import COMPOSED_KINDS, LlmWriter
from bot.answering.programme import Advisor, sources_first
from bot.answering.reply import SAME_LINE, Part, Question, Reply
from bot.answering.routing import ProgrammeRouter
from bot.answering.stations import StationGuide, card_word, kind_of_place
from bot.answering.templates import Templates
from bot.answering.wording import Wording
from bot.index.embeddings import ModelEmbeddings
from bot.index.passages import Source
from bot.index.retrieval import LoadedIndex, Mode
from bot.index.retriever import PassageRetriever
from bot.knowledge.catalog import Knowledge
from bot.knowledge.stations import Directory, Station
from bot.settings import Settings
from bot.text.analyzer import TextAnalyzer, quoted_terms
from bot.text.numbers import Years
from bot.text.slips import SlipReader
from bot.understanding.facts import OrgFacts
from bot.understanding.intents import QUESTION, IntentMatcher, load_examples
from bot.understanding.message import MessageReader, asking_part, domain_terms
from bot.understanding.near import NearWords
from bot.understanding.query import analyze
from bot.understanding.reading import Invalid, QuestionReader, Reading, Rewrite
from bot.understanding.smalltalk import Smalltalk, SmalltalkReader

log = logging.getLogger(__name__)
NEED_FIRST = 3  # passages found for a need's asking clause alone, put before those found for the whole story


class Engine:
    def __init__(self, settings: Settings, embeddings: ModelEmbeddings, analyzer: TextAnalyzer,
                 index: LoadedIndex, templates: Templates, knowledge: Knowledge,
                 thresholds: Thresholds | None = None, llm: LlmWriter | None = None) -> None:
        self.settings = settings
        self.llm = llm
        self.embeddings = embeddings
        self.analyzer = analyzer
        analyzer.learn_abbreviations([d.body for d in knowledge.docs])
        self.index = index
        self.templates = templates
        self.retriever = PassageRetriever.over(index, embeddings, analyzer, settings, knowledge.docs)
        self.knowledge = knowledge
        docs = {d.id: d for d in knowledge.docs}
        self.composer = Composer(analyzer, self.retriever.hybrid, templates, docs, thresholds,
                                 NearWords(index.words, index.word_vectors, embeddings.embed_queries_array))
        self.advisor = Advisor(knowledge.programmes, templates, knowledge.places)
        self.stations = StationGuide(knowledge.directory) if knowledge.directory else None
        self.faq = FaqMatcher(knowledge.faq, self._embed_question, lambda text: keyword_forms(analyzer, text))
        names = [n for p in knowledge.programmes for n in (p.name, *p.aliases)]
        if knowledge.directory:
            names += [n for st in knowledge.directory.stations for n in (st.name, *st.aliases)]
        names += quoted_terms(d.body for d in knowledge.docs)  # the articles' own named ideas ("以会带所")
        examples = load_examples(settings.knowledge_dir)
        self.reader = QuestionReader(
            analyzer, MessageReader(analyzer, SlipReader(domain_terms(analyzer, names))),
            SmalltalkReader(examples.pop("greeting", []), examples.pop("thanks", [])), knowledge.places,
            [c.with_subject.lower() for c in index.chunks], settings.max_question_chars)
        self.router = ProgrammeRouter(self.advisor, analyzer, examples)
        self.intents = IntentMatcher(examples, lambda texts: embeddings.embed_queries_array(
            [analyzer.simplify(t) for t in texts]))
        self.wording = Wording(templates)
        self._passages = [Source(c, 1.0) for c in index.chunks]  # what rule and station replies quote from
        self._corpus_text = "\n".join(self.reader.corpus)  # the passages, lower-cased: does a question's thing occur

    # ------------------------------------------------------------------ for channels
    @property
    def generation(self) -> str:
        """The index generation this engine answers from."""
        return self.index.manifest.generation

    @property
    def thresholds(self) -> Thresholds:
        """When an answer is confident enough to give (the evaluation's calibration varies them)."""
        return self.composer.thresholds

    @thresholds.setter
    def thresholds(self, value: Thresholds) -> None:
        self.composer.thresholds = value

    def chunks_per_document(self) -> dict[str, int]:
        """How many indexed passages each document has (the admin's document list)."""
        counts: dict[str, int] = {}
        for c in self.index.chunks:
            counts[c.doc_id] = counts.get(c.doc_id, 0) + 1
        return counts

    @property
    def directory(self) -> Directory | None:
        """The station directory, for channels that let users browse it."""
        return self.knowledge.directory

    def station_card(self, station: Station) -> list[Part]:
        """One station as a channel shows it when browsed."""
        assert self.stations is not None, "a station comes from the directory"
        return self.stations.card(station)

    def _embed_question(self, text: str) -> np.ndarray:
        return self._query_vector(self.analyzer.simplify(text))

    def _query_vector(self, text: str) -> np.ndarray:
        return self.retriever.vector(text)  # bounded: a long message costs no more than a short one

    # ------------------------------------------------------------------ answer
    def ask(self, question: Question, mode: Mode = "hybrid",
            on_partial: Callable[[str], None] | None = None) -> Reply:
        """Answer a question. With a language model, `on_partial` receives checked partial text."""
        started = time.perf_counter()
        read = self.reader.understand(question.text, question.today, _earlier(question), self._rewrite(question),
                                      _answered(question))
        if isinstance(read, Smalltalk):
            reply = self._chat(read.kind, read.command)
        elif isinstance(read, Invalid):
            text = self.templates.render(read.key, length=len(question.text.strip()),
                                         limit=self.settings.max_question_chars)
            reply = Reply([Part("answer", text)], answered=False, kind="invalid")
        else:
            reply = self._ask(question, mode, read)
            if self.llm is not None and reply.answered and reply.kind in COMPOSED_KINDS:
                self._compose(reply, read.standalone, question.today, on_partial)
            self.wording.apply(reply, read.message)
        reply.latency_ms = round((time.perf_counter() - started) * 1000, 1)
        return reply

    def _compose(self, reply: Reply, question: str, today: dt.date,
                 on_partial: Callable[[str], None] | None) -> None:
        """Let the model write the answer; keep the extractive one unless the model's passes the check."""
        assert self.llm is not None
        composed = self.llm.compose(question, reply, today, on_partial)
        if composed.fallback:  # the chain fell back to the extractive answer (the reason is counted)
            reply.generator = f"extractive ({composed.fallback})"
            return
        publications = self.composer.publications
        reply.parts = [Part("answer", composed.text), *source_list(self.templates, [
            cite_passage(s, publications.get(s.chunk.doc_id, "")) for s in composed.cited])]
        reply.cited = composed.cited
        reply.generator = "llm"

    def _rewrite(self, question: Question) -> Rewrite | None:
        """With a language model: a follow-up rewritten to stand alone, from the conversation."""
        llm = self.llm
        return None if llm is None else lambda ask: llm.rewrite(question.history, ask)

    def standalone(self, question: Question) -> str:
        """The question as retrieval searches for it (a follow-up with what it follows)."""
        return self.reader.message(question.text, question.today, _earlier(question), self._rewrite(question),
                                   _answered(question)).standalone

    def _chat(self, kind: str, command: str = "") -> Reply:
        t = self.templates
        if kind == "command":
            return Reply([Part("answer", t.render("unknown_command", command="/" + command)),
                          Part("answer", t.render("help"))], True, "chat")
        return Reply([Part("answer", t.render(kind))], True, "chat", confidence=1.0)

    def _ask(self, question: Question, mode: Mode, read: Reading) -> Reply:
        text, asked = read.standalone, read.asked  # a follow-up means what it means after its question
        qvec = self._query_vector(text)
        sources = self.retriever.sources(text, qvec, mode)
        avec = qvec if asked == text else self._query_vector(asked)
        about_us = read.we or read.we_before
        told = read.facts_now.about_the_organisation()  # a message telling its own facts is not about the bot
        # nor is one naming a thing the passages speak of ("有个助老的项目叫银杏啥的，是干嘛的")
        of_the_field = told or self._names_what_the_passages_hold(read)
        intent = self.intents.match(avec, asked, allowed=lambda name: (about_us or name != "eligibility")
                                    and not (of_the_field and name == "help"))
        if intent.name == "help":
            reply = self._chat("help")
            reply.sources = sources
            return reply
        contact = contact_for(text, self.templates, intent.family)
        ruled = self.router.route(read, intent, question.today, contact)
        if ruled is not None and ruled.kind == "eligibility" and self.llm is not None:
            ruled = self._facts_from_llm(question, ruled)
        passages = self._passages
        if (ruled is None or ruled.kind != "eligibility") and not read.elsewhere:  # a verdict is the rules' alone
            match = self.faq.match(qvec, text)
            if match is not None:
                return self.faq_reply(match, sources)
        if ruled is not None and self._newer_than_rules(ruled, question):
            ruled = None  # the rules' round is superseded or expired: the newer documents answer
        if ruled is not None:
            decided_by = self.advisor.round_of(ruled)
            note = self.composer.validity_note(decided_by.doc.id, question.today) if decided_by else None
            if note and note not in ruled.answer:  # an earlier round, named by the question: said so
                ruled.add(Part("note", note))
            ruled.sources = sources_first(sources, passages, self.advisor.quotes(ruled))
            return ruled
        if self.stations is not None:
            simple = read.text
            station = self.stations.answer(simple)
            if station is not None and not station.answered:
                where = self.templates.render("where_to_ask", contacts=self.templates.contacts["station"])
                station.add(Part("contact", where, SAME_LINE))
                station.sources = sources
                return station
            if station is not None and not self._beyond_the_card(read, station, sources):
                return self._citing_the_cards(station, sources)
            place = self.stations.unknown_place(simple)
            if place:
                known = "；".join(f"{s.name}（{s.district}）" for s in self.stations.directory.stations
                                 if not s.parent)
                t = self.templates
                return Reply([Part("answer", t.render("decline_station", place=place, known=known)),
                              Part("contact", t.render("where_to_ask", contacts=t.contacts["station"]), SAME_LINE)],
                             False, "decline", sources=sources)
        need = intent.family == "need"  # a resident asking what social workers can do for them
        if intent.family == "station" and self.stations is not None and not read.elsewhere:
            overview = self._stations_of_the_kind(read)
            if overview is not None:
                return self._citing_the_cards(overview, sources)
        if need and (asked_need := asking_part(text)) != text:
            # the story told around a need ("我奶奶刚做完手术回家") steers the search away from the need itself
            first = self.retriever.sources(asked_need, self._query_vector(asked_need), mode)[:NEED_FIRST]
            sources = list({s.chunk.id: s for s in [*first, *sources]}.values())
        # A question close in meaning to the field's kinds of question is of the field even when the passages
        # do not answer it ("专职人数按劳动合同算吗"): declined as not in the knowledge base, not as outside it.
        # So is a follow-up: the conversation it continues was about the field.
        query = replace(read.query, in_field=intent.family not in (QUESTION, "help") or read.message.follow_up)
        said = _answered(question) if read.message.follow_up else ""
        reply = self.composer.answer(query, sources, qvec, question.today, contact, read.elsewhere, need=need,
                                     told=said)
        if need and not reply.answered and self.stations is not None and not read.elsewhere:
            # a need no passage speaks of ("老公失业了家里压力很大"): what the stations near them do, and where to turn
            overview = self.stations.overview(read.ask, self.templates.render("need_overview"), need=True)
            if overview is not None:
                overview.add(Part("contact", self.templates.render("need_where",
                                                                   contacts=self.templates.contacts["station"])))
                return self._citing_the_cards(overview, sources)
        return reply

    def _citing_the_cards(self, reply: Reply, sources: list[Source]) -> Reply:
        """A reply from the station directory, its sources led by the passages its cards quote."""
        assert self.stations is not None
        reply.sources = sources_first(sources, self._passages, self.stations.quotes(reply.answer))
        return reply

    def _names_what_the_passages_hold(self, read: Reading) -> bool:
        return any(form in self._corpus_text for thing in read.named for form in thing.forms)

    def _stations_of_the_kind(self, read: Reading) -> Reply | None:
        """"村里的社工站平时都干点啥", naming no station: the directory's cards of that kind of station, unless the
        question names a thing they do not tell ("社工站有没有法律方面的服务"), which the passages may."""
        assert self.stations is not None
        overview = self.stations.overview(read.text, self.templates.render("station_overview"))
        if overview is None:
            return None
        return None if self._untold(read, overview.answer, kind_of_place) else overview

    def _untold(self, read: Reading, card: str, names_the_stations: Callable[[str], bool]) -> list[str]:
        """The things the question asks of that a station card (`card`) does not tell: its nouns, lower-cased,
        but for the words of station questions and those naming the stations asked about."""
        told = card.lower()
        return [t for n in self.analyzer.nouns(read.message.ask)
                if n not in self.analyzer.generic and not card_word(n)
                and (t := n.lower()) not in told and not names_the_stations(t)]

    def _beyond_the_card(self, read: Reading, station: Reply, sources: list[Source]) -> bool:
        """A question naming a place asks more than its station card tells when it names a thing the card does
        not and a passage about that place does ("通运街道的社区工作站里嵌进去了哪些专业模块"): the passages
        answer it."""
        assert self.stations is not None
        names = [a.lower() for s in self.stations.find(read.text) for a in (s.name, *s.aliases, *s.generic_aliases)]
        untold = self._untold(read, station.answer, lambda t: any(t in name for name in names))
        about_the_place = [text for s in sources[:CANDIDATE_CHUNKS]
                           if any(name in (text := s.chunk.with_subject.lower()) for name in names)]
        return any(t in text for t in untold for text in about_the_place)

    def _facts_from_llm(self, question: Question, ruled: Reply) -> Reply:
        """When the rule-based reader found no facts, the model may read them; the rules still decide."""
        assert self.llm is not None
        if ruled.eligibility is None or any(c.status != "unknown" for c in ruled.eligibility.criteria):
            return ruled
        words = "；".join([*(t.content for t in question.history if t.role == "user"), question.text])
        found = self.llm.extract(words)
        if not found:
            return ruled
        self.llm.count("extract_used")
        place = "" if "beijing" not in found else "北京" if found["beijing"] else "外地"
        facts = OrgFacts(
            beijing=found.get("beijing"), place=place,
            registered=Years(found["registered_years"], found["registered_years"], "")
            if "registered_years" in found else None,
            inspections_passed=found.get("inspections_passed"), fulltime_staff=found.get("fulltime_staff"),
            has_violation=found.get("has_violation"), core_team=found.get("core_team"),
            certified=found.get("certified"),
            certified_all=Years(found["certified_years"], found["certified_years"], "")
            if "certified_years" in found else None)
        return self.advisor.verdict(facts, question.today, self.advisor.round_of(ruled))

    def faq_reply(self, match: FaqMatch, sources: list[Source]) -> Reply:
        t, docs = self.templates, self.composer.docs
        cited = [cite(docs[s.doc]) for s in match.entry.sources if s.doc in docs]
        parts = [Part("answer", match.entry.answer), *(source_list(t, cited) if cited else [])]
        if match.entry.approved_on:
            parts.append(Part("note", t.render("faq_note", date=match.entry.approved_on)))
        quotes = [s.quote for s in match.entry.sources if s.quote]
        lead = sources_first(sources, self._passages, quotes) if quotes else sources
        return Reply(parts, True, "faq", sources=lead, confidence=round(match.similarity, 3))

    def _newer_than_rules(self, ruled: Reply, question: Question) -> bool:
        """A timeline or criteria reply from a round that no longer applies, or for a year the rules lack
        but a document covers, gives way to retrieval. Eligibility verdicts always stay with the rules."""
        if ruled.kind not in ("timeline", "criteria", "fact", "decline"):
            return False
        years = [int(y) for y in re.findall(r"(20\d\d)\s*年", question.text)]
        if ruled.kind == "decline":  # a round the programme data does not know
            return any(d.covers_year(y) for d in self.composer.docs.values()
                       if not d.lapsed(question.today) for y in years)
        decided_by = self.advisor.round_of(ruled)
        if decided_by is None or decided_by is not self.advisor.rounds.newest:
            return False  # the rules know a newer round: they answer for this one
        doc = decided_by.doc
        return bool(doc.lapsed(question.today)) and not any(doc.covers_year(y) for y in years)

    def explain(self, question: Question) -> str:
        """Why the engine answers as it does: keywords, confidence and the scored sentences."""
        read = self.reader.understand(question.text, question.today, _earlier(question), self._rewrite(question),
                                      _answered(question))
        text = read.standalone if isinstance(read, Reading) else question.text
        qvec = self._query_vector(text)
        sources = self.retriever.sources(text, qvec)
        info = read.query if isinstance(read, Reading) else analyze(text, self.analyzer, self.reader.corpus)
        lines = [f"keywords: {[(k.term, round(info.weights[k.term], 2)) for k in info.keywords]}",
                 f"answer type: {info.answer_type}; years: {info.years}; present: {info.asks_present}"]
        cands = self.composer.candidates(info, sources, qvec)
        if cands:
            lines.append(f"confidence: {self.composer.confidence(info, sources, cands[0]):.3f}")
        for c in cands[:8]:
            lines.append(f"  {c.score:.3f} cov={c.coverage:.2f} sim={c.similarity:.3f} typed={c.typed} "
                         f"r={c.rank} {c.text[:50]}")
        return "\n".join(lines)


def _answered(question: Question) -> str:
    """The assistant's last reply: what a follow-up ("这个街道") points at."""
    return next((t.content for t in reversed(question.history) if t.role == "assistant"), "")


def _earlier(question: Question) -> list[str]:
    """What the user said before, oldest first."""
    return [t.content for t in question.history if t.role == "user"]
