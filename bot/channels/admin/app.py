"""The web admin: server-rendered Chinese pages for staff (FastAPI + Jinja2, a little JS).

Documents (list, upload with metadata, edit, remove, re-index with progress), the queue of
unanswered and disliked questions with "add to FAQ", the FAQ, the station directory and a search
box that shows what the bot would retrieve and answer. Every page needs a staff session; every
form post needs the session's CSRF token.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from bot.answering.reply import Question
from bot.channels.admin import programmes
from bot.channels.admin.auth import Auth, Session
from bot.channels.admin.jobs import Workspace
from bot.knowledge.documents import KnowledgeError, load_documents, validity_label
from bot.knowledge.faq import FaqSource, load_faq, new_entry
from bot.knowledge.loaders import SUPPORTED
from bot.knowledge.service import EditError, NeedTitleAndDate
from bot.knowledge.stations import CONTACT_FIELDS, load_directory
from bot.settings import Settings
from bot.state.sessions import SessionStore
from bot.state.store import Store
from bot.wiring import EngineHolder

HERE = Path(__file__).parent
log = logging.getLogger(__name__)
COOKIE = "sw_admin"
CHANNELS = {"telegram": "Telegram", "web": "网页", "wechat": "微信", "chat": "终端", "cli": "命令行"}
META_FORM = ("title", "published", "publication", "programme", "valid_from", "valid_until", "superseded_by")


class NotSignedIn(Exception):
    pass


def _beijing_time(at: dt.datetime) -> str:
    """Stored times are naive UTC; staff read Beijing time."""
    return (at.replace(tzinfo=dt.UTC) + dt.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")


def create_app(settings: Settings, workspace: Workspace | None = None, store: Store | None = None,
               today: Any = dt.date.today) -> FastAPI:
    """`today` is a callable so tests can fix the date the validity column is judged against."""
    app = FastAPI(title="社会工作问答助手 · 管理后台", docs_url=None, redoc_url=None, openapi_url=None)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    space = workspace or Workspace(settings)
    db = store or Store(settings.database, settings.retention_days)
    space.audited_by(db)
    auth = Auth(settings, SessionStore(db.engine))
    if workspace is None:  # an ingest job or another admin may commit a new index generation
        holder = EngineHolder(settings, space.engine).start()
        holder.subscribe(space.adopt)
    pages = Jinja2Templates(directory=str(HERE / "templates"))
    pages.env.filters["beijing"] = _beijing_time
    pages.env.filters["channel"] = lambda name: CHANNELS.get(name, name)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.state.auth, app.state.workspace, app.state.store = auth, space, db

    # ------------------------------------------------------------------ helpers
    def session_of(request: Request) -> Session:
        s = auth.session(request.cookies.get(COOKIE))
        if s is None:
            raise NotSignedIn
        if not auth.is_staff(s.user):
            db.log_staff(f"web:{s.user}", request.url.path, allowed=False, detail="no longer staff")
            raise HTTPException(403, "此账号不是工作人员，无权使用管理后台")
        return s

    def check_csrf(request: Request, s: Session, token: str | None) -> None:
        if not auth.csrf_ok(s, token):
            db.log_staff(f"web:{s.user}", request.url.path, allowed=False, detail="bad CSRF token")
            raise HTTPException(403, "表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试")

    def render(request: Request, name: str, s: Session | None, status: int = 200, **ctx: Any) -> HTMLResponse:
        ctx.update(user=s.user if s else None, csrf=s.csrf if s else "", flash=request.query_params.get("msg"),
                   error=ctx.get("error") or request.query_params.get("err"))
        return pages.TemplateResponse(request, name, ctx, status_code=status)

    def back(url: str, msg: str = "", err: str = "") -> RedirectResponse:
        query = urlencode({k: v for k, v in (("msg", msg), ("err", err)) if v})
        return RedirectResponse(f"{url}?{query}" if query else url, status_code=303)

    def docs() -> list[Any]:
        return load_documents(settings.knowledge_dir)

    @app.exception_handler(NotSignedIn)
    async def _to_login(request: Request, exc: NotSignedIn) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": "not signed in"}, status_code=401)
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(HTTPException)
    async def _error_page(request: Request, exc: HTTPException) -> Response:
        return render(request, "error.html", None, status=exc.status_code, message=exc.detail)

    @app.middleware("http")
    async def _headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Content-Security-Policy"] = ("default-src 'self'; img-src 'self' data:; "
                                                       "style-src 'self'; script-src 'self'; form-action 'self'")
        response.headers["Cache-Control"] = "no-store"
        return response

    # ------------------------------------------------------------------ sign-in
    @app.get("/login", response_class=HTMLResponse)
    async def login_page(request: Request) -> Response:
        return render(request, "login.html", None, configured=auth.configured)

    @app.post("/login")
    async def login(request: Request, username: str = Form(""), password: str = Form("")) -> Response:
        client = request.client.host if request.client else "?"
        if not auth.configured:
            return render(request, "login.html", None, status=403, configured=False)
        try:  # the password hash and the database off the event loop
            if await run_in_threadpool(auth.locked, f"user:{username.strip()}", f"addr:{client}"):
                db.log_staff(f"web:{username}", "login", allowed=False, detail=f"locked out ({client})")
                return render(request, "login.html", None, status=429, configured=True, username=username,
                              error=f"登录失败次数过多，已暂时锁定，请 {settings.admin_lockout_minutes:g} 分钟后再试。")
            sid = await run_in_threadpool(auth.sign_in, username, password, client)
        except SQLAlchemyError:
            log.exception("sign-in could not use the database")
            return render(request, "login.html", None, status=503, configured=True, username=username,
                          error="数据库暂时繁忙，请稍后再试。")
        if sid is None:
            db.log_staff(f"web:{username}", "login", allowed=False, detail=f"wrong password ({client})")
            return render(request, "login.html", None, status=401, configured=True, username=username,
                          error="用户名或密码不正确。")
        db.log_staff(f"web:{username}", "login", allowed=True, detail=client)
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(COOKIE, sid, httponly=True, samesite="strict", secure=settings.admin_secure_cookie,
                            max_age=int(settings.admin_session_hours * 3600))
        return response

    @app.post("/logout")
    async def logout(request: Request, csrf: str = Form("")) -> Response:
        s = session_of(request)
        check_csrf(request, s, csrf)
        auth.sign_out(request.cookies.get(COOKIE))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE)
        return response

    # ------------------------------------------------------------------ overview
    @app.get("/", response_class=HTMLResponse)
    async def home(request: Request) -> Response:
        s = session_of(request)
        stats = db.stats(7)
        known = docs()
        return render(request, "home.html", s, stats=stats, channels=db.by_channel(7), documents=len(known),
                      faq=len(load_faq(settings.knowledge_dir, known)), queue=len(db.unanswered(200, disliked=True)))

    # ------------------------------------------------------------------ documents
    @app.get("/documents", response_class=HTMLResponse)
    async def documents(request: Request) -> Response:
        s = session_of(request)
        now = today()
        chunks: dict[str, int] = {}
        for c in space.engine.index.chunks:
            chunks[c.doc_id] = chunks.get(c.doc_id, 0) + 1
        rows = [{"doc": d, "validity": validity_label(d, now), "lapsed": d.lapsed(now), "chunks": chunks.get(d.id, 0)}
                for d in sorted(docs(), key=lambda d: d.published.iso(), reverse=True)]
        return render(request, "documents.html", s, rows=rows, formats="、".join(SUPPORTED),
                      limit_mb=settings.max_upload_bytes // (1024 * 1024))

    @app.post("/documents/upload")
    async def upload(request: Request, file: UploadFile, csrf: str = Form(""), title: str = Form(""),
                     published: str = Form(""), publication: str = Form(""), programme: str = Form(""),
                     valid_from: str = Form(""), valid_until: str = Form(""), supersedes: str = Form("")) -> Response:
        s = session_of(request)
        check_csrf(request, s, csrf)
        data = await file.read(settings.max_upload_bytes + 1)
        name = file.filename or "upload.txt"
        if len(data) > settings.max_upload_bytes:
            return back("/documents", err=f"文件太大（上限 {settings.max_upload_bytes // (1024 * 1024)} MB）")
        meta = {"title": title, "published": published, "publication": publication, "programme": programme,
                "valid_from": valid_from, "valid_until": valid_until, "supersedes": supersedes}
        try:
            edit = await run_in_threadpool(space.knowledge.attempt, f"web:{s.user}", "upload", name,
                                           lambda: space.knowledge.plan_add(data, name, meta))
        except NeedTitleAndDate:
            return back("/documents", err=f"{name}：请给出标题和发布日期（填在上传表单里）")
        except EditError as exc:
            return back("/documents", err=f"{name}：{exc}")
        job = space.submit(f"上传 {edit.target}", s.user, edit)
        return RedirectResponse(f"/jobs/{job.id}", status_code=303)

    @app.get("/documents/{doc_id}", response_class=HTMLResponse)
    async def document(request: Request, doc_id: str) -> Response:
        s = session_of(request)
        known = docs()
        found = next((d for d in known if d.id == doc_id), None)
        if found is None:
            raise HTTPException(404, f"没有编号为 {doc_id} 的文档")
        others = [d for d in known if d.id != doc_id]
        return render(request, "document.html", s, doc=found, validity=validity_label(found, today()),
                      others=others, fields=META_FORM)

    @app.post("/documents/{doc_id}/edit")
    async def edit(request: Request, doc_id: str) -> Response:
        s = session_of(request)
        form = await request.form()
        check_csrf(request, s, str(form.get("csrf") or ""))
        changes = {k: str(form.get(k) or "") for k in META_FORM if k in form}
        try:
            edit = await run_in_threadpool(space.knowledge.attempt, f"web:{s.user}", "edit", doc_id,
                                           lambda: space.knowledge.plan_edit(doc_id, changes))
        except EditError as exc:
            return back(f"/documents/{doc_id}", err=str(exc))
        job = space.submit(f"修改 {doc_id}", s.user, edit)
        return RedirectResponse(f"/jobs/{job.id}", status_code=303)

    @app.post("/documents/{doc_id}/remove")
    async def remove(request: Request, doc_id: str, csrf: str = Form("")) -> Response:
        s = session_of(request)
        check_csrf(request, s, csrf)
        try:
            edit = await run_in_threadpool(space.knowledge.attempt, f"web:{s.user}", "remove", doc_id,
                                           lambda: space.knowledge.plan_remove(doc_id))
        except EditError as exc:
            return back("/documents", err=str(exc))
        job = space.submit(f"删除 {doc_id}", s.user, edit)
        return RedirectResponse(f"/jobs/{job.id}", status_code=303)

    @app.post("/reindex")
    async def reindex(request: Request, csrf: str = Form("")) -> Response:
        s = session_of(request)
        check_csrf(request, s, csrf)
        job = space.submit("重新建立索引", s.user)
        return RedirectResponse(f"/jobs/{job.id}", status_code=303)

    @app.get("/jobs/{job_id}", response_class=HTMLResponse)
    async def job_page(request: Request, job_id: str) -> Response:
        s = session_of(request)
        job = space.jobs.get(job_id)
        if job is None:
            raise HTTPException(404, "没有这个任务")
        return render(request, "job.html", s, job=job)

    @app.get("/api/jobs/{job_id}")
    async def job_json(request: Request, job_id: str) -> Response:
        session_of(request)
        job = space.jobs.get(job_id)
        if job is None:
            return JSONResponse({"error": "no such job"}, status_code=404)
        return JSONResponse(job.as_dict())

    # ------------------------------------------------------------------ queue and FAQ
    @app.get("/queue", response_class=HTMLResponse)
    async def queue(request: Request) -> Response:
        s = session_of(request)
        return render(request, "queue.html", s, rows=db.unanswered(100, disliked=True))

    @app.get("/faq", response_class=HTMLResponse)
    async def faq(request: Request) -> Response:
        s = session_of(request)
        return render(request, "faq.html", s, entries=load_faq(settings.knowledge_dir, docs()))

    @app.get("/faq/new", response_class=HTMLResponse)
    async def faq_new(request: Request) -> Response:
        s = session_of(request)
        source = request.query_params.get("from", "")
        row = db.interaction(int(source)) if source.isdigit() else None
        return render(request, "faq_new.html", s, row=row, docs=docs())

    @app.get("/faq/{entry_id}", response_class=HTMLResponse)
    async def faq_edit(request: Request, entry_id: str) -> Response:
        s = session_of(request)
        known = docs()
        entry = next((e for e in load_faq(settings.knowledge_dir, known) if e.id == entry_id), None)
        if entry is None:
            raise HTTPException(404, f"没有这条常见问答：{entry_id}")
        return render(request, "faq_new.html", s, row=None, entry=entry, docs=known)

    @app.post("/faq")
    async def faq_add(request: Request) -> Response:
        s = session_of(request)
        form = await request.form()
        check_csrf(request, s, str(form.get("csrf") or ""))
        questions = str(form.get("questions") or "").splitlines()
        sources = [FaqSource(str(d), str(form.get("quote") or "").strip() if i == 0 else "")
                   for i, d in enumerate(form.getlist("sources"))]
        origin, editing = str(form.get("interaction") or ""), str(form.get("entry") or "")
        try:
            entry = new_entry(questions, str(form.get("answer") or ""), sources, s.user, today())
            if editing:  # a corrected answer keeps its id and replaces the old one
                entry.id = editing
            edit = await run_in_threadpool(space.knowledge.attempt, f"web:{s.user}", "faq-add", entry.id,
                                           lambda: space.knowledge.plan_faq(entry))
            await run_in_threadpool(space.apply, edit, s.user)
        except (KnowledgeError, EditError) as exc:
            return back("/faq/new" + (f"?from={origin}" if origin.isdigit() else ""), err=str(exc))
        if origin.isdigit():
            db.resolve(int(origin), entry.id, s.user)
        done = "已修改常见问答" if editing else "已加入常见问答"
        return back("/faq", msg=f"{done}：{entry.questions[0]}")

    @app.post("/faq/{entry_id}/remove")
    async def faq_remove(request: Request, entry_id: str, csrf: str = Form("")) -> Response:
        s = session_of(request)
        check_csrf(request, s, csrf)
        try:
            edit = await run_in_threadpool(space.knowledge.attempt, f"web:{s.user}", "faq-remove", entry_id,
                                           lambda: space.knowledge.plan_faq_remove(entry_id))
            await run_in_threadpool(space.apply, edit, s.user)
        except EditError as exc:
            return back("/faq", err=str(exc))
        return back("/faq", msg="已删除")

    # ------------------------------------------------------------------ stations
    @app.get("/stations", response_class=HTMLResponse)
    async def stations(request: Request) -> Response:
        s = session_of(request)
        directory = load_directory(settings.knowledge_dir, docs())
        return render(request, "stations.html", s, stations=directory.stations if directory else [])

    @app.post("/stations/{station_id}")
    async def station_edit(request: Request, station_id: str) -> Response:
        s = session_of(request)
        form = await request.form()
        check_csrf(request, s, str(form.get("csrf") or ""))
        contact = {k: str(form.get(k) or "") for k in CONTACT_FIELDS}
        try:
            edit = await run_in_threadpool(space.knowledge.attempt, f"web:{s.user}", "station-edit", station_id,
                                           lambda: space.knowledge.plan_station_contact(station_id, contact))
            await run_in_threadpool(space.apply, edit, s.user)
        except EditError as exc:
            return back("/stations", err=str(exc))
        return back("/stations", msg="已保存")

    @app.post("/stations")
    async def station_add(request: Request) -> Response:
        s = session_of(request)
        form = await request.form()
        check_csrf(request, s, str(form.get("csrf") or ""))
        fields = {k: str(form.get(k) or "").strip() for k in ("station_id", "name", "level", "district", "parent",
                                                              *CONTACT_FIELDS)}
        try:
            edit = await run_in_threadpool(space.knowledge.attempt, f"web:{s.user}", "station-add",
                                           fields["station_id"],
                                           lambda: space.knowledge.plan_station_add(added_by=s.user, **fields))
            await run_in_threadpool(space.apply, edit, s.user)
        except EditError as exc:
            return back("/stations", err=str(exc))
        return back("/stations", msg=f"已添加 {fields['name']}")

    # ------------------------------------------------------------------ search
    @app.get("/search", response_class=HTMLResponse)
    async def search(request: Request) -> Response:
        s = session_of(request)
        q = (request.query_params.get("q") or "").strip()[: settings.max_question_chars]
        reply = explain = None
        if q:
            question = Question(q, today=today())  # answered off the event loop: a model may take seconds
            reply = await run_in_threadpool(space.ask, question)
            explain = await run_in_threadpool(space.explain, question)
        return render(request, "search.html", s, q=q, reply=reply, explain=explain)

    # what routers in their own modules use (bot/channels/admin/programmes.py)
    app.state.settings, app.state.render, app.state.today, app.state.complete = settings, render, today, \
        _model(settings)
    app.state.session_of, app.state.check_csrf = session_of, check_csrf
    app.include_router(programmes.router)
    return app


def _model(settings: Settings) -> Any:
    """The optional model's `complete`, for drafting rounds; None without LLM_BASE_URL."""
    if not settings.llm_base_url:
        return None
    from bot.answering.llm import LlmClient

    return LlmClient(settings).complete
