"""The admin's pages, one router per concern. To add a page, write a router module here (see
documents.py for the pattern: `s: Staff` for a page, `s: StaffForm` for a form post) and list it."""

from __future__ import annotations

from fastapi import APIRouter

from bot.channels.admin.routes import documents, faq, overview, programmes, signin, stations

ROUTERS: list[APIRouter] = [signin.router, overview.router, documents.router, faq.router, stations.router,
                            programmes.router]
