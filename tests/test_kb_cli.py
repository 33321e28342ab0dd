"""Staff keep knowledge current from the command line: add, list, show, check, remove."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.settings import PROJECT_ROOT, Settings
from tests.helpers.files import make_docx

pytestmark = pytest.mark.slow


def kb(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BOT_KNOWLEDGE_DIR": str(settings.knowledge_dir), "BOT_DATA_DIR": str(settings.data_dir)}
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=env,
                          cwd=PROJECT_ROOT, timeout=300)


def test_add_ask_remove(small_kb: Settings, tmp_path: object) -> None:
    assert kb(small_kb, "ingest", "--quiet").returncode == 0
    path = small_kb.knowledge_dir.parent / "notice.docx"
    path.write_bytes(make_docx(["2023年度银河街道社工站招募20名助老志愿者。", "报名截止到2023年9月30日。"]))
    added = kb(small_kb, "kb", "add", str(path), "--title", "银河街道社工站志愿者招募", "--published", "2023-08-15",
               "--publication", "银河街道办事处", "--id", "2023-yinhe")
    assert added.returncode == 0, added.stderr
    assert "added 2023-yinhe" in added.stdout and "1 added" in added.stderr
    listed = kb(small_kb, "kb", "list").stdout
    assert "2023-yinhe\t2023-08-15\t有效（未设期限）\t银河街道办事处\t银河街道社工站志愿者招募" in listed
    assert "招募20名助老志愿者" in kb(small_kb, "kb", "show", "2023-yinhe").stdout
    assert kb(small_kb, "kb", "check").stdout.startswith("ok: 3 articles")
    answer = kb(small_kb, "ask", "银河街道社工站招募多少名志愿者？")
    assert "20名" in answer.stdout and "银河街道办事处2023年8月15日发布" in answer.stdout
    removed = kb(small_kb, "kb", "remove", "2023-yinhe")
    assert removed.returncode == 0 and "1 removed" in removed.stderr
    after = kb(small_kb, "ask", "银河街道社工站招募多少名志愿者？")
    assert "20名" not in after.stdout


def test_html_with_a_sidecar_and_validity_flags(small_kb: Settings) -> None:
    from tests.test_loaders import PAGE

    page = small_kb.knowledge_dir.parent / "page.html"
    page.write_bytes(PAGE.encode())
    (small_kb.knowledge_dir.parent / "page.html.meta.yaml").write_text(
        "published: 2023-08-15\npublication: 银河街道办事处\n", encoding="utf-8")
    added = kb(small_kb, "kb", "add", str(page), "--id", "page", "--valid-until", "2023-09-30", "--supersedes", "alpha",
               "--no-ingest")
    assert added.returncode == 0, added.stderr
    listed = kb(small_kb, "kb", "list", "--today", "2026-11-22").stdout
    assert "page\t2023-08-15\t已过期（2023-09-30）\t银河街道办事处\t银河街道社工站招募志愿者" in listed
    assert "alpha\t2021-05-06\t已被 page 取代" in listed
    assert kb(small_kb, "kb", "check").returncode == 0


def test_bad_input_is_refused_with_a_message(small_kb: Settings) -> None:
    missing = kb(small_kb, "kb", "add", str(PROJECT_ROOT / "README.md"), "--no-ingest")
    assert missing.returncode == 2 and "请给出标题和发布日期" in missing.stderr
    assert kb(small_kb, "kb", "show", "nope").returncode == 2
    unknown = kb(small_kb, "kb", "remove", "nope")
    assert unknown.returncode == 2 and "没有编号为 nope 的文档" in unknown.stderr


def test_an_article_a_programme_quotes_cannot_be_removed() -> None:
    proc = subprocess.run([sys.executable, "-m", "bot", "kb", "remove", "2022-03-chuangtou-jihua", "--no-ingest"],
                          capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=120)
    assert proc.returncode == 2 and "仍被引用" in proc.stderr
    assert (PROJECT_ROOT / "knowledge" / "articles" / "2022-03-chuangtou-jihua.md").exists()
