"""Builds the Telegram application in one place: settings -> services -> handlers; runs it."""

from __future__ import annotations

import logging
from typing import Any

from telegram import BotCommand, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ExtBot,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot.channels.telegram import buttons, check, handlers, staff
from bot.channels.telegram.render import send
from bot.channels.telegram.retry import RetryingLimiter
from bot.channels.telegram.services import Services, services
from bot.channels.telegram.texts import load_texts
from bot.settings import Settings
from bot.wiring import EngineHolder, build_engine

log = logging.getLogger(__name__)
COMMANDS = [("start", "主菜单"), ("help", "使用说明"), ("check", "申报条件自查"), ("cancel", "退出自查")]


async def _post_init(application: Application) -> None:  # type: ignore[type-arg]
    await application.bot.set_my_commands([BotCommand(c, d) for c, d in COMMANDS])


async def _knowledge_in_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """In the webhook service the knowledge base is edited in the web admin, never in one worker."""
    s = services(context)
    url = f"（{s.settings.admin_url}）" if s.settings.admin_url else ""
    if update.effective_chat is not None:
        await send(context, update.effective_chat.id, s.texts.fmt("knowledge_in_admin", url=url))


def build_application(services: Services, *, rate_limiter: bool = True, webhook: bool = False,
                      overall_rate: float = 30.0, bot_class: type[ExtBot] | None = None,  # type: ignore[type-arg]
                      **bot_kwargs: Any) -> Application:  # type: ignore[type-arg]
    """With `webhook`, no updater: the webhook service hands updates to `process_update` itself
    (PTB's custom-webhook pattern), and this worker sends at most `overall_rate` messages a second.
    `bot_class` (with its extra `bot_kwargs`) replaces PTB's ExtBot."""
    settings = services.settings
    if not settings.telegram_bot_token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set (see README, Telegram)")
    # Every call: transient errors (502, a dropped connection, a timeout, 429) retried with backoff;
    # with `rate_limiter`, also kept within Telegram's flood limits (this process's share of them).
    limiter = RetryingLimiter(AIORateLimiter(overall_max_rate=overall_rate) if rate_limiter else None)
    builder = ApplicationBuilder().concurrent_updates(True).post_init(_post_init)
    if bot_class is not None:
        builder = builder.bot(bot_class(settings.telegram_bot_token, base_url=settings.telegram_base_url,
                                        base_file_url=settings.file_base_url, rate_limiter=limiter,
                                        request=HTTPXRequest(connection_pool_size=64), **bot_kwargs))
    else:
        builder = (builder.token(settings.telegram_bot_token).base_url(settings.telegram_base_url)
                   .base_file_url(settings.file_base_url).rate_limiter(limiter))  # type: ignore[arg-type]
    if webhook:
        builder = builder.updater(None)
    app = builder.build()
    app.bot_data["services"] = services

    admins = filters.User(user_id=sorted(settings.admin_ids))
    # Group -1: staff commands and documents from anyone else are refused (and logged) once, here.
    app.add_handler(MessageHandler(staff.STAFF_UPDATES & ~admins, staff.gate), group=-1)
    app.add_handler(CommandHandler("start", handlers.start))
    app.add_handler(CommandHandler("help", handlers.help_command))
    app.add_handler(CommandHandler("check", check.check))
    app.add_handler(CommandHandler("cancel", check.cancel))
    app.add_handler(CommandHandler("unanswered", staff.unanswered_command, filters=admins))
    app.add_handler(CommandHandler("stats", staff.stats_command, filters=admins))
    if webhook:
        app.add_handler(CommandHandler(("reload", "remove"), _knowledge_in_admin, filters=admins))
        app.add_handler(MessageHandler(filters.Document.ALL & admins, _knowledge_in_admin))
    else:
        app.add_handler(CommandHandler("reload", staff.reload_command, filters=admins))
        app.add_handler(CommandHandler("remove", staff.remove_command, filters=admins))
        app.add_handler(MessageHandler(filters.Document.ALL & admins, staff.on_document))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, handlers.on_text))
    app.add_handler(MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, handlers.help_command))  # unknown
    app.add_handler(CallbackQueryHandler(buttons.on_button))
    app.add_error_handler(handlers.on_error)
    return app


def run(settings: Settings) -> None:
    """Long polling by default; a webhook when TELEGRAM_WEBHOOK_URL is set."""
    engine = build_engine(settings, quiet=False)
    services = Services.build(settings, engine, load_texts(settings.prompts_dir))
    holder = EngineHolder(settings, engine).start()  # a re-index by the admin or `ingest` is picked up by itself
    holder.subscribe(lambda new: setattr(services, "engine", new))
    app = build_application(services)
    if settings.telegram_webhook_url:
        log.info("webhook on %s:%s", settings.telegram_webhook_listen, settings.telegram_webhook_port)
        app.run_webhook(listen=settings.telegram_webhook_listen, port=settings.telegram_webhook_port,
                        url_path="telegram", webhook_url=settings.telegram_webhook_url,
                        secret_token=settings.telegram_webhook_secret, allowed_updates=Update.ALL_TYPES)
    else:
        app.run_polling(allowed_updates=Update.ALL_TYPES)
