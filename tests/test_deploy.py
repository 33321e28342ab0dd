"""deploy/: the compose file describes the production shape the topology tests run as processes;
`docker compose config` validates it where the Compose plugin exists (no Docker daemon here)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.settings import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"


def _compose() -> dict[str, object]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def test_compose_has_the_production_shape() -> None:
    services = _compose()["services"]
    assert isinstance(services, dict)
    assert {"postgres", "chroma", "ingest", "webhook", "admin", "proxy"} <= set(services)
    for role in ("ingest", "webhook", "admin"):
        env = services[role]["environment"]
        assert env["BOT_DATABASE_URL"].startswith("postgresql+psycopg://") and env["BOT_CHROMA_HOST"] == "chroma"
    assert services["webhook"]["command"][:4] == ["python", "-m", "bot", "serve"]
    assert str(services["webhook"]["deploy"]["replicas"]).endswith("3}")  # several replicas by default
    assert services["webhook"]["depends_on"]["ingest"] == {"condition": "service_completed_successfully"}
    assert "knowledge:/app/knowledge" in services["admin"]["volumes"]
    assert "knowledge:/app/knowledge" not in services["webhook"].get("volumes", [])  # workers need only Chroma
    assert services["proxy"]["ports"] == ["80:80", "443:443"]


def test_every_systemd_unit_runs_a_real_command() -> None:
    from bot.channels.cli import build_parser

    commands = set(build_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    for unit in DEPLOY.glob("*.service"):
        for line in unit.read_text(encoding="utf-8").splitlines():
            if line.startswith("ExecStart") and "-m bot" in line:
                assert line.split("-m bot", 1)[1].split()[0] in commands, (unit.name, line)


def test_docker_compose_config_validates(tmp_path: Path) -> None:
    docker = shutil.which("docker")
    if docker is None or subprocess.run([docker, "compose", "version"], capture_output=True).returncode != 0:
        pytest.skip("the Docker Compose plugin is not installed here")
    copy = tmp_path / "deploy"
    shutil.copytree(DEPLOY, copy)  # never touch a real deploy/.env
    (copy / ".env").write_text((DEPLOY / ".env.example").read_text().replace(
        "TELEGRAM_WEBHOOK_SECRET=\n", "TELEGRAM_WEBHOOK_SECRET=" + "x" * 32 + "\n"))
    done = subprocess.run([docker, "compose", "-f", str(copy / "compose.yaml"), "--env-file", str(copy / ".env"),
                           "config", "--quiet"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
