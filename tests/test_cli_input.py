"""Bad command-line values: one clear line on stderr, never a traceback (run before anything loads)."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.slow
@pytest.mark.parametrize("command", [["ask", "创投计划什么时候截止？"], ["ask", "--jsonl"], ["chat"], ["kb", "list"],
                                     ["eval", "tests/questions.yaml"]])
def test_an_impossible_today_is_one_line_not_a_traceback(command: list[str]) -> None:
    proc = subprocess.run([sys.executable, "-m", "bot", *command, "--today", "2022-13-45"], input="",
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    expected = "error: --today 日期无效：'2022-13-45'（应为 YYYY-MM-DD，例如 2022-04-01）"
    assert proc.stderr.strip().splitlines() == [expected]
    assert "Traceback" not in proc.stderr and proc.stdout == ""
