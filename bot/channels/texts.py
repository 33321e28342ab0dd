"""User-facing texts of the channels from prompts/*.yaml, checked when loaded: the public channels' (web
chat, WeChat: prompts/channels.yaml) and the loader every text file of a channel shares."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.answering.templates import TemplateError

REQUIRED = ("welcome", "suggestions", "check_label", "rate_limited", "error", "menu_questions_label", "menu_labels",
            "menu_check_label", "menu_web_label", "wechat_welcome_tail", "wechat_feedback_hint",
            "wechat_feedback_thanks", "wechat_working", "wechat_more", "wechat_cut", "wechat_not_text")


class TextFile:
    """Named texts; `fmt` fills their {placeholders}."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self._raw = raw

    def __getitem__(self, key: str) -> str:
        return str(self._raw[key])

    def fmt(self, key: str, **values: object) -> str:
        return str(self._raw[key]).format(**values)


def read_texts(path: Path, required: Iterable[str], what: str) -> dict[str, Any]:
    """The YAML mapping at `path`; a missing file, bad YAML or a missing text stops with the file's name."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise TemplateError(f"{path}: cannot load the {what}: {exc}") from exc
    missing = [k for k in required if not isinstance(raw, dict) or not raw.get(k)]
    if missing:
        raise TemplateError(f"{path}: missing texts: {', '.join(missing)}")
    return dict(raw)


class ChannelTexts(TextFile):
    def __init__(self, raw: dict[str, Any]) -> None:
        super().__init__(raw)
        self.suggestions: list[str] = [str(q) for q in raw["suggestions"]]
        self.menu_labels: list[str] = [str(q) for q in raw["menu_labels"]]


@lru_cache(maxsize=4)
def channel_texts(prompts_dir: Path) -> ChannelTexts:
    path = prompts_dir / "channels.yaml"
    raw = read_texts(path, REQUIRED, "channel texts")
    if not isinstance(raw["suggestions"], list) or not isinstance(raw["menu_labels"], list):
        raise TemplateError(f"{path}: suggestions and menu_labels must be lists")
    if len(raw["menu_labels"]) != len(raw["suggestions"]) or len(raw["suggestions"]) > 5:
        raise TemplateError(f"{path}: one menu label for each of the (at most 5) suggestions")
    return ChannelTexts(raw)
