"""Texts of the Telegram channel from prompts/telegram.yaml, checked when loaded."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from bot.answering.templates import read_texts

# Every text, with the placeholders it may use (checked at start-up, like prompts/replies.yaml).
TEXTS: dict[str, set[str]] = {
    "welcome": set(), "help": set(), "menu_check": set(), "menu_deadline": set(), "menu_stations": set(),
    "menu_faq": set(), "deadline_question": set(), "faq_intro": set(), "show_passage": {"n"},
    "passage": {"date", "text", "title"}, "passage_missing": set(), "feedback_thanks": set(),
    "rate_limited": set(), "error": set(), "stations_districts": set(), "stations_in_district": {"district"},
    "stations_back": set(), "staff_refused": set(), "upload_need_caption": set(),
    "upload_too_large": {"limit", "size"}, "upload_failed": {"reason"},
    "upload_done": {"chunks", "date", "summary", "title"}, "reload_done": {"summary"}, "unanswered_none": set(),
    "unanswered_head": {"count"}, "unanswered_line": {"at", "kind", "question"}, "unanswered_link": {"url"},
    "stats": {"days", "declined", "down", "low", "questions", "up"}, "remove_usage": set(),
    "remove_failed": {"reason"}, "remove_done": {"doc_id", "summary"}, "streaming": set(),
    "stats_llm": {"failures", "fallbacks", "grounding", "used"}, "feedback_not_yours": set(),
    "knowledge_in_admin": {"url"},
}
REQUIRED = tuple(TEXTS)


class _TelegramTexts(BaseModel):
    model_config = ConfigDict(extra="allow")
    faq_examples: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list)


class Texts:
    def __init__(self, raw: dict[str, Any]) -> None:
        self._raw = raw
        self.faq: list[str] = [str(q) for q in raw.get("faq_examples") or []]

    def __getitem__(self, key: str) -> str:
        return str(self._raw[key])

    def fmt(self, key: str, **values: object) -> str:
        return str(self._raw[key]).format(**values)


def load_texts(prompts_dir: Path) -> Texts:
    raw, _ = read_texts(prompts_dir / "telegram.yaml", TEXTS, base=_TelegramTexts)
    return Texts(raw)
