"""The public web chat: one mobile-first Chinese page, no login, usable in WeChat's in-app browser.

Server-rendered forms that work without JavaScript; a small local script (no framework, no inline
code) sends them in the background and inserts the server's HTML. A conversation per browser (an
anonymous id in a cookie), a limit per address, and every question recorded for staff like
Telegram's. The WeChat Official Account endpoint is mounted at /wechat when configured.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from bot.answering.engine import Engine
from bot.channels.conversation import Conversations
from bot.channels.ratelimit import RateLimiter
from bot.channels.screening import ScreenerFlow, screener_texts
from bot.channels.texts import channel_texts
from bot.channels.web.transcript import Entry, Transcripts, reply_entry, step_entry
from bot.channels.wechat.endpoint import add_wechat
from bot.settings import Settings
from bot.state.privacy import mask
from bot.state.store import Store

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
COOKIE = "sw_chat"
_CID = re.compile(r"^[A-Za-z0-9_-]{20,40}$")
T = TypeVar("T")


def web_secret(settings: Settings) -> bytes:
    """BOT_WEB_SECRET, or a random key made once and kept in the data directory."""
    if settings.web_secret:
        return settings.web_secret.encode()
    path = settings.data_dir / "web-secret"
    if not path.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip().encode()


def create_app(settings: Settings, engine: Engine, store: Store,
               today: Callable[[], dt.date] = dt.date.today) -> FastAPI:
    worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="web-engine")  # one question at a time

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if wechat is not None:
            await wechat.drain()
        worker.shutdown(wait=False, cancel_futures=True)

    app = FastAPI(title="北京社会工作问答助手", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    texts = channel_texts(settings.prompts_dir)
    talk = Conversations(store, "web")
    transcripts = Transcripts(store)
    limiter = RateLimiter(settings.web_messages_per_minute)
    secret = web_secret(settings)
    pages = Jinja2Templates(directory=str(HERE / "templates"))
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.state.engine = engine  # replaceable, e.g. after a re-index

    def flow() -> ScreenerFlow:
        return ScreenerFlow(app.state.engine.advisor, store, screener_texts(settings.prompts_dir))

    async def in_worker(fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(worker, fn, *args)

    def token(cid: str) -> str:
        return hmac.new(secret, cid.encode(), hashlib.sha256).hexdigest()[:32]

    def conversation(request: Request) -> tuple[str, bool]:
        """The browser's anonymous conversation id; True when it is new (the cookie must be set)."""
        cid = request.cookies.get(COOKIE, "")
        return (cid, False) if _CID.match(cid) else (secrets.token_urlsafe(18), True)

    def with_cookie(response: Response, cid: str, new: bool) -> Response:
        if new:
            response.set_cookie(COOKIE, cid, max_age=90 * 24 * 3600, httponly=True, samesite="lax",
                                secure=settings.web_secure_cookie)
        return response

    def fetched(request: Request) -> bool:
        return request.headers.get("x-requested-with") == "fetch"

    def entries_response(request: Request, entries: list[Entry], status: int = 200) -> Response:
        """The new entries as an HTML fragment for the script, or back to the page without it."""
        if fetched(request):
            return pages.TemplateResponse(request, "entries.html", {"entries": entries, "csrf": token(
                conversation(request)[0])}, status_code=status)
        anchor = f"#m{entries[-1].n}" if entries else ""
        return RedirectResponse(f"/{anchor}", status_code=303)

    def refuse(request: Request, message: str, status: int) -> Response:
        if fetched(request):
            return PlainTextResponse(message, status_code=status)
        return pages.TemplateResponse(request, "notice.html", {"message": message}, status_code=status)

    def allowed(request: Request, cid: str, csrf: str) -> Response | None:
        """Refusal for a form from elsewhere or a sender over the limit; None when it may go on."""
        if not _CID.match(request.cookies.get(COOKIE, "")) or not hmac.compare_digest(csrf, token(cid)):
            return refuse(request, "页面已过期，请刷新后再试（需要允许 Cookie）。", 403)
        address = request.client.host if request.client else "?"
        if not limiter.allow(address):
            return refuse(request, texts["rate_limited"], 429)
        return None

    @app.middleware("http")
    async def _headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        if not request.url.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"
        return response

    # ------------------------------------------------------------------ the page
    @app.get("/", response_class=HTMLResponse)
    async def page(request: Request) -> Response:
        cid, new = conversation(request)
        entries = [] if new else (await in_worker(transcripts.load, cid))[1]
        response = pages.TemplateResponse(request, "page.html", {
            "entries": entries, "csrf": token(cid), "welcome": texts["welcome"],
            "suggestions": texts.suggestions, "check_label": texts["check_label"]})
        return with_cookie(response, cid, new)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    # ------------------------------------------------------------------ questions and the self-check
    def _ask(cid: str, text: str) -> list[Entry]:
        n = transcripts.next_number(cid)
        asked = Entry(n, "user", mask(text))
        key = f"web:{cid}"
        screening = flow()
        if screening.active(key):
            answer = step_entry(n + 1, screening.answer(key, text))
        else:
            answer = reply_entry(n + 1, talk.ask(app.state.engine, cid, None, text, today()))
        transcripts.append(cid, asked, answer)
        return [asked, answer]

    def _check(cid: str) -> list[Entry]:
        n = transcripts.next_number(cid)
        asked = Entry(n, "user", texts["check_label"])
        answer = step_entry(n + 1, flow().start(f"web:{cid}", today(), talk.said(cid)))
        transcripts.append(cid, asked, answer)
        return [asked, answer]

    @app.post("/ask")
    async def ask(request: Request, q: str = Form(""), t: str = Form("")) -> Response:
        cid, _ = conversation(request)
        if (refusal := allowed(request, cid, t)) is not None:
            return refusal
        text = q.strip()[: settings.max_question_chars + 1]
        if not text:
            return entries_response(request, [])
        try:
            return entries_response(request, await in_worker(_ask, cid, text))
        except Exception:
            log.exception("web question failed")
            return refuse(request, texts["error"], 500)

    @app.post("/check")
    async def check(request: Request, t: str = Form("")) -> Response:
        cid, _ = conversation(request)
        if (refusal := allowed(request, cid, t)) is not None:
            return refusal
        return entries_response(request, await in_worker(_check, cid))

    # ------------------------------------------------------------------ feedback and a new conversation
    def _vote(cid: str, iid: int, value: int) -> Entry | None:
        entry = transcripts.vote(cid, iid, value)
        if entry is not None:
            store.add_feedback(iid, f"web:{cid}", value)
        return entry

    @app.post("/feedback")
    async def feedback(request: Request, i: int = Form(0), v: int = Form(0), t: str = Form("")) -> Response:
        cid, _ = conversation(request)
        if (refusal := allowed(request, cid, t)) is not None:
            return refusal
        entry = await in_worker(_vote, cid, i, 1 if v > 0 else -1)
        if entry is None:
            return refuse(request, "找不到这条回答，请刷新页面。", 404)
        return entries_response(request, [entry])

    def _forget(cid: str) -> None:
        transcripts.clear(cid)
        talk.forget(cid)
        flow().cancel(f"web:{cid}")

    @app.post("/new")
    async def new(request: Request, t: str = Form("")) -> Response:
        cid, _ = conversation(request)
        if (refusal := allowed(request, cid, t)) is not None:
            return refusal
        await in_worker(_forget, cid)
        return RedirectResponse("/", status_code=303)

    wechat = add_wechat(app, settings, store, lambda: app.state.engine, in_worker, today) if settings.wechat_token \
        else None
    return app
