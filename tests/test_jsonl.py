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


def test_no_bad_line_stops_the_batch(settings: Settings, engine: object) -> None:
    """Wrong types, 100k-deep nesting, a 5000-digit number, a lone surrogate, an invalid byte: each line
    gets its own reply or error line, in order, the output is valid UTF-8 and the batch goes on."""
    good = json.dumps({"id": "1", "question": "创投计划申报截止到几号？", "today": "2022-04-01"}, ensure_ascii=False)
    lines = [
        good.encode(),
        json.dumps({"id": "2", "question": "“五社联动”是哪五社？"}, ensure_ascii=False).encode(),
        b'{"id": "3", "question": "\xff\xfe\xe7\xa4\xbe\xe5\xb7\xa5\xe7\xab\x99"}',  # invalid UTF-8 on line 3
        json.dumps({"id": "h5", "question": "社工站在哪？", "history": 5}, ensure_ascii=False).encode(),
        json.dumps({"id": "ht", "question": "社工站在哪？", "history": True}, ensure_ascii=False).encode(),
        b"[" * 100_000 + b"]" * 100_000,
        b'{"id": "big", "question": "\xe7\xa4\xbe\xe5\xb7\xa5\xe7\xab\x99", "n": ' + b"7" * 5000 + b"}",
        b'{"id": "\\ud800", "question": "\\u9b4f\\u5584\\u5e84\\u6709\\u793e\\u5de5\\u7ad9\\u5417\\ud800"}',
        b'{"id": "hist-items", "question": "x", "history": [5]}',
        good.replace('"1"', '"last"').encode(),
    ]
    env = {**os.environ, "BOT_DATA_DIR": str(settings.data_dir), "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.run([sys.executable, "-m", "bot", "ask", "--jsonl"], input=b"\n".join(lines) + b"\n",
                          capture_output=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    text = proc.stdout.decode("utf-8")  # strict: the output is valid UTF-8
    out = [json.loads(line) for line in text.splitlines()]
    assert len(out) == len(lines), text
    assert [o.get("line") for o in out] == [None, None, 3, 4, 5, 6, 7, None, 9, None]
    assert out[0]["id"] == "1" and "4月10日" in out[0]["answer"]  # lines before the bad byte are not lost
    assert out[1]["id"] == "2" and out[1]["answered"]
    assert out[2]["id"] == "3" and "UTF-8" in out[2]["error"]
    assert out[3]["id"] == "h5" and "'history'" in out[3]["error"]
    assert out[4]["id"] == "ht" and "'history'" in out[4]["error"]
    assert "nested too deeply" in out[5]["error"]
    assert "digits" in out[6]["error"]
    assert out[7]["id"] == "\ud800" and "魏善庄" in out[7]["answer"]  # the id comes back as sent (escaped)
    assert "'history' items" in out[8]["error"]
    assert out[9]["id"] == "last" and "4月10日" in out[9]["answer"]
    assert all(o["answered"] is False for o in out if "error" in o)

