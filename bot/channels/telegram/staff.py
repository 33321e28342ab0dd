"""Staff features: add or remove a document, re-index (all through the knowledge service), the
unanswered questions and statistics.

Gatekeeping happens once: `gate` runs in an earlier handler group and stops any staff
command or document from a user not in TELEGRAM_ADMIN_IDS, logging the attempt.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop, ContextTypes, filters

from bot.channels.telegram.render import send
from bot.channels.telegram.services import Services, services
from bot.knowledge.metadata import parse_caption
from bot.knowledge.service import EditError, KnowledgeService, NeedTitleAndDate
from bot.wiring import knowledge_service

log = logging.getLogger(__name__)
STAFF_COMMANDS = ("unanswered", "stats", "reload", "remove")
STAFF_UPDATES = filters.Regex(rf"^/({'|'.join(STAFF_COMMANDS)})(@\w+)?(\s|$)") | filters.Document.ALL


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


def _knowledge(s: Services) -> KnowledgeService:
    return knowledge_service(s.settings, embeddings=s.engine.embeddings, analyzer=s.engine.analyzer, audit=s.store)


def _staff(update: Update) -> str | None:
    return str(update.effective_user.id) if update.effective_user else None


async def gate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Registered for non-staff users only: refuse, log, and stop further handlers."""
    s = services(context)
    user = update.effective_user
    message = update.effective_message
    action = "upload" if message is not None and message.document else (message.text or "").split()[0] if message \
        else "?"
    s.store.log_staff(str(user.id) if user else None, action, allowed=False)
    log.warning("refused staff action %s from user %s", action, user.id if user else "?")
    if update.effective_chat is not None:
        await send(context, update.effective_chat.id, s.texts["staff_refused"])
    raise ApplicationHandlerStop


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    s = services(context)
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or message.document is None or chat is None or user is None:
        return
    document = message.document
    name = document.file_name or "upload.txt"
    if (document.file_size or 0) > s.settings.max_upload_bytes:
        s.store.log_staff(str(user.id), "upload", allowed=True, detail=f"{name}: too large")
        await send(context, chat.id, s.texts.fmt("upload_too_large", size=_size(document.file_size or 0),
                                                 limit=_size(s.settings.max_upload_bytes)))
        return
    meta = parse_caption(message.caption)
    # A .md file may carry its metadata as front matter.
    if (not meta.get("title") or not meta.get("published")) and not name.lower().endswith(".md"):
        s.store.log_staff(str(user.id), "upload", allowed=True, detail=f"{name}: no title or date")
        await send(context, chat.id, s.texts["upload_need_caption"])
        return
    await context.bot.send_chat_action(chat.id, "upload_document")
    data = bytes(await (await document.get_file()).download_as_bytearray())
    service = _knowledge(s)

    def add() -> tuple[str, str, int, str]:
        outcome = service.add(data, name, dict(meta), user=str(user.id))
        s.refresh()
        return outcome.edit.title, outcome.edit.published, outcome.chunks, \
            outcome.indexed.summary if outcome.indexed else ""

    try:
        title, date, chunks, summary = await s.on_engine_thread(add)
    except NeedTitleAndDate:
        await send(context, chat.id, s.texts["upload_need_caption"])
        return
    except EditError as exc:
        await send(context, chat.id, s.texts.fmt("upload_failed", reason=str(exc)))
        return
    await send(context, chat.id, s.texts.fmt("upload_done", title=title, date=date, chunks=chunks, summary=summary))


async def reload_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/reload: re-index knowledge/ as it is (e.g. after a hand edit) and answer from the new index."""
    s = services(context)
    service = _knowledge(s)

    def reindex() -> str:
        indexed = service.reindex(user=_staff(update), action="/reload")
        s.refresh()
        return indexed.summary

    try:
        summary = await s.on_engine_thread(reindex)
    except EditError as exc:
        await send(context, update.effective_chat.id, s.texts.fmt("upload_failed", reason=str(exc)))  # type: ignore[union-attr]
        return
    await send(context, update.effective_chat.id, s.texts.fmt("reload_done", summary=summary))  # type: ignore[union-attr]


async def unanswered_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    s = services(context)
    rows = s.store.unanswered(limit=20, disliked=True)
    s.store.log_staff(str(update.effective_user.id) if update.effective_user else None, "/unanswered", allowed=True)
    if not rows:
        text = s.texts["unanswered_none"]
    else:
        kinds = {"decline": "拒答", "answer": "把握不大"}
        admin = (s.settings.admin_url or "").rstrip("/")
        lines = [s.texts.fmt("unanswered_head", count=len(rows))]
        for r in rows:
            kind = "👎" if (r.get("votes") or 0) < 0 else kinds.get(r["kind"], r["kind"])
            lines.append(s.texts.fmt("unanswered_line", at=r["at"].strftime("%m-%d %H:%M"), kind=kind,
                                     question=r["question"][:120]))
            if admin:  # one step to an FAQ entry in the web admin
                lines.append(s.texts.fmt("unanswered_link", url=f"{admin}/faq/new?from={r['id']}"))
        text = "\n".join(lines)
    await send(context, update.effective_chat.id, text)  # type: ignore[union-attr]


async def stats_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    s = services(context)
    st = s.store.stats(days=7)
    s.store.log_staff(str(update.effective_user.id) if update.effective_user else None, "/stats", allowed=True)
    text = s.texts.fmt("stats", days=st.days, questions=st.questions, declined=st.declined, low=st.low_confidence,
                       up=st.thumbs_up, down=st.thumbs_down)
    llm = s.engine.llm
    if llm is not None:  # since the bot (re)started: how often the model's answer was used or replaced
        c = llm.counts
        text += "\n" + s.texts.fmt("stats_llm", used=c["used"], grounding=c["grounding"],
                                   fallbacks=c["grounding"] + c["declined"] + c["timeout"] + c["error"] + c["skipped"],
                                   failures=c["timeout"] + c["error"])
    await send(context, update.effective_chat.id, text)  # type: ignore[union-attr]


async def remove_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/remove ID: take a document out of the knowledge base and the index."""
    s = services(context)
    chat = update.effective_chat
    doc_id = (context.args or [""])[0].strip()
    if chat is None:
        return
    if not doc_id:
        await send(context, chat.id, s.texts["remove_usage"])
        return
    service = _knowledge(s)

    def remove() -> str:
        outcome = service.remove(doc_id, user=_staff(update))
        s.refresh()
        return outcome.indexed.summary if outcome.indexed else ""

    try:
        summary = await s.on_engine_thread(remove)
    except EditError as exc:
        await send(context, chat.id, s.texts.fmt("remove_failed", reason=str(exc)))
        return
    await send(context, chat.id, s.texts.fmt("remove_done", doc_id=doc_id, summary=summary))
