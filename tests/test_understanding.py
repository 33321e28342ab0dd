"""How a message is read before it is answered: its script, slips, the clauses that ask, times, the words that
carry its topic; and, with the model, what it is understood to ask (each mechanism with a case it must answer
and one it must not)."""

from __future__ import annotations

import datetime as dt
import logging
from functools import cache

import pytest

from bot.answering.engine import Engine
from bot.answering.reply import Question, Turn
from bot.settings import PROJECT_ROOT
from bot.text.analyzer import TextAnalyzer
from bot.text.dates import time_mentions
from bot.text.slips import SlipReader
from bot.understanding.answer_types import answer_type
from bot.understanding.message import MessageReader, asking_part, find_ask, script_of
from bot.understanding.query import Keyword, analyze, match
from bot.understanding.reading import Reading

TODAY = dt.date(2026, 11, 24)


@cache
def analyzer() -> TextAnalyzer:
    return TextAnalyzer(PROJECT_ROOT / "knowledge" / "lexicon")


def reader(*terms: str) -> MessageReader:
    return MessageReader(analyzer(), SlipReader(terms))


# ---------------------------------------------------------------------- reading, without the model
def test_the_script_of_a_message() -> None:
    a = analyzer()
    assert script_of("魏善莊有社工站嗎", a) == "traditional"
    assert script_of("魏善庄有社工站吗", a) == "simplified"
    assert script_of("When is the deadline?", a) == "english"


def test_a_homophone_slip_of_a_domain_term_is_read_as_the_term() -> None:
    msg = reader("创投", "社工站").read("穿投什么时候截止", TODAY, [])
    assert msg.text.startswith("创投") and [s.term for s in msg.slips] == ["创投"]
    assert not reader("创投", "社工站").read("窗口什么时候关", TODAY, []).slips  # no slip where none is
    # after a year's digits, or a word that makes it a time (哪年, 去年, 三年), 年 ends it: not a slip of 年检
    for said in ("魏善庄镇社工服务中心是2019年建的对吧", "魏善庄的社工服务中心是哪年建的", "这个站是去年建的吧"):
        assert not reader("年检").read(said, TODAY, []).slips, said
    assert [s.term for s in reader("年检").read("我们年建都合格", TODAY, []).slips] == ["年检"]


def test_the_names_an_article_quotes_are_terms_whose_slips_are_caught() -> None:
    from bot.text.analyzer import quoted_terms
    text = "形成“以会带所”的模式，开展助老公益项目“银杏家园”，“两委”参与。"
    assert quoted_terms([text]) == ["以会带所", "银杏家园"]  # a two-character quote is too short to be sure of
    msg = reader(*quoted_terms([text])).read("银杏加园是干啥的", TODAY, [])
    assert msg.text.startswith("银杏家园") and [s.term for s in msg.slips] == ["银杏家园"]


@pytest.mark.slow
def test_a_slip_of_a_name_the_articles_quote_is_answered_as_that_name(engine: Engine) -> None:
    reply = engine.ask(Question("以会代所是哪个区搞的", TODAY))
    assert reply.answered and "以会带所" in reply.answer and "西城" in reply.answer


def test_spaces_between_chinese_words_are_clause_breaks() -> None:
    msg = reader().read("我们海淀的 成立两年 能报吗", TODAY, [])
    assert msg.text == "我们海淀的，成立两年，能报吗"


def test_the_clauses_that_ask() -> None:
    assert asking_part("我的电话是[手机号]，创投计划申报截止到几号？") == "创投计划申报截止到几号？"
    assert asking_part("上海的社工站有什么服务") == "上海的社工站有什么服务"
    assert asking_part("我们在海淀。") == "我们在海淀。"  # nothing asks: all of it
    # a clause that ends in 吗 asks, the comma after it notwithstanding
    assert asking_part("深圳的机构可以申请吗，怎么报") == "深圳的机构可以申请吗，怎么报"
    # an English verb asks where it leads its clause, not inside a statement
    assert asking_part("hi, what can u help me with? my chinese is not so good") == " what can u help me with?"
    assert asking_part("we are in Haidian, is it still open?") == " is it still open?"


def test_a_long_message_is_split_into_its_context_and_its_ask() -> None:
    context = "您好，我们是一家在朝阳区做了好几年老年服务的社会组织，今年团队调整了不少，材料也准备得差不多了。"
    ask, rest = find_ask(context + "想问一下申报截止到哪天？")
    assert ask == "想问一下申报截止到哪天？" and rest == context
    short = "申报截止到哪天？"
    assert find_ask(short) == (short, "")


def test_what_leads_up_to_a_colon_is_context() -> None:
    lead = "我是一家媒体的实习记者，在整理社工创投的稿子，编辑让我核对两个数："
    ask = "第一阶段一共有多少家机构报了名，初审以后入围的是多少家？"
    assert find_ask(lead + ask) == (ask, lead)
    assert asking_part("编辑让我核对两个数：入围的是多少家？") == "入围的是多少家？"
    assert asking_part("Q:入围的是多少家？") == "入围的是多少家？"
    assert asking_part("周六10:30开门吗") == "周六10:30开门吗"  # a time's colon ends nothing


def test_an_indefinite_ji_in_a_statement_does_not_ask() -> None:
    lead = "您好，我是一家公益咨询公司的，这段时间在帮几家北京的社工机构梳理创投申报材料。"
    ask = "入围以后还有什么环节？最后大概能有多少个项目拿到资助？"
    assert find_ask(lead + "客户比较关心后面的流程：" + ask)[0] == ask
    assert asking_part("我们帮过几家机构。截止到哪天？") == "截止到哪天？"
    assert asking_part("入围的有几家？") == "入围的有几家？"  # with a question mark it asks
    assert asking_part("入围的有几家") == "入围的有几家"  # and without any end


def test_a_follow_up_stands_alone_with_its_question() -> None:
    msg = reader().read("那签约呢？", TODAY, ["立项评审是什么时候"])
    assert msg.follow_up and msg.standalone == "立项评审是什么时候 那签约呢？"
    assert not reader().read("签约是什么时候？", TODAY, ["立项评审是什么时候"]).follow_up
    # a connective goes on from the message before
    msg = reader().read("所以现在是报不了了对吧", TODAY, ["创投计划啥时候可以报"])
    assert msg.follow_up and msg.standalone.startswith("创投计划啥时候可以报")


