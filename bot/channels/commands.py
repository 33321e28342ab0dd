"""The commands that answer and maintain: `ingest`, `ask` (one question or a JSONL batch), `chat`, `eval`,
`db` and `admin-hash`. Arguments are parsed in cli.py (`--today` arrives as a date)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from bot.settings import Settings
from bot.wiring import build_engine


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

    today = args.today
    if not args.jsonl and not args.question:
        print("give a question: python -m bot ask \"创投计划什么时候截止？\" (or --jsonl)", file=sys.stderr)
        return 2
    engine = build_engine(settings)
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

    return run_chat(build_engine(settings, quiet=False), open_store(settings), args.today, settings.prompts_dir)


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from bot.evaluation import calibrate, evaluate, load_questions

    items = load_questions(Path(args.file))
    if args.only:
        items = [q for q in items if q.get("category") in args.only.split(",")]
    if args.skip:
        items = [q for q in items if q.get("category") not in args.skip.split(",")]
    engine = build_engine(settings)
    today = args.today
    if args.compare:
        for mode in ("dense", "keyword", "hybrid"):
            res = evaluate(items, lambda q, m=mode: engine.ask(q, m), today)  # type: ignore[misc]
            s = res.summary()
            print(f"{mode:<8} recall@5={s['recall@5']} mrr={s['mrr']} pass={s['pass']}")
        return 0
    if args.calibrate:
        base = engine.thresholds
        results = {}
        for step in range(20, 66, 2):
            engine.thresholds = dataclasses.replace(base, confidence=step / 100)
            results[step / 100] = evaluate(items, engine.ask, today)
        engine.thresholds = base
        best, table = calibrate(results)
        print(table)
        print(f"best confidence threshold: {best:.2f} (current {base.confidence:.2f})")
        return 0
    res = evaluate(items, engine.ask, today)
    print(res.report(verbose=not args.quiet))
    return 0 if res.summary()["pass"] >= args.min_pass else 1


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
