"""Everything in knowledge/ that quotes the articles, validated together."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.knowledge.documents import Document, load_documents
from bot.knowledge.faq import FaqEntry, load_faq
from bot.knowledge.places import Places, load_places
from bot.knowledge.programmes import Programme, load_programmes
from bot.knowledge.stations import Directory, load_directory


@dataclass
class Knowledge:
    docs: list[Document]
    programmes: list[Programme]
    directory: Directory | None
    faq: list[FaqEntry]
    places: Places  # where an applicant may say it is registered (knowledge/lexicon/places.yaml)

    def summary(self) -> str:
        stations = len(self.directory.stations) if self.directory else 0
        return (f"{len(self.docs)} articles, {len(self.programmes)} programmes, {stations} stations, "
                f"{len(self.faq)} FAQ entries (every quote found)")


def check_knowledge(knowledge_dir: Path, docs: list[Document] | None = None) -> Knowledge:
    """Load and cross-check; raises KnowledgeError naming the file and what to fix."""
    docs = load_documents(knowledge_dir) if docs is None else docs
    return Knowledge(docs, load_programmes(knowledge_dir, docs), load_directory(knowledge_dir, docs),
                     load_faq(knowledge_dir, docs), load_places(knowledge_dir))
