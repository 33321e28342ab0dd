"""A fictional 2023 round of the 创投计划, written for the tests: its announcement and its programme YAML.

Not a real notice. It differs from the 2022 round where it matters: another window (May to June),
two years of registration instead of three, eight full-time staff instead of ten, four core
members, one certified social worker with one year in the organisation.
"""

from __future__ import annotations

from pathlib import Path

from tests.helpers.articles import write_article

DOC_ID = "2023-04-chuangtou-tongzhi"
TITLE = "关于开展2023社会工作创投计划项目征集的通知"
PUBLISHED = "2023-04-20"
PUBLICATION = "北京社会工作者协会"

ANNOUNCEMENT = """各区民政局、各社会服务机构：

为进一步推动首都社会工作高质量发展，在北京市委社会工委市民政局指导下，由北京字节跳动公益基金会社会工作发展专项基金出资，北京社会工作者协会承接实施2023社会工作创投计划。现将项目征集有关事项通知如下。

## 一、征集范围

本次征集范围主要包括儿童社会工作、老年社会工作、残疾人社会工作、城乡社区治理与发展、应急社会工作等。本年度计划资助20个项目，每个项目资助金额不超过10万元。

## 二、申报条件

申报机构须同时符合以下条件：

（一）北京市范围内依法登记的社会服务机构；

（二）在市或区民政局注册成立两年以上，历年年检合格；

（三）专职工作人员8人以上（以社保缴费记录为准）；

（四）近三年无违规违纪处罚记录；

（五）项目执行团队核心成员不少于4人，其中至少1名具有社会工作师资格且在本机构工作满1年。

## 三、时间安排

项目征集时间为2023年5月8日至6月9日，逾期不予受理。北京社协将于6月中旬完成项目初选，6月下旬完成立项评审，7月上旬完成项目签约。

## 四、咨询

申报中的问题请咨询北京社会工作者协会项目部。
"""

# The round as staff would confirm it (the drafting tests check the draft against this).
PROGRAMME_YAML = f"""id: 2023-shegong-chuangtou
name: 2023社会工作创投计划
year: 2023
aliases: [社会工作创投计划, 创投计划, 创投项目, 公益创投, 社工创投]
doc: {DOC_ID}
facts:
  guidance:
    label: 指导单位
    value: 北京市委社会工委市民政局
    quote: 在北京市委社会工委市民政局指导下
  funded:
    label: 资助项目数
    value: 20个项目
    quote: 本年度计划资助20个项目
window:
  label: 项目征集时间
  opens: 2023-05-08
  closes: 2023-06-09
  quote: 项目征集时间为2023年5月8日至6月9日
stages:
  - id: initial_selection
    label: 项目初选
    when: 6月中旬
    start: 2023-06-11
    end: 2023-06-20
    quote: 北京社协将于6月中旬完成项目初选
  - id: review
    label: 立项评审
    when: 6月下旬
    start: 2023-06-21
    end: 2023-06-30
    quote: 6月下旬完成立项评审
  - id: signing
    label: 项目签约
    when: 7月上旬
    start: 2023-07-01
    end: 2023-07-10
    quote: 7月上旬完成项目签约
criteria:
  - id: location
    kind: location
    label: 北京市范围内依法登记的社会服务机构
    quote: 北京市范围内依法登记的社会服务机构
  - id: registration_years_2
    kind: registration_years
    label: 注册成立两年以上
    min: 2
    quote: 在市或区民政局注册成立两年以上
  - id: annual_inspection
    kind: annual_inspection
    label: 历年年检合格
    quote: 历年年检合格
  - id: fulltime_staff_8
    kind: fulltime_staff
    label: 专职工作人员8人以上（以社保缴费记录为准）
    min: 8
    quote: 专职工作人员8人以上（以社保缴费记录为准）
  - id: no_violation
    kind: no_violation
    label: 近三年无违规违纪处罚记录
    quote: 近三年无违规违纪处罚记录
  - id: core_team_4
    kind: core_team
    label: 项目执行团队核心成员不少于4人
    min: 4
    quote: 项目执行团队核心成员不少于4人
  - id: certified_tenure_1
    kind: certified_tenure
    label: 至少1名具有社会工作师资格且在本机构工作满1年
    min: 1
    min_years: 1
    quote: 至少1名具有社会工作师资格且在本机构工作满1年
"""

# The applicant of the issue: two and a half years old, nine full-time staff, everything else in order.
APPLICANT = ("我们是海淀区注册的社会组织，成立两年半，历年年检都合格，有9个专职人员，没有受过处罚，"
             "核心团队5人，其中2个社工师都在我们机构工作了两年以上")


def write_announcement(kb: Path) -> Path:
    return write_article(kb, DOC_ID, TITLE, PUBLISHED, ANNOUNCEMENT, publication=PUBLICATION)


def add_round(kb: Path) -> None:
    """The announcement and its confirmed programme YAML, as if staff had saved the draft."""
    write_announcement(kb)
    (kb / "programmes" / "2023-shegong-chuangtou.yaml").write_text(PROGRAMME_YAML, encoding="utf-8")
