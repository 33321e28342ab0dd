"""The model path as LangChain runnables (prompt | model | parser), through the real langchain-openai
client against the local OpenAI-compatible stand-in: a server error is retried once, a timeout is not,
and every failure or rejected output ends in the chain's fallback (the extractive answer, no rewrite,
no facts), counted by its reason."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from langchain_core.runnables import RunnableWithFallbacks

from bot.answering.llm import LlmClient, LlmWriter, load_prompts
from bot.answering.reply import Part, Reply, Turn
from bot.answering.templates import TemplateError
from bot.index.passages import Chunk, Source
from bot.settings import PROJECT_ROOT, Settings
from tests.helpers.llm_server import FakeLLM, Scripted

TODAY = dt.date(2022, 4, 1)
TEXT = "此次创投项目征集时间为3月17日至4月10日。最终将对15个项目予以资助。"
GOOD = "创投项目征集时间为3月17日至4月10日[1]。"
EXTRACTIVE = "据《公益时报》2022年3月报道：此次创投项目征集时间为3月17日至4月10日。"


@pytest.fixture
def fake() -> Iterator[FakeLLM]:
    with FakeLLM() as server:
        yield server


def writer(fake: FakeLLM, timeout: float = 2.0) -> LlmWriter:
    s = Settings(llm_base_url=fake.base_url, llm_model="fake", llm_timeout=timeout,
                 prompts_dir=PROJECT_ROOT / "prompts")
    return LlmWriter(LlmClient(s), load_prompts(s.prompts_dir), s)


def reply() -> Reply:
    chunk = Chunk("c1", "d1", "设立专项基金 开展公益创投", "2022-03", "", TEXT, 0, tuple(TEXT.split("。")))
    return Reply([Part("answer", EXTRACTIVE)], True, "answer", sources=[Source(chunk, 0.03)])


def failing_first(first: Scripted, then: str) -> Callable[[str, str], Scripted | str]:
    """A script whose first reply is `first` and every later one `then`."""
    calls: list[int] = []

    def script(purpose: str, user: str) -> Scripted | str:
        calls.append(1)
        return first if len(calls) == 1 else then

    return script


def test_each_use_is_one_chain_with_the_librarys_fallbacks(fake: FakeLLM) -> None:
    w = writer(fake)
    for chain in (w.answer, w.standalone, w.facts):
        assert isinstance(chain, RunnableWithFallbacks)


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_server_error_is_retried_once_and_the_answer_used(fake: FakeLLM, status: int) -> None:
    fake.script = failing_first(Scripted(status=status), GOOD)
    w = writer(fake)
    composed = w.compose("创投计划什么时候截止？", reply(), TODAY)
    assert composed.fallback == "" and composed.text == "创投项目征集时间为3月17日至4月10日〔1〕。"
    assert [s.chunk.id for s in composed.cited] == ["c1"]
    assert len(fake.requests) == 2 and w.counts["used"] == 1 and w.counts["error"] == 0
    assert w.available()  # a failure the retry recovered from does not pause the model


def test_a_dropped_connection_is_retried_once_and_the_answer_used(fake: FakeLLM) -> None:
    fake.script = failing_first(Scripted(dropped=True), GOOD)
    w = writer(fake)
    composed = w.compose("创投计划什么时候截止？", reply(), TODAY)
    assert composed.fallback == "" and composed.text == "创投项目征集时间为3月17日至4月10日〔1〕。"
    assert len(fake.requests) == 2 and w.counts["used"] == 1 and w.available()


@pytest.mark.parametrize("failure", [Scripted(status=500), Scripted(dropped=True)])
def test_a_persistent_failure_falls_back_after_one_retry(fake: FakeLLM, failure: Scripted) -> None:
    fake.script = lambda purpose, user: failure
    w = writer(fake)
    composed = w.compose("创投计划什么时候截止？", reply(), TODAY)
    assert composed.fallback == "error" and composed.text == EXTRACTIVE
    assert composed.cited == reply().cited
    assert len(fake.requests) == 2 and w.counts["error"] == 1 and not w.available()
    assert w.compose("创投计划什么时候截止？", reply(), TODAY).fallback == "skipped"  # paused: not sent
    assert len(fake.requests) == 2


def test_a_model_that_is_not_there_gives_the_extractive_answer(fake: FakeLLM) -> None:
    fake.__exit__()  # the port is closed: connection refused, retried once, then the fallback
    w = writer(fake)
    composed = w.compose("创投计划什么时候截止？", reply(), TODAY)
    assert composed.fallback == "error" and composed.text == EXTRACTIVE
    assert w.counts["error"] == 1 and not fake.requests and not w.available()


@pytest.mark.parametrize("failure", [Scripted(status=400), Scripted(status=429), Scripted(malformed=True)])
def test_refusals_and_malformed_replies_are_not_retried(fake: FakeLLM, failure: Scripted) -> None:
    fake.script = lambda purpose, user: failure
    composed = writer(fake).compose("创投计划什么时候截止？", reply(), TODAY)
    assert composed.fallback == "error" and composed.text == EXTRACTIVE and len(fake.requests) == 1


def test_a_timeout_falls_back_without_a_retry(fake: FakeLLM) -> None:
    fake.script = lambda purpose, user: Scripted(GOOD, delay=2.0)
    w = writer(fake, timeout=0.5)
    composed = w.compose("创投计划什么时候截止？", reply(), TODAY)
    assert composed.fallback == "timeout" and composed.text == EXTRACTIVE
    assert len(fake.requests) == 1 and w.counts["timeout"] == 1  # waiting twice would not help the user


@pytest.mark.parametrize("answer,reason", [
    ("创投项目征集时间为3月17日至4月30日[1]。", "grounding"),
    ("资料中没有相关信息。", "declined"),
])
def test_an_ungrounded_answer_falls_back_to_the_extractive_one(fake: FakeLLM, answer: str, reason: str) -> None:
    fake.script = lambda purpose, user: answer
    w = writer(fake)
    composed = w.compose("创投计划什么时候截止？", reply(), TODAY)
    assert composed.fallback == reason and composed.text == EXTRACTIVE and composed.cited == []
    assert w.counts[reason] == 1 and w.available()  # the model worked: no pause


def test_streaming_falls_back_mid_answer_and_shows_only_checked_sentences(fake: FakeLLM) -> None:
    fake.script = lambda purpose, user: Scripted(GOOD + "每个项目资助50万元[1]。", chunk_delay=0.005)
    w, shown = writer(fake), []
    composed = w.compose("创投计划什么时候截止？", reply(), TODAY, on_partial=shown.append)
    assert composed.fallback == "grounding" and shown == [GOOD]
    assert fake.requests[-1]["stream"] is True


def test_a_follow_up_rewrite_is_retried_and_a_failed_one_leaves_the_heuristic(fake: FakeLLM) -> None:
    history = [Turn("user", "魏善庄有社工站吗？"), Turn("assistant", "有。")]
    fake.script = failing_first(Scripted(status=503), "魏善庄镇社工站提供哪些服务？")
    w = writer(fake)
    assert w.rewrite(history, "它们做什么？") == "魏善庄镇社工站提供哪些服务？" and w.counts["rewrite_used"] == 1
    fake.script = lambda purpose, user: "Sure."
    assert w.rewrite(history, "它们做什么？") is None and w.counts["rewrite_rejected"] == 1
    fake.script = lambda purpose, user: Scripted(status=400)
    assert w.rewrite(history, "它们做什么？") is None and w.counts["rewrite_error"] == 1


@pytest.mark.parametrize("raw,facts", [
    ('好的：{"registered_years": 5, "fulltime_staff": 12}', {"registered_years": 5.0, "fulltime_staff": 12}),
    ("我不确定。", {}),
    ('{"registered_years": 5,', {}),
    ("[5, 12]", {}),
])
def test_facts_are_parsed_from_the_first_json_object_or_none(fake: FakeLLM, raw: str, facts: dict[str, float]) -> None:
    fake.script = lambda purpose, user: raw
    w = writer(fake)
    assert w.extract("我们机构注册5年了，专职12人。") == facts
    assert w.counts["extract_error"] == (0 if facts else 1)
    assert fake.purposes() == ["extract"]


def test_the_drafting_prompt_is_a_chat_template_with_its_braces_kept() -> None:
    from bot.knowledge.draft_model import load_prompts as drafting_prompt

    prompt = drafting_prompt(PROJECT_ROOT / "prompts")
    assert set(prompt.input_variables) == {"missing", "kinds", "document"}
    system, user = prompt.format_messages(missing="name", kinds="core_team（核心成员）", document="公告全文")
    assert '{"value": 值, "quote": 原文}' in system.content  # {{ }} in the YAML is a literal brace
    assert "需要补充的字段：name" in user.content and user.content.endswith("公告全文")


def test_every_model_prompt_loads_as_a_chat_template() -> None:
    from langchain_core.prompts import ChatPromptTemplate

    from bot.knowledge.draft_model import load_prompts as drafting_prompt

    prompts = {**load_prompts(PROJECT_ROOT / "prompts"), "draft": drafting_prompt(PROJECT_ROOT / "prompts")}
    assert set(prompts) == {"answer", "rewrite", "extract", "draft"}
    for prompt in prompts.values():
        assert isinstance(prompt, ChatPromptTemplate)
        assert [type(m).__name__ for m in prompt.messages] == ["SystemMessagePromptTemplate",
                                                               "HumanMessagePromptTemplate"]


@pytest.mark.parametrize("edit,message", [
    (lambda t: t.replace("{question}", "{question", 1), r"llm.yaml：answer_user：花括号不成对（要显示花括号请写 \{\{"),
    (lambda t: t.replace("{sources}", "{context}", 1), r"answer_user：必须用这些占位符：.*用了：.*\{context\}"),
    (lambda t: t.replace("rewrite_system:", "rewrite_sys:", 1), r"llm.yaml：rewrite_system：缺少这一项"),
    (lambda t: t.split("extract_user:")[0] + "extract_user: [\n", r"llm.yaml：不是有效的 YAML（第 \d+ 行"),
    (lambda t: "- 一\n- 二\n", r"llm.yaml：应为“名称: 文字”的映射"),
    (lambda t: t.split("extract_user:")[0] + 'extract_user: ""\n', r"llm.yaml：extract_user：不能为空"),
])
def test_a_malformed_prompts_file_stops_with_a_message_naming_the_entry(
        tmp_path: Path, edit: Callable[[str], str], message: str) -> None:
    text = (PROJECT_ROOT / "prompts" / "llm.yaml").read_text(encoding="utf-8")
    (tmp_path / "llm.yaml").write_text(edit(text), encoding="utf-8")
    with pytest.raises(TemplateError, match=message):
        load_prompts(tmp_path)
    with pytest.raises(TemplateError, match=r"llm.yaml：无法读取"):
        load_prompts(tmp_path / "elsewhere")
