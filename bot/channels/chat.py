"""Interactive chat in the terminal: what `make run` starts when no Telegram token is set.

Line editing and history come from prompt_toolkit (arrow keys, Ctrl-R; a multi-line paste is one
question). Ctrl-C clears a line, leaves a self-check, or ends the chat at an empty prompt; it never
reaches `make` as a signal. Questions are recorded like every channel's (channel "chat").
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
import termios
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from prompt_toolkit import PromptSession
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.input import Input
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.output import Output

from bot.answering.engine import Engine
from bot.answering.reply import Reply
from bot.channels.conversation import Conversations
from bot.channels.render import render_text
from bot.channels.screening import ScreenerFlow, screener_texts
from bot.state.store import Store

WELCOME = """北京社会工作问答助手（终端版）。直接输入问题，例如：
  创投计划的申报条件是什么？   魏善庄镇的社工站能做什么？
输入 /help 查看命令；Ctrl-D 或 /quit 退出。"""
HELP = """命令：
  /check    申报条件逐项自查（按 Ctrl-C 或输入“退出”可中途退出自查）
  /sources  显示上一条回答检索到的段落
  /new      开始新的对话（忘掉前面说过的话）
  /help     显示这段说明
  /quit     退出（也可以按 Ctrl-D，或在空行按 Ctrl-C）
编辑：←/→ 移动光标，↑/↓ 翻看输入过的问题，Ctrl-R 搜索；粘贴多行文字算作一个问题。"""

Read = Callable[[str], str]  # raises EOFError (end of input) or KeyboardInterrupt (Ctrl-C)


def prompt_reader(input: Input | None = None, output: Output | None = None) -> Read:
    """A line reader with editing and history; Ctrl-C clears a non-empty line instead of interrupting."""
    keys = KeyBindings()

    @keys.add("c-c")
    def _(event: KeyPressEvent) -> None:
        if event.current_buffer.text:
            event.current_buffer.reset()
        else:
            event.app.exit(exception=KeyboardInterrupt())

    session: PromptSession[str] = PromptSession(history=InMemoryHistory(), key_bindings=keys, input=input,
                                                output=output)
    return lambda prompt: session.prompt(prompt)


def plain_reader(prompt: str) -> str:
    return input(prompt)


@contextlib.contextmanager
def keys_not_signals() -> Iterator[None]:
    """While the engine works, Ctrl-C is a key, not SIGINT for the whole process group (`make` would die);
    what was typed meanwhile is dropped."""
    if not sys.stdin.isatty():
        yield
        return
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    changed = list(saved)
    changed[3] = changed[3] & ~termios.ISIG
    termios.tcsetattr(fd, termios.TCSANOW, changed)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSANOW, saved)
        termios.tcflush(fd, termios.TCIFLUSH)


class TerminalChat:
    def __init__(self, engine: Engine, store: Store, today: dt.date, read: Read,
                 write: Callable[[str], None] = print, *, prompts_dir: Path) -> None:
        self.engine, self.today, self.read, self.write = engine, today, read, write
        self.talk = Conversations(store, "chat")
        self.flow = ScreenerFlow(engine.advisor, store, screener_texts(prompts_dir))
        self.chat_id = uuid.uuid4().hex[:12]
        self.last: Reply | None = None

    def run(self) -> int:
        self.write(WELCOME)
        while True:
            try:
                text = self.read("\n你> ").strip()
            except (EOFError, KeyboardInterrupt):
                self.write("\n再见。")
                return 0
            if not text:
                continue
            if not self.command(text):
                return 0

    def command(self, text: str) -> bool:
        """Handle one input; False ends the chat."""
        command = text.lower()
        if command in ("/quit", "/exit", "/q"):
            return False
        if command in ("/help", "/h", "/?", "/start"):
            self.write(HELP)
        elif command == "/new":
            self.talk.forget(self.chat_id)
            self.last = None
            self.write("好的，开始新的对话。")
        elif command == "/sources":
            self.write(render_text(self.last, show_sources=True) if self.last else "还没有回答。")
        elif command == "/check":
            return self.check()
        elif command.startswith("/") and " " not in command:
            self.write("未知命令。输入 /help 查看可用的命令。")
        else:
            with keys_not_signals():
                self.last = self.talk.ask(self.engine, self.chat_id, None, text, self.today).reply
            self.write("助手> " + render_text(self.last))
        return True

    def check(self) -> bool:
        """The self-check; Ctrl-C or 退出 leaves it (not the chat); False when the input ended."""
        key = f"chat:{self.chat_id}"
        step = self.flow.start(key, self.today, self.talk.said(self.chat_id))
        while True:
            self.write("助手> " + step.text + (f"\n{self.flow.reply_hint(step)}" if step.active else ""))
            if not step.active:
                return True
            try:
                answer = self.read("你> ")
            except KeyboardInterrupt:
                self.write("助手> " + self.flow.cancel(key).text)
                return True
            except EOFError:
                self.flow.cancel(key)
                return False
            step = self.flow.answer(key, answer)


def run_chat(engine: Engine, store: Store, today: dt.date, prompts_dir: Path, read: Read | None = None) -> int:
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    return TerminalChat(engine, store, today, read or (prompt_reader() if interactive else plain_reader),
                        prompts_dir=prompts_dir).run()
