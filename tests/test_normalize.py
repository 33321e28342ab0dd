"""The one normaliser, sentence splitter and date module of bot/text: each form as its users rely on it."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.text.dates import (
    PubDate,
    given_day,
    month_end,
    named_years,
    years_since,
    years_until,
    zh_date,
    zh_month_day,
)
from bot.text.normalize import normalize_text, squash, squash_figures, squash_mapped, squash_words
from bot.text.sentences import ends_sentence, pieces, sentences, whole_sentences_end


def test_the_stored_form_keeps_chinese_punctuation_and_is_idempotent() -> None:
    text = " 截至２０２２年３月，共有\u200b 30 家 机构，ＡＢＣ。 "
    once = normalize_text(text)
    assert once == "截至2022年3月，共有30家机构，ABC。"
    assert normalize_text(once) == once


def test_quotes_compare_without_width_or_whitespace() -> None:
    assert squash("必须是在市区民政局\n注册成立三年以上（含）") == "必须是在市区民政局注册成立三年以上(含)"
    assert squash("ＡＢ　１２") == squash("AB 12") == "AB12"


def test_the_mapped_form_says_where_each_character_came_from() -> None:
    flat, where = squash_mapped("甲 （乙）")
    assert flat == "甲(乙)" and where == [0, 2, 3, 4]
    assert flat == squash("甲 （乙）")


def test_titles_compare_by_letters_and_digits_only() -> None:
    assert squash_words("设立专项基金 开展公益创投——社会力量") == "设立专项基金开展公益创投社会力量"


def test_figures_are_one_spelling_for_the_grounding_check() -> None:
    assert squash_figures("十五个项目，百分之二十，两名社工，统一、一是") == "15个项目,20%,2名社工,统一、一是"
    assert squash_figures("共 1,300 家【2】") == "共1300家[2]"
    assert squash_figures("1, 000") == "1,000"  # a comma before a space separates two numbers


def test_sentences_keep_their_closing_quotes_and_decimal_points() -> None:
    assert sentences("他说：“好。”然后走了！资助7.68万元；共两期") == [
        "他说：“好。”", "然后走了！", "资助7.68万元；", "共两期"]


def test_pieces_lose_nothing_and_end_at_lines() -> None:
    text = "第一句。第二句\n第三句？最后"
    assert pieces(text)[:4] == ["第一句。", "第二句\n", "第三句？", "最后"]
    assert "".join(pieces(text)) == text
    assert whole_sentences_end(text) == len("第一句。第二句\n第三句？")
    assert whole_sentences_end("还没写完") == 0


@pytest.mark.parametrize(("line", "ends"), [("项目初选。", True), ("申报条件如下：", True), ("“好！”", True),
                                            ("被列入异常名录的机构", False)])
def test_a_line_ends_its_sentence(line: str, ends: bool) -> None:
    assert ends_sentence(line) is ends


def test_calendar_helpers() -> None:
    assert month_end(2022, 2) == dt.date(2022, 2, 28) and month_end(2024, 12) == dt.date(2024, 12, 31)
    assert zh_date(dt.date(2022, 4, 10)) == "2022年4月10日" and zh_month_day(dt.date(2022, 4, 10)) == "4月10日"
    assert PubDate.parse("2022-02").last_day() == dt.date(2022, 2, 28)
    assert PubDate.parse("2022-02").first_day() == dt.date(2022, 2, 1) and PubDate(2022).first_day().month == 1
    assert years_since(dt.date(2019, 3, 28), dt.date(2022, 3, 28)) == 3.0
    low, high = years_until(2019, 12, dt.date(2022, 12, 31))
    assert round(low, 2) == 3.0 and round(high, 2) == 3.08


def test_relative_years_read_against_today() -> None:
    today = dt.date(2022, 5, 1)
    assert [y for y, _ in named_years("去年和前年，明年、后年，还有今年", today)] == [2021, 2020, 2023, 2024, 2022]
    assert named_years("去年6月就启动了", today) == []  # a month follows: a date, not a year asked about


def test_a_given_day_names_the_format_in_chinese() -> None:
    assert given_day("2022-04-01") == dt.date(2022, 4, 1)
    with pytest.raises(ValueError, match="应为 YYYY-MM-DD"):
        given_day("2022-13-45")
