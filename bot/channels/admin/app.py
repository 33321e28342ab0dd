"""The web admin: server-rendered Chinese pages for staff (FastAPI + Jinja2, a little JS).

This module builds the app: the shared parts (deps.Admin), security headers, the body-size limit,
the error pages, and the routers (routes/). Every page needs a staff session and every form post the
session's CSRF token; both are dependencies (deps.Staff, deps.StaffForm), written once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from bot.channels.admin.auth import Auth
from bot.channels.admin.deps import Admin, NotSignedIn
from bot.channels.admin.jobs import Workspace
from bot.channels.admin.limits import BodyLimit
from bot.channels.admin.routes import ROUTERS
from bot.settings import Settings
from bot.state.sessions import SessionStore
from bot.state.store import Store
from bot.wiring import EngineHolder

if TYPE_CHECKING:
    from bot.knowledge.draft_model import ChatModel

HERE = Path(__file__).parent
CHANNELS = {"telegram": "Telegram", "web": "网页", "wechat": "微信", "chat": "终端", "cli": "命令行"}
HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                                "form-action 'self'"),
    "Cache-Control": "no-store",
}


def _beijing_time(at: dt.datetime) -> str:
    """Stored times are naive UTC; staff read Beijing time."""
    return (at.replace(tzinfo=dt.UTC) + dt.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")


def create_app(settings: Settings, workspace: Workspace | None = None, store: Store | None = None,
               today: Callable[[], dt.date] = dt.date.today) -> FastAPI:
    """`today` is a callable so tests can fix the date the validity column is judged against."""
    app = FastAPI(title="社会工作问答助手 · 管理后台", docs_url=None, redoc_url=None, openapi_url=None)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    space = workspace or Workspace(settings)
    db = store or Store(settings.database, settings.retention_days)
    space.audited_by(db)
    if workspace is None:  # an ingest job or another admin may commit a new index generation
        holder = EngineHolder(settings, space.engine).start()
        holder.subscribe(space.adopt)
    pages = Jinja2Templates(directory=str(HERE / "templates"))
    pages.env.filters["beijing"] = _beijing_time
    pages.env.filters["channel"] = lambda name: CHANNELS.get(name, name)
    admin = Admin(settings, Auth(settings, SessionStore(db.engine)), space, db, pages, today, _model(settings))
    app.state.admin = admin
    app.state.auth, app.state.workspace, app.state.store = admin.auth, space, db
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for router in ROUTERS:
        app.include_router(router)

    @app.exception_handler(NotSignedIn)
    async def _to_login(request: Request, exc: NotSignedIn) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": "not signed in"}, status_code=401)
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(HTTPException)
    async def _error_page(request: Request, exc: HTTPException) -> Response:
        return admin.render(request, "error.html", None, status=exc.status_code, message=exc.detail)

    @app.middleware("http")
    async def _headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers.update(HEADERS)
        return response

    app.add_middleware(BodyLimit, settings=settings)  # outermost: before any body is read
    return app


def _model(settings: Settings) -> ChatModel | None:
    """The optional chat model (with its retry), for drafting rounds; None without LLM_BASE_URL."""
    if not settings.llm_base_url:
        return None
    from bot.answering.llm import LlmClient

    return LlmClient(settings).chat
