"""Validating a knowledge YAML mapping against its pydantic model, with messages staff can act on.

A message names the file, the entry and the field, in Chinese:
"…/2023.yaml：申报条件（criteria） → 第3项 → 门槛（min）：应为数字".
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bot.knowledge.documents import KnowledgeError

M = TypeVar("M", bound=BaseModel)

_MESSAGES = {
    "missing": "缺少这一项",
    "extra_forbidden": "不认识这一项（拼写错了吗？）",
    "date_type": "不是日期（应写成 YYYY-MM-DD）",
    "date_parsing": "不是日期（应写成 YYYY-MM-DD）",
    "date_from_datetime_parsing": "不是日期（应写成 YYYY-MM-DD）",
    "date_from_datetime_inexact": "不是日期（应写成 YYYY-MM-DD）",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "string_type": "应为文字",
    "list_type": "应为列表",
    "dict_type": "应为映射（键: 值）",
    "model_type": "应为映射（键: 值）",
    "literal_error": "只能是规定的几种取值之一",
    "string_too_short": "不能为空",
    "greater_than_equal": "不能小于允许的最小值",
    "greater_than": "应大于零",
}


def _where(loc: tuple[int | str, ...], names: dict[str, str]) -> str:
    return " → ".join(f"第{p + 1}项" if isinstance(p, int) else f"{names[p]}（{p}）" if p in names else str(p)
                      for p in loc) or "整个文件"


def describe(exc: ValidationError, names: dict[str, str] | None = None) -> str:
    """Every problem pydantic found, one per line, in Chinese; `names` gives fields their Chinese names."""
    lines = []
    for err in exc.errors():
        text = _MESSAGES.get(err["type"])
        if text is None:  # a check of our own (ValueError in a validator) carries its Chinese message
            text = str(err.get("ctx", {}).get("error") or err["msg"]).removeprefix("Value error, ")
        if err["type"] == "literal_error" and err.get("ctx", {}).get("expected"):
            text += f"：{err['ctx']['expected']}"
        lines.append(f"{_where(tuple(err['loc']), names or {})}：{text}")
    return "；".join(lines)


def validate(model: type[M], raw: Any, where: str, names: dict[str, str] | None = None) -> M:
    """The mapping as `model`, or KnowledgeError naming the file, entry and field."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise KnowledgeError(f"{where}：{describe(exc, names)}") from exc