def test_a_bare_name_asks_the_question_before_of_that_place_or_thing() -> None:
    def standalone(before: str, text: str) -> str:
        return reader().read(text, TODAY, [before]).standalone

    assert standalone("北京现在有多少社工", "那全国呢") == "全国现在有多少社工"
    assert standalone("上海的社工机构是怎么发展起来的", "深圳那边呢？") == "深圳的社工机构是怎么发展起来的"
    # not a place, or no place before: the question before lends its topic as it did
    assert standalone("创投计划谁出钱", "那老人呢") == "创投计划谁出钱 那老人呢"
    assert standalone("创投什么时候截止", "那上海呢") == "创投什么时候截止 那上海呢"
    # another thing of the kind the question before named, told by the word both end in
    assert standalone("北京社协的会长是谁", "那副会长呢") == "北京社协的副会长是谁"
    assert standalone("初选什么时候做完？", "那签约呢") == "初选什么时候做完？ 那签约呢"  # nothing of its kind


@pytest.mark.slow
def test_the_same_question_of_another_place_is_answered_of_that_place(engine: Engine) -> None:
    history = [Turn("user", "北京现在有多少社工"),
               Turn("assistant", "据《公益时报》2022年3月报道：截至2021年年底，北京市约有7.68万名社工专业人才。")]
    assert "150万" in engine.ask(Question("那全国呢", TODAY, history)).answer


def test_a_follow_up_names_what_this_one_points_at() -> None:
    from bot.understanding.message import resolve
    before = "据《公益时报》2022-03-29报道：是通州的通运街道依托街道社会工作指导中心、社区社工站两级专业平台推进的。"
    assert resolve("这个街道是啥时候成立的", before) == "通运街道是啥时候成立的"
    assert resolve("这个村在哪", before) == "这个村在哪"  # nothing of that kind named: unchanged
    assert resolve("它是哪家机构承接的", before) == "它是哪家机构承接的"  # pronouns are left alone


def test_thanks_in_ones_own_words() -> None:
    from bot.understanding.smalltalk import SmalltalkReader
    small = SmalltalkReader(["你好"], ["谢谢", "谢谢你", "多谢", "好的", "明白了"])
    simple = analyzer().simplify
    assert small.read(simple("好的明白了 谢谢你啊 帮大忙了🙏")) is not None
    assert small.read(simple("多謝晒，幫咗好多")) is not None
    assert small.read(simple("谢谢，创投截止是哪天")) is None  # it asks
    assert small.read(simple("谢谢 我们机构注册5年了")) is None  # it tells a figure
    assert small.read(simple("帮大忙了")) is None  # no thanks in it


def test_times_as_people_say_them() -> None:
    today = dt.date(2022, 3, 30)  # a Wednesday
    [next_wed] = time_mentions("下周三还能交吗", today)
    assert next_wed.first == next_wed.last == dt.date(2022, 4, 6)
    [end_of_month] = time_mentions("月底前来得及吗", today)
    assert end_of_month.last == dt.date(2022, 3, 31)
    assert time_mentions("我们成立三年了", today) == []  # a duration is not a moment
    assert next_wed.names_days() and end_of_month.names_days()
    [year] = time_mentions("2023年的创投", today)
    [daytime] = time_mentions("白天去交行吗", today)
    assert not year.names_days() and not daytime.names_days()  # a year, a time of day: no day named


def test_a_phrase_the_time_parser_gives_up_on_logs_no_error(caplog: pytest.LogCaptureFixture) -> None:
    """"每年大概" makes the parser give up with a traceback on the root logger: nothing in the error log."""
    with caplog.at_level(logging.DEBUG):
        time_mentions("社工专业的学生每年大概毕业多少人", TODAY)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_function_words_carry_no_topic() -> None:
    """Question words, hedges and "back then" are not what a question is about."""
    terms = {k.term for k in analyzer().keywords("12年那会儿北京一共有多少家社工事务所")}
    assert "那会儿" not in terms and {"社工事务所", "北京", "12"} <= terms
    terms = {k.term for k in analyzer().keywords("申报材料第一轮是谁来审的 几个专家看")}
    assert "几个" not in terms and "专家" in terms
    assert "大概" not in {k.term for k in analyzer().keywords("全国大概有多少专业社工")}


def test_a_set_phrase_names_a_thing_only_when_a_word_in_it_does() -> None:
    """The tagger reads "劳动合同" and "就行了" alike as set phrases; only the first names something."""
    a = analyzer()
    assert "劳动合同" in a.nouns("专职人数是按劳动合同算吗")
    assert "联系方式" in a.nouns("社工站的联系方式有吗")
    assert a.nouns("月底前交就行了吧") == []
    assert "是不是" not in a.nouns("是不是已经截止了")
    assert asking_part("月底前交就行了吧，这几天忙疫情的事") == "月底前交就行了吧，"  # 这几天 does not ask
    assert asking_part("我们在朝阳，有公众号没") == "有公众号没"  # a clause-final 没/不 asks


def test_a_question_form_is_not_a_topic() -> None:
    """"A不A" asks ("难不难", "多不多") and names nothing; "这钱" names 钱 at most, not a thing called 这钱."""
    a = analyzer()
    assert asking_part("申请流程难不难，我们第一次报") == "申请流程难不难，"
    assert {k.term for k in a.keywords("申请流程难不难")} == {"申请", "流程"}
    assert "这钱" not in a.nouns("这钱是谁给的") and "机构" in a.nouns("该机构在哪")


def test_a_word_added_to_the_search_is_searched_whole() -> None:
    """社工's variant 社会工作者 is searched as that word, not as 社会, 工作 and 作者, words of every passage."""
    tokens = analyzer().query_tokens("北京有多少社工")
    assert {"社工", "社会工作者"} <= set(tokens) and "作者" not in tokens and tokens.count("工作") <= 1
    english = analyzer().query_tokens("When is the deadline for the venture programme?")
    assert "创投计划" in english and "截止" in english


def test_what_an_english_question_counts() -> None:
    assert analyze("How many projects will be funded?", analyzer(), []).count_noun == "项目"
    assert analyze("how many projects got funded", analyzer(), []).count_noun == "项目"


