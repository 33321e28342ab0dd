"""The structured reply: parts in, one plain text out, and each channel's own rendering of the same parts
(Telegram HTML as the Bot API parses it, the web chat's HTML, WeChat's and the terminal's plain text, JSONL)."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bot.answering.reply import NEXT_ITEM, PARAGRAPH, SAME_LINE, Cited, Part, Reply, lines, plain_text
from bot.answering.templates import load_templates
from bot.answering.wording import Wording
from bot.channels.conversation import Answered
from bot.channels.jsonl import reply_json
from bot.channels.render import render_text, spans
from bot.channels.telegram.render import LIMIT, reply_html
from bot.channels.web.markup import reply_html as web_html
from bot.channels.web.transcript import Entry, reply_entry
from bot.channels.wechat.bot import render_reply
from bot.text.dates import PubDate
from tests.helpers.tghtml import EntityError, entity_text, parse

PRESS = Cited("2022-03-chuangtou-jihua", "设立专项基金 开展公益创投——社会力量支持社会工作发展新探索", "公益时报",
              PubDate(2022, 3))
OFFICE = Cited("2022-03-wushe", "“五社联动”齐治理", "北京日报", PubDate(2022, 3, 29))
QUOTE = "根据北京市民政局官网发布的征集公告，此次创投项目征集时间为3月17日至4月10日。"
CLAUSE = "必须是在市区民政局注册成立三年以上的社会组织"


def composed() -> Reply:
    """An answer as the composer builds it: a lead and the source's sentences, a note, the source list."""
    return Reply([
        Part("lead", "据《公益时报》2022年3月报道：", source=PRESS),
        Part("quote", QUOTE, SAME_LINE, PRESS),
        Part("lead", "另据2022年3月29日报道：", source=OFFICE),
        Part("quote", "“五社联动”是指社区、社会组织、社会工作者、社区志愿者、社会慈善资源的联动。", SAME_LINE, OFFICE),
        Part("note", "以上是2022年3月的报道，最新情况请咨询北京社会工作者协会。"),
        Part("sources", "来源："),
        Part("source", f"〔1〕《{PRESS.title}》，公益时报，2022年3月", SAME_LINE, PRESS),
        Part("source", f"〔2〕《{OFFICE.title}》，北京日报，2022年3月29日", NEXT_ITEM, OFFICE),
    ], True, "answer")


def verdict() -> Reply:
    return Reply([
        Part("verdict", "初步判断：不符合2022社会工作创投计划的申报条件，未满足：注册成立三年以上。"),
        Part("criterion", f"❌ 注册成立三年以上：注册约2.5年，不满3年｜原文：“{CLAUSE}”", source=PRESS, quote=CLAUSE),
        Part("source", f"依据：《{PRESS.title}》（公益时报，2022年3月）所载条件，逐条按规则判断。", source=PRESS),
    ], True, "eligibility")


def test_one_plain_text_from_the_parts() -> None:
    reply = composed()
    assert reply.answer == plain_text(reply.parts)
    assert reply.answer.splitlines() == [
        "据《公益时报》2022年3月报道：" + QUOTE,
        "另据2022年3月29日报道：“五社联动”是指社区、社会组织、社会工作者、社区志愿者、社会慈善资源的联动。",
        "以上是2022年3月的报道，最新情况请咨询北京社会工作者协会。",
        f"来源：〔1〕《{PRESS.title}》，公益时报，2022年3月；〔2〕《{OFFICE.title}》，北京日报，2022年3月29日"]
    assert [len(line) for line in lines(reply.parts)] == [2, 2, 1, 3]
    station = Reply([Part("answer", "甲站\n· 服务"), Part("answer", "乙站", PARAGRAPH),
                     Part("contact", "建议咨询：所在街道。", SAME_LINE)], False, "decline")
    assert station.answer == "甲站\n· 服务\n\n乙站建议咨询：所在街道。"


def test_parts_and_their_sources_survive_json() -> None:
    for part in composed().parts + verdict().parts:
        raw = json.loads(json.dumps(part.to_json(), ensure_ascii=False))
        assert Part.from_json(raw) == part
    criterion = verdict().parts[1].to_json()
    assert criterion["quote"] == CLAUSE and criterion["source"]["published"] == "2022-03"
    assert criterion["source"]["date"] == "2022年3月"


def test_spans_show_the_quote_the_title_and_where_it_is_named_the_date() -> None:
    lead, _, _, _, _, _, first, _ = composed().parts
    assert spans(lead) == [("text", "据《公益时报》"), ("date", "2022年3月"), ("text", "报道：")]
    assert spans(first) == [("text", "〔1〕"), ("title", f"《{PRESS.title}》"), ("text", "，公益时报，"),
                            ("date", "2022年3月")]
    criterion = verdict().parts[1]
    assert ("quote", CLAUSE) in spans(criterion) and "".join(t for _, t in spans(criterion)) == criterion.text
    label = Part("criterion", "❓ 历年年检合格：还不知道｜原文：“历年年检合格”", source=PRESS, quote="历年年检合格")
    assert spans(label) == [("text", "❓ 历年年检合格：还不知道｜原文：“"), ("quote", "历年年检合格"), ("text", "”")]
    window = Part("answer", "征集时间为2022年3月17日至4月10日", source=PRESS)
    assert spans(window) == [("text", window.text)]  # a date in the answer is not the source's date


