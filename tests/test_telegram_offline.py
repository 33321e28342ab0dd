"""`python -m bot telegram` where the Bot API cannot be reached, or refuses the token: one sentence, no traceback."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot.channels import cli
from bot.channels.telegram import app
from bot.settings import Settings


def run_telegram(settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                 base_url: str) -> tuple[int, str]:
    configured = settings.model_copy(update={"telegram_bot_token": "123456:ABC-def", "telegram_base_url": base_url})
    monkeypatch.setattr(cli, "load_settings", lambda: configured)
    # where `python -m bot telegram` builds the engine (bot/channels/telegram/app.py binds wiring's build_engine)
    monkeypatch.setattr(app, "build_engine", lambda *a, **k: pytest.fail("the engine is not built for nothing"))
    code = cli.main(["telegram"])
    return code, capsys.readouterr().err


def test_no_network_is_one_sentence(settings: Settings, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run_telegram(settings, monkeypatch, capsys, "http://127.0.0.1:9/bot")  # nothing listens there
    assert code == 3 and err.count("\n") == 1 and "Traceback" not in err
    assert "cannot reach the Telegram Bot API at http://127.0.0.1:9" in err and "TELEGRAM_BASE_URL" in err
    assert "ABC-def" not in err


def test_a_refused_token_is_one_sentence(settings: Settings, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    class Unauthorized(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(401)
            self.end_headers()
            self.wfile.write(b'{"ok":false,"error_code":401,"description":"Unauthorized"}')

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Unauthorized)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        code, err = run_telegram(settings, monkeypatch, capsys, f"http://127.0.0.1:{server.server_address[1]}/bot")
    finally:
        server.shutdown()
    assert code == 3 and err.count("\n") == 1 and "does not accept TELEGRAM_BOT_TOKEN" in err
