"""Numbers and durations: exact on the forms applicants use; never an exception, never an unjustified value."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.knowledge.places import load_places
from bot.settings import PROJECT_ROOT
from bot.text.numbers import INF, Years, duration, numbers, parse_number
from bot.understanding.facts import extract

TODAY = dt.date(2026, 11, 22)
PLACES = load_places(PROJECT_ROOT / "knowledge")


@pytest.mark.parametrize("text, value", [("十二", 12), ("两", 2), ("一百零五", 105), ("10", 10), ("7.68", 7.68),
                                         ("三", 3), ("二十", 20)])
def test_parse_number(text: str, value: float) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize("text, low, high", [
    ("成立两年", 2, 2), ("两年半", 2.5, 2.5), ("一年半", 1.5, 1.5), ("两年零十个月", 2.83, 2.83),
    ("满三年", 3, 3), ("三年多", 3.01, 3.99), ("三年以上", 3, INF), ("不到两年", 0, 1.99), ("8个月", 0.67, 0.67),
    ("2019年注册", 6.89, 7.89), ("去年入职", 0.89, 1.89), ("5 years", 5, 5),
    ("去年10月入职", 1.06, 1.14), ("上个月刚来", 0.06, 0.14), ("registered in June 2020", 6.4, 6.48),
])
def test_durations(text: str, low: float, high: float) -> None:
    years = duration(text, TODAY)
    assert years is not None and (years.low, years.high) == (low, high)


def test_a_duration_quotes_the_words_it_was_read_from() -> None:
    years = duration("二三 年", TODAY)
    assert years is not None and years.text == "二三 年"


def test_a_future_year_is_no_duration() -> None:
    assert duration("2030年成立", TODAY) is None


ALPHABET = "零〇一二两三四五六七八九十百千万年月个半多余满不到以上0123456789.注册成立专职人 我们"
CHINESE = st.text(alphabet=st.sampled_from(list(ALPHABET)), max_size=30)


@settings(max_examples=300)
@given(st.one_of(CHINESE, st.text(max_size=40)))
def test_numbers_are_justified_by_their_span(text: str) -> None:
    for span in numbers(text):
        assert text[span.start:span.end] == span.text
        if span.high is None:
            assert parse_number(span.text) == span.value
        else:  # an approximate count ("六七个", "十几个") is a range, never one number read from its digits
            assert span.value < span.high and parse_number(span.text) not in (span.value, span.high)


def test_approximate_counts_are_ranges() -> None:
    cases = {"专职八九个人": (8, 9), "执行团队就两三个人": (2, 3), "十五六个人": (15, 16), "专职十几个": (11, 19),
             "二十七八人": (27, 28), "8到9个人": (8, 9)}
    for text, (low, high) in cases.items():
        (span,) = numbers(text)
        assert (span.value, span.high) == (low, high), text
    assert numbers("十二个专职")[0].high is None and numbers("十二个专职")[0].value == 12


@settings(max_examples=300)
@given(st.one_of(CHINESE, st.text(max_size=40)), st.dates(min_value=dt.date(2000, 1, 1),
                                                          max_value=dt.date(2100, 1, 1)))
def test_duration_is_an_interval_read_from_the_text_or_nothing(text: str, today: dt.date) -> None:
    years = duration(text, today)
    if years is not None:
        assert 0 <= years.low <= years.high
        assert years.text and years.text in text


@settings(max_examples=200)
@given(st.one_of(CHINESE, st.text(max_size=60)))
def test_fact_extraction_never_raises(text: str) -> None:
    facts = extract("我们" + text, TODAY, PLACES)
    for count in (facts.fulltime_staff, facts.core_team, facts.certified):
        assert count is None or count >= 0


def test_words_that_begin_with_one_are_not_numbers_and_a_dozen_is_twelve() -> None:
    assert [n.value for n in numbers("我们一直有一些志愿者，一起做活动")] == []
    assert [n.value for n in numbers("拿社保的伙伴一打，两打志愿者")] == [12, 24]


def test_calendar_years_touched() -> None:
    assert duration("成立五个年头了", TODAY) == Years(4.0, 5.0, "五个年头")
