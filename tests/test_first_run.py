"""What a newcomer sees on the first run: the ingest says what it is doing before the long embedding."""

from __future__ import annotations

import pytest

from bot.channels import cli
from bot.settings import Settings


@pytest.mark.slow
def test_ingest_announces_the_embedding_then_only_changes(small_kb: Settings, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(cli, "load_settings", lambda: small_kb)
    assert cli.main(["ingest"]) == 0
    first = capsys.readouterr().err
    assert first.startswith("indexing knowledge/: 2 passages to embed") and "2 added" in first
    assert cli.main(["ingest"]) == 0
    second = capsys.readouterr().err
    assert "indexing" not in second and "2 unchanged" in second
    assert cli.main(["ingest", "--quiet"]) == 0 and "indexing" not in capsys.readouterr().err
