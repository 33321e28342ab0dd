"""What every admin route depends on: the admin's parts, the staff session (signed in and still staff),
the CSRF check of a form, the client's address, and rendering a page or a redirect with a message.

A router declares what it needs in its signature (`s: Staff`, `s: StaffForm`, `admin: AdminDep`); the
checks are written once here.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from bot.channels.admin.auth import Auth, Session
from bot.channels.admin.jobs import Workspace
from bot.settings import Settings
from bot.state.store import Store

if TYPE_CHECKING:
    from bot.knowledge.draft_model import ChatModel

COOKIE = "sw_admin"


class NotSignedIn(Exception):
    """No valid session: pages go to the sign-in form, the JSON API answers 401."""


@dataclass
class Admin:
    """The parts the routes share, built once by create_app."""

    settings: Settings
    auth: Auth
    space: Workspace
    store: Store
    pages: Jinja2Templates
    today: Callable[[], dt.date]
    model: ChatModel | None = None  # the optional chat model, for drafting programme rounds

    def render(self, request: Request, name: str, s: Session | None, status: int = 200,
               **ctx: Any) -> HTMLResponse:
        ctx.update(user=s.user if s else None, csrf=s.csrf if s else "", flash=request.query_params.get("msg"),
                   error=ctx.get("error") or request.query_params.get("err"))
        return self.pages.TemplateResponse(request, name, ctx, status_code=status)

    def audit(self, s: Session | str, action: str, allowed: bool, detail: str = "") -> None:
        self.store.log_staff(f"web:{s.user if isinstance(s, Session) else s}", action, allowed=allowed, detail=detail)


def back(url: str, msg: str = "", err: str = "") -> RedirectResponse:
    """Back to a page after a form, with a message or an error shown there."""
    query = urlencode({k: v for k, v in (("msg", msg), ("err", err)) if v})
    return RedirectResponse(f"{url}?{query}" if query else url, status_code=303)


def get_admin(request: Request) -> Admin:
    admin: Admin = request.app.state.admin
    return admin


AdminDep = Annotated[Admin, Depends(get_admin)]


def client_address(request: Request, settings: Settings) -> str:
    """The client's address: X-Forwarded-For is believed only when the connection comes from a proxy
    named in BOT_ADMIN_TRUSTED_PROXIES (then the nearest address not itself a trusted proxy)."""
    peer = request.client.host if request.client else "?"
    trusted = settings.trusted_proxies
    if not trusted or not _in(peer, trusted):
        return peer
    forwarded = [a.strip() for a in request.headers.get("x-forwarded-for", "").split(",") if a.strip()]
    for address in reversed(forwarded):
        if not _in(address, trusted):
            return address
    return peer


def _in(address: str, networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def signed_in(request: Request, admin: AdminDep) -> Session:
    """The staff session of this request (checked before any request body is read)."""
    s = admin.auth.session(request.cookies.get(COOKIE))
    if s is None:
        raise NotSignedIn
    if not admin.auth.is_staff(s.user):
        admin.audit(s, request.url.path, False, "no longer staff")
        raise HTTPException(403, "此账号不是工作人员，无权使用管理后台")
    return s


Staff = Annotated[Session, Depends(signed_in)]


def check_csrf(request: Request, admin: Admin, s: Session, token: str | None) -> None:
    if not admin.auth.csrf_ok(s, token):
        admin.audit(s, request.url.path, False, "bad CSRF token")
        raise HTTPException(403, "表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试")


def csrf_checked(request: Request, admin: AdminDep, s: Staff, csrf: Annotated[str, Form()] = "") -> Session:
    """A staff session whose form carries the session's CSRF token."""
    check_csrf(request, admin, s, csrf)
    return s


StaffForm = Annotated[Session, Depends(csrf_checked)]
