"""A private copy of the real knowledge directory, for tests that change it."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.settings import PROJECT_ROOT, Settings


def copy_knowledge(tmp: Path) -> Settings:
    kb = tmp / "knowledge"
    shutil.copytree(PROJECT_ROOT / "knowledge", kb)
    return Settings(data_dir=tmp / "data", knowledge_dir=kb, prompts_dir=PROJECT_ROOT / "prompts")