@pytest.mark.slow
def test_how_many_social_workers_is_answered_with_the_social_workers_counted(engine: Engine) -> None:
    """Not with the 50 agencies of 2012, whose passages say 社工 more often."""
    reply = engine.ask(Question("北京一共有多少社工", TODAY))
    assert reply.answered and "7.68万" in reply.answer


def test_a_name_led_by_a_latin_letter_is_one_word() -> None:
    """"V创投" is another programme than "创投": one keyword where the passages write it so, never partly found."""
    corpus = ["组织开展志愿服务v创投计划，截至目前共吸引573个志愿服务项目参选。", "此次创投计划将对15个项目予以资助"]
    info = analyze("那v创投一共资助几个", analyzer(), corpus)
    assert [k.term for k in info.keywords][:1] == ["v创投"] and "创投" not in {k.term for k in info.keywords}
    assert match(info.keywords[0], corpus[1], analyzer()) == 0.0
    both = {k.term for k in analyze("v创投跟社工创投一样吗", analyzer(), corpus).keywords}
    assert {"v创投", "创投"} <= both  # 创投 said apart from the name is a word of its own
    assert [k.term for k in analyze("b超在哪做", analyzer(), corpus).keywords][:1] != ["b超"]  # not in the passages


def test_what_a_count_question_counts_is_the_head_of_its_phrase() -> None:
    assert analyze("镇里一共有几个村的社工站", analyzer(), []).count_noun == "社工站"
    assert analyze("管着几个村的", analyzer(), []).count_noun == "村"


def test_a_compound_is_matched_by_its_head_not_by_its_modifier() -> None:
    """"社工站" (a station) is not found in a sentence about "社工" (social workers); "村级社工站" (a kind of
    station) is partly found in one about "社工站"."""
    a = analyzer()
    station = Keyword("社工站", a.variants("社工站"))
    assert match(station, "上海市共有从事社会工作相关服务的社工机构", a) == 0.0
    village = Keyword("村级社工站", ())
    assert match(village, "全镇的社工站都有专人值守", a) > 0


def test_what_kind_of_answer_a_question_wants() -> None:
    """A where-question wants a place (an address, or where an event was held); "啥时" is "什么时候"."""
    from bot.understanding.answer_types import answer_type, has_answer_type
    assert answer_type("北京社协的办公地点在哪儿") == "place"
    assert answer_type("创投项目啥时候签约") == "date"
    assert has_answer_type("place", "中心位于魏善庄镇政府院内3号楼")
    assert has_answer_type("place", "推进会在深圳召开")
    assert not has_answer_type("place", "中心为老人提供上门探访服务")
    # A count is a figure, not a year or a day ("2007年初" counts nothing; "13个" and "4.69万" do)
    assert not has_answer_type("count", "2007年初，深圳市政府成立了调研组，社工机构纷纷涌现。")
    assert not has_answer_type("count", "征集时间为3月17日至4月10日")
    assert has_answer_type("count", "统筹管理13个村级社工站") and has_answer_type("count", "平均税后年薪4.69万")
    assert has_answer_type("count", "举办第七届北京社会工作主题宣传活动")  # 第几届 is answered by an ordinal
    assert not has_answer_type("count", "深圳选择了一条与上海不同的道路")  # 一条 counts nothing
    # A list of names asks for organisations by name; the word "机构" names none
    assert answer_type("最后那15家中选机构的名单能发我看看吗") == "org"
    assert answer_type("入选的15个项目都是哪些机构") == "org"
    assert answer_type("进了入围名单以后还有什么环节") == "any"  # the list is where they are, not what is asked
    assert has_answer_type("org", "由北京社会工作者协会承接")
    assert not has_answer_type("org", "最终将对15个项目予以资助，面向北京市范围内社会服务机构")


def test_each_clause_that_asks_is_a_part_of_the_question() -> None:
    """"啥时候成立，下面管几个村站" asks twice, each part for its own kind of answer; a clause that only
    tells goes with the part it leads up to; "啥" and "咋" ask as "什么" and "怎么" do."""
    from bot.understanding.answer_types import answer_type
    from bot.understanding.message import asks
    from bot.understanding.query import asked_parts
    assert asks("啥时候成立") and asks("专职人员咋算")
    assert asked_parts("魏善庄镇的社工服务中心啥时候成立，下面管几个村站") == [
        "魏善庄镇的社工服务中心啥时候成立，", "下面管几个村站"]
    assert asked_parts("社工平均一年能挣多少，我在考虑报社工专业") == ["社工平均一年能挣多少，我在考虑报社工专业"]
    assert asked_parts("创投最后给几个项目钱？具体是哪家在操办") == ["创投最后给几个项目钱？", "具体是哪家在操办"]
    parts = asked_parts("我们刚成立，想了解一下，截止是哪天，要交什么材料")
    assert parts == ["我们刚成立，想了解一下，截止是哪天，", "要交什么材料"]
    assert [answer_type(p) for p in parts] == ["date", "any"]


def test_what_a_question_sets_aside_does_not_steer_it() -> None:
    """"除了机构资质，项目本身有啥要求" asks about projects: the criteria it sets aside are not its ask."""
    msg = reader().read("除了机构资质 项目本身有啥硬性要求", TODAY, [])
    assert msg.ask == "项目本身有啥硬性要求"
    assert reader().read("除了资质以外项目还有什么要求", TODAY, []).ask == "项目还有什么要求"
    assert reader().read("除了吃饭", TODAY, []).ask == "除了吃饭"  # nothing left to ask: kept whole
    # not an exception clause: "以外的城市" qualifies, "其他的呢" names nothing, "我除了想问" asks both
    for text in ("除了北京以外的城市有社工站吗？", "除了这个项目之外，其他的呢", "我除了想问截止时间，还想问在哪报名"):
        assert reader().read(text, TODAY, []).ask == text


def test_the_next_item_of_a_list_continues_it() -> None:
    from bot.answering.whole import _follows
    assert _follows("第一，专业化。", "第二，职业化。") and _follows("二是以待遇留人", "三是以感情留人")
    assert _follows("第三，社会化。", "最后，要加强组织建设。")
    assert not _follows("第四，市场化。", "一是以事业留人") and not _follows("第一，专业化。", "第三，社会化。")


