"""Command line: ingest, ask (one question or JSONL batch), chat, telegram, eval, admin; `kb` lives in kb.py."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import logging
import sys
from pathlib import Path

from bot.channels.kb import add_commands as kb_commands
from bot.channels.programme_cli import add_commands as programme_commands
from bot.index.storage import IndexUnavailable
from bot.logs import install_redaction, setup_logging
from bot.settings import Settings, load_settings
from bot.wiring import build_engine

log = logging.getLogger("bot")


class UsageError(ValueError):
    """A bad command-line value: one line on stderr, exit code 2."""


def _today(value: str | None) -> dt.date:
    if not value:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--today 日期无效：{value!r}（应为 YYYY-MM-DD，例如 2022-04-01）") from None


def _engine(settings: Settings, quiet: bool = True):  # type: ignore[no-untyped-def]

    return build_engine(settings, quiet=quiet)


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from bot.index.embeddings import make_embeddings
    from bot.index.ingest import ingest
    from bot.text.analyzer import TextAnalyzer

    def announce(done: int, total: int) -> None:
        """Before a long embedding, say so (the progress bar shows only on a terminal)."""
        if done == 0 and total and not args.quiet:
            print(f"indexing knowledge/: {total} passages to embed on the CPU (about a second each on 2 cores; "
                  f"later runs embed only what changed)", file=sys.stderr, flush=True)

    analyzer = TextAnalyzer(settings.knowledge_dir / "lexicon")
    report = ingest(settings, make_embeddings(settings), analyzer, rebuild=args.rebuild, quiet=args.quiet,
                    progress=announce)
    print(f"ingest: {report.summary()}", file=sys.stderr)
    return 0


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from bot.answering.reply import Question
    from bot.channels.conversation import Conversations
    from bot.channels.jsonl import encode, read_lines, run_batch
    from bot.channels.render import render_text
    from bot.state.privacy import mask
    from bot.wiring import open_store

    today = _today(args.today)
    if not args.jsonl and not args.question:
        print("give a question: python -m bot ask \"创投计划什么时候截止？\" (or --jsonl)", file=sys.stderr)
        return 2
    engine = _engine(settings)
    if args.jsonl:  # bytes in and out: an undecodable line spoils only itself, the output is always UTF-8
        from bot.wiring import EngineHolder

        holder = EngineHolder(settings, engine).start()  # a long batch follows a re-index made meanwhile
        for obj in run_batch(read_lines(sys.stdin.buffer), lambda q: holder.engine.ask(q), today):
            sys.stdout.buffer.write(encode(obj))
            sys.stdout.buffer.flush()
        return 0
    question = Question(mask(" ".join(args.question)), today)
    reply = engine.ask(question)
    if not args.debug:  # staff trying things out with --debug are not residents' questions
        Conversations(open_store(settings), "cli").record("cli", None, question.text, reply)
    print(render_text(reply, show_sources=args.debug))
    if args.debug:
        print(engine.explain(question), file=sys.stderr)
    return 0


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    from bot.channels.chat import run_chat
    from bot.wiring import open_store

    today = _today(args.today)
    return run_chat(_engine(settings, quiet=False), open_store(settings), today)


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


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from bot.evaluation import calibrate, evaluate, load_questions

    items = load_questions(Path(args.file))
    if args.only:
        items = [q for q in items if q.get("category") in args.only.split(",")]
    if args.skip:
        items = [q for q in items if q.get("category") not in args.skip.split(",")]
    engine = _engine(settings)
    today = _today(args.today)
    if args.compare:
        for mode in ("dense", "keyword", "hybrid"):
            res = evaluate(items, lambda q, m=mode: engine.ask(q, m), today)  # type: ignore[misc]
            s = res.summary()
            print(f"{mode:<8} recall@5={s['recall@5']} mrr={s['mrr']} pass={s['pass']}")
        return 0
    if args.calibrate:
        base = engine.composer.thresholds
        results = {}
        for step in range(20, 66, 2):
            engine.composer.thresholds = dataclasses.replace(base, confidence=step / 100)
            results[step / 100] = evaluate(items, engine.ask, today)
        engine.composer.thresholds = base
        best, table = calibrate(results)
        print(table)
        print(f"best confidence threshold: {best:.2f} (current {base.confidence:.2f})")
        return 0
    res = evaluate(items, engine.ask, today)
    print(res.report(verbose=not args.quiet))
    return 0 if res.summary()["pass"] >= args.min_pass else 1


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
    app = create_app(settings, _engine(settings, quiet=False), open_store(settings))
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


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    from bot.state.database import current_revision, head_revision, make_engine, migrate

    engine = make_engine(settings.database)
    if args.db_command == "upgrade":
        migrate(engine)
    with engine.connect() as conn:
        print(f"database at revision {current_revision(conn)} (newest {head_revision()})")
    return 0


def cmd_admin_hash(args: argparse.Namespace, settings: Settings) -> int:
    import getpass

    from bot.channels.admin.auth import hash_password

    password = sys.stdin.readline().rstrip("\n") if not sys.stdin.isatty() else getpass.getpass("密码：")
    if len(password) < 10:
        print("error: use a password of at least 10 characters", file=sys.stderr)
        return 2
    print(json.dumps({args.user: hash_password(password)}, ensure_ascii=False))
    print("put this in BOT_ADMIN_USERS (merge several names into one JSON object)", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bot", description="北京社会工作政策问答助手")
    p.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("ingest", help="build or update the index from knowledge/")
    s.add_argument("--rebuild", action="store_true", help="drop the index and embed everything again")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    s.set_defaults(func=cmd_ingest)

    s = sub.add_parser("ask", help="answer one question, or a JSONL batch on stdin")
    s.add_argument("question", nargs="*")
    s.add_argument("--jsonl", action="store_true", help="read requests from stdin, write replies to stdout")
    s.add_argument("--today", help="answer as if today were this date (YYYY-MM-DD)")
    s.add_argument("--debug", action="store_true", help="show retrieved passages and sentence scores")
    s.set_defaults(func=cmd_ask)

    s = sub.add_parser("chat", help="interactive chat in the terminal")
    s.add_argument("--today")
    s.set_defaults(func=cmd_chat)

    s = sub.add_parser("telegram", help="run the Telegram bot (long polling, or a webhook if configured)")
    s.set_defaults(func=cmd_telegram)

    s = sub.add_parser("serve", help="the production webhook service: N workers, state in BOT_DATABASE_URL")
    s.add_argument("--workers", type=int, help="worker processes (default BOT_SERVE_WORKERS or 2)")
    s.add_argument("--host", help="default TELEGRAM_WEBHOOK_LISTEN or 127.0.0.1")
    s.add_argument("--port", type=int, help="default TELEGRAM_WEBHOOK_PORT or 8443")
    s.add_argument("--no-set-webhook", action="store_true", help="do not call setWebhook at start")
    s.set_defaults(func=cmd_serve)

    s = sub.add_parser("db", help="the conversation database's migrations")
    s.add_argument("db_command", choices=["upgrade", "current"])
    s.set_defaults(func=cmd_db)

    s = sub.add_parser("eval", help="score a question set (YAML, the eval format)")
    s.add_argument("file")
    s.add_argument("--today")
    s.add_argument("--only", help="comma-separated categories to keep")
    s.add_argument("--skip", help="comma-separated categories to leave out")
    s.add_argument("--min-pass", type=float, default=0.0)
    s.add_argument("--quiet", action="store_true")
    s.add_argument("--compare", action="store_true", help="recall@5 and MRR of dense, keyword and hybrid")
    s.add_argument("--calibrate", action="store_true", help="sweep the decline threshold")
    s.set_defaults(func=cmd_eval)

    s = sub.add_parser("admin", help="run the web admin for staff (FastAPI)")
    s.add_argument("--host", help="default BOT_ADMIN_HOST or 127.0.0.1")
    s.add_argument("--port", type=int, help="default BOT_ADMIN_PORT or 8080")
    s.set_defaults(func=cmd_admin)
    s = sub.add_parser("web", help="run the public web chat (and the WeChat endpoint when configured)")
    s.add_argument("--host", help="default BOT_WEB_HOST or 127.0.0.1")
    s.add_argument("--port", type=int, help="default BOT_WEB_PORT or 8081")
    s.set_defaults(func=cmd_web)
    s = sub.add_parser("wechat-menu", help="set the WeChat account's menu (self-check, common questions, web chat)")
    s.add_argument("--dry-run", action="store_true", help="print the menu instead of sending it")
    s.set_defaults(func=cmd_wechat_menu)
    s = sub.add_parser("admin-hash", help="hash a staff password for BOT_ADMIN_USERS (reads it from stdin)")
    s.add_argument("user")
    s.set_defaults(func=cmd_admin_hash)

    programme_commands(kb_commands(sub))
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "today", None):  # checked before anything loads
        try:
            _today(args.today)
        except UsageError as exc:
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
