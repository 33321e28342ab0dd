"""Running the admin: the checks of its settings (one line each) and the uvicorn server.

uvicorn's own proxy-header handling is off: the app decides which X-Forwarded-For to believe
(BOT_ADMIN_TRUSTED_PROXIES, see deps.client_address), so a client cannot pick its own address.
"""

from __future__ import annotations

import uvicorn
from fastapi import FastAPI

from bot.channels.admin.auth import MIN_TOKEN_LENGTH
from bot.settings import Settings


def problems(settings: Settings) -> list[str]:
    """What keeps the admin from starting, each as one line saying what to set."""
    out = []
    if settings.admin_users_error:
        out.append(settings.admin_users_error)
    token = settings.admin_token
    if token and len(token) < MIN_TOKEN_LENGTH:
        out.append(f"BOT_ADMIN_TOKEN is too short: use at least {MIN_TOKEN_LENGTH} random characters, e.g. "
                   "`python -c 'import secrets; print(secrets.token_urlsafe(24))'`")
    if not out and not (settings.admin_users or token):
        out.append('no staff accounts: set BOT_ADMIN_USERS to {"name": "<hash>"} as printed by '
                   "`python -m bot admin-hash NAME`, or BOT_ADMIN_TOKEN")
    return out


def server(app: FastAPI, host: str, port: int) -> uvicorn.Server:
    return uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", proxy_headers=False))
