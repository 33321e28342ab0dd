"""The commands that run a service until stopped: `telegram` (polling), `serve` (the webhook service),
`admin`, `web`, and `wechat-menu`, which sets the WeChat account's menu; each says in one line what
is missing or unreachable."""

from __future__ import annotations

import argparse
import json
import sys

from bot.settings import Settings
from bot.wiring import build_engine


def cmd_telegram(args: argparse.Namespace, settings: Settings) -> int:
    from telegram.error import NetworkError

    from bot.channels.telegram.app import run

    if not settings.telegram_bot_token:
        print("error: TELEGRAM_BOT_TOKEN is not set; see README (Telegram) for creating a bot with BotFather",
              file=sys.stderr)
        return 2
    problem = _telegram_unreachable(settings)
    if problem is None:
        try:
            run(settings)
            return 0
        except NetworkError as exc:  # lost after the check
            problem = f"lost the connection to the Telegram Bot API ({exc})"
    print(f"error: {problem}. Telegram is not reachable from mainland China without a VPN: run the bot where "
          f"api.telegram.org is reachable, or set TELEGRAM_BASE_URL to a Bot API server reachable from here "
          f"(see README, Telegram). The web chat and WeChat need no Telegram: make web.", file=sys.stderr)
    return 3


def _telegram_unreachable(settings: Settings) -> str | None:
    """Why the Bot API cannot be used (one sentence), or None: checked once before anything starts."""
    import httpx

    base = settings.telegram_base_url.rstrip("/")
    try:
        response = httpx.get(f"{base}{settings.telegram_bot_token}/getMe", timeout=10)
    except httpx.HTTPError as exc:
        return f"cannot reach the Telegram Bot API at {base.rsplit('/bot', 1)[0]} ({type(exc).__name__})"
    if response.status_code in (401, 404):
        return "Telegram does not accept TELEGRAM_BOT_TOKEN (ask @BotFather for the token again)"
    return None


def cmd_admin(args: argparse.Namespace, settings: Settings) -> int:
    from bot.channels.admin.serve import problems, server

    for problem in problems(settings):
        print(f"error: {problem}", file=sys.stderr)
    if problems(settings):
        return 2
    from bot.channels.admin.app import create_app

    host, port = args.host or settings.admin_host, args.port or settings.admin_port
    print(f"web admin on http://{host}:{port}/ (Ctrl+C to stop)", file=sys.stderr)
    server(create_app(settings), host, port).run()
    return 0


def cmd_web(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from bot.channels.web.app import create_app
    from bot.wiring import open_store

    host, port = args.host or settings.web_host, args.port or settings.web_port
    app = create_app(settings, build_engine(settings, quiet=False), open_store(settings))
    print(f"web chat on http://{host}:{port}/" + ("（微信公众号接口：/wechat）" if settings.wechat_token else "")
          + " (Ctrl+C to stop)", file=sys.stderr)
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=True)
    return 0


def cmd_wechat_menu(args: argparse.Namespace, settings: Settings) -> int:
    from bot.channels.texts import channel_texts
    from bot.channels.wechat.api import api_client, menu

    client = api_client(settings)
    if client is None:
        print("error: set WECHAT_APP_ID and WECHAT_APP_SECRET (see README, WeChat)", file=sys.stderr)
        return 2
    buttons = menu(channel_texts(settings.prompts_dir), settings.web_url)
    if args.dry_run:
        print(json.dumps(buttons, ensure_ascii=False, indent=2))
        return 0
    try:
        client.menu.create(buttons)
    except Exception as exc:  # wechatpy's API errors and requests' connection errors
        print(f"error: the WeChat API refused or could not be reached: {exc}", file=sys.stderr)
        return 2
    print("微信公众号菜单已更新（几分钟内对用户生效）。", file=sys.stderr)
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio
    import os

    import uvicorn

    from bot.channels.serve.app import check_config, set_webhook

    check_config(settings)  # a missing token or secret stops here with one line
    workers = args.workers or settings.serve_workers
    os.environ["BOT_SERVE_WORKERS"] = str(workers)  # each worker sends its share of Telegram's rate
    if settings.telegram_webhook_url and not args.no_set_webhook:
        from telegram.error import TelegramError

        try:
            asyncio.run(set_webhook(settings))
        except TelegramError as exc:
            print(f"error: setWebhook failed: {exc}", file=sys.stderr)
            return 2
        print(f"webhook set: {settings.telegram_webhook_url}", file=sys.stderr)
    host, port = args.host or settings.telegram_webhook_listen, args.port or settings.telegram_webhook_port
    print(f"webhook service on http://{host}:{port}/telegram with {workers} workers", file=sys.stderr)
    uvicorn.run("bot.channels.serve.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level="warning", proxy_headers=True, timeout_graceful_shutdown=15)
    return 0
