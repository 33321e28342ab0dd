"""The draft form: a draft survives the round trip through the page's fields, rows are added and removed,
and every quote is highlighted where it stands in the document."""

from __future__ import annotations

import datetime as dt

from bot.channels.admin.programme_form import from_form, highlight, missing_label, to_form
from bot.knowledge.kinds import load_kinds
from bot.settings import PROJECT_ROOT

DATA = {
    "id": "2023-x", "name": "2023某计划", "name_quote": "开展2023某计划", "year": 2023, "aliases": ["某计划", "计划"],
    "doc": "d1", "facts": {"funded": {"label": "资助项目数", "value": "20个项目", "quote": "资助20个项目"}},
    "window": {"label": "征集时间", "opens": dt.date(2023, 5, 8), "closes": dt.date(2023, 6, 9), "quote": "q"},
    "stages": [{"id": "signing", "label": "项目签约", "when": "7月上旬", "start": dt.date(2023, 7, 1),
                "end": dt.date(2023, 7, 10), "quote": "7月上旬完成项目签约"}],
    "criteria": [{"id": "fulltime_staff_8", "kind": "fulltime_staff", "label": "专职8人以上", "min": 8.0,
                  "quote": "专职工作人员8人以上", "ask": "几人？"}],
}


def _post(form: dict) -> dict[str, str]:  # type: ignore[type-arg]
    """The fields a browser would post for this form."""
    out = {k: form[k] for k in ("id", "name", "name_quote", "year", "aliases", "window_label", "window_opens",
                                "window_closes", "window_quote")}
    for key, f in form["facts"].items():
        out[f"fact-{key}-value"], out[f"fact-{key}-quote"] = f["value"], f["quote"]
    for i, st in enumerate(form["stages"]):
        out |= {f"stage-{i}-{k}": v for k, v in st.items()}
    for i, c in enumerate(form["criteria"]):
        out |= {f"criterion-{i}-{k}": v for k, v in c.items()}
    return out


def test_a_draft_survives_the_form() -> None:
    form = to_form(DATA)
    assert form["window_opens"] == "2023-05-08" and form["criteria"][0]["min"] == "8"
    assert form["aliases"] == "某计划、计划"
    assert form["facts"]["guidance"] == {"label": "指导单位", "value": "", "quote": ""}
    data, shown = from_form(_post(form), "d1")
    assert data["window"]["opens"] == "2023-05-08" and data["criteria"][0]["min"] == 8.0
    assert data["facts"] == {"funded": {"label": "资助项目数", "value": "20个项目", "quote": "资助20个项目"}}
    assert data["aliases"] == ["某计划", "计划"] and data["year"] == 2023 and shown == form


def test_rows_are_removed_added_by_hand_and_blank_rows_ignored() -> None:
    post = _post(to_form(DATA))
    post |= {"criterion-0-remove": "1",
             "criterion-1-kind": "core_team", "criterion-1-min": "4", "criterion-1-label": "核心成员4人以上",
             "criterion-1-quote": "核心成员不少于4人", "criterion-1-id": "",
             "criterion-2-kind": "", "criterion-2-label": "",  # the empty row a page always shows
             "stage-1-id": "review", "stage-1-label": "",  # an untouched blank stage row
             "criterion-3-kind": "core_team", "criterion-3-min": "lots", "criterion-3-quote": "x"}
    data, shown = from_form(post, "d1")
    assert [c["id"] for c in data["criteria"]] == ["core_team_4", "core_team"]
    assert data["criteria"][1]["min"] == "lots" and shown["criteria"][1]["min"] == "lots"  # kept for the message
    assert len(data["stages"]) == 1


def test_quotes_are_highlighted_where_they_stand() -> None:
    body = "申报条件如下：\n\n（三）专职工作人员8人以上（以社保缴费记录为准）；近三年无\n违规违纪处罚记录。"
    paras = highlight(body, ["专职工作人员8人以上(以社保缴费记录为准)", "近三年无违规违纪处罚记录", "不在文中"])
    assert [s.text for s in paras[1] if s.quote == 0] == ["专职工作人员8人以上（以社保缴费记录为准）"]  # NFKC-equal
    assert [s.text for s in paras[1] if s.quote == 1] == ["近三年无违规违纪处罚记录"]  # across a line break
    whole = "（三）专职工作人员8人以上（以社保缴费记录为准）；近三年无违规违纪处罚记录。"
    assert "".join(s.text for s in paras[1]) == whole


def test_missing_fields_are_named_as_staff_call_them() -> None:
    kinds = load_kinds(PROJECT_ROOT / "knowledge")
    assert [missing_label(m, kinds) for m in ("facts.audience", "stages.signing", "window.opens",
                                              "criteria.core_team", "criteria.certified_tenure.min_years")] == [
        "面向对象", "阶段：项目签约", "征集开始日期", "条件：执行团队核心成员N人以上",
        "条件：N名以上核心成员具有社工师资质且在本组织工作N年以上（门槛 min_years）"]
