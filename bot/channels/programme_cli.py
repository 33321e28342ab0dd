"""`python -m bot kb programme …`: programme rounds on the command line, for staff who prefer files.

`list` shows the rounds and which one "now" points to; `draft DOC_ID` prints the round an uploaded
announcement describes as YAML (every field with its quote; empty fields as null and listed);
`save FILE` checks the corrected draft as the web admin does and saves it through the knowledge service.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from bot.knowledge.documents import KnowledgeError
from bot.settings import Settings


def _model(settings: Settings, use: bool) -> Any:
    """The chat model (with its retry) when one is configured and wanted, else None."""
    if not use or not settings.llm_base_url:
        return None
    from bot.answering.llm import LlmClient

    return LlmClient(settings).chat


def cmd_draft(args: argparse.Namespace, settings: Settings) -> int:
    from bot.knowledge.documents import load_documents
    from bot.knowledge.draft_model import with_model
    from bot.knowledge.drafting import draft_programme
    from bot.knowledge.kinds import load_kinds
    from bot.knowledge.programme_files import draft_text
    from bot.knowledge.programmes import load_programmes

    try:
        docs = load_documents(settings.knowledge_dir)
        doc = next((d for d in docs if d.id == args.doc_id), None)
        if doc is None:
            print(f"error: 没有编号为 {args.doc_id} 的文档（见 python -m bot kb list）", file=sys.stderr)
            return 2
        kinds = load_kinds(settings.knowledge_dir)
        draft = draft_programme(doc, kinds, load_programmes(settings.knowledge_dir, docs))
    except KnowledgeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    draft = with_model(draft, doc, kinds, _model(settings, not args.no_model), settings.prompts_dir)
    print(draft_text(draft, doc), end="")
    if draft.missing:
        print(f"note: 原文中没有找到 {len(draft.missing)} 项（见文件开头），已留空", file=sys.stderr)
    return 0


def cmd_save(args: argparse.Namespace, settings: Settings) -> int:
    """A confirmed round from a YAML file (an edited draft): checked as the admin checks it, then saved
    through the knowledge service (re-index, audit) as knowledge/programmes/<id>.yaml."""
    import yaml

    from bot.channels.kb import _done, _fail, _service, _user
    from bot.knowledge.documents import load_documents
    from bot.knowledge.kinds import load_kinds
    from bot.knowledge.programme_files import check_programme, programme_text
    from bot.knowledge.programmes import load_programmes
    from bot.knowledge.service import EditError

    user = _user()
    try:
        data = yaml.safe_load(Path(args.file).read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise KnowledgeError("文件应是一个项目轮次的 YAML 映射（可从 kb programme draft 的输出改起）")
        docs = load_documents(settings.knowledge_dir)
        programme = check_programme(data, docs, load_kinds(settings.knowledge_dir),
                                    load_programmes(settings.knowledge_dir, docs))
    except KnowledgeError as exc:
        print(f"error: 没有保存：{exc}", file=sys.stderr)
        return 2
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        print(f"error: 无法读取 {args.file}（日期须是真实存在的 YYYY-MM-DD）：{exc}", file=sys.stderr)
        return 2
    text = programme_text(data, programme.doc, user=user, today=dt.date.today())
    service = _service(settings, reindex=not args.no_ingest)
    try:
        edit = service.attempt(user, "programme-add", programme.id, lambda: service.plan_programme(
            programme.id, text, name=programme.name, source=programme.doc.id))
        outcome = service.apply(edit, user=user)
    except EditError as exc:
        return _fail(exc)
    print(f"saved {programme.id}: {programme.name}（{programme.window.start.isoformat()}～"
          f"{programme.window.end.isoformat()}，{len(programme.criteria)} 条条件）-> "
          f"{settings.knowledge_dir.name}/programmes/{programme.id}.yaml")
    _done(outcome)
    return 0


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    from bot.knowledge.programmes import load_programmes
    from bot.rules.rounds import Rounds
    from bot.rules.timeline import window_state

    today = args.today  # a date: cli.main checked it
    try:
        programmes = load_programmes(settings.knowledge_dir)
    except KnowledgeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not programmes:
        print("知识库里还没有项目轮次（knowledge/programmes/*.yaml）")
        return 0
    now = Rounds(programmes).current(today)
    states = {"not_open": "未开始", "open": "征集中", "closed": "已截止"}
    for p in programmes:
        mark = "*" if p is now else " "
        print(f"{mark} {p.id}\t{p.name}\t{p.window.start.isoformat()}～{p.window.end.isoformat()}\t"
              f"{states[window_state(p, today).status]}\t{len(p.criteria)} 条条件\t据 {p.doc.id}")
    print(f"（* 为 {today.isoformat()} 时“现在”所指的一轮）")
    return 0


def add_commands(kb: Any) -> None:
    """`kb programme list|draft|save` under the kb command's sub-parsers."""
    programme = kb.add_parser("programme", help="programme rounds: list them, draft one from an announcement")
    sub = programme.add_subparsers(dest="programme_command", required=True)
    s = sub.add_parser("list", help="the rounds, their windows, and which one is current")
    s.add_argument("--today", help="judge as of this date (YYYY-MM-DD)")
    s.set_defaults(func=cmd_list)
    s = sub.add_parser("draft", help="print a round drafted from an uploaded announcement, as YAML")
    s.add_argument("doc_id", help="the announcement's document id (see `kb list`)")
    s.add_argument("--no-model", action="store_true", help="rules only, even with LLM_BASE_URL set")
    s.set_defaults(func=cmd_draft)
    s = sub.add_parser("save", help="save a confirmed round (an edited draft) as the next programme YAML")
    s.add_argument("file", help="the round as YAML, e.g. the output of `kb programme draft`, corrected")
    s.add_argument("--no-ingest", action="store_true")
    s.set_defaults(func=cmd_save)
