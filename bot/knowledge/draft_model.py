"""The optional language model's part in drafting a round: it may propose fields the rules left empty,
and a proposal is kept only with a quote found verbatim in the document that states the value.

Dates and thresholds are read from the quote by the project's own parsers, so the model can point to
the sentence but cannot put a number in staff's mouths. Any failure leaves the draft as the rules made it.
The model is asked through one chain, prompt | model | parser, that falls back to no proposals.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.knowledge.documents import Document
from bot.knowledge.drafting import FACTS, Draft, criterion_from, missing_fields, read_threshold, read_window, states
from bot.knowledge.kinds import Kinds
from bot.text.normalize import squash
from bot.text.numbers import numbers

if TYPE_CHECKING:
    from langchain_core.language_models import LanguageModelInput
    from langchain_core.messages import BaseMessage
    from langchain_core.prompts import ChatPromptTemplate
    from langchain_core.runnables import Runnable

    ChatModel = Runnable[LanguageModelInput, BaseMessage]  # a chat model, e.g. LlmClient.chat (with its retry)

log = logging.getLogger(__name__)
PROMPTS = {"draft_system": set[str](), "draft_user": {"missing", "kinds", "document"}}
MAX_DOCUMENT_CHARS = 8000


def load_prompts(prompts_dir: Path) -> ChatPromptTemplate:
    """prompts/drafting.yaml as one chat template, both texts present with exactly their placeholders."""
    from bot.knowledge.prompts import load_chat_prompts

    return load_chat_prompts(prompts_dir / "drafting.yaml", PROMPTS)["draft"]


def _no_proposals(inputs: dict[str, Any]) -> dict[str, Any]:
    error = inputs["error"]
    log.info("draft proposals unavailable: %s: %s", type(error).__name__, str(error)[:200])
    return {}


def ask_model(model: ChatModel, prompt: ChatPromptTemplate, doc: Document, draft: Draft, kinds: Kinds
              ) -> dict[str, Any]:
    """The model's proposals as a mapping of field -> {"value", "quote"}; empty on any failure."""
    from langchain_core.runnables import RunnableLambda

    from bot.knowledge.prompts import JsonObjectParser

    chain = (prompt | model | JsonObjectParser()).with_fallbacks(  # a failing model leaves the rules' draft
        [RunnableLambda(_no_proposals)], exception_key="error")
    return chain.invoke({"missing": "、".join(draft.missing), "document": doc.body[:MAX_DOCUMENT_CHARS],
                         "kinds": "；".join(f"{name}（{k.label}）" for name, k in kinds.criteria.items())})


def _states_number(value: Any, quote: str) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and any(
        n.value == float(value) for n in numbers(quote))


def accept(draft: Draft, doc: Document, kinds: Kinds, proposals: dict[str, Any]) -> list[str]:
    """Take the proposals that fill an empty field and rest on a verbatim quote; the fields taken."""
    body, data, taken = squash(doc.body), draft.data, []
    for field, proposal in proposals.items():
        if field not in draft.missing or not isinstance(proposal, dict):
            continue
        quote, value = str(proposal.get("quote") or "").strip(), proposal.get("value")
        if not quote or squash(quote) not in body:
            continue
        if field == "name" and isinstance(value, str) and value and squash(value) in squash(quote):
            data["name"], data["name_quote"] = value, quote
        elif field == "window" and (window := read_window([quote], int(data["year"]), None)) is not None:
            data["window"] = window  # the dates as our own parser reads them from the quote
        elif field.startswith("facts.") and (key := field[6:]) in FACTS and isinstance(value, str) and value:
            number = re.search(r"\d+", value)
            if squash(value) not in squash(quote) and not (key == "funded" and number and number[0] in quote):
                continue
            data["facts"][key] = {"label": FACTS[key][0], "value": value, "quote": quote}
        elif field.startswith("criteria.") and (kind := kinds.criteria.get(field[9:])) is not None:
            found = read_threshold(kind, quote)
            if any(v is None for v in found.values()):
                if not isinstance(value, int | float) or not _states_number(value, quote) or len(found) != 1:
                    continue
                found = {k: float(value) for k in found}
            if not states(kind, quote) and not found:
                continue
            data["criteria"].append(criterion_from(field[9:], kind, quote, found))
        else:
            continue
        draft.origin[field] = "model"
        taken.append(field)
    draft.missing = missing_fields(data, kinds)
    return taken


def with_model(draft: Draft, doc: Document, kinds: Kinds, model: ChatModel | None, prompts_dir: Path) -> Draft:
    """The draft, with what the model can support with quotes added to its empty fields."""
    if model is None or not draft.missing:
        return draft
    proposals = ask_model(model, load_prompts(prompts_dir), doc, draft, kinds)
    taken = accept(draft, doc, kinds, proposals)
    log.info("draft of %s: the model proposed %d fields, %d kept (%s)", doc.id, len(proposals), len(taken),
             ", ".join(taken))
    return draft
