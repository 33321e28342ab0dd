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
    with pytest.raises(KnowledgeError, match=r"条件 fulltime_staff_10 的原文不在文档 2022-03-chuangtou-jihua 中"):
        load_programmes(kb)


@pytest.mark.parametrize("old, new, message", [
    ("kind: core_team", "kind: guess", "条件 core_team_5 的 kind 'guess' 不认识"),
    ("opens: 2022-03-17", "opens: 2022-13-17", "无法读取这个项目 YAML"),
    ("opens: 2022-03-17", "opens: soon", r"征集时间（window） → 开始日期（opens）：不是日期（应写成 YYYY-MM-DD）"),
    ("opens: 2022-03-17", "opens: 2022-04-17", r"征集截止日期（2022年4月10日）早于开始日期（2022年4月17日）"),
    ("opens: 2022-03-17", "opens: 2019-03-17", "与这一轮的年份 2022 不符"),
    ("end: 2022-04-10", "end: 2022-03-10", "阶段“项目初选”的结束日期（2022年3月10日）早于开始日期"),
    ("    min: 10\n", "    min: lots\n", r"申报条件（criteria） → 第4项（fulltime_staff_10） → 门槛（min）：应为数字"),
    ("    min: 5\n", "", r"条件 core_team_5（core_team）需要数字门槛 min"),
    ("    min: 5\n", "    mini: 5\n", r"申报条件（criteria） → 第6项（core_team_5） → mini：不认识这一项"),
    ("doc: 2022-03-chuangtou-jihua", "doc: no-such-article", "不是 knowledge/articles 里的文档编号"),
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
    with pytest.raises(KnowledgeError, match="无法读取这个项目 YAML"):
        load_programmes(kb)


@pytest.mark.slow
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
    assert "阶段 signing 的原文不在文档 2022-03-chuangtou-jihua 中" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_kinds_match_the_rules_code() -> None:
    """Every check named in programme-kinds.yaml has its function, and every fact is one the reader fills."""
    import dataclasses

    from bot.knowledge.kinds import CHECKS, load_kinds
    from bot.rules import eligibility
    from bot.understanding.facts import OrgFacts

    kinds = load_kinds(KNOWLEDGE)
    assert set(eligibility.CHECKS) == set(CHECKS)
    fields = {f.name for f in dataclasses.fields(OrgFacts)}
    assert {k.fact for k in kinds.criteria.values()} <= fields
    assert set(kinds.stages) == {"initial_selection", "review", "signing"}


@pytest.mark.parametrize("old, new, message", [
    ("    check: min_count\n    fact: core_team", "    check: at_most\n    fact: core_team",
     r"criteria → core_team：check 只能是"),
    ("      unsure: 注册时长在", "      maybe: 注册时长在", "reasons 缺少 unsure"),
    ("      fail: 不符合{said}", "      fail: 不符合{saide}", "不认识的占位符 saide"),
    ("    answer: duration", "    answer: years", r"registration_years → answer：只能是规定的几种取值之一"),
])
def test_invalid_kinds_are_refused(tmp_path: Path, old: str, new: str, message: str) -> None:
    kb = _copy(tmp_path)
    path = kb / "programme-kinds.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=message):
        load_programmes(kb)