def test_telegram_renders_quotes_as_block_quotes_and_titles_in_italics() -> None:
    [message] = reply_html(composed().parts)
    text, _ = parse(message)  # as Telegram parses it: no error
    assert text.replace("\n", "") == composed().answer.replace("\n", "")
    shown = {"text": text, "entities": parse(message)[1]}
    assert entity_text(shown, "blockquote") == [QUOTE, composed().parts[3].text]
    assert entity_text(shown, "italic") == [f"《{PRESS.title}》", f"《{OFFICE.title}》"]
    assert entity_text(shown, "bold") == ["来源："]
    [message] = reply_html(verdict().parts)
    shown = dict(zip(("text", "entities"), parse(message), strict=True))
    assert entity_text(shown, "bold") == [verdict().parts[0].text]
    assert entity_text(shown, "italic") == [CLAUSE, f"《{PRESS.title}》"]


def test_telegram_escapes_the_words_and_keeps_every_message_within_the_limit() -> None:
    rows = [Part("answer", f"第{i}行：<社工站>&服务" * 8) for i in range(150)]
    long = Reply([*composed().parts[:2], *rows, Part("answer", "长" * (LIMIT + 500)), *composed().parts[2:]],
                 True, "answer")
    messages = reply_html(long.parts)
    assert len(messages) > 2
    texts = [parse(m)[0] for m in messages]  # each is valid Telegram HTML: no tag is cut in two
    assert all(len(m) <= LIMIT for m in messages)
    assert "".join(texts).replace("\n", "") == long.answer.replace("\n", "")
    with pytest.raises(EntityError):
        parse("<b>没有闭合")


class _Elements(HTMLParser):
    """Each element with its attributes and the text inside it, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, int]] = []
        self.found: list[tuple[str, dict[str, str | None], str]] = []
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack.append((tag, len(self.found)))
        self.found.append((tag, dict(attrs), ""))

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1][0] == tag, f"</{tag}> out of order"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text += data
        for _, i in self.stack:
            t, a, w = self.found[i]
            self.found[i] = (t, a, w + data)


def elements(markup: str) -> _Elements:
    parser = _Elements()
    parser.feed(markup)
    assert not parser.stack
    return parser


def test_the_web_shows_each_source_with_its_date_as_its_own_element() -> None:
    page = elements(str(web_html(composed().parts)))
    assert page.text == composed().answer.replace("\n", "")  # the same words, lines as blocks
    quotes = [w for t, a, w in page.found if t == "blockquote"]
    assert quotes == [QUOTE, composed().parts[3].text]
    sources = [w for t, a, w in page.found if t == "span" and a.get("class") == "part-source"]
    assert sources == [p.text for p in composed().parts if p.role == "source"]
    times = [(a["datetime"], w) for t, a, w in page.found if t == "time"]
    assert ("2022-03", "2022年3月") in times and ("2022-03-29", "2022年3月29日") in times
    assert [w for t, _, w in page.found if t == "cite"] == [f"《{PRESS.title}》", f"《{OFFICE.title}》"]
    assert [a["class"] for t, a, _ in page.found if t == "div"] == ["line"] * 4


def test_the_web_entry_keeps_its_parts_and_escapes_them() -> None:
    reply = Reply([Part("answer", "<script>alert(1)</script>&")], True, "answer")
    entry = reply_entry(3, Answered(reply, 9, []))
    again = Entry.from_json(json.loads(json.dumps(entry.__dict__, ensure_ascii=False)))
    assert again.body is not None and "<script>" not in str(again.body) and "&lt;script&gt;" in str(again.body)
    assert Entry(1, "user", "问").body is None  # a question or a self-check step stays plain text


def test_wechat_puts_each_source_on_a_line_of_its_own() -> None:
    text = render_reply(Answered(composed(), 5, []), "回复“1”有用")
    assert text.endswith("\n\n回复“1”有用")
    assert f"来源：\n〔1〕《{PRESS.title}》，公益时报，2022年3月\n〔2〕《" in text
    assert text.replace("\n", "").replace("；", "").startswith(composed().answer.replace("\n", "").replace("；", ""))
    invalid = Reply([Part("answer", "请输入您的问题")], False, "invalid")
    assert render_reply(Answered(invalid, 6, []), "hint") == "请输入您的问题"


def test_the_terminal_and_jsonl_render_the_parts() -> None:
    reply = composed()
    assert render_text(reply) == reply.answer
    out = json.loads(json.dumps(reply_json("q1", reply), ensure_ascii=False))
    assert out["answer"] == reply.answer and plain_text([Part.from_json(p) for p in out["parts"]]) == reply.answer
    assert out["parts"][1] == {"role": "quote", "text": QUOTE, "sep": "", "quote": QUOTE,
                               "source": {"doc_id": PRESS.doc_id, "title": PRESS.title, "publication": "公益时报",
                                          "published": "2022-03", "date": "2022年3月"}}


def test_traditional_characters_part_by_part_quotes_verbatim() -> None:
    wording = Wording(load_templates(Path("prompts")))
    parts = wording.traditional(composed().parts + verdict().parts)
    assert parts[1].text == QUOTE  # a source's own words stay as the source has them
    assert parts[0].text == "據《公益時報》2022年3月報道："
    assert parts[6].source is not None and parts[6].source.title in parts[6].text  # the title as shown
    assert f"“{CLAUSE}”" in parts[9].text and parts[9].text.startswith("❌ 註冊成立三年以上")
    assert [p.role for p in parts] == [p.role for p in composed().parts + verdict().parts]
