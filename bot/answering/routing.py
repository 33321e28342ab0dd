"""Which programme reply a message gets, if any: eligibility, criteria, deadline, stage or a fact.

The rules of a programme answer these, never retrieval. A message gets one when it is about the
programme (it names it, asks about applying, or the conversation did) and either exact cues say so
(the applicant's own facts with "may we", a deadline word) or its meaning is close to examples of
that kind of question (knowledge/intents.yaml). Everything else goes on to FAQ, stations, retrieval.
"""

from __future__ import annotations

import datetime as dt
import re

from bot.answering.programme import Advisor
from bot.answering.reply import Reply
from bot.text.analyzer import TextAnalyzer
from bot.understanding.answer_types import OTHER_PROGRAMME, AnswerType
from bot.understanding.intents import IntentMatch
from bot.understanding.query import QueryInfo, coverage
from bot.understanding.reading import Named, Reading

_APPLY = re.compile(r"申报|申请|报名|参加|参与|征集|资格|交材料|交申报|(?:能|可以|可|还能)报(?![道告纸销])|"
                    r"apply|application|eligib|qualif", re.I)
_MAY = re.compile(r"能不能|能否|可不可以|可否|可以|能|行不行|行吗|够不够|符合|满足|有资格|够格|合格吗|报得上|"
                  r"想(?:试试|试一下|试着)?(?:报|申报|申请)|"
                  r"eligible|qualify|can we|may we|are we", re.I)
_TIME = re.compile(r"截止|截至|什么时候|啥时候?|何时|几号|哪天|几月|哪个月|期限|还能|还可以|还[收接在]|来得及|来不及|"
                   r"报不了|报不上|开始|结束|"
                   r"征集时间|申报时间|报名时间|时间安排|进度|deadline|when|still|open|closed?", re.I)
# Asking about the window itself: a follow-up ("所以现在是报不了了对吧", not "那还能找谁咨询"), or when to hand in
# ("材料最晚啥时候交")
_WINDOW = re.compile(r"截止|截至|什么时候|啥时候?|何时|几号|哪天|期限|最晚|最迟|报不了|报不上|来得及|来不及|结束|"
                     r"deadline|closed?", re.I)
_HAND_IN = re.compile(r"(?<![外社公成移])交(?![流通往友易叉代谈际])|递|报上|报名")  # handing in, by a day or window
_STAGE_TIME = re.compile(r"什么时候|何时|几号|哪天|几月|哪个月|时间|安排在|when|date", re.I)
_REQUIREMENTS = re.compile(r"条件|资质|要求|门槛|标准|硬性|requirements?|criteria|qualifications?", re.I)
_WHICH = re.compile(r"哪些|什么|有何|是什么|哪几|怎样|如何|what|which", re.I)
_ORG_WORDS = re.compile(r"机构|组织|单位|团队|社工师|专职|年检|处罚|注册|organi[sz]ation|staff|team", re.I)
_THERE = re.compile(r"有没有|有无|有类似|类似的|本地|当地|那边|那儿|is there|are there", re.I)
_EN_PROGRAMME = re.compile(r"venture|programme|program", re.I)
# The kind of answer each programme fact supplies; a question asking for another kind is not answered by it.
FACT_TYPES: dict[str, AnswerType] = {"funder": "org", "undertaker": "org", "guidance": "org", "fields": "any",
                                     "funded": "count", "audience": "org"}
PROGRAMME_FIT = 0.5  # share of a question's content words the programme's announcement must hold


