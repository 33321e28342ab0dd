"""Questions from every channel reach the staff: the CLI `ask` is recorded, and the admin's queue and
dashboard show web, WeChat, terminal and Telegram questions side by side with their channel."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bot.answering.engine import Engine
from bot.channels import cli, commands
from bot.channels.admin.app import create_app
from bot.channels.admin.auth import hash_password
from bot.channels.admin.jobs import Workspace
from bot.settings import Settings
from bot.state.store import Store, interactions

PASSWORD = "correct horse battery"


def test_cli_ask_is_recorded_but_not_debug_runs(settings: Settings, engine: Engine, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setattr(cli, "load_settings", lambda: settings.model_copy(update={"database_url": db}))
    monkeypatch.setattr(commands, "build_engine", lambda s, quiet=True: engine)
    assert cli.main(["ask", "--today", "2022-04-01", "社工站的电话是多少？"]) == 0
    assert cli.main(["ask", "--debug", "创投计划申报截止到几号？"]) == 0
    capsys.readouterr()
    rows = Store(db).unanswered(10)
    assert [(r["channel"], r["question"]) for r in rows] == [("cli", "社工站的电话是多少？")]
    with Store(db).engine.connect() as conn:  # the --debug question was not recorded
        assert conn.execute(select(func.count()).select_from(interactions)).scalar_one() == 1


def test_the_admin_shows_every_channel(settings: Settings, engine: Engine, tmp_path: Path) -> None:
    staff = settings.model_copy(update={"data_dir": tmp_path, "database_url": None,
                                        "admin_users": {"wang": hash_password(PASSWORD, iterations=2000)}})
    store = Store(staff.database)
    for channel in ("telegram", "web", "wechat", "chat"):
        store.record(channel=channel, user_id="u", chat_id="c", question=f"{channel}：社工站周末开门吗？",
                     answer="抱歉……", answered=False, kind="decline", confidence=0.2, latency_ms=9.0, sources=[])
    space = Workspace(staff, engine=engine)
    with TestClient(create_app(staff, space, store)) as client:
        assert client.post("/login", data={"username": "wang", "password": PASSWORD},
                           follow_redirects=False).status_code == 303
        queue = client.get("/queue").text
        for channel, label in (("telegram", "Telegram"), ("web", "网页"), ("wechat", "微信"), ("chat", "终端")):
            assert f"{channel}：社工站周末开门吗？" in queue
            assert re.search(rf"· {label} ·", queue), label
        home = client.get("/").text
        asked = re.search(r"提问</th><td>([^<]*)</td>", home)
        assert asked is not None and asked[1].startswith("4（"), home
        assert all(f"{label} 1" in asked[1] for label in ("Telegram", "网页", "微信", "终端"))
    space.close()