def test_a_sentence_that_is_the_first_item_brings_the_next() -> None:
    """"有两种，一是……" is the first item: its example comes along when "第二类是……" follows, else nothing does."""
    from bot.answering.candidates import Candidate
    from bot.answering.whole import with_enumerations
    from bot.index.passages import Chunk, Source

    def first(*sentences: str) -> Candidate:
        chunk = Chunk("c", "d", "t", "2012-11", "", "".join(sentences), 0, sentences)
        return Candidate(0, Source(chunk, 1.0), 0, sentences[0], 1.0, 0.9, True, 1.0)

    second = "第二类是校地合作，由街道牵头，依托高校的社会工作系组建，街道提供场地和资金。"
    listed = first("组建方式有两种，一是整合现有组织。", "如甲机构。", second, "另起一段。")
    assert [c.text for c in with_enumerations([listed])][1:] == ["如甲机构。", second]
    alone = first("办法之一是整合现有组织。", "如甲机构。", "后来又有变化。")
    assert with_enumerations([alone]) == [alone]


def test_opening_hours_asked_in_english() -> None:
    from bot.understanding.answer_types import answer_type
    assert answer_type("what time does the station open on sundays") == "hours"
    assert answer_type("is the application still open") != "hours"


def test_the_kind_of_answer_is_what_the_asking_clause_wants() -> None:
    """"诈骗电话" told as context does not make the question ask for a phone number; "在哪几方面" asks
    which aspects, not where."""
    from bot.understanding.answer_types import answer_type
    assert answer_type("家里老人空巢，还老接到诈骗电话，有没有什么公益项目管这个") == "contact"  # the whole text
    a = analyzer()
    from bot.understanding.query import analyze
    info = analyze("家里老人空巢，还老接到诈骗电话，有没有什么公益项目管这个", a, ["老人"])
    assert info.answer_type == "any"
    assert analyze("社工站的电话是多少", a, ["社工站"]).answer_type == "contact"
    assert answer_type("宋贵伦说社工要在哪几方面完善") == "any"
    # a bare asking clause asks about what comes before it
    from bot.understanding.answer_types import asked_type
    assert asked_type("社工站的电话，有吗？") == "contact" and asked_type("今年的经费，大概多少？") == "amount"
    assert asked_type("我想知道报名截止日期，能告诉我吗？") == "date"
    assert asked_type("家里老人空巢，还老接到诈骗电话，有没有什么公益项目管这个") == "any"
    assert answer_type("恳谈会在哪开的") == "place"


# ---------------------------------------------------------------------- with the model
@pytest.mark.slow
def test_context_before_the_ask_does_not_turn_a_deadline_question_away(engine: Engine) -> None:
    reply = engine.ask(Question("我的电话是[手机号]，创投计划申报截止到几号？", TODAY))
    assert reply.answered and reply.kind == "timeline" and "4月10日" in reply.answer


@pytest.mark.slow
def test_a_question_naming_what_the_announcement_does_not_goes_elsewhere(engine: Engine) -> None:
    reply = engine.ask(Question("创投计划的申报书模板在哪下载", TODAY))
    assert reply.kind != "timeline" and "4月10日" not in reply.answer


@pytest.mark.slow
def test_a_place_the_articles_do_not_give_is_not_guessed(engine: Engine) -> None:
    reply = engine.ask(Question("北京社协的办公地点在哪儿", TODAY))
    assert not reply.answered and "资料里没有" in reply.answer and "北京市民政局" in reply.answer
    reply = engine.ask(Question("社会工作高质量发展恳谈会在什么地方召开的？", TODAY))
    assert reply.answered and "建外街道" in reply.answer
    reply = engine.ask(Question("创投项目啥时候签约", TODAY))
    assert reply.answered and "4月中下旬" in reply.answer


@pytest.mark.slow
def test_an_english_deadline_question_is_decided_by_the_rules(engine: Engine) -> None:
    """English words are not things the announcement fails to name: the glossary's Chinese is judged."""
    reply = engine.ask(Question("Is the application window for the 2022 social work venture program still open?",
                                TODAY))
    assert reply.kind == "timeline" and "已截止" in reply.answer and reply.answer.startswith("(Answer in")
    named = engine.reader.named
    assert engine.router.foreign(named("Is there a similar exam for social workers?")) == []  # not in the glossary
    assert engine.router.foreign(named("创投计划的申报书模板在哪下载")) != []


@pytest.mark.slow
def test_greetings_thanks_and_help_by_exact_rules(engine: Engine) -> None:
    assert engine.ask(Question("你好", TODAY)).kind == "chat"
    assert engine.ask(Question("谢谢！", TODAY)).kind == "chat"
    unknown = engine.ask(Question("/foo", TODAY))
    assert unknown.kind == "chat" and "/foo" in unknown.answer
    assert engine.ask(Question("你好，创投计划什么时候截止？", TODAY)).kind == "timeline"  # not only a greeting


def test_what_is_it_for_is_about_the_bot_only_when_it_names_nothing_of_the_passages(engine: Engine) -> None:
    for text in ("你是干嘛的", "你们这个机器人能干嘛", "你能做什么"):
        assert engine.ask(Question(text, TODAY)).kind == "chat", text
    reply = engine.ask(Question("听说字节那边有个助老的项目叫银杏啥的，是干嘛的", TODAY))
    assert reply.kind == "answer" and "银杏家园" in reply.answer


@pytest.mark.slow
def test_a_deadline_asked_in_everyday_words_is_dated(engine: Engine) -> None:
    reply = engine.ask(Question("下周三还能交吗", dt.date(2022, 3, 30),
                                [Turn("user", "创投计划什么时候截止？"), Turn("assistant", "4月10日")]))
    assert reply.kind == "timeline" and "4月10日" in reply.answer and "4月6日" in reply.answer


