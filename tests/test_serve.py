"""The webhook service's HTTP side: the secret token is required, nothing is acknowledged that is not
recorded, and a service without a secret does not start. (Recording, handling and workers: test_topology.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.channels.serve.app import SECRET_HEADER, create_app
from bot.settings import PROJECT_ROOT, Settings

SECRET = "s" * 32


def _settings(tmp_path: Path, **extra: object) -> Settings:
    return Settings(data_dir=tmp_path, telegram_bot_token="1:TEST", telegram_webhook_secret=SECRET,
                    **extra)  # type: ignore[arg-type]


@pytest.mark.slow
def test_serve_without_a_secret_stops_with_one_line(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "BOT_DATA_DIR": str(tmp_path), "TELEGRAM_BOT_TOKEN": "1:TEST",
           "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "bot", "serve"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "TELEGRAM_WEBHOOK_SECRET must be set" in done.stderr
    assert PROJECT_ROOT  # run from another directory: no .env of the project is read


def test_the_secret_token_is_required_and_nothing_unrecorded_is_acknowledged(tmp_path: Path) -> None:
    client = TestClient(create_app(_settings(tmp_path)))  # no lifespan: the database is not open yet
    update = {"update_id": 5, "message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"},
                                          "text": "你好"}}
    assert client.post("/telegram", json=update).status_code == 403
    assert client.post("/telegram", json=update, headers={SECRET_HEADER: "wrong"}).status_code == 403
    assert client.post("/telegram", content=b"not json", headers={SECRET_HEADER: SECRET}).status_code == 400
    assert client.post("/telegram", json={"message": {}}, headers={SECRET_HEADER: SECRET}).status_code == 400
    # Not recorded yet, so not acknowledged: Telegram will deliver it again.
    assert client.post("/telegram", json=update, headers={SECRET_HEADER: SECRET}).status_code == 503
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["ready"] is False
