"""The webhook service's ASGI app: Telegram posts updates to /telegram with the secret token; an
update is acknowledged only once it is recorded in the shared inbox. /healthz says the process
runs, /readyz that it can answer (index loaded, Bot API reached, database reachable).

`python -m bot serve` runs it with uvicorn in N worker processes (see README, Production).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import SQLAlchemyError

from bot.channels.serve.worker import Worker
from bot.settings import Settings, load_settings

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1024 * 1024
_SECRET = re.compile(r"^[A-Za-z0-9_-]{16,256}$")


class ConfigError(ValueError):
    pass


def check_config(settings: Settings) -> str:
    """The webhook secret, or a one-line reason the service cannot start."""
    secret = settings.telegram_webhook_secret or ""
    if not settings.telegram_bot_token:
        raise ConfigError("TELEGRAM_BOT_TOKEN is not set")
    if not _SECRET.match(secret):
        raise ConfigError("TELEGRAM_WEBHOOK_SECRET must be set: 16-256 characters of A-Z, a-z, 0-9, _ and - "
                          "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)")
    return secret


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    if not logging.getLogger().handlers:  # a worker process uvicorn started
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s[%(process)d]: %(message)s")
        logging.getLogger("bm25s").setLevel(logging.WARNING)
    secret = check_config(settings)
    worker = Worker(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await worker.start()
        try:
            yield
        finally:
            await worker.stop()

    app = FastAPI(title="社会工作问答助手 · webhook", docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=lifespan)
    app.state.worker = worker

    @app.post("/telegram")
    async def telegram(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return JSONResponse({"ok": False, "error": "wrong secret token"}, status_code=403)
        if int(request.headers.get("content-length") or 0) > MAX_UPDATE_BYTES:
            return JSONResponse({"ok": False, "error": "too large"}, status_code=413)
        try:
            update = json.loads(await request.body())
            int(update["update_id"])
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"ok": False, "error": "not an update"}, status_code=400)
        if worker.inbox is None:  # still opening the database: Telegram will deliver it again
            return JSONResponse({"ok": False, "error": "starting"}, status_code=503)
        try:
            await asyncio.to_thread(worker.inbox.record, update)
        except SQLAlchemyError as exc:
            log.warning("could not record update %s: %s", update.get("update_id"), str(exc).splitlines()[0][:200])
            return JSONResponse({"ok": False, "error": "not recorded"}, status_code=503)
        worker.wake()
        return JSONResponse({"ok": True})

    @app.get("/healthz")
    async def healthz() -> Response:
        return JSONResponse({"ok": True, "worker": worker.name})

    @app.get("/readyz")
    async def readyz() -> Response:
        problem = await asyncio.to_thread(worker.readiness) if worker.store is not None else "starting"
        body = {"ready": not problem, "worker": worker.name, "problem": problem or None,
                "generation": worker.holder.generation if worker.holder else None, "handled": worker.handled}
        return JSONResponse(body, status_code=200 if not problem else 503)

    return app


async def set_webhook(settings: Settings) -> None:
    """Tell Telegram where to post updates (TELEGRAM_WEBHOOK_URL) and the secret to send with them."""
    from telegram import Bot, Update

    secret = check_config(settings)
    if not settings.telegram_webhook_url:
        raise ConfigError("TELEGRAM_WEBHOOK_URL is not set (the public HTTPS URL ending in /telegram)")
    from telegram.error import NetworkError

    for attempt in range(6):  # a network error at start is retried, as every Bot API call is
        bot = Bot(settings.telegram_bot_token or "", base_url=settings.telegram_base_url,
                  base_file_url=settings.file_base_url)
        try:
            async with bot:
                await bot.set_webhook(settings.telegram_webhook_url, secret_token=secret,
                                      allowed_updates=Update.ALL_TYPES,
                                      max_connections=settings.telegram_max_connections)
            return
        except NetworkError as exc:
            if attempt == 5:
                raise
            log.warning("setWebhook failed (%s); trying again", exc)
            await asyncio.sleep(2 ** attempt)
