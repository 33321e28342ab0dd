"""Texts of the Telegram channel from prompts/telegram.yaml, checked when loaded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.answering.templates import TemplateError

REQUIRED = (
    "welcome", "help", "menu_check", "menu_deadline", "menu_stations", "menu_faq", "deadline_question", "faq_intro",
    "show_passage", "passage", "passage_missing", "feedback_thanks", "rate_limited", "error",
    "stations_districts", "stations_in_district", "stations_back", "staff_refused", "upload_need_caption",
    "upload_too_large", "upload_failed", "upload_done", "reload_done", "unanswered_none", "unanswered_head",
    "unanswered_line", "unanswered_link", "stats", "remove_usage", "remove_failed", "remove_done",
    "streaming", "stats_llm", "feedback_not_yours", "knowledge_in_admin",
)


class Texts:
    def __init__(self, raw: dict[str, Any]) -> None:
        self._raw = raw
        self.faq: list[str] = [str(q) for q in raw.get("faq_examples") or []]

    def __getitem__(self, key: str) -> str:
        return str(self._raw[key])

    def fmt(self, key: str, **values: object) -> str:
        return str(self._raw[key]).format(**values)


def load_texts(prompts_dir: Path) -> Texts:
    path = prompts_dir / "telegram.yaml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise TemplateError(f"{path}: cannot load the Telegram texts: {exc}") from exc
    missing = [k for k in REQUIRED if not isinstance(raw, dict) or not raw.get(k)]
    if missing:
        raise TemplateError(f"{path}: missing texts: {', '.join(missing)}")
    return Texts(raw)
