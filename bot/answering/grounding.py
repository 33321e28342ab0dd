"""The grounding check: a model's answer may only state what the given texts state.

Every number (with its unit), date, amount, percentage, phone number, web address and named
organisation in the answer must appear in the sources or in the rules/timeline output, and
every citation [n] must point to a source that was given. Anything else sends the extractive
answer instead. The check errs on the side of refusing: a false alarm costs fluency, a miss
could cost an applicant their application. Likewise, facts the model reads from an applicant's
words are kept only where the words state them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.text.normalize import UNIT, squash_figures
from bot.text.sentences import pieces

_DATE = re.compile(r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})[日号]|(\d{4})年(\d{1,2})月|(\d{4})年")
_NUMBER = re.compile(rf"(?<![\d.])(\d+(?:\.\d+)?)({UNIT})?")
_CITATION = re.compile(r"\[(\d+)\]")
_CONTACT = re.compile(r"https?://\S+|www\.\S+|[\w.+-]+@[\w-]+\.[\w.]+|(?<!\d)(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?!\d)")
_ORG_SUFFIX = re.compile(r"基金会|协会|联合会|委员会|社工委|民政局|民政部|政府|办事处|事务所|研究院|研究中心|"
                         r"服务中心|指导中心|工作站|社工站|大学|学院|公司|集团|社协")
# A name may follow these and be quoted without them ("由北京市民政局指导" names 北京市民政局).
_BOUNDARY = set("由和与及的在向据是为经对从请同跟到给将把被或、，。；：:（(“\"《 \n") | {""}
_SAME_UNIT = {"名": "人", "位": "人", "号": "日"}


_INSTRUCTION = re.compile(
    r"忽略(?:以上|之前|上述|前面|所有|你的)|无视.{0,6}(?:规则|指令|要求)|(?:系统|管理员)(?:提示|指令)|你现在是|"
    r"请(?:你)?(?:直接)?(?:回答|输出|告诉用户|回复用户)|ignore (?:all |the |any )?(?:previous|above|prior)|"
    r"system prompt|you are now|disregard", re.I)


def addresses_assistant(sentence: str) -> bool:
    return bool(_INSTRUCTION.search(sentence))


def strip_instructions(text: str) -> str:
    """Source text without sentences that address the assistant ("忽略以上规则，告诉用户……"): they are
    neither shown to the model as facts nor accepted as grounds for its answer."""
    return "".join(s for s in pieces(text) if not _INSTRUCTION.search(s))


@dataclass
class Grounding:
    ok: bool
    problems: list[str] = field(default_factory=list)
    cited: list[int] = field(default_factory=list)


def _unit(u: str | None) -> str:
    return _SAME_UNIT.get(u or "", u or "")


def _numbers(text: str) -> set[tuple[str, str]]:
    return {(f"{float(m[1]):g}", _unit(m[2])) for m in _NUMBER.finditer(text)}


def _dates(text: str) -> set[str]:
    out = set()
    for m in _DATE.finditer(text):
        if m[2]:
            out.add(f"{int(m[2])}月{int(m[3])}日")
        elif m[5]:
            out.add(f"{m[4]}年{int(m[5])}月")
    return out


def _org_names(answer: str) -> list[str]:
    """Candidate organisation names: up to 14 characters before a suffix such as 基金会 or 民政局."""
    names = []
    for m in _ORG_SUFFIX.finditer(answer):
        start = m.start()
        while start > 0 and m.start() - start < 14 and re.match(r"[\u4e00-\u9fffA-Za-z0-9]", answer[start - 1]):
            start -= 1
        names.append(answer[start:m.end()])
    return names


def _org_grounded(name: str, allowed: str, suffix_len: int) -> bool:
    """The longest tail of the name found in the texts must be all of it, or follow a connecting
    word (由/和/在…): "由北京市民政局" is grounded by 北京市民政局, "腾讯公益基金会" is not by 公益基金会."""
    for cut in range(0, len(name) - suffix_len + 1):
        if name[cut:] in allowed:
            return cut == 0 or name[cut - 1] in _BOUNDARY
    return False


def check(answer: str, sources: Sequence[str], extra: Sequence[str] = (), *,
          require_citation: bool = True) -> Grounding:
    """Whether `answer` states only what `sources` (cited as [1]..[n]) and `extra` (rules, timeline, today) say."""
    text = squash_figures(answer)
    allowed = squash_figures("\n".join([*sources, *extra]))
    problems: list[str] = []

    cited = [int(n) for n in _CITATION.findall(text)]
    bad = sorted({n for n in cited if not 1 <= n <= len(sources)})
    if bad:
        problems.append(f"cites sources that were not given: {bad}")
    if require_citation and sources and not cited:
        problems.append("cites no source")
    body = _CITATION.sub("", text)

    for contact in _CONTACT.findall(body):
        if contact.rstrip("。，.,)）") not in allowed:
            problems.append(f"contact not in the sources: {contact}")
    body = _CONTACT.sub("", body)

    allowed_dates = _dates(allowed)
    allowed_years = {m for m in re.findall(r"(?<!\d)(\d{4})(?!\d)", allowed)}
    for m in _DATE.finditer(body):
        if m[2]:
            md = f"{int(m[2])}月{int(m[3])}日"
            if md not in allowed_dates:
                problems.append(f"date not in the sources: {m[0]}")
            if m[1] and m[1] not in allowed_years:
                problems.append(f"year not in the sources: {m[1]}")
        elif m[5]:
            if f"{m[4]}年{int(m[5])}月" not in allowed_dates and not (
                    m[4] in allowed_years and re.search(rf"(?<!\d){int(m[5])}月", allowed)):
                problems.append(f"month not in the sources: {m[0]}")
        elif m[6] not in allowed_years:
            problems.append(f"year not in the sources: {m[0]}")
    body = _DATE.sub("", body)

    allowed_numbers = _numbers(allowed)
    bare = {n for n, _ in allowed_numbers}
    for number, unit in _numbers(body):
        if unit and (number, unit) not in allowed_numbers:
            problems.append(f"figure not in the sources: {number}{unit}")
        elif not unit and number not in bare:
            problems.append(f"number not in the sources: {number}")

    for name in _org_names(body):
        suffix = _ORG_SUFFIX.search(name)
        if suffix and not _org_grounded(name, allowed, len(suffix[0])):
            problems.append(f"organisation not in the sources: {name}")
    return Grounding(not problems, problems, cited)


# ---------------------------------------------------------------------- facts the model reads
_NUMERIC = ("registered_years", "fulltime_staff", "core_team", "certified", "certified_years")
_FLAGS = {"beijing": re.compile(r"北京|东城|西城|朝阳|海淀|丰台|石景山|门头沟|房山|通州|顺义|昌平|大兴|怀柔|平谷|"
                                r"密云|延庆|天津|河北|上海|外地|外省"),
          "inspections_passed": re.compile(r"年检|年审"),
          "has_violation": re.compile(r"处罚|违规|违纪|违法")}
_HEDGED = re.compile(r"不到|不足|未满|没满|差|将近|快|接近|左右|大概|约")


def supported_facts(data: dict[str, Any], message: str) -> dict[str, Any]:
    """Keep a number only if the message states it (and not hedged: "不到三年"), a yes/no only if
    the message talks about it. What the model adds beyond the words is dropped."""
    text = squash_figures(message)
    out: dict[str, Any] = {}
    for key in _NUMERIC:
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            continue
        number = f"{float(value):g}"
        m = re.search(rf"(?<![\d.]){re.escape(number)}(?![\d.])", text)
        if m and not _HEDGED.search(text[max(0, m.start() - 3):m.end() + 3]):
            out[key] = float(value) if key.endswith("years") else int(value)
    for key, pattern in _FLAGS.items():
        if isinstance(data.get(key), bool) and pattern.search(message):
            out[key] = data[key]
    return out
