"""The admin's programme rounds: the rounds known, and a new round drafted from an uploaded announcement,
confirmed field by field beside the highlighted quotes, then saved as the next programme YAML.

Saving is refused, with the form kept as typed, when a quote is not in the document or a date is
impossible; a saved round goes through the knowledge service and the same re-index job as a document
(checked, written, re-indexed, audited), and the bot answers with it as soon as the job ends.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from bot.channels.admin.auth import Session
from bot.channels.admin.deps import Admin as Shared
from bot.channels.admin.deps import AdminDep, Staff, check_csrf
from bot.channels.admin.jobs import Workspace
from bot.channels.admin.programme_form import found, from_form, highlight, missing_label, to_form
from bot.knowledge.documents import Document, KnowledgeError, load_documents
from bot.knowledge.draft_model import with_model
from bot.knowledge.drafting import FACTS, Draft, draft_programme
from bot.knowledge.kinds import Kinds, load_kinds
from bot.knowledge.programme_files import check_programme, programme_text
from bot.knowledge.programmes import load_programmes
from bot.knowledge.service import EditError
from bot.rules.rounds import Rounds
from bot.rules.timeline import window_state
from bot.settings import Settings
from bot.state.store import Store

if TYPE_CHECKING:
    from bot.knowledge.draft_model import ChatModel

Render = Callable[..., HTMLResponse]
STATES = {"not_open": "未开始", "open": "征集中", "closed": "已截止"}


def _quotes(form: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, quote) in the order the page lists them: each field's quote gets its highlight."""
    out = [("name", form["name_quote"]), ("window", form["window_quote"])]
    out += [(f"fact-{k}", v["quote"]) for k, v in form["facts"].items()]
    out += [(f"stage-{i}", s["quote"]) for i, s in enumerate(form["stages"])]
    return out + [(f"criterion-{i}", c["quote"]) for i, c in enumerate(form["criteria"])]


def _origin_by_field(form: dict[str, Any], origin: dict[str, str]) -> dict[str, str]:
    """Who proposed each field, keyed as the page names fields ("facts.funded" -> "fact-funded")."""
    out = {k: v for k, v in origin.items() if k in ("name", "window")}
    out |= {f"fact-{k[6:]}": v for k, v in origin.items() if k.startswith("facts.")}
    out |= {f"stage-{i}": origin.get(f"stages.{st['id']}", "") for i, st in enumerate(form["stages"])}
    return out | {f"criterion-{i}": origin.get(f"criteria.{c['kind']}", "") for i, c in enumerate(form["criteria"])}


@dataclass(frozen=True)
class Admin:
    """What the pages need from the app's shared parts (deps.Admin)."""

    settings: Settings
    space: Workspace
    db: Store
    render: Render
    today: Callable[[], dt.date]
    model: ChatModel | None
    shared: Shared


def _admin(shared: AdminDep) -> Admin:
    return Admin(shared.settings, shared.space, shared.store, shared.render, shared.today, shared.model, shared)


Ctx = Annotated[Admin, Depends(_admin)]
router = APIRouter(prefix="/programmes")


def _page(request: Request, a: Admin, s: Session, doc: Document, form: dict[str, Any], kinds: Kinds, *,
          draft: Draft | None = None, status: int = 200, error: str = "") -> HTMLResponse:
    quotes = _quotes(form)
    checks = {name: found(doc.body, q) for name, q in quotes}
    return a.render(request, "programme_draft.html", s, status=status, error=error, doc=doc, form=form,
                    kinds=kinds, facts=FACTS, quotes=quotes, checks=checks,
                    paragraphs=highlight(doc.body, [q for _, q in quotes]),
                    missing=[missing_label(m, kinds) for m in draft.missing] if draft else [],
                    origin=_origin_by_field(form, draft.origin) if draft else {})


def _document(doc_id: str, docs: list[Document]) -> Document:
    doc = next((d for d in docs if d.id == doc_id), None)
    if doc is None:
        raise HTTPException(404, f"没有编号为 {doc_id} 的文档")
    return doc


@router.get("", response_class=HTMLResponse)
async def rounds(request: Request, a: Ctx, s: Staff) -> Response:
    docs = load_documents(a.settings.knowledge_dir)
    programmes = load_programmes(a.settings.knowledge_dir, docs)
    now = a.today()
    current = Rounds(programmes).current(now) if programmes else None
    rows = [{"p": p, "state": STATES[window_state(p, now).status], "current": p is current} for p in programmes]
    used = {p.doc.id for p in programmes}
    candidates = sorted((d for d in docs if d.id not in used), key=lambda d: d.published.iso(), reverse=True)
    return a.render(request, "programmes.html", s, rows=rows, today=now, candidates=candidates)


@router.get("/draft")
async def choose(request: Request, s: Staff) -> Response:
    return RedirectResponse(f"/programmes/draft/{quote(request.query_params.get('doc', ''))}", status_code=303)


@router.get("/draft/{doc_id}", response_class=HTMLResponse)
async def draft_page(request: Request, doc_id: str, a: Ctx, s: Staff) -> Response:
    root = a.settings.knowledge_dir
    docs = load_documents(root)
    doc = _document(doc_id, docs)
    kinds = load_kinds(root)
    draft = draft_programme(doc, kinds, load_programmes(root, docs))
    draft = await run_in_threadpool(with_model, draft, doc, kinds, a.model, a.settings.prompts_dir)
    return _page(request, a, s, doc, to_form(draft.data), kinds, draft=draft)


@router.post("/draft/{doc_id}", response_class=HTMLResponse)
async def save(request: Request, doc_id: str, a: Ctx, s: Staff) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    check_csrf(request, a.shared, s, form.get("csrf"))
    root = a.settings.knowledge_dir
    docs = load_documents(root)
    doc = _document(doc_id, docs)
    kinds = load_kinds(root)
    data, shown = from_form(form, doc.id)
    try:
        programme = check_programme(data, docs, kinds, load_programmes(root, docs))
        text = programme_text(data, doc, user=s.user, today=a.today())
        edit = a.space.knowledge.attempt(
            f"web:{s.user}", "programme-add", programme.id,
            lambda: a.space.knowledge.plan_programme(programme.id, text, name=programme.name, source=doc.id))
    except KnowledgeError as exc:
        a.db.log_staff(f"web:{s.user}", "programme-add", allowed=True, detail=f"{doc.id}: refused: {exc}")
        return _page(request, a, s, doc, shown, kinds, status=422, error=f"没有保存：{exc}")
    except EditError as exc:  # the service audited the refusal
        return _page(request, a, s, doc, shown, kinds, status=422, error=f"没有保存：{exc}")
    job = a.space.submit(f"保存项目轮次 {programme.name}", s.user, edit)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@router.get("/{programme_id}", response_class=HTMLResponse)
async def show(request: Request, programme_id: str, a: Ctx, s: Staff) -> Response:
    programme = next((p for p in load_programmes(a.settings.knowledge_dir) if p.id == programme_id), None)
    if programme is None:
        raise HTTPException(404, f"没有编号为 {programme_id} 的项目轮次")
    return a.render(request, "programme.html", s, p=programme, text=Path(programme.path).read_text(encoding="utf-8"),
                    state=STATES[window_state(programme, a.today()).status])
