"""The terminal chat through prompt_toolkit's real key handling (keys fed through a pipe): line editing,
history, a multi-line paste as one question, /help, Ctrl-C leaving the self-check, and recording."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from bot.answering.engine import Engine
from bot.channels.chat import TerminalChat, prompt_reader
from bot.settings import PROJECT_ROOT
from bot.state.store import Store

TODAY = dt.date(2022, 4, 1)
UP, HOME, CTRL_C, CTRL_D = "\x1b[A", "\x1b[H", "\x03", "\x04"


def paste(text: str) -> str:
    return f"\x1b[200~{text}\x1b[201~"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(f"sqlite:///{tmp_path / 'chat.sqlite3'}")


def run_chat(engine: Engine, store: Store, *typed: str) -> tuple[int, str]:
    """Each string is typed at one prompt (the last one may span several)."""
    out: list[str] = []
    with create_pipe_input() as pipe:
        read = prompt_reader(input=pipe, output=DummyOutput())
        pending = list(typed)

        def typing(prompt: str) -> str:
            if pending:
                pipe.send_text(pending.pop(0))
            return read(prompt)

        code = TerminalChat(engine, store, TODAY, typing, out.append, prompts_dir=PROJECT_ROOT / "prompts").run()
    return code, "\n".join(out)


def first(store: Store) -> dict[str, Any] | None:
    """The first interaction recorded (ids are made by the writer, time-ordered)."""
    from sqlalchemy import select

    from bot.state.store import interactions

    with store.engine.connect() as conn:
        row = conn.execute(select(interactions).order_by(interactions.c.id)).mappings().first()
    return dict(row) if row else None


def questions(store: Store) -> Iterator[str]:
    """The questions recorded, oldest first (interaction ids are made by the writer, time-ordered)."""
    from sqlalchemy import select

    from bot.state.store import interactions

    with store.engine.connect() as conn:
        yield from conn.execute(select(interactions.c.question).order_by(interactions.c.id)).scalars()


def test_line_editing_history_and_recording(engine: Engine, store: Store) -> None:
    code, shown = run_chat(engine, store, "截止到几号？" + HOME + "创投计划申报\r", UP + "\r", CTRL_D)
    assert code == 0 and "4月10日" in shown
    assert list(questions(store)) == ["创投计划申报截止到几号？"] * 2  # the second came back with ↑
    row = first(store)
    assert row is not None and row["channel"] == "chat"


def test_a_multi_line_paste_is_one_question(engine: Engine, store: Store) -> None:
    run_chat(engine, store, paste("我们机构在海淀区注册4年了，\n有12个专职人员，\n可以申报吗？") + "\r" + CTRL_D)
    assert list(questions(store)) == ["我们机构在海淀区注册4年了，\n有12个专职人员，\n可以申报吗？"]
    assert "✅ 专职人员10人以上" in first(store)["answer"]  # type: ignore[index]


def test_help_and_unknown_commands(engine: Engine, store: Store) -> None:
    _, shown = run_chat(engine, store, "/help\r/nonsense\r" + CTRL_D)
    assert "/check" in shown and "/sources" in shown and "Ctrl-D" in shown
    assert "未知命令。输入 /help" in shown and list(questions(store)) == []


def test_ctrl_c_leaves_the_self_check_not_the_chat(engine: Engine, store: Store) -> None:
    keys = "/check\r是\r" + CTRL_C + "创投计划申报截止到几号？\r" + CTRL_D
    code, shown = run_chat(engine, store, keys)
    assert code == 0
    assert "第1项" in shown and "第2项" in shown and "已退出自查" in shown
    assert "4月10日" in shown.split("已退出自查", 1)[1]  # the chat went on after Ctrl-C


def test_ctrl_c_clears_a_typed_line_and_ends_at_an_empty_prompt(engine: Engine, store: Store) -> None:
    code, shown = run_chat(engine, store, "写了一半的问题" + CTRL_C + CTRL_C)
    assert code == 0 and "再见" in shown and list(questions(store)) == []


def test_the_self_check_to_a_verdict_from_what_was_said(engine: Engine, store: Store) -> None:
    keys = "我们机构在海淀区注册4年了\r/check\r是\r12\r没有\r6\r2\r" + CTRL_D
    _, shown = run_chat(engine, store, keys)
    assert "第3项" in shown and "第1项" not in shown  # place and years came from the conversation
    assert "初步判断：符合" in shown
