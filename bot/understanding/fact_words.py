"""The words applicants use for each eligibility fact ("交社保的有12个", "年检从没不合格过", "一成立就来的"),
and where a message's clauses, one fact each, begin: what `facts` reads organisations' messages with."""

from __future__ import annotations

import re
from itertools import pairwise

from bot.text.numbers import CN_NUM, NUM

FIRST_PERSON = re.compile(r"我们|我|本机构|本单位|我司|咱们|敝|(?<![a-z])(?:we|our|us)(?![a-z])", re.I)
# A clause about someone else is not about the applicant: my mother, a friend's organisation, a client.
OTHER_SUBJECT = re.compile(r"我(?:的)?(?:妈|爸|母亲|父亲|父母|家人|家里|老人|孩子|儿子|女儿|爱人|老公|老婆|朋友|同学|"
                           r"亲戚|邻居|客户|同事|姐|哥|弟|妹|奶奶|爷爷|姥姥|姥爷|外婆|外公)|朋友的|别人的|客户的|"
                           r"其他机构|别的机构|\b(?:my (?:mother|father|mom|dad|parents?|friend|client|neighbou?r)|"
                           r"a friend'?s?)\b", re.I)
# The applicant organisation speaking of itself ("我们", "本机构", "敝会", "we").
SELF = re.compile(r"我们|咱们|本机构|本单位|我司|我单位|我机构|敝|(?<![a-z])(?:we|our|us)(?![a-z])", re.I)
CLAUSES = re.compile(r"[，,。；;！!？?\n]|\.(?=\s|$)|但是?|不过|其中|可是|然而|\bbut\b|\band\b(?= \d)", re.I)

CERTIFIED = re.compile(r"社工师|社会工作师|持证社工|社工证|certified social workers?|certified", re.I)
# How long, or since when ("上个月刚招进来的", "去年8月才跳槽过来"), a certified worker has been with the organisation.
TENURE = re.compile(r"入职|工作了|工作满|工作不到|工作(?:了)?[^，。]{0,4}年|"
                    r"在(?:本|我们|我)?(?:机构|单位|这里|这儿|组织)[^，。]{0,4}(?:工作|干|待|做|满)|"
                    r"(?:干|做|待|呆)(?:了|满|够)|任职|招(?:进|来)|(?:调|跳槽|转|挖)(?:过|进)?来|加入|到岗|[刚才]来|"
                    rf"来了|来的|(?:在|来)(?:本|我们|我)?(?:机构|单位|这里|这儿|这|组织)?(?=\s*{NUM}\s*(?:周)?(?:年|个月))|"
                    r"joined|worked|been with", re.I)
# With the organisation from its start ("开业就在", "一成立就来的", "从成立第一年就在"): as long as it exists.
FROM_START = re.compile(r"(?:从|一|打|自)?(?:成立|开业|创办|创立|注册|建立)"
                        r"(?:时|之初|那年|那天|第一年|起|开始|以来)?就(?:在|来|加入|跟着|有)|元老|创始(?:成员|员工|团队)|"
                        r"since (?:the start|we (?:were )?founded)", re.I)
# "现在就剩一个", "只有一个了": how many there are now, told after the certified workers were named
NOW_LEFT = re.compile(rf"(?:就剩|只剩|剩下)\s*({NUM})\s*[个位名]?")
# "社工师还没有", "一个社工师都没有": none at all
NONE_CERTIFIED = re.compile(r"(?:社工师|社会工作师|持证社工)(?:还|也|都|暂时|目前)?(?:没有|没)(?:了|呢|啊)?$|"
                            r"(?:没有|没)(?:一个)?(?:社工师|社会工作师|持证社工)|一个(?:社工师)?都没有")
# What the person does not know is not a fact ("年检和处罚这块我不清楚")
UNSURE = re.compile(r"不清楚|不知道|不确定|不太清楚|不了解|说不好|(?:要|得|需要)问|not sure|don'?t know", re.I)
ALL = re.compile(r"都|均|全部|全都|每个|每位|(?<![a-z])(?:all|both|each)(?![a-z])", re.I)
CORE = re.compile(r"核心成员|核心团队|核心人员|核心骨干|执行团队|项目团队|团队核心|项目组核心|项目组|团队骨干|"
                  r"骨干(?:成员|人员)?|"
                  r"核心(?=\s*(?:就|只|有|是)*\s*[\d俩仨两一二三四五六七八九十])|core (?:project )?team|core members?",
                  re.I)
FULLTIME = re.compile(r"专职|全职(?!妈妈)|交社保|社保|full[- ]?time(?:\s+(?:staff|employees|workers))?|"
                      r"social insurance|(?<=\d )staff", re.I)
# "机构刚满三年": the organisation's age, said without registering or founding
REGISTRATION = re.compile(r"注册|成立|登记|创办|创立|建立|拿(?:的|到了?)?(?:登记)?证|"
                          r"(?:机构|单位|组织)(?:刚|已经|已|才|都)?满|(?:离|距)满|"
                          r"registered|founded|established|set up", re.I)
