"""Declines: why the knowledge base gives no answer, and where to ask instead."""

from __future__ import annotations

import re

from bot.answering.reply import SAME_LINE, Part, Reply
from bot.answering.templates import Templates
from bot.index.passages import Source

_PROGRAMME = re.compile(r"创投|申报|资助|评审|签约|征集|资质|venture", re.I)
_STATION = re.compile(r"社工站|服务中心|社区|村|街道|乡镇|老人|妈妈|孩子|救助|服务|station", re.I)


def decline(templates: Templates, years: list[int], sources: list[Source], contact: str, conf: float,
            *, in_field: bool, future: bool = False) -> Reply:
    """"Not yet in my sources" for a year after the newest source, "not in my sources" for a question of
    the field, "not what I answer" for the rest; each with where to ask."""
    t = templates
    if future:
        latest = max((s.published for s in sources), key=lambda d: d.last_day(), default=None)
        head = t.render("decline_future", year=next(iter(years), ""), latest=latest.zh() if latest else "")
    elif in_field:
        head = t.render("decline_not_in_kb")
    else:
        head = t.render("decline_out_of_scope")
    return Reply([Part("answer", head), Part("contact", t.render("where_to_ask", contacts=contact), SAME_LINE)],
                 answered=False, kind="decline", sources=sources, confidence=conf)


def decline_elsewhere(templates: Templates, place: str, sources: list[Source], contact: str) -> Reply:
    """"My articles are about Beijing": a question about another city that they do not answer."""
    t = templates
    return Reply([Part("answer", t.render("decline_elsewhere", place=place)),
                  Part("contact", t.render("where_to_ask", contacts=contact), SAME_LINE)],
                 answered=False, kind="decline", sources=sources)


_PROGRAMME_INTENTS = ("deadline", "stage", "criteria", "eligibility", "programme_fact")
_RESIDENT_INTENTS = ("need",)  # "station" questions by meaning include where any office is


def contact_for(text: str, templates: Templates, intent: str = "") -> str:
    """Where to ask, by topic (the words, else the kind of question it is); only bodies that the articles name."""
    if _PROGRAMME.search(text) or intent in _PROGRAMME_INTENTS:
        return templates.contacts["programme"]
    if _STATION.search(text) or intent in _RESIDENT_INTENTS:
        return templates.contacts["station"]
    return templates.contacts["general"]
