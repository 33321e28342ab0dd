"""What kind of answer a question asks for (a date, a count, a place, a person in a role, what someone said…) and
whether a sentence supplies that kind: the answer-type half of reading a question."""

from __future__ import annotations

import re
from typing import Literal

from bot.text.normalize import CJK
from bot.understanding.message import asking_part

_CJK_CHAR = re.compile(f"[{CJK}]")

AnswerType = Literal["date", "amount", "count", "contact", "hours", "place", "person", "said", "org", "any"]

# Order matters: the first type whose pattern matches wins.
_ROLES = "领导|负责人|会长|秘书长|主任|处长|局长|总干事|所长|理事长|主席|书记|院长|社长|专家|嘉宾|发言人"
_TYPE_PATTERNS: list[tuple[AnswerType, re.Pattern[str]]] = [
    ("contact", re.compile(r"电话|联系方式|热线|邮箱|网址|微信|二维码|群号|地址|怎么联系|联系谁|"
                           r"phone|contact|address|e-?mail", re.I)),
    ("hours", re.compile(r"几点|开门|关门|营业时间|办公时间|开放时间|opening hours|what time|opens?\s+(?:on|at)|"
                         r"clos(?:e|es|ed)\s+(?:on|at)", re.I)),
    ("amount", re.compile(r"多少钱|金额|多少元|几万元|经费|费用|报名费|收费|价格|获得多少|拿到多少|筹到|筹得|"
                          r"how much money|amount|fee", re.I)),
    # "在哪几方面" asks which aspects, not where
    ("place", re.compile(r"在哪(?![几些])|去哪|哪儿|哪里|什么地方|什么位置|地点|位置|where", re.I)),
    ("date", re.compile(r"什么时候|啥时|何时|哪天|几号|几月|哪一天|哪几天|哪一年|哪年|日期|截止|期限|什么时间|时间是|"
                        r"when|deadline|date", re.I)),
    # a list of names ("名单", "都是哪几家"): answered by sentences that name organisations
    ("org", re.compile(r"有名单|名单(?:能|可以|吗|呢|是|在哪|发)|哪几家|都是哪些|都有哪些机构|哪些机构|哪些单位|"
                       r"list of|which organi[sz]ations", re.I)),
    # what someone said ("李新京讲了啥", "天津那个会长说啥了"): their words, all of them
    ("said", re.compile(r"(?<![比如方])(?:说|讲|谈|聊|发言|提到|提出)(?:了|过|的)?(?:啥|什么|些什么|些啥|哪些)"
                        r"(?![样么])|"
                        r"(?:的|有啥|有什么)(?:观点|看法)|what did .{1,40} say|what .{1,20} said", re.I)),
    # a person in a role ("北京社协的会长是谁", "负责这事的领导叫啥"), not the organisation
    ("person", re.compile(rf"(?:{_ROLES})[^，,。？?]{{0,6}}(?:是谁|是哪位|叫啥|叫什么|姓什么|名字)|"
                          rf"谁是[^，,。？?]{{0,10}}(?:{_ROLES})|(?:是谁|哪位|谁)(?:说|讲|提出|认为|表示|发言|讲话|致辞)|"
                          r"who (?:said|spoke|leads|heads)|who is the (?:head|president|director|secretary)", re.I)),
    ("count", re.compile(r"多少|几个|几家|几名|几份|几位|几人|第几|数量|人数|规模|how many|number of", re.I)),
    ("org", re.compile(r"哪家|哪个机构|哪个单位|哪个部门|由谁|是谁|谁来|"
                       r"谁(?:办|建|创|成立|发起|搞|组织|主办|承办|牵头|出钱|负责)|which organi[sz]ation|who", re.I)),
]

# Programmes the articles speak of besides the one the rules decide: a sentence about one of them does not
# answer a question about "创投计划" that does not name it.
OTHER_PROGRAMME = re.compile(r"V创投|志愿服务V|美好社区计划|大学生社工计划", re.I)
# an organisation by its name ("北京社会工作者协会"), not the word "机构"
ORG_NAME = re.compile(rf"[{CJK}A-Za-z]{{2,}}(?:协会|社协|基金会|民政局|中心|事务所|委员会|联合会|社工委|研究院|"
                      r"大学|学院)")
SPEECH = re.compile(r"表示|认为|指出|建议|提出|谈道|谈到|说|介绍|称|强调|坦言|归纳|呼吁|希望")
# a name after its title, before what the person said or a pause ("会长李新京认为", "处长邢桂丽，")
NAMED_PERSON = re.compile(rf"(?:长|主任|总干事|书记|教授|总编辑|干事)[{CJK}]{{2,3}}"
                          r"(?=表示|认为|告诉|说|介绍|指出|提出|建议|称|坦言|透露|谈道|根据|等|[，、。；])")
# Measure words: what a count counts in ("30家", "第七届", "首批5个").
MEASURE = "个家名份位人项次所本册届批轮"
_HAS = {
    "date": re.compile(r"\d{1,2}月|\d{4}年|[上中下]旬|年底|年初|日|周[一二三四五六日天末]|星期|每[月周年天]|"
                       r"上午|下午|晚上"),
    "amount": re.compile(r"\d[\d.,]*\s*(?:万|亿)?[余多]?元|[一二三四五六七八九十百千万]+[余多]?元"),
    "hours": re.compile(r"\d{1,2}[:：]\d{2}|\d{1,2}点|上午|下午|周[一二三四五六日]"),
    # a figure, not a year or a day of the month ("2007年初" counts nothing)
    "count": re.compile(r"(?<![\d.])(?!(?:19|20)\d\d\s*年)\d+(?:\.\d+)?(?![\d.])(?!\s*[月日号])|"
                        rf"[一二两三四五六七八九十百千万]+[{MEASURE}]"),
    "contact": re.compile(r"\d{3,4}-?\d{7,8}|\d{11}|@|www\.|https?://|路\d+号|号楼"),
    # an address, or an event at a place ("恳谈会在朝阳区建外街道党群活动中心召开")
    "place": re.compile(r"位于|坐落|地址|地处|[路街巷道]\d+号|\d+号楼?|大厦|门牌|官网|网站|公众号|"
                        r"在[^，。；]{2,30}?(?:召开|举行|举办|开幕|设立|成立)"),
    "org": ORG_NAME,
    "said": SPEECH,
    "person": NAMED_PERSON,
}


# "人数怎么认定" asks how a figure is determined, not for the figure.
_METHOD = re.compile(r"(?:怎么|如何|怎样)(?:认定|算|计算|确定|统计|核定)|以什么为准|按什么|依据什么|"
                     r"how is .* (?:counted|determined)", re.I)


def answer_type(text: str) -> AnswerType:
    if _METHOD.search(text):
        return "any"
    for kind, pattern in _TYPE_PATTERNS:
        if pattern.search(text):
            return kind
    return "any"


def asked_type(text: str) -> AnswerType:
    """The kind of answer the clause that asks wants ("诈骗电话" told before "有没有项目管这个" is not
    a request for a phone number); a bare asking clause ("社工站的电话，有吗？", "经费，大概多少？")
    asks about the clauses before it, so the whole text decides."""
    clause = asking_part(text)
    return answer_type(text if len(_CJK_CHAR.findall(clause)) <= BARE_ASK else clause)


BARE_ASK = 6  # Chinese characters: an asking clause this short ("能告诉我吗") names no topic of its own


def has_answer_type(kind: AnswerType, sentence: str) -> bool:
    return kind == "any" or bool(_HAS[kind].search(sentence))