ORG_REGISTERED = re.compile(r"注册|成立|登记|创办|创立|registered|founded", re.I)  # not a worker's 拿证
INSPECTION = re.compile(r"年检|年审|annual inspections?", re.I)
INSPECTION_FAIL = re.compile(r"不合格|没有?(?:通过|过|合格)|未(?:通过|合格)|不通过|没参加|未参加|没做|"
                             r"failed|did not pass|didn't pass|not passed?", re.I)
INSPECTION_PASS = re.compile(r"合格|通过|[都全]过|没问题|正常|passed|ok\b", re.I)
# "从没不合格过", "没有一年没过": a failure denied
INSPECTION_NEVER_FAILED = re.compile(r"(?:从没|从来没|从未|没|没有|无)(?:有)?(?:一年|一次)?"
                                     r"(?:不合格|没过|没通过|未通过)")
# "从没出过问题", "没有过问题": a problem denied is a pass, though "没有过" alone reads as a failure.
INSPECTION_NO_PROBLEM = re.compile(r"(?:没|没有|从没|从来没|从未|未|无)(?:出过|有过|出现过|发生过|出)?(?:任何)?"
                                   r"(?:问题|毛病|异常)|(?:never|no)\s+(?:had\s+)?(?:any\s+)?(?:problems?|issues?)",
                                   re.I)
VIOLATION = re.compile(r"处罚|违规|违纪|违法|罚(?:过|了|款)|被[^，。]{0,10}罚|警告|异常名录|黑名单|"
                       r"penalt|penali[sz]|sanction|violation|fined|punish", re.I)
VIOLATION_NONE = re.compile(r"没有|没|无|未曾|从未|从没|不曾|(?<![a-z])(?:never|no|not|without)(?![a-z])", re.I)
ORG_CONTEXT = re.compile(r"注册|登记|民政局|机构|组织|单位|我们是|总部|registered|based|organi[sz]ation", re.I)
# Registered as a company (market regulation), not with a civil-affairs bureau.
# 民办非企业单位 is the old name of a social-service organisation, registered with civil affairs.
COMPANY = re.compile(r"工商|市场监督管理局|市场监管局|有限公司|公司|(?<!非)企业|company|business licen[cs]e", re.I)
OTHER_TYPE = re.compile(r"基金会|foundation", re.I)



MEASURE = r"(?:个|名|位|人|people|ppl|persons?|members?|staff|employees|workers)"
# Words between a count and what it counts: "5个是社工师", "two who are certified", "core team of 6".
BEFORE = re.compile(rf"\s*{MEASURE}?\s*(?:是|为|都是|有|持有|具有|拥有|(?:(?:of them|of whom|who)\s+)?"
                    r"(?:are|is|have|hold))?\s*", re.I)
AFTER = re.compile(r"\s*(?:有|是|为|共|[:：]|of|is|are|has|of about)\s*", re.I)

RULE_QUESTION = re.compile(r"需要|要求|必须|是否|[吗么][？?]?$|[？?]$|是不是|有没有要求|算不算|\brequire", re.I)
# A question about the rules asks for them; "核心就4个人可以吗" tells a case of its own and asks if it may.
ASKS_RULE = re.compile(r"需要|要求|必须|几|多少|是否|是不是|有没有|\brequire", re.I)
MAY_APPLY = re.compile(r"(?:能|可以|可|还能|还可以|想|想试试|想试一下)(?:报|申报|申请|报名|参加)|"
                       r"[能可]以?[吗么不]|行[吗么不]|"
                       r"算满足|满足吗|符合|够格|有资格|\b(?:can|may) (?:we|i)\b|eligible|qualify", re.I)
FACT_WORDS = [REGISTRATION, INSPECTION, FULLTIME, CORE, CERTIFIED, VIOLATION,
               re.compile(r"团队|team|staff", re.I)]

# Where a fact begins in a run-on ("…年检年年都合格交社保的有14个人从来没被处罚过项目组核心6个人…"): a criterion's
# word with the count, qualification or negation said just before it.
FACT_BEGINS = re.compile(rf"(?:{NUM}\s*[个名位]?\s*(?:中级|高级|初级|助理)?\s*)?(?:社工师|社会工作师)|"
                         r"(?:从来|从|一直)?(?:没有|没|未|无)?被?(?:处罚|违规)|年检|年审|交社保|(?<!交)社保|"
                         r"(?:项目组|执行团队|团队)?核心")
RUN_ON = 30  # characters: a clause this long without a comma is a voice-typed run of several facts


def run_on(clause: str) -> list[str]:
    """A long clause without punctuation cut where each fact begins; a shorter one as it is."""
    if len(clause) < RUN_ON:
        return [clause]
    starts = sorted({m.start() for m in FACT_BEGINS.finditer(clause) if m.start() > 0})
    if len(starts) < 2:
        return [clause]
    cuts = [0, *starts, len(clause)]
    return [clause[a:b] for a, b in pairwise(cuts)]


# "一个两年整一个一年十个月": each worker with how long they have been there
EACH = re.compile(rf"(?:另)?(?:一|外一)(?:个|位|名)[^，。\d{CN_NUM}]{{0,4}}((?:{NUM})\s*(?:周)?年[^，。]{{0,6}}?|"
                  rf"(?:{NUM})\s*个?\s*月)(?=(?:另)?(?:一|外一)(?:个|位|名)|$|[了的]|整)")
