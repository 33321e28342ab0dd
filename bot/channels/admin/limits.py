"""Request bodies the admin accepts: an upload up to the upload limit, any other form up to 1 MB. Bigger
bodies are refused before they are read (by Content-Length, or as soon as a streamed body passes the
limit), so nobody can make the server receive or spool hundreds of megabytes."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.settings import Settings

FORM_OVERHEAD = 64 * 1024  # the other fields and the multipart boundaries of an upload form
SMALL_FORM = 1024 * 1024
UPLOAD_PATHS = ("/documents/upload",)
TOO_LARGE = ("<!DOCTYPE html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>太大了</title>"
             "<p>提交的内容太大（上限 {limit}）。请返回上一页，换一个较小的文件。</p></html>")


class BodyTooLarge(Exception):
    pass


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB" if n >= 1024 * 1024 else f"{n // 1024} KB"


class BodyLimit:
    """ASGI middleware: a 413 page for a body over the limit of its path, before or while it is read."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    def limit_for(self, path: str) -> int:
        return self.settings.max_upload_bytes + FORM_OVERHEAD if path in UPLOAD_PATHS else SMALL_FORM

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope.get("path", ""))
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length", b"").decode("latin-1")
        if length.isdigit() and int(length) > limit:
            await _refuse(scope, send, limit)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            if not started:
                await _refuse(scope, send, limit)


async def _refuse(scope: Scope, send: Send, limit: int) -> None:
    response = HTMLResponse(TOO_LARGE.format(limit=_mb(limit)), status_code=413, headers={"Connection": "close"})
    await response(scope, _nothing, send)


async def _nothing() -> Message:
    return {"type": "http.disconnect"}


async def read_upload_form(request: Request, limit: int) -> FormData | None:
    """The multipart form of an upload (one file, a few fields), or None when it cannot be parsed."""
    try:
        form: Any = await request.form(max_files=1, max_fields=20, max_part_size=SMALL_FORM)
    except BodyTooLarge:
        raise
    except Exception:  # MultiPartException, a client that went away, a body that is no form
        return None
    return form  # type: ignore[no-any-return]
