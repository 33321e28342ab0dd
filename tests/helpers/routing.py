"""Programme routing without the embedding model: exact cues only (intent: an ordinary question)."""

from __future__ import annotations

import datetime as dt
from functools import cache

from bot.answering.programme import Advisor
from bot.answering.reply import Reply, Turn
from bot.answering.routing import ProgrammeRouter
from bot.settings import PROJECT_ROOT
from bot.text.analyzer import TextAnalyzer
from bot.text.slips import SlipReader
from bot.understanding.intents import QUESTION, IntentMatch
from bot.understanding.message import MessageReader
from bot.understanding.reading import QuestionReader, Reading
from bot.understanding.smalltalk import SmalltalkReader


@cache
def _analyzer() -> TextAnalyzer:
    return TextAnalyzer(PROJECT_ROOT / "knowledge" / "lexicon")


def route(advisor: Advisor, text: str, history: list[Turn], today: dt.date, contact: str) -> Reply | None:
    analyzer = _analyzer()
    reader = QuestionReader(analyzer, MessageReader(analyzer, SlipReader([])), SmalltalkReader([], []),
                            advisor.rules.places, [], max_chars=2000)
    read = reader.understand(text, today, [t.content for t in history if t.role == "user"])
    assert isinstance(read, Reading), text
    return ProgrammeRouter(advisor, analyzer, {}).route(read, IntentMatch(QUESTION, 0.0, 0.0, ""), today, contact)
