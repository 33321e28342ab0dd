"""Interactive chat in the terminal: what `make run` starts when no Telegram token is set."""

from __future__ import annotations

import datetime as dt

from bot.answering.engine import Engine
from bot.answering.reply import Question, Turn
from bot.channels.render import render_text
from bot.rules.screener import Screener
from bot.state.privacy import mask

WELCOME = """北京社会工作问答助手（终端版）。直接输入问题，例如：
  创投计划的申报条件是什么？   魏善庄镇的社工站能做什么？
命令：/check 申报条件逐项自查；/sources 显示上一条回答检索到的段落；/new 开始新对话；/quit 退出。"""
HISTORY_TURNS = 6


def run_chat(engine: Engine, today: dt.date) -> int:
    print(WELCOME)
    history: list[Turn] = []
    last = None
    while True:
        try:
            text = input("\n你> ")
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        command = text.strip().lower()
        if command in ("/quit", "/exit", "/q"):
            return 0
        if command == "/new":
            history, last = [], None
            print("好的，开始新的对话。")
            continue
        if command == "/sources":
            print(render_text(last, show_sources=True) if last else "还没有回答。")
            continue
        if command == "/check":
            if not run_check(engine, today, [t.content for t in history if t.role == "user"]):
                return 0
            continue
        if command.startswith("/"):
            print("未知命令。可用：/check /sources /new /quit")
            continue
        text = mask(text)  # phone and ID numbers are neither kept in the history nor echoed
        last = engine.ask(Question(text, today, list(history)))
        print("助手> " + render_text(last))
        history += [Turn("user", text), Turn("assistant", last.answer)]
        history = history[-HISTORY_TURNS:]


def run_check(engine: Engine, today: dt.date, messages: list[str]) -> bool:
    """The eligibility screener in the terminal; False when the input ended."""
    if not engine.advisor.programmes:
        print("知识库里没有可自查的项目。")
        return True
    screener = Screener(engine.advisor.rounds.current(today))  # the round open now, else the next
    state = screener.start(today, messages)
    print(f"开始自查：{screener.programme.name}。随时输入 /cancel 退出。")
    while (prompt := screener.next_prompt(state)) is not None:
        hint = "／".join(label for label, _ in prompt.options)
        try:
            text = input(f"助手> {prompt.text}（例如：{hint}）\n你> ")
        except (EOFError, KeyboardInterrupt):
            print()
            return False
        if text.strip().lower() == "/cancel":
            print("已退出自查。")
            return True
        if not screener.answer(state, text):
            print("没看懂这个回答，请回答“是/否”或一个数字。")
    reply = engine.advisor.eligibility(screener.facts(state), today, screener.programme)
    print("助手> " + reply.answer)
    return True