@pytest.mark.slow
def test_a_day_named_without_a_deadline_word_asks_about_the_window(engine: Engine) -> None:
    """"下礼拜一再交行不行" names a day and no "截止": the day is compared with the window, and a time is not
    a thing the announcement fails to name."""
    reply = engine.ask(Question("创投申报书下礼拜一再交行不行", dt.date(2022, 4, 6)))
    assert reply.kind == "timeline" and "4月10日" in reply.answer and "4月11日" in reply.answer
    read = engine.reader.understand("创投下礼拜一再交行不行", dt.date(2022, 4, 6), [])
    assert isinstance(read, Reading) and engine.router.foreign(read.named) == []
    assert engine.router.foreign(engine.reader.named("创投下礼拜一再交行不行")) != []  # the same words, times kept
    assert engine.ask(Question("创投计划是谁出钱的", TODAY)).kind != "timeline"


@pytest.mark.slow
def test_exact_time_cues_decide_before_the_closest_examples(engine: Engine) -> None:
    """"还能报" near "成立几年才能报" is still a question about the window; a day named with handing in is too,
    without naming the programme."""
    assert engine.ask(Question("社工创投这会儿还可以申报吗", TODAY)).kind == "timeline"
    reply = engine.ask(Question("材料大后天再递过去可以吗", dt.date(2022, 4, 9)))
    assert reply.kind == "timeline" and "4月10日" in reply.answer and "4月12日" in reply.answer
    assert engine.ask(Question("下周三可以去社工站咨询吗", TODAY)).kind != "timeline"
    # when to hand in, asked with "最晚" and no day or deadline word: the window, dated against today
    reply = engine.ask(Question("材料最晚啥时候交", dt.date(2022, 4, 5)))
    assert reply.kind == "timeline" and "4月10日" in reply.answer and "还有6天" in reply.answer
    assert engine.ask(Question("社工站平时最晚开到几点", TODAY)).kind != "timeline"


@pytest.mark.slow
def test_there_in_the_ask_is_the_place_named_before_it(engine: Engine) -> None:
    reply = engine.ask(Question("我姥姥在广州住，那边有没有社工上门服务", TODAY))
    assert not reply.answered and "广州" in reply.answer


@pytest.mark.slow
def test_a_residents_need_is_answered_from_what_the_passages_say_of_it(engine: Engine) -> None:
    """The story around a need ("我奶奶刚做完手术回家") is in words no passage uses; the need is not, and the
    reply says where to turn. A need the articles do not speak of is not "outside what I answer": the reply
    says so and tells what the stations of that kind of place do, from their cards, and where to turn; one
    asking how to apply, book or pay, which no card tells, is declined."""
    reply = engine.ask(Question("我奶奶刚做完手术回家，社区的社工能帮着做康复吗", TODAY))
    assert reply.answered and "社区康复" in reply.answer and "社区社工站" in reply.answer
    missing = engine.ask(Question("孩子多动症，医生让做感统训练，谁能帮帮我们", TODAY))
    assert missing.answered and missing.kind == "station" and "没有专门的介绍" in missing.answer
    assert "社会心理服务" in missing.answer and "个案帮扶" in missing.answer and "社区社工站" in missing.answer
    assert "2022年3月29日" in missing.answer  # the cards' source, dated
    village = engine.ask(Question("我爸一个人在村里住，腿脚不好，我们都在城里上班，谁能帮帮他", TODAY)).answer
    assert "村级社工站" in village and "运河园社区" not in village
    for asked in ("孩子多动症，想做感统训练，去哪办手续", "我妈腿脚不好，想找人上门照顾，怎么收费"):
        reply = engine.ask(Question(asked, TODAY))
        assert not reply.answered and "社工站" in reply.answer and "没有专门的介绍" not in reply.answer, asked


@pytest.mark.slow
def test_a_question_of_the_field_the_passages_do_not_answer_is_not_called_out_of_scope(engine: Engine) -> None:
    """Close in meaning to a criteria question, it is declined as not in the knowledge base, with the
    programme's contacts; a question of another field is still "not what I answer"."""
    reply = engine.ask(Question("专职人员按劳动合同还是按工资表来认定", TODAY))
    assert not reply.answered and "不在我能回答的范围" not in reply.answer and "北京社会工作者协会" in reply.answer
    assert "不在我能回答的范围" in engine.ask(Question("明天北京会下雨吗", TODAY)).answer


@pytest.mark.slow
def test_an_english_question_is_scored_on_the_scale_of_chinese_ones(engine: Engine) -> None:
    """Cross-lingual similarities run lower: an English question's candidates are lifted by the measured gap."""
    from bot.answering.candidates import CROSS_LINGUAL
    text = "social workers in Beijing, how many?"
    qvec = engine._query_vector(text)
    sources = engine.retriever.sources(text, qvec, "hybrid")
    info = analyze(text, engine.analyzer, engine.reader.corpus)
    assert info.english
    best = engine.composer.candidates(info, sources, qvec)[0]
    raw = engine.composer.retriever.sentence_similarities(qvec, best.source.chunk.id)[best.index]
    assert best.similarity == pytest.approx(raw + CROSS_LINGUAL)


@pytest.mark.slow
def test_a_list_the_articles_do_not_give_is_declined(engine: Engine) -> None:
    reply = engine.ask(Question("最后拿到资助的15个项目名单能发我一下吗", TODAY))
    assert not reply.answered
    reply = engine.ask(Question("恳谈会是哪些机构参加的", TODAY))
    assert reply.answered and "联合会" in reply.answer


@pytest.mark.slow
def test_a_question_about_another_city_is_answered_only_about_that_city(engine: Engine) -> None:
    """The place and what is asked of it must both be in the answer; else "my articles are about Beijing"."""
    reply = engine.ask(Question("上海有没有类似的社工创投计划 我们在上海也有分部", TODAY))
    assert not reply.answered and "上海" in reply.answer and "4月10日" not in reply.answer
    reply = engine.ask(Question("深圳现在有多少家社工机构", TODAY))
    assert not reply.answered
    reply = engine.ask(Question("上海现在有多少家专业社工机构", TODAY))  # the 2012 article gives it
    assert reply.answered and "66家" in reply.answer
    # An applicant's own seat elsewhere is a fact for the rules, not a question about that city
    reply = engine.ask(Question("我们是上海民政局注册的机构，能报创投吗", TODAY))
    assert reply.kind == "eligibility" and reply.eligibility is not None
    assert reply.eligibility.verdict == "ineligible"


