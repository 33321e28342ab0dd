"""A private copy of the real knowledge directory, and of the session's built index, for tests that change them."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.settings import PROJECT_ROOT, Settings


def copy_knowledge(tmp: Path, index: Settings | None = None) -> Settings:
    """knowledge/ copied under `tmp`; with `index` (the session's `built` settings) its index is copied too,
    so an engine on the copy embeds only what the test adds or changes instead of the whole knowledge base."""
    kb = tmp / "knowledge"
    shutil.copytree(PROJECT_ROOT / "knowledge", kb)
    mine = Settings(data_dir=tmp / "data", knowledge_dir=kb, prompts_dir=PROJECT_ROOT / "prompts")
    if index is not None:
        shutil.copytree(index.data_dir / "chroma", mine.data_dir / "chroma")
    return mine
