"""Places an applicant may name (knowledge/lexicon/places.yaml): in Beijing, and elsewhere."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import Field

from bot.knowledge.schema import KnowledgeError, Required, Strict, read_yaml, validate

PLACES_FILE = "lexicon/places.yaml"


class _Places(Strict):
    """knowledge/lexicon/places.yaml: places an applicant may name, in Beijing and elsewhere."""

    beijing: list[Required] = Field(default_factory=list)
    elsewhere: list[Required] = Field(default_factory=list)


@dataclass(frozen=True)
class Places:
    """Place names, lower-cased as messages are matched against them."""

    beijing: tuple[str, ...] = ()
    elsewhere: tuple[str, ...] = ()

    def named_elsewhere(self, text: str) -> list[str]:
        """The places outside Beijing a text names by name ("上海", "shenzhen"); "外地" names none."""
        lowered = text.lower()
        return [p for p in self.elsewhere if p in lowered and p not in NOT_NAMES]


NOT_NAMES = ("外地", "外省", "京外")  # in the elsewhere list for the rules ("外地注册的"), but no place's name


def load_places(knowledge_dir: Path) -> Places:
    """The places file, checked by its schema (a misspelt key names the file and the field); none when absent."""
    path = knowledge_dir / PLACES_FILE
    shown = f"knowledge/{PLACES_FILE}"
    if not path.exists():
        return Places()
    places = validate(_Places, read_yaml(path, shown, KnowledgeError) or {}, shown)
    return Places(tuple(p.lower() for p in places.beijing), tuple(p.lower() for p in places.elsewhere))
