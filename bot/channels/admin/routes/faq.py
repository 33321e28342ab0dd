"""The queue of unanswered and disliked questions, and the FAQ: add (in one step from the queue),
correct and remove entries, through the knowledge service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response

from bot.channels.admin.deps import AdminDep, Staff, StaffForm, back
from bot.knowledge.documents import KnowledgeError
from bot.knowledge.faq import FaqSource, load_faq, new_entry
from bot.knowledge.service import EditError

router = APIRouter()
Text = Annotated[str, Form()]


@router.get("/queue")
def queue(request: Request, admin: AdminDep, s: Staff) -> Response:
    return admin.render(request, "queue.html", s, rows=admin.store.unanswered(100, disliked=True))


@router.get("/faq")
def faq(request: Request, admin: AdminDep, s: Staff) -> Response:
    docs = admin.space.knowledge.documents()
    return admin.render(request, "faq.html", s, entries=load_faq(admin.settings.knowledge_dir, docs))


@router.get("/faq/new")
def faq_new(request: Request, admin: AdminDep, s: Staff) -> Response:
    source = request.query_params.get("from", "")
    row = admin.store.interaction(int(source)) if source.isdigit() else None
    return admin.render(request, "faq_new.html", s, row=row, docs=admin.space.knowledge.documents())


@router.get("/faq/{entry_id}")
def faq_edit(request: Request, admin: AdminDep, s: Staff, entry_id: str) -> Response:
    known = admin.space.knowledge.documents()
    entry = next((e for e in load_faq(admin.settings.knowledge_dir, known) if e.id == entry_id), None)
    if entry is None:
        raise HTTPException(404, f"没有这条常见问答：{entry_id[:64]}")
    return admin.render(request, "faq_new.html", s, row=None, entry=entry, docs=known)


@router.post("/faq")
def faq_add(admin: AdminDep, s: StaffForm, questions: Text = "", answer: Text = "", quote: Text = "",
            interaction: Text = "", entry: Text = "",
            sources: Annotated[list[str] | None, Form()] = None) -> Response:
    cited = [FaqSource(d, quote.strip() if i == 0 else "") for i, d in enumerate(sources or [])]
    service = admin.space.knowledge
    try:
        made = new_entry(questions.splitlines(), answer, cited, s.user, admin.today())
        if entry:  # a corrected answer keeps its id and replaces the old one
            made.id = entry
        planned = service.attempt(f"web:{s.user}", "faq-add", made.id, lambda: service.plan_faq(made))
        admin.space.apply(planned, s.user)
    except (KnowledgeError, EditError) as exc:
        return back("/faq/new" + (f"?from={interaction}" if interaction.isdigit() else ""), err=str(exc))
    if interaction.isdigit():
        admin.store.resolve(int(interaction), made.id, s.user)
    return back("/faq", msg=f"{'已修改常见问答' if entry else '已加入常见问答'}：{made.questions[0]}")


@router.post("/faq/{entry_id}/remove")
def faq_remove(admin: AdminDep, s: StaffForm, entry_id: str) -> Response:
    service = admin.space.knowledge
    try:
        planned = service.attempt(f"web:{s.user}", "faq-remove", entry_id,
                                  lambda: service.plan_faq_remove(entry_id))
        admin.space.apply(planned, s.user)
    except EditError as exc:
        return back("/faq", err=str(exc))
    return back("/faq", msg="已删除")
