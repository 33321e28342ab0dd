"""Signing in and out."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.exc import SQLAlchemyError

from bot.channels.admin.deps import COOKIE, AdminDep, StaffForm, client_address

log = logging.getLogger(__name__)
router = APIRouter()


@router.get("/login")
def login_page(request: Request, admin: AdminDep) -> Response:
    return admin.render(request, "login.html", None, configured=admin.auth.configured)


@router.post("/login")
def login(request: Request, admin: AdminDep, username: Annotated[str, Form()] = "",
          password: Annotated[str, Form()] = "") -> Response:
    client = client_address(request, admin.settings)
    username = username.strip()
    if not admin.auth.configured:
        return admin.render(request, "login.html", None, status=403, configured=False)
    try:  # a plain def: the password hash and the database run on a worker thread
        wait = admin.auth.wait_seconds(username, client)
        if wait > 0:
            admin.audit(username, "login", False, f"locked out ({client})")
            minutes = max(1, round(wait / 60))
            return admin.render(request, "login.html", None, status=429, configured=True, username=username,
                                error=f"登录失败次数过多，已暂时锁定，请 {minutes} 分钟后再试。")
        sid = admin.auth.sign_in(username, password, client)
    except SQLAlchemyError:
        log.exception("sign-in could not use the database")
        return admin.render(request, "login.html", None, status=503, configured=True, username=username,
                            error="数据库暂时繁忙，请稍后再试。")
    if sid is None:
        admin.audit(username, "login", False, f"wrong password ({client})")
        return admin.render(request, "login.html", None, status=401, configured=True, username=username,
                            error="用户名或密码不正确。")
    admin.audit(username, "login", True, client)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(COOKIE, sid, httponly=True, samesite="strict", secure=admin.settings.admin_secure_cookie,
                        max_age=int(admin.settings.admin_session_hours * 3600))
    return response


@router.post("/logout")
def logout(request: Request, admin: AdminDep, s: StaffForm) -> Response:
    admin.auth.sign_out(request.cookies.get(COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response
