"""Programme data: every quote verbatim in its article, clear errors otherwise."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.knowledge.documents import KnowledgeError
from bot.knowledge.programmes import load_programmes
from bot.settings import PROJECT_ROOT

KNOWLEDGE = PROJECT_ROOT / "knowledge"


def test_every_quote_is_in_its_article() -> None:
    for p in load_programmes(KNOWLEDGE):
        body = re.sub(r"\s+", "", p.doc.body)
        quotes = [f.quote for f in p.facts.values()] + [p.window.quote] + [s.quote for s in p.stages] + \
                 [c.quote for c in p.criteria]
        assert quotes and all(re.sub(r"\s+", "", q) in body for q in quotes)


def test_programme_2022_facts() -> None:
    p = load_programmes(KNOWLEDGE)[0]
    assert (p.window.start.isoformat(), p.window.end.isoformat()) == ("2022-03-17", "2022-04-10")
    assert [s.when for s in p.stages] == ["4月上旬", "4月中旬", "4月中下旬"]
    assert [c.id for c in p.criteria] == ["beijing_org", "registered_3y", "annual_inspection", "fulltime_staff_10",
                                          "no_violation", "core_team_5", "certified_sw_2"]


def _copy(tmp_path: Path) -> Path:
    kb = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, kb)
    return kb


def test_a_drifted_quote_fails_with_a_clear_message(tmp_path: Path) -> None:
    kb = _copy(tmp_path)
    path = kb / "programmes" / "2022-shegong-chuangtou.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("专职人员在10人以上（以社保缴费记录为准）", "专职人员在8人以上（以社保缴费记录为准）"),
                    encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"fulltime_staff_10.*not in article 2022-03-chuangtou-jihua"):
        load_programmes(kb)


@pytest.mark.parametrize("old, new, message", [
    ("check: min_count", "check: guess", "check must be one of"),
    ("opens: 2022-03-17", "opens: 2022-13-17", "cannot read programme YAML"),
    ("opens: 2022-03-17", "opens: soon", "not a date"),
    ("doc: 2022-03-chuangtou-jihua", "doc: no-such-article", "is not an article"),
])
def test_invalid_programme_files_are_refused(tmp_path: Path, old: str, new: str, message: str) -> None:
    kb = _copy(tmp_path)
    path = kb / "programmes" / "2022-shegong-chuangtou.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=message):
        load_programmes(kb)


def test_unreadable_programme_file(tmp_path: Path) -> None:
    kb = _copy(tmp_path)
    (kb / "programmes" / "broken.yaml").write_bytes(b"\xff\xfe: [")
    with pytest.raises(KnowledgeError, match="cannot read programme YAML"):
        load_programmes(kb)


def test_ingest_refuses_a_programme_whose_quote_left_the_article(tmp_path: Path) -> None:
    import subprocess
    import sys

    kb = _copy(tmp_path)
    article = kb / "articles" / "2022-03-chuangtou-jihua.md"
    article.write_text(article.read_text(encoding="utf-8").replace("4月中下旬完成项目签约", "4月下旬完成项目签约"),
                       encoding="utf-8")
    env = {"BOT_KNOWLEDGE_DIR": str(kb), "BOT_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "-m", "bot", "ingest", "--quiet"], capture_output=True, text=True,
                          env=env, cwd=PROJECT_ROOT, timeout=120)
    assert proc.returncode == 2
    assert "stage signing: the quote is not in article 2022-03-chuangtou-jihua" in proc.stderr
    assert "Traceback" not in proc.stderr
