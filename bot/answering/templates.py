"""Reply templates from prompts/replies.yaml, validated when loaded."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from bot.knowledge.schema import NamedTexts, Required, TemplateError, read_texts

__all__ = ["TemplateError", "Templates", "load_templates", "read_texts"]

PLACEHOLDERS: dict[str, set[str]] = {
    "answer_lead": {"publication", "date"},
    "answer_lead_document": {"date", "title"},
    "answer_lead_notice": {"publication", "date", "title"},
    "also_lead": {"date"},
    "source_line": {"n", "title", "publication", "date"},
    "sources_header": set(),
    "dated_note": {"date", "contact"},
    "superseded_note": {"date", "title"},
    "faq_note": {"date"},
    "expired_note": {"until"},
    "decline_out_of_scope": set(),
    "decline_not_in_kb": set(),
    "decline_future": {"year", "latest"},
    "decline_elsewhere": {"place"},
    "where_to_ask": {"contacts"},
    "need_where": {"contacts"},
    "invalid_empty": set(),
    "invalid_too_long": {"length", "limit"},
    "invalid_unreadable": set(),
    "eligibility_eligible": {"programme"},
    "eligibility_ineligible": {"programme", "failed"},
    "eligibility_unknown": {"programme"},
    "criterion_line": {"mark", "label", "reason", "quote"},
    "still_need": {"questions"},
    "rules_basis": {"title", "publication", "date"},
    "window_closed_note": {"closed"},
    "source_press": {"publication", "date"},
    "source_notice": {"publication", "date", "title"},
    "criteria_head": {"source", "programme"},
    "criteria_line": {"n", "label", "quote"},
    "criteria_tail": set(),
    "timeline_window": {"programme", "label", "opens", "closes", "source", "quote"},
    "timeline_open": {"today", "closes", "days"},
    "timeline_not_open": {"today", "opens"},
    "timeline_closed": {"today", "closes"},
    "timeline_stage": {"programme", "label", "year", "when", "source", "quote"},
    "timeline_stage_past": {"end"},
    "timeline_stages": {"stages"},
    "timeline_no_newer": {"contact"},
    "round_history_name": {"year"},
    "round_used": {"programme", "opens", "closes"},
    "round_history_note": {"year", "programme", "opens", "closes"},
    "round_newest": {"programme", "opens", "closes"},
    "decline_round": {"year", "programme", "opens", "closes"},
    "decline_station": {"place", "known"},
    "station_overview": set(),
    "need_overview": set(),
    "greeting": set(),
    "thanks": set(),
    "help": set(),
    "unknown_command": {"command"},
    "understood_as": {"terms"},
    "english_lead": set(),
    "english_decline_lead": set(),
    "timeline_day_open": {"day", "closes"},
    "timeline_day_last": {"day", "closes"},
    "timeline_day_closed": {"day", "closes"},
    "timeline_day_after": {"day", "closes"},
    "timeline_day_before": {"day", "opens"},
    "timeline_ended_in": {"day", "closes"},
    "premise_wrong": {"claimed"},
    "premise_right": {"claimed"},
    "stage_now": {"today", "label", "when"},
    "stage_before": {"today"},
    "stage_after": {"end"},
    "fact_line": {"programme", "label", "value", "source", "quote"},
}


@dataclass(frozen=True)
class Templates:
    texts: dict[str, str]
    contacts: dict[str, str]
    marks: dict[str, str]

    def render(self, key: str, **values: object) -> str:
        return self.texts[key].format(**values)


class _Contacts(BaseModel):
    model_config = ConfigDict(extra="allow")
    programme: Required
    station: Required
    general: Required


class _Marks(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    pass_: Required = Field(alias="pass")
    fail: Required
    unknown: Required


class _Replies(NamedTexts):
    contacts: _Contacts
    marks: _Marks


def load_templates(prompts_dir: Path, name: str = "replies.yaml") -> Templates:
    raw, texts = read_texts(prompts_dir / name, PLACEHOLDERS, base=_Replies)
    return Templates(texts, {k: str(v) for k, v in raw["contacts"].items()},
                     {k: str(v) for k, v in raw["marks"].items()})
