"""Segmentation with the domain dictionary, stopwords, Traditional Chinese and English."""

from bot.settings import PROJECT_ROOT
from bot.text.analyzer import TextAnalyzer

analyzer = TextAnalyzer(PROJECT_ROOT / "knowledge" / "lexicon")


def test_domain_terms_are_single_tokens() -> None:
    tokens = analyzer.tokens("有两名具有社工师资质的人员，参加创投计划，推动五社联动，建设社工站")
    for term in ("社工师", "创投计划", "五社联动", "社工站"):
        assert term in tokens


def test_stopwords_and_punctuation_are_dropped() -> None:
    tokens = analyzer.tokens("请问我们的机构可以申报吗？")
    assert "吗" not in tokens and "？" not in tokens and "我们" not in tokens
    assert "申报" in tokens


def test_traditional_is_simplified() -> None:
    assert analyzer.simplify("創投計劃的申報截止日期是哪天？") == "创投计划的申报截止日期是哪天？"


def test_keywords_carry_variants() -> None:
    keywords = {k.term: k.variants for k in analyzer.keywords("北京第一家社工机构是哪家？")}
    assert "首家" in keywords["第一家"]


def test_english_question_maps_to_chinese_terms() -> None:
    assert analyzer.is_english("When is the deadline to apply?")
    terms = [t for group in analyzer.english_terms("When is the deadline for the venture programme?") for t in group]
    assert "截止" in terms and "创投计划" in terms
