"""The URL WeChat calls (/wechat): GET to verify the server, POST for each message or event.

A request that is not WeChat's (bad signature, stale, undecryptable) is refused with 403; a request
already handled (WeChat's retry, or a replay) gets the same reply again and is not answered twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response

from bot.answering.engine import Engine
from bot.channels.wechat.api import api_client
from bot.channels.wechat.bot import Run, WeChatBot
from bot.channels.wechat.protocol import Gate, Refused, Seen, Signed
from bot.settings import Settings
from bot.state.store import Store

log = logging.getLogger(__name__)
PATH = "/wechat"


def add_wechat(app: FastAPI, settings: Settings, store: Store, engine: Callable[[], Engine], run: Run,
               today: Callable[[], dt.date]) -> WeChatBot:
    gate = Gate(settings)
    seen = Seen()
    bot = WeChatBot(settings, store, engine, run, today, api_client(settings))

    def refused(request: Request, exc: Refused) -> Response:
        log.warning("wechat: refused a request from %s: %s", request.client.host if request.client else "?", exc)
        return PlainTextResponse("forbidden", status_code=403)

    @app.get(PATH)
    async def verify(request: Request) -> Response:
        """WeChat's server check when the URL is saved in the account's settings: echo `echostr`."""
        try:
            gate.check(Signed.from_query(dict(request.query_params)))
        except Refused as exc:
            return refused(request, exc)
        return PlainTextResponse(request.query_params.get("echostr", ""))

    @app.post(PATH)
    async def receive(request: Request) -> Response:
        signed = Signed.from_query(dict(request.query_params))
        try:
            message = gate.open(signed, await request.body())
        except Refused as exc:
            return refused(request, exc)
        key = Seen.key(message)
        if not seen.first(key):
            log.info("wechat: %s again (a retry or a replay): not answered twice", key)
            return PlainTextResponse(seen.reply(key) or "success", media_type="application/xml")
        text = await bot.handle(message)
        xml = gate.reply(signed, message, text) if text else "success"
        seen.done(key, xml)
        return PlainTextResponse(xml, media_type="application/xml")

    return bot
