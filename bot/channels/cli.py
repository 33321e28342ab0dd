"""`python -m bot …`: the command line's arguments, checked before anything loads, and the one entry
that turns settings and arguments into a command (commands.py, servers.py, kb.py, programme_cli.py)."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys

from bot.channels import commands, servers
from bot.channels.kb import add_commands as kb_commands
from bot.channels.programme_cli import add_commands as programme_commands
from bot.index.storage import IndexUnavailable
from bot.logs import install_redaction, setup_logging
from bot.settings import load_settings
from bot.text.dates import given_day

log = logging.getLogger("bot")


def _today(value: str | None) -> dt.date:
    """--today as a date (today when not given); a bad value is one line naming the option."""
    if not value:
        return dt.date.today()
    try:
        return given_day(value)
    except ValueError as exc:
        raise ValueError(f"--today {exc}") from None


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bot", description="北京社会工作政策问答助手")
    p.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("ingest", help="build or update the index from knowledge/")
    s.add_argument("--rebuild", action="store_true", help="drop the index and embed everything again")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    s.set_defaults(func=commands.cmd_ingest)

    s = sub.add_parser("ask", help="answer one question, or a JSONL batch on stdin")
    s.add_argument("question", nargs="*")
    s.add_argument("--jsonl", action="store_true", help="read requests from stdin, write replies to stdout")
    s.add_argument("--today", help="answer as if today were this date (YYYY-MM-DD)")
    s.add_argument("--debug", action="store_true", help="show retrieved passages and sentence scores")
    s.set_defaults(func=commands.cmd_ask)

    s = sub.add_parser("chat", help="interactive chat in the terminal")
    s.add_argument("--today")
    s.set_defaults(func=commands.cmd_chat)

    s = sub.add_parser("telegram", help="run the Telegram bot (long polling, or a webhook if configured)")
    s.set_defaults(func=servers.cmd_telegram)

    s = sub.add_parser("serve", help="the production webhook service: N workers, state in BOT_DATABASE_URL")
    s.add_argument("--workers", type=int, help="worker processes (default BOT_SERVE_WORKERS or 2)")
    s.add_argument("--host", help="default TELEGRAM_WEBHOOK_LISTEN or 127.0.0.1")
    s.add_argument("--port", type=int, help="default TELEGRAM_WEBHOOK_PORT or 8443")
    s.add_argument("--no-set-webhook", action="store_true", help="do not call setWebhook at start")
    s.set_defaults(func=servers.cmd_serve)

    s = sub.add_parser("db", help="the conversation database's migrations")
    s.add_argument("db_command", choices=["upgrade", "current"])
    s.set_defaults(func=commands.cmd_db)

    s = sub.add_parser("eval", help="score a question set (YAML, the eval format)")
    s.add_argument("file")
    s.add_argument("--today")
    s.add_argument("--only", help="comma-separated categories to keep")
    s.add_argument("--skip", help="comma-separated categories to leave out")
    s.add_argument("--min-pass", type=float, default=0.0)
    s.add_argument("--quiet", action="store_true")
    s.add_argument("--compare", action="store_true", help="recall@5 and MRR of dense, keyword and hybrid")
    s.add_argument("--calibrate", action="store_true", help="sweep the decline threshold")
    s.set_defaults(func=commands.cmd_eval)

    s = sub.add_parser("admin", help="run the web admin for staff (FastAPI)")
    s.add_argument("--host", help="default BOT_ADMIN_HOST or 127.0.0.1")
    s.add_argument("--port", type=int, help="default BOT_ADMIN_PORT or 8080")
    s.set_defaults(func=servers.cmd_admin)
    s = sub.add_parser("web", help="run the public web chat (and the WeChat endpoint when configured)")
    s.add_argument("--host", help="default BOT_WEB_HOST or 127.0.0.1")
    s.add_argument("--port", type=int, help="default BOT_WEB_PORT or 8081")
    s.set_defaults(func=servers.cmd_web)
    s = sub.add_parser("wechat-menu", help="set the WeChat account's menu (self-check, common questions, web chat)")
    s.add_argument("--dry-run", action="store_true", help="print the menu instead of sending it")
    s.set_defaults(func=servers.cmd_wechat_menu)
    s = sub.add_parser("admin-hash", help="hash a staff password for BOT_ADMIN_USERS (reads it from stdin)")
    s.add_argument("user")
    s.set_defaults(func=commands.cmd_admin_hash)

    programme_commands(kb_commands(sub))
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if hasattr(args, "today"):  # checked before anything loads; commands get a date
        try:
            args.today = _today(args.today)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    setup_logging(args.verbose)
    try:
        settings = load_settings()
        install_redaction(settings.secrets())  # the bot token is in every Telegram request URL httpx logs
        return int(args.func(args, settings))
    except IndexUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