@pytest.mark.slow
def test_a_follow_up_about_the_place_the_reply_named(engine: Engine) -> None:
    history = [Turn("user", "运河园社区的全职妈妈计划是哪个街道搞的"),
               Turn("assistant", "据《公益时报》2022年3月报道：是通州的通运街道依托街道社会工作指导中心推进的。")]
    reply = engine.ask(Question("这个街道是啥时候成立的", TODAY, history))
    assert reply.answered and "2018" in reply.answer


@pytest.mark.slow
def test_a_follow_up_is_answered_with_more_than_the_reply_it_follows(engine: Engine) -> None:
    """"它具体做了些啥" after the founding date asks a question of its own (not a date again), and the sentence
    the reply already said gives way; one naming what it asks about ("西城呢") is answered by the sentence
    naming it, said before or not."""
    first = "通运街道是什么时候成立的"
    said = engine.ask(Question(first, TODAY))
    assert "2018年年底" in said.answer
    history = [Turn("user", first), Turn("assistant", said.answer)]
    more = engine.ask(Question("它具体做了些啥", TODAY, history))
    assert more.answered and "2018年年底" not in more.answer and "两级" in more.answer
    history = [Turn("user", "东城区社工事务所起步咋样"),
               Turn("assistant", "据《公益时报》2012年11月报道：东城区、西城区在社工事务所建设方面进行了较早探索。"
                                 "西城区则于2008年7月首先成立了全市首家区级社会工作者联合会，并于2009年成立了悦群、仁助和睦友等社工事务所。")]
    assert "悦群" in engine.ask(Question("西城呢", TODAY, history)).answer


@pytest.mark.slow
def test_the_round_asked_about_is_the_year_of_the_asking_clause(engine: Engine) -> None:
    """"去年没赶上" is context: the question asks about 2023, a round the knowledge does not hold."""
    reply = engine.ask(Question("2023年的社工创投啥时候开始征集？去年没赶上", dt.date(2023, 2, 10)))
    assert not reply.answered and "2023年" in reply.answer
    reply = engine.ask(Question("去年的创投是几号截止的？", dt.date(2023, 2, 10)))
    assert reply.answered and "4月10日" in reply.answer
    # "今年还有创投吗" in 2026 asks for a round the rules do not know, whatever kind of question it reads as:
    # not the 2022 article's "今年3月", but what round is known
    for asked in ("今年还有创投吗", "明年还搞社工创投不"):
        reply = engine.ask(Question(asked, TODAY))
        assert not reply.answered and "2022年3月17日至4月10日" in reply.answer, asked
        assert ("2026年" if "今年" in asked else "2027年") in reply.answer
    assert engine.ask(Question("今年还有创投吗", dt.date(2022, 3, 20))).answered


@pytest.mark.slow
def test_a_false_premise_about_the_deadline_is_corrected(engine: Engine) -> None:
    reply = engine.ask(Question("创投截止是4月20号吧？", TODAY))
    assert "4月10日" in reply.answer and "4月20" in reply.answer  # says what was claimed and what is right
    # While the window is open, a later day claimed as the deadline is still to come: not "已过"
    reply = engine.ask(Question("创投是4月25号截止吧？", dt.date(2022, 4, 3)))
    assert "不是4月25日截止" in reply.answer and "晚于截止日" in reply.answer and "已过" not in reply.answer
    reply = engine.ask(Question("创投是4月25号截止吧？", dt.date(2022, 5, 3)))
    assert "已过截止日" in reply.answer


@pytest.mark.slow
def test_a_traditional_question_gets_a_traditional_reply_with_verbatim_quotes(engine: Engine) -> None:
    reply = engine.ask(Question("創投計劃的申報截止日期是哪天？", TODAY))
    assert "4月10日" in reply.answer
    outside = "".join(part.split("”")[-1] for part in reply.answer.split("“"))
    assert "劃" in outside and "划" not in outside  # Traditional characters outside the quotes
    for quoted in reply.verbatim:
        assert quoted in reply.answer  # a source's own words stay as the source wrote them


@pytest.mark.slow
def test_a_slip_is_answered_with_what_was_understood(engine: Engine) -> None:
    reply = engine.ask(Question("穿投计划什么时候截止", TODAY))
    assert reply.answered and "4月10日" in reply.answer and "创投" in reply.answer.splitlines()[0]


@pytest.mark.slow
def test_third_party_facts_are_not_the_applicants(engine: Engine) -> None:
    reply = engine.ask(Question("我帮一家客户机构看条件，他们成立刚满两年半，这个年限够吗", TODAY))
    assert reply.kind != "eligibility" or reply.eligibility is None or reply.eligibility.verdict != "eligible"
    assert "三年" in reply.answer or "3年" in reply.answer


@pytest.mark.slow
def test_a_word_the_articles_never_use_is_matched_by_meaning(engine: Engine) -> None:
    """"筛完" stands for the articles' "筛选"; "执行期" is not "执行" (its head, 期, is what it asks about);
    an unrelated word finds no stand-in."""
    near = engine.composer.near
    assert near is not None
    found = near(["筛完", "执行期", "横幅"])
    assert "筛选" in found["筛完"]
    assert "执行" not in found["执行期"] and found["横幅"] == ()
    reply = engine.ask(Question("第一轮筛完还剩几家机构", TODAY))
    assert reply.answered and "30家" in reply.answer
    reply = engine.ask(Question("资助的项目执行期多长，钱是一次性拨付吗", TODAY))
    assert not reply.answered



@pytest.mark.slow
def test_criteria_set_aside_are_not_the_answer(engine: Engine) -> None:
    reply = engine.ask(Question("除了机构资质 项目本身有啥硬性要求", TODAY))
    assert reply.answered and reply.kind != "criteria" and "创新" in reply.answer


@pytest.mark.slow
def test_an_enumeration_is_kept_whole_across_passages_and_stops_at_its_end(engine: Engine) -> None:
    """"第一，专业化。…第四，市场化。" runs past the usual answer length and the end of its passage; the
    next speaker's "一是以事业留人" starts another list and stays out."""
    reply = engine.ask(Question("宋贵伦说社工要完善哪四个方面", TODAY))
    assert reply.answered
    for point in ("专业化", "职业化", "社会化", "市场化"):
        assert point in reply.answer
    assert "以事业留人" not in reply.answer


