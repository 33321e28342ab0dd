"""The optional model's prompts (prompts/llm.yaml, prompts/drafting.yaml) as LangChain chat prompt
templates, validated when loaded, and the parser that reads a JSON object from the model's text.

A prompts file holds pairs `<name>_system` / `<name>_user`; each pair becomes one `ChatPromptTemplate`
(a system and a human message) under `<name>`. The file is checked first by the same pydantic schema
as the reply templates: every text present and non-blank, with exactly its placeholders, so a typo in
a placeholder stops the start with a message naming the file and the entry.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from langchain_core.exceptions import OutputParserException
from langchain_core.output_parsers import BaseOutputParser
from langchain_core.prompts import ChatPromptTemplate

from bot.knowledge.schema import TemplateError, read_texts

_ROLES = (("_system", "system"), ("_user", "human"))
_OBJECT = re.compile(r"\{.*\}", re.S)


def load_chat_prompts(path: Path, spec: dict[str, set[str]]) -> dict[str, ChatPromptTemplate]:
    """The file's prompt pairs as chat templates; `spec` names every `<name>_system` / `<name>_user`
    text with its placeholders."""
    texts = read_texts(path, spec, exact=True)[1]
    names = list(dict.fromkeys(key.rsplit("_", 1)[0] for key in spec))
    prompts: dict[str, ChatPromptTemplate] = {}
    for name in names:
        missing = [name + suffix for suffix, _ in _ROLES if name + suffix not in texts]
        if missing:  # a programming error in `spec`, not in the file
            raise TemplateError(f"{path.name}: {name} needs {' and '.join(missing)}")
        prompt = ChatPromptTemplate.from_messages([(role, texts[name + suffix]) for suffix, role in _ROLES])
        prompts[name] = prompt
    return prompts


class JsonObjectParser(BaseOutputParser[dict[str, Any]]):
    """The first JSON object in the model's text; anything else is an OutputParserException. LangChain's
    JsonOutputParser refuses an object after a few words ("好的：{…}"), which small models often write."""

    def parse(self, text: str) -> dict[str, Any]:
        found = _OBJECT.search(text)
        try:
            data = json.loads(found[0]) if found else None
        except json.JSONDecodeError as exc:
            raise OutputParserException(f"not JSON: {exc}", llm_output=text) from exc
        if not isinstance(data, dict):
            raise OutputParserException("not a JSON object", llm_output=text)
        return data

    @property
    def _type(self) -> str:
        return "json_object"
