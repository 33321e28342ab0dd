"""Cleaning of raw newspaper text: joins, normalisation, page furniture."""

from hypothesis import given
from hypothesis import strategies as st

from bot.text.cleaning import clean_markdown, clean_raw
from bot.text.normalize import normalize_text

RAW = """ 09
２０22．3.29 星期二 责编：张三 美编：李四

社区服务
新探索

根据公告，此次项目征
集时间为 3 月 17 日至 4 月 10
日，征集范围主要包括儿童社会工作。
机构须有 10 人以上的专职人员，其
中 2 人为社工师。

专职人员在 １２ 人以上的机构，可以申
报；人数少的机构可以先

联合申报。

（下转 06 版）

（据某某区民政局）

■ 本报记者 王五

社区妈妈参加活动

� � 某某会长赵六
"""


def test_joins_wraps_inside_sentences_and_across_column_breaks() -> None:
    md = clean_raw(RAW).markdown
    assert "此次项目征集时间为3月17日至4月10日，征集范围主要包括儿童社会工作。" in md
    assert "其中2人为社工师。" in md
    assert "可以先联合申报。" in md  # a blank line left by a column break is not a paragraph end


def test_normalises_full_width_digits_and_spaces_around_numbers() -> None:
    md = clean_raw(RAW).markdown
    assert "12人以上" in md
    assert "１" not in md and " 月" not in md


def test_drops_page_furniture_and_keeps_what_it_tells() -> None:
    result = clean_raw(RAW)
    md = result.markdown
    for furniture in ("09", "责编", "下转", "本报记者", "社区妈妈参加活动", "赵六"):
        assert furniture not in md
    assert result.header_date == "2022-03-29"
    assert result.authors == ["王五"]
    assert result.via == "据某某区民政局"


def test_short_unpunctuated_blocks_become_headings() -> None:
    assert clean_raw(RAW).markdown.startswith("## 社区服务新探索\n")


def test_latin_words_keep_their_space() -> None:
    assert normalize_text("Chromium  156 和 BQteam- 贤妈") == "Chromium 156和BQteam-贤妈"


def test_clean_markdown_keeps_headings_and_joins_soft_wraps() -> None:
    body = "## 标题\n\n第一行\n第二行。\n\n- 列表 项\n"
    assert clean_markdown(body) == "## 标题\n\n第一行第二行。\n\n- 列表项\n"


@given(st.text(alphabet=st.sampled_from(list("社工 3１２月日，。　\t abc\n“”（）7.68")), max_size=60))
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once


@given(st.text(max_size=200))
def test_clean_raw_never_raises(text: str) -> None:
    assert isinstance(clean_raw(text).markdown, str)