@pytest.mark.slow
def test_a_question_the_article_asks_comes_with_its_answer(engine: Engine) -> None:
    """"字节跳动…为何开始关注社会工作？" asks what the sentence after it answers: an answer quoting the article's
    question goes on to the first sentence that does not ask (past questions in a row)."""
    for text in ("一个互联网企业为什么要关注社会工作", "这种协同和参与究竟怎么达成"):
        reply = engine.ask(Question(text, TODAY))
        quote = "".join(p.text for p in reply.parts if p.role == "quote")
        assert reply.answered and "？" in quote and not quote.endswith(("？", "?")), text
    quote = "".join(p.text for p in engine.ask(Question("字节跳动做社工有什么优势", TODAY)).parts if p.role == "quote")
    assert "有哪些优势？" in quote and "互联网技术资源" in quote


@pytest.mark.slow
def test_an_organisation_outside_beijing_is_told_the_place_criterion(engine: Engine) -> None:
    """Where the applicant is decides the first criterion: its own place gets a verdict, another
    organisation's place or "外地" the criterion itself; whether another city has such a programme is
    still not known."""
    reply = engine.ask(Question("我们是河北的机构，能报吗", TODAY))
    assert reply.kind == "eligibility" and reply.eligibility is not None
    assert reply.eligibility.verdict == "ineligible"
    assert [c.id for c in reply.eligibility.criteria if c.status == "fail"] == ["beijing_org"]
    for question in ("天津的社工机构能报这个创投吗", "外地机构能不能报"):
        reply = engine.ask(Question(question, TODAY))
        assert reply.answered and reply.kind == "criteria" and "北京市范围内" in reply.answer
        assert [p.role for p in reply.parts].count("criterion") == 1
    assert not engine.ask(Question("上海有没有类似的创投计划", TODAY)).answered


@pytest.mark.slow
def test_a_message_telling_its_own_facts_does_not_ask_about_the_bot(engine: Engine) -> None:
    told = ("我们情况是这样：朝阳区民政局注册，2018年3月成立，专职14人社保都在单位交，年检年年合格，没受过处罚，"
            "核心成员6个，其中两个社工师都在我们这干了3年了。应该没问题吧？")
    reply = engine.ask(Question(told, dt.date(2022, 4, 3)))
    assert reply.kind == "eligibility" and reply.eligibility is not None
    assert reply.eligibility.verdict == "eligible"
    assert engine.ask(Question("你能回答什么问题", TODAY)).kind == "chat"


@pytest.mark.slow
def test_a_follow_up_wants_the_kind_of_answer_it_asks_for(engine: Engine) -> None:
    """"那会上…是谁" after "在哪开的" asks for a person, not a place; a bare "那…呢" keeps the earlier kind."""
    def kind(earlier: str, answered: str, text: str) -> str:
        read = engine.reader.understand(text, TODAY, [earlier], None, answered)
        assert isinstance(read, Reading)
        return read.query.answer_type

    said = "据《公益时报》2020年报道：恳谈会在北京市朝阳区建外街道党群活动中心召开。"
    assert kind("2020年那个社工恳谈会在哪开的", said, "那会上北京社协的会长是谁") == "person"
    assert kind("2020年那个社工恳谈会在哪开的", said, "那2019年的呢") == "place"


def test_a_short_name_the_documents_define_stands_for_the_full_name() -> None:
    from bot.text.analyzer import abbreviations
    text = "记者来到北京社会工作者协会（以下简称“北京社协”）。北京惠泽人公益发展中心(以下简称“惠泽人”)是……"
    assert abbreviations(text) == [("北京社会工作者协会", "北京社协"), ("惠泽人公益发展中心", "惠泽人")]
    assert abbreviations("字节跳动公益基金会(以下简称“字节跳动公益基金会”)") == []  # nothing to stand for
    a = TextAnalyzer(PROJECT_ROOT / "knowledge" / "lexicon")
    a.learn_abbreviations([text])
    assert "北京社会工作者协会" in a.variants("北京社协") and "北京社协" in a.variants("北京社会工作者协会")


@pytest.mark.slow
def test_a_sentence_saying_the_questions_phrase_answers_it(engine: Engine) -> None:
    """"北京社协的会长" is said by "北京社会工作者协会会长李新京", not by a list naming the association's
    副会长 among others; in a follow-up the phrase is the follow-up's own."""
    assert "李新京" in engine.ask(Question("北京社协的会长是谁", TODAY)).answer
    history = [Turn("user", "2020年那个社工恳谈会在哪开的"),
               Turn("assistant", "据《公益时报》2020年报道：恳谈会在北京市朝阳区建外街道党群活动中心召开。")]
    reply = engine.ask(Question("那会上北京社协的会长是谁", TODAY, history))
    assert reply.answered and "李新京" in reply.answer


def test_a_person_in_a_role_is_asked_for_by_the_role() -> None:
    from bot.understanding.answer_types import has_answer_type
    assert answer_type("北京社协的会长是谁") == "person"
    assert answer_type("负责这事的领导叫啥") == "person"
    assert answer_type("是谁说要以事业留人") == "person"
    assert answer_type("创投是谁出的钱") == "org"  # who pays is an organisation
    assert has_answer_type("person", "北京社协常务副会长兼秘书长沈小平告诉记者")
    assert not has_answer_type("person", "中国社会工作联合会副秘书长、《公益时报》社总编辑")


@pytest.mark.slow
def test_they_after_a_question_asking_who_is_the_organisation_the_reply_named(engine: Engine) -> None:
    """"他们" after "是谁在执行" is the organisation the reply named; "它" is as often the topic and is left."""
    said = "据《公益时报》2022年3月报道，北京社会工作者协会（北京社协）是此次创投计划的承接机构。"
    msg = engine.reader.message("他们那边一共收到多少份申报书", TODAY, ["创投具体是谁在执行？"], None, said)
    assert "北京社会工作者协会那边" in msg.standalone and msg.standalone.startswith("创投具体是谁在执行")
    msg = engine.reader.message("那它总共资助几个项目", TODAY, ["创投计划是谁出钱的？"], None,
                                "据《公益时报》2022年3月报道：由北京字节跳动公益基金会启动。")
    assert "基金会" not in msg.standalone.split(" ", 1)[-1]
    msg = engine.reader.message("他们那边一共收到多少份申报书", TODAY, ["创投什么时候截止"], None, said)
    assert "北京社会工作者协会" not in msg.standalone  # the question before asked no who


