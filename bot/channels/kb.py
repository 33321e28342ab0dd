"""`python -m bot kb …`: staff add, import, edit, list, show, remove and check knowledge on the command
line, through the same knowledge service as Telegram and the web admin (audited as cli:<login>)."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import Any

from bot.knowledge.service import EditError, KnowledgeService, NeedTitleAndDate, Outcome
from bot.settings import Settings

NEED_TITLE_AND_DATE = ("请给出标题和发布日期：--title \"2023年某某社工站服务通知\" --published 2023-05-01"
                       "（也可以写在 .md 文件的 front matter 或旁边的 FILE.meta.yaml 里）")
EDIT_FIELDS = ("title", "published", "publication", "programme", "valid_from", "valid_until", "superseded_by")


def _user() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _service(settings: Settings, reindex: bool) -> KnowledgeService:
    from bot.wiring import knowledge_service, open_store

    try:
        audit = open_store(settings)
    except Exception as exc:  # an audit database that cannot be opened must not stop a file edit
        print(f"note: staff actions are not recorded ({exc.__class__.__name__})", file=sys.stderr)
        audit = None
    return knowledge_service(settings, audit=audit, reindex=reindex)


def _done(outcome: Outcome) -> None:
    if outcome.indexed is not None:
        print(f"ingest: {outcome.indexed.summary}", file=sys.stderr)


def _fail(exc: EditError) -> int:
    print(f"error: {NEED_TITLE_AND_DATE if isinstance(exc, NeedTitleAndDate) else exc}", file=sys.stderr)
    return 2


def cmd_add(args: argparse.Namespace, settings: Settings) -> int:
    from bot.knowledge.metadata import META_FIELDS, UNSOURCED, read_sidecar

    path = Path(args.file)
    meta: dict[str, str | None] = dict(read_sidecar(path))
    meta.update({k: getattr(args, k) for k in (*META_FIELDS, "id") if getattr(args, k)})
    service = _service(settings, reindex=not args.no_ingest)
    try:
        outcome = service.add(path.read_bytes(), path.name, meta, user=_user(), overwrite=args.overwrite)
    except EditError as exc:
        return _fail(exc)
    edit = outcome.edit
    print(f"added {edit.target}: 《{edit.title}》 {edit.published} -> {settings.knowledge_dir.name}/articles/"
          f"{edit.target}.md")
    if f"publication: {UNSOURCED}" in (next(iter(edit.files.values())) or ""):
        print(f"note: no publisher given; shown as {UNSOURCED} (give --publication)", file=sys.stderr)
    _done(outcome)
    return 0


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from bot.knowledge.importer import publication_in

    try:
        raw = Path(args.file).read_bytes().decode("utf-8", errors="strict")
    except UnicodeDecodeError:
        print("error: 文件不是 UTF-8 文本", file=sys.stderr)
        return 2
    publication = args.publication or publication_in(raw)
    if not publication:
        print("error: 没有发布单位：请用 --publication 写明出处（例如 --publication 公益时报）；"
              "原文里也没有“来源：…”一行，导入不会替你猜", file=sys.stderr)
        return 2
    service = _service(settings, reindex=not args.no_ingest)
    try:
        edit = service.attempt(_user(), "import", args.id, lambda: service.plan_import(
            raw, doc_id=args.id, title=args.title, published=args.published, publication=publication,
            topics=args.topic or [], date_basis=args.date_basis, overwrite=args.overwrite))
        outcome = service.apply(edit, user=_user())
    except EditError as exc:
        return _fail(exc)
    print(f"wrote {settings.knowledge_dir.name}/articles/{args.id}.md (publication: {publication}; "
          f"{edit.detail}); read it once: headings may need moving by hand", file=sys.stderr)
    _done(outcome)
    return 0


def cmd_edit(args: argparse.Namespace, settings: Settings) -> int:
    changes = {k: getattr(args, k) for k in EDIT_FIELDS if getattr(args, k) is not None}
    if not changes:
        print(f"error: 没有要改的字段（可用：{' '.join('--' + f.replace('_', '-') for f in EDIT_FIELDS)}）",
              file=sys.stderr)
        return 2
    service = _service(settings, reindex=not args.no_ingest)
    try:
        outcome = service.edit(args.id, changes, user=_user())
    except EditError as exc:
        return _fail(exc)
    shown = ", ".join(f"{k}={v!r}" if v else f"{k} removed" for k, v in changes.items())
    print(f"edited {args.id}: {shown}")
    _done(outcome)
    return 0


def cmd_remove(args: argparse.Namespace, settings: Settings) -> int:
    service = _service(settings, reindex=not args.no_ingest)
    try:
        outcome = service.remove(args.id, user=_user())
    except EditError as exc:
        return _fail(exc)
    print(f"removed {args.id}")
    _done(outcome)
    return 0


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    from bot.knowledge.documents import load_documents, validity_label

    for doc in load_documents(settings.knowledge_dir):
        print(f"{doc.id}\t{doc.published.iso()}\t{validity_label(doc, args.today)}\t{doc.publication}\t{doc.title}")
    return 0


def cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    service = KnowledgeService(settings)
    try:
        doc = service.document(args.id)
    except EditError as exc:
        return _fail(exc)
    print(Path(doc.path).read_text(encoding="utf-8"))
    return 0


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    from bot.knowledge.catalog import check_knowledge

    print(f"ok: {check_knowledge(settings.knowledge_dir).summary()}")
    return 0


def _validity_flags(s: argparse.ArgumentParser, blank: str = "") -> None:
    s.add_argument("--programme", help="the programme this document belongs to, e.g. 2023-shegong-chuangtou" + blank)
    s.add_argument("--valid-from", dest="valid_from", help="first day it applies (YYYY[-MM[-DD]])" + blank)
    s.add_argument("--valid-until", dest="valid_until",
                   help="last day it applies; afterwards it no longer answers questions about the present" + blank)
    s.add_argument("--superseded-by", dest="superseded_by", help="id of the document that replaces it" + blank)


def add_commands(sub: Any) -> Any:
    """Register `kb` and its commands on the main parser's subparsers; returns kb's own subparsers."""
    kb = sub.add_parser("kb", help="manage knowledge files").add_subparsers(dest="kb_command", required=True)
    s = kb.add_parser("import", help="clean a raw article (text copied from a page) into knowledge/articles/ID.md")
    s.add_argument("file")
    s.add_argument("--id", required=True)
    s.add_argument("--title", required=True)
    s.add_argument("--published", help="YYYY, YYYY-MM or YYYY-MM-DD (else the page header's date)")
    s.add_argument("--publication", help="publisher (required unless the text has a 来源：… line)")
    s.add_argument("--topic", action="append")
    s.add_argument("--date-basis", help="how the date was established")
    s.add_argument("--overwrite", action="store_true")
    s.add_argument("--no-ingest", action="store_true")
    s.set_defaults(func=cmd_import)

    s = kb.add_parser("add", help="add a .md/.txt/.pdf/.docx/.html document and index it")
    s.add_argument("file")
    s.add_argument("--title", help="else from the file's front matter")
    s.add_argument("--published", help="YYYY, YYYY-MM or YYYY-MM-DD (else from front matter)")
    s.add_argument("--publication", help="publisher; shown as 未注明出处 when missing")
    _validity_flags(s)
    s.add_argument("--supersedes", help="id of an older document this one replaces (marked superseded)")
    s.add_argument("--id", help="document id (default: date and a hash of the title)")
    s.add_argument("--overwrite", action="store_true")
    s.add_argument("--no-ingest", action="store_true")
    s.set_defaults(func=cmd_add)

    s = kb.add_parser("edit", help="change a document's metadata; an empty value removes an optional field "
                                   "(--superseded-by '' undoes a supersedes link)")
    s.add_argument("id")
    s.add_argument("--title")
    s.add_argument("--published")
    s.add_argument("--publication")
    _validity_flags(s, " ('' removes it)")
    s.add_argument("--no-ingest", action="store_true")
    s.set_defaults(func=cmd_edit)

    s = kb.add_parser("list", help="the documents in knowledge/articles, with dates and validity")
    s.add_argument("--today", help="judge validity as of this date (YYYY-MM-DD)")
    s.set_defaults(func=cmd_list)
    s = kb.add_parser("show", help="print one document")
    s.add_argument("id")
    s.set_defaults(func=cmd_show)
    s = kb.add_parser("remove", help="remove a document and drop it from the index")
    s.add_argument("id")
    s.add_argument("--no-ingest", action="store_true")
    s.set_defaults(func=cmd_remove)
    s = kb.add_parser("check", help="validate every knowledge file, quote and date")
    s.set_defaults(func=cmd_check)
    return kb
