"""`python -m bot kb programme …`: the draft as YAML for staff who prefer files, and the rounds listed."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.channels.cli import main
from tests.helpers import round2023
from tests.helpers.knowledge import copy_knowledge


@pytest.fixture
def kb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    settings = copy_knowledge(tmp_path)
    round2023.write_announcement(settings.knowledge_dir)
    monkeypatch.setenv("BOT_KNOWLEDGE_DIR", str(settings.knowledge_dir))
    monkeypatch.setenv("BOT_DATA_DIR", str(settings.data_dir))
    monkeypatch.delenv("LLM_BASE_URL", raising=False)
    return settings.knowledge_dir


def test_draft_prints_yaml_that_saved_is_the_next_round(kb: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kb", "programme", "draft", round2023.DOC_ID]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"# 草稿：据文档 {round2023.DOC_ID}《关于开展2023社会工作创投计划项目征集的通知》")
    assert "# 原文中没有找到（留空，需要时请补上并附原文）：facts.audience" in out
    assert "原文中没有找到 1 项" in err
    data = yaml.safe_load(out)
    assert data["window"]["opens"].isoformat() == "2023-05-08" and data["criteria"][1]["min"] == 2
    draft = kb.parent / "draft.yaml"
    draft.write_text(out.replace("quote: 专职工作人员8人以上（以社保缴费记录为准）", "quote: 专职工作人员6人以上"),
                     encoding="utf-8")
    assert main(["kb", "programme", "save", str(draft), "--no-ingest"]) == 2  # a quote edited away from the text
    assert "没有保存：条件 fulltime_staff_8 的原文不在文档" in capsys.readouterr().err
    draft.write_text(out.replace("2023-06-09", "2023-06-31", 1), encoding="utf-8")
    assert main(["kb", "programme", "save", str(draft), "--no-ingest"]) == 2  # an impossible date
    assert "日期须是真实存在的 YYYY-MM-DD" in capsys.readouterr().err
    draft.write_text(out, encoding="utf-8")
    assert main(["kb", "programme", "save", str(draft), "--no-ingest"]) == 0
    assert "saved 2023-shegong-chuangtou: 2023社会工作创投计划" in capsys.readouterr().out
    assert (kb / "programmes" / "2023-shegong-chuangtou.yaml").exists()
    assert main(["kb", "programme", "save", str(draft), "--no-ingest"]) == 2
    assert "已有编号为 2023-shegong-chuangtou 的项目" in capsys.readouterr().err
    assert main(["kb", "programme", "list", "--today", "2023-05-20"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[0].startswith("* 2023-shegong-chuangtou\t2023社会工作创投计划\t2023-05-08～2023-06-09\t征集中")
    assert listed[1].startswith("  2022-shegong-chuangtou") and "已截止" in listed[1]


def test_draft_of_an_unknown_document_says_so(kb: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kb", "programme", "draft", "no-such-doc"]) == 2
    assert "没有编号为 no-such-doc 的文档" in capsys.readouterr().err