def test_a_short_form_matches_the_full_form_it_abbreviates() -> None:
    """Chinese short forms keep characters of the full form in order: 初选 = 初步评选; a word whose characters lie
    far apart is not abbreviated there."""
    kw = Keyword("初选", ("初选",))
    assert 0 < match(kw, "初步评选出30家入围机构", analyzer()) < 1
    assert match(kw, "初步的评价和挑选", analyzer()) == 0
    assert match(Keyword("年检", ("年检",)), "每年度检查一次", analyzer()) > 0


def test_how_long_and_either_or_ask() -> None:
    from bot.understanding.message import asks
    assert asks("资助的项目执行期多长") and asks("钱是一次拨还是分期拨")
    assert not asks("我还是想先了解一下")
    assert "哪开" not in [k.term for k in analyzer().keywords("恳谈会那次是在哪开的")]


@pytest.mark.slow
def test_the_askers_own_story_does_not_turn_an_answer_away(engine: Engine) -> None:
    """Words of a clause that does not ask ("做稿子要用"), which no passage uses, are the asker's story."""
    reply = engine.ask(Question("恳谈会那次是在哪开的？做稿子要用", TODAY))
    assert reply.answered and "建外街道" in reply.answer
    assert not engine.ask(Question("项目执行期一般是一年还是两年？钱是一次拨还是分期拨", TODAY)).answered


@pytest.mark.slow
def test_a_question_naming_nothing_after_a_conversation_follows_it_up(engine: Engine) -> None:
    """"谁办的啊" names nothing of its own: it means what it means after the question before; "那现在来不及了吧"
    after a question about the window asks whether it is still open."""
    assert engine.reader.message("谁办的啊", TODAY, ["北京第一家社工事务所是哪个"]).follow_up
    assert not engine.reader.message("创投计划面向哪些机构", TODAY, ["创投计划啥时候可以报"]).follow_up
    history = [Turn("user", "创投计划啥时候可以报"),
               Turn("assistant", "据《公益时报》2022年3月报道，2022社会工作创投计划的项目征集时间为3月17日至4月10日。")]
    reply = engine.ask(Question("那现在来不及了吧", TODAY, history))
    assert reply.kind == "timeline" and "已截止" in reply.answer


@pytest.mark.slow
def test_what_someone_said_is_given_whole(engine: Engine) -> None:
    """"李新京讲了啥": the sentences after the one naming him, to the next speaker."""
    reply = engine.ask(Question("李新京讲了啥", TODAY))
    assert reply.answered and "以事业留人" in reply.answer and "以感情留人" in reply.answer
    assert "宋贵伦" not in reply.answer


@pytest.mark.slow
def test_a_follow_up_about_something_else_is_not_answered_with_the_earlier_topic(engine: Engine) -> None:
    """The question followed lends its topic; a follow-up naming things no answer names is declined, as a
    question of the field (not "outside what I answer")."""
    told = "据《公益时报》2012年11月报道，2009年6月成立的东城区助人社工事务所是北京首家专业社工机构。"
    history = [Turn("user", "北京第一家社工事务所是哪个"), Turn("assistant", told)]
    reply = engine.ask(Question("那食堂饭菜好吃吗", TODAY, history))
    assert not reply.answered and "不在我能回答的范围" not in reply.answer
    reply = engine.ask(Question("那西城区呢", TODAY, history))
    assert reply.answered and "西城" in reply.answer


def test_an_ordinal_asks_for_a_count() -> None:
    assert answer_type("这是第几届啊") == "count"


@pytest.mark.slow
def test_a_sentence_about_another_programme_does_not_answer_for_the_one_asked(engine: Engine) -> None:
    """"字节那个创投计划是哪家承接执行的": the 2022 round is run by 北京社协; 惠泽人 runs the V创投, which the
    question does not name."""
    reply = engine.ask(Question("字节那个创投计划是哪家承接执行的", TODAY))
    first = reply.answer.split("。")[0]
    assert reply.answered and "北京社协" in first and "惠泽人" not in first
    assert "惠泽人" in engine.ask(Question("V创投是哪家承接的", TODAY)).answer


@pytest.mark.slow
def test_who_a_named_person_is_is_their_title(engine: Engine) -> None:
    """"刘京是啥职务": the sentence giving the person with their title; 职务 is what is asked, not a topic."""
    info = analyze("刘京是啥职务", engine.analyzer, engine.reader.corpus)
    assert info.answer_type == "person" and [k.term for k in info.keywords] == ["刘京"]
    assert analyze("创投是谁出的钱", engine.analyzer, engine.reader.corpus).answer_type == "org"
    reply = engine.ask(Question("刘京是啥职务", TODAY))
    assert reply.answered and "秘书长" in reply.answer


def test_statements_that_only_look_like_questions() -> None:
    """Review of 2026-11-25: 很多大学生 is not 多大, 还是挺好的 is not an either-or, 比如说什么样 is not what someone
    said, 其他 is not 他."""
    from bot.understanding.message import asks
    assert not asks("很多大学生") and not asks("最多长达三年") and not asks("这是一个新项目还是挺好的")
    assert answer_type("比如说什么样的机构可以报") != "said" and answer_type("申报时要提什么材料") != "said"
    assert answer_type("他在会上提到了什么") == "said"



@pytest.mark.slow
def test_an_article_dated_to_the_month_is_not_newer_than_one_dated_to_a_day_of_it(engine: Engine) -> None:
    """"2022年3月" may be any day of March: a sentence of an article of 2022-03-29 that says 第七届 is not
    passed over for one of an article dated only "2022年3月" that names the campaign but not its number."""
    history = [Turn("user", "北京社会工作主题宣传活动今年啥时候办"),
               Turn("assistant", "据《公益时报》2022年3月29日报道：今年3月17日至31日举办北京社会工作主题宣传活动。")]
    assert "第七届" in engine.ask(Question("这是第几届啊", TODAY, history)).answer
