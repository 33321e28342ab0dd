"""The JSONL batch contract, through the real command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from bot.settings import Settings

pytestmark = pytest.mark.slow


def run_cli(settings: Settings, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BOT_DATA_DIR": str(settings.data_dir)}
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True,
                          text=True, env=env, timeout=300)


def test_batch_contract_and_bad_lines(settings: Settings, engine: object) -> None:
    lines = [
        json.dumps({"id": "a", "question": "创投计划申报截止到几号？", "today": "2022-04-01"}, ensure_ascii=False),
        "{this is not json",
        json.dumps({"id": "b", "question": 42}),
        "",
        json.dumps({"id": "c", "question": "北京明天天气怎么样？"}, ensure_ascii=False),
        json.dumps({"id": "d", "question": "申报条件有哪些？", "today": "22-4-1"}, ensure_ascii=False),
        json.dumps({"id": "e", "question": "她们组成了什么团队呢？",
                    "history": [{"role": "user", "content": "运河园社区的全职妈妈活动"}]}, ensure_ascii=False),
    ]
    proc = run_cli(settings, "ask", "--jsonl", stdin="\n".join(lines) + "\n")
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]  # nothing but JSON on stdout
    by_id = {o["id"]: o for o in out}
    a = by_id["a"]
    assert set(a) >= {"id", "answer", "answered", "sources", "eligibility", "latency_ms"}
    assert a["answered"] is True and "4月10日" in a["answer"]
    assert len(a["sources"]) >= 5
    assert set(a["sources"][0]) >= {"doc_id", "title", "published", "text", "score"}
    assert isinstance(a["latency_ms"], float)
    assert any(o.get("id") is None and "not valid JSON" in o["error"] and o["line"] == 2 for o in out)
    assert "must be a string" in by_id["b"]["error"]
    assert by_id["c"]["answered"] is False
    assert "ISO date" in by_id["d"]["error"]
    assert "贤妈智囊团" in by_id["e"]["answer"]
    assert len(out) == 6


def test_ask_prints_a_readable_answer(settings: Settings, engine: object) -> None:
    proc = run_cli(settings, "ask", "社会工作发展专项基金是什么时候成立的？")
    assert proc.returncode == 0 and "2021年6月" in proc.stdout and "来源" in proc.stdout


def test_chat_answers_and_quits(settings: Settings, engine: object) -> None:
    proc = run_cli(settings, "chat", stdin="“五社联动”是哪五社？\n/unknown\n/quit\n")
    assert proc.returncode == 0
    assert "社区志愿者" in proc.stdout and "未知命令" in proc.stdout


def test_eval_command_prints_the_score_line(settings: Settings, engine: object) -> None:
    proc = run_cli(settings, "eval", "tests/questions.yaml", "--only", "deadline", "--quiet")
    assert proc.returncode == 0 and proc.stdout.strip().splitlines()[-1].startswith("score: pass=")
