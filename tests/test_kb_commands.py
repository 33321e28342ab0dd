"""`python -m bot kb …` in process (without re-indexing): messages staff can act on, ids checked,
`kb edit`, and `kb import` that neither invents a publisher nor glues the headline to the body."""

from __future__ import annotations

import pytest

from bot.channels.cli import main
from bot.knowledge.documents import load_documents
from bot.settings import PROJECT_ROOT, Settings

RAW = """“五社联动”齐治理：未来北京市社会工作将在这些方面发力
本报记者 王勇
近日，北京市民政局召开会议，部署今年社会工作重点任务。
会议提出，要推动社工站建设全覆盖。
"""


@pytest.fixture
def kb(small_kb: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("BOT_KNOWLEDGE_DIR", str(small_kb.knowledge_dir))
    monkeypatch.setenv("BOT_DATA_DIR", str(small_kb.data_dir))
    return small_kb


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_add_without_a_date_names_the_command_line_options(kb: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "kb", "add", str(PROJECT_ROOT / "README.md"), "--no-ingest")
    assert code == 2 and "--title" in err and "--published" in err and "｜" not in err


def test_remove_refuses_ids_outside_the_known_documents(kb: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    victim = kb.knowledge_dir.parent / "victim.md"
    victim.write_text("---\nid: victim\n---\n", encoding="utf-8")
    for doc_id in ("../../victim", "../victim", "nope"):
        code, _, err = run(capsys, "kb", "remove", doc_id, "--no-ingest")
        assert code == 2 and "没有编号为" in err and str(kb.knowledge_dir) not in err
    assert victim.exists()
    code, _, err = run(capsys, "kb", "show", "../victim")
    assert code == 2 and "没有编号为" in err


def test_edit_sets_and_undoes_a_supersedes_link(kb: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "kb", "edit", "alpha", "--superseded-by", "beta", "--no-ingest")[0] == 0
    listed = run(capsys, "kb", "list", "--today", "2024-01-01")[1]
    assert "alpha\t2021-05-06\t已被 beta 取代" in listed
    code, _, err = run(capsys, "kb", "remove", "beta", "--no-ingest")
    assert code == 2 and "beta 仍被引用，不能删除：文档 alpha 标注为被它取代" in err
    assert str(kb.knowledge_dir) not in err and "referenced" not in err
    code, out, _ = run(capsys, "kb", "edit", "alpha", "--superseded-by", "", "--no-ingest")
    assert code == 0 and "superseded_by removed" in out
    assert "alpha\t2021-05-06\t有效（未设期限）" in run(capsys, "kb", "list")[1]
    code, _, err = run(capsys, "kb", "edit", "alpha", "--superseded-by", "../../README", "--no-ingest")
    assert code == 2 and "没有编号为 ../../README 的文档" in err
    code, _, err = run(capsys, "kb", "edit", "alpha", "--no-ingest")
    assert code == 2 and "--superseded-by" in err


def test_import_needs_a_publisher_and_keeps_the_headline_out_of_the_body(
        kb: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    raw = kb.knowledge_dir.parent / "raw.txt"
    raw.write_text(RAW, encoding="utf-8")
    title = "“五社联动”齐治理：未来北京市社会工作将在这些方面发力"
    args = ("kb", "import", str(raw), "--id", "2022-wushe", "--title", title, "--published", "2022-03-29",
            "--no-ingest")
    code, _, err = run(capsys, *args)
    assert code == 2 and "--publication" in err
    assert not (kb.knowledge_dir / "articles" / "2022-wushe.md").exists()
    code, _, err = run(capsys, *args, "--publication", "公益时报")
    assert code == 0, err
    doc = next(d for d in load_documents(kb.knowledge_dir) if d.id == "2022-wushe")
    assert doc.publication == "公益时报" and doc.authors == ["王勇"]
    assert doc.body.startswith("近日，北京市民政局") and "发力" not in doc.body
    raw.write_text(RAW + "（来源：北京日报）\n", encoding="utf-8")
    code, _, err = run(capsys, "kb", "import", str(raw), "--id", "2022-wushe-2", "--title", "另一标题",
                       "--published", "2022-03-29", "--no-ingest")
    assert code == 0, err
    assert next(d for d in load_documents(kb.knowledge_dir) if d.id == "2022-wushe-2").publication == "北京日报"
    code, _, err = run(capsys, "kb", "import", str(raw), "--id", "../../x", "--title", "t", "--publication", "p",
                       "--published", "2022", "--no-ingest")
    assert code == 2 and "不可用" in err and not (kb.knowledge_dir.parent.parent / "x.md").exists()