class ProgrammeRouter:
    def __init__(self, advisor: Advisor, analyzer: TextAnalyzer, examples: dict[str, list[str]]) -> None:
        self.advisor = advisor
        self.analyzer = analyzer
        self.examples = examples

    def mentions_programme(self, text: str) -> bool:
        if OTHER_PROGRAMME.search(text):
            return False
        aliases = {a for p in self.advisor.programmes for a in (p.name, *p.aliases)}
        return any(a in text for a in aliases) or bool(_APPLY.search(text) or _EN_PROGRAMME.search(text))

    def foreign(self, named: list[Named]) -> list[str]:
        """Things the question names that the programme's announcement does not ("考试", "上海", "模板"):
        a question about them is not about this programme, whatever else it shares with it."""
        if not self.advisor.programmes:
            return []
        p = self.advisor.programmes[0]
        words = f"{p.doc.title} {p.doc.body} {p.name} {' '.join(p.aliases)}".lower()
        return [n.label for n in named if not any(form in words for form in n.forms)]

    def fits_fact(self, ask: QueryInfo, key: str) -> bool:
        """The question asks about this fact and nothing else it names: "银杏家园是做什么的" is not about
        the programme's fields, though both are in one article."""
        p = self.advisor.programmes[0]
        fact = p.facts.get(key)
        if fact is None:
            return False
        words = " ".join([fact.label, fact.value, fact.quote, p.name, *p.aliases,
                          *self.examples.get(f"programme_fact.{key}", [])])
        return not ask.keywords or coverage(ask, words, self.analyzer) >= PROGRAMME_FIT

    def route(self, reading: Reading, intent: IntentMatch, today: dt.date, contact: str) -> Reply | None:
        """The programme reply the question gets, rendered from the rules' one ruling on it; else None."""
        advisor, msg = self.advisor, reading.message
        text, ask = msg.text, msg.ask
        if not advisor.programmes or OTHER_PROGRAMME.search(text):
            return None
        ruling = advisor.rules.rule(ask, [text, *reversed(msg.earlier)], reading.facts, today)
        in_context = self.mentions_programme(text) or any(self.mentions_programme(m) for m in msg.earlier)
        asks_may = bool(_MAY.search(ask)) and not _TIME.search(ask)
        about_us = reading.we or bool(reading.facts_before.known())
        # Told what the organisation is, "还能报不" asks whether it may, not whether the window is open (the
        # verdict notes a closed window).
        verdict = (reading.facts_now.about_the_organisation() and (
            _MAY.search(ask) or intent.family in ("eligibility", "criteria", "question"))) or \
            (in_context and about_us and asks_may and intent.family not in ("programme_fact", "deadline", "stage"))
        if reading.elsewhere and _THERE.search(ask):
            return None  # "上海有没有类似的创投": whether there is one there, not whether we may apply here
        # An organisation outside Beijing asking whether it may ("我们是河北的机构，能报吗") fails a criterion.
        outside = reading.facts_now.beijing is False and about_us and asks_may and in_context
        if verdict or outside:
            return advisor.eligibility(ruling.verdict)
        if reading.elsewhere and not asks_may and intent.family != "criteria":
            return None  # "上海的创投什么时候截止": not this programme's (Beijing's) dates or facts
        # "天津的机构能报这个创投吗", "外地机构能不能报": where an applicant is, which the criteria decide
        where = (*reading.elsewhere, *self.advisor.rules.places.elsewhere) if asks_may and in_context else ()
        if any(n.label in where for n in reading.named) and not self._about_projects(ask):
            return advisor.criteria(ruling, contact)
        if self.foreign(reading.named):
            return None  # it names something the programme's announcement does not speak of
        if _REQUIREMENTS.search(ask) and _WHICH.search(ask) and in_context and not self._about_projects(ask):
            return advisor.criteria(ruling, contact)
        # A day it names ("下礼拜一再交行不行") asks about the window as much as "截止" does; these exact cues
        # decide before the closest examples ("现在还能报吗" is near "成立几年才能报" too).
        dated = any(m.text in ask and m.names_days() for m in msg.times)
        if (ruling.stage_in_newest is not None and _STAGE_TIME.search(ask)) or \
                (self.mentions_programme(ask) and (_TIME.search(ask) or dated)) or \
                (in_context and msg.follow_up and (_WINDOW.search(ask) or dated)) \
                or ((dated or _WINDOW.search(ask)) and _HAND_IN.search(ask)):  # "材料最晚啥时候交"
            return advisor.timeline(ruling, ask, contact, msg.times)
        if intent.family == "criteria" and not self._about_projects(ask):
            return advisor.criteria(ruling, contact)
        if intent.family in ("deadline", "stage"):
            return advisor.timeline(ruling, ask, contact, msg.times, stage_now=intent.family == "stage")
        if intent.family == "programme_fact" and intent.key in FACT_TYPES and \
                self.fits_fact(reading.ask_query, intent.key) and reading.ask_type in ("any", FACT_TYPES[intent.key]):
            return advisor.fact(ruling, intent.key, ask)
        if ruling.view.programme is None and self.mentions_programme(ask):
            # a round of a year none is known for ("今年还有创投吗" in 2026): said so, with the round that is known
            return advisor.timeline(ruling, ask, contact, msg.times)
        return None

    @staticmethod
    def _about_projects(text: str) -> bool:
        """"申报的项目本身要满足哪些条件" asks about projects, not applicant organisations."""
        return "项目" in text and not _ORG_WORDS.search(text.replace("项目", ""))
