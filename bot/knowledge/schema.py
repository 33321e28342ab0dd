"""YAML files read through pydantic models, with messages staff can act on: in Chinese, naming the
file, the entry and the field ("knowledge/stations.yaml：stations → 第3项（zhaozhuangzi） → phone：应为文字")."""

from __future__ import annotations

import io
import string
from pathlib import Path
from typing import Annotated, Any, TypeVar

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    create_model,
)
from ruamel.yaml import YAML

from bot.text.normalize import squash

M = TypeVar("M", bound=BaseModel)


class KnowledgeError(ValueError):
    """A knowledge file that cannot be used, with the file and what to fix."""


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
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "string_type": "应为文字",
    "list_type": "应为列表",
    "dict_type": "应为映射（键: 值）",
    "model_type": "应为映射（键: 值）",
    "model_attributes_type": "应为映射（键: 值）",
    "literal_error": "只能是规定的几种取值之一",
    "string_too_short": "不能为空",
    "too_short": "不能为空",
    "string_pattern_mismatch": "格式不对",
    "greater_than_equal": "不能小于允许的最小值",
    "greater_than": "应大于零",
}


def _text(value: object) -> str:
    """A scalar as YAML gives it (a title like 2020 is read as a number) as text; no lists or mappings."""
    if isinstance(value, list | dict):
        raise ValueError("应为文字")
    return str(value).strip()


def _in_article(value: str, info: ValidationInfo) -> str:
    """A quote must be found verbatim (spaces and width aside) in the article of the file being read
    (given as the validation context: {"doc": id, "body": squash(body)})."""
    ctx = info.context or {}
    if squash(value) not in ctx.get("body", ""):
        raise ValueError(f"文章 {ctx.get('doc')} 里找不到这句引文：“{value}”")
    return value


Text = Annotated[str, BeforeValidator(_text)]
Required = Annotated[str, BeforeValidator(_text), Field(min_length=1)]
Quote = Annotated[str, BeforeValidator(_text), Field(min_length=1), AfterValidator(_in_article)]


class Strict(BaseModel):
    """A mapping in a staff-edited YAML file: unknown keys are typos, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


def round_trip(*, sequence: int, offset: int) -> YAML:
    """ruamel.yaml set to write a staff-edited file back as staff wrote it: comments, quotes, flow lists,
    long lines unwrapped, lists indented as that file indents them."""
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=sequence, offset=offset)
    return yaml


def dump_text(yaml: YAML, data: Any) -> str:
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def read_yaml(path: Path, shown: str, error: type[Exception]) -> Any:
    """The parsed YAML of a file; unreadable text or bad YAML raise `error` naming the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{shown}：无法读取（{exc.__class__.__name__}），应为 UTF-8 文本") from exc
    return parse_yaml(text, shown, error)


def parse_yaml(text: str, shown: str, error: type[Exception]) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"第 {mark.line + 1} 行" if mark is not None else ""
        raise error(f"{shown}：不是有效的 YAML（{where}{'：' if where else ''}{exc.problem}）") from exc
    except (yaml.YAMLError, ValueError) as exc:  # PyYAML raises ValueError on dates like 2022-13-01
        raise error(f"{shown}：不是有效的 YAML（日期或数值不对：{exc}）") from exc


def _where(loc: tuple[int | str, ...], raw: Any, names: dict[str, str]) -> str:
    """"申报条件（criteria） → 第4项（fulltime_staff_10） → 门槛（min）": list items by number, and by id when they
    have one; fields by their Chinese name when `names` gives one."""
    parts: list[str] = []
    node = raw
    for key in loc:
        if isinstance(key, str) and key.startswith(("function-", "union[", "list[", "dict[")):
            continue
        if isinstance(node, dict):
            node = node.get(key)
        elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            node = node[key]
        else:
            node = None
        if isinstance(key, int):
            label = f"（{node['id']}）" if isinstance(node, dict) and node.get("id") else ""
            parts.append(f"第{key + 1}项{label}")
        else:
            parts.append(f"{names[key]}（{key}）" if key in names else str(key))
    return " → ".join(parts)


def describe(exc: ValidationError, raw: Any = None, names: dict[str, str] | None = None) -> str:
    """Every problem pydantic found, in Chinese, separated by "；"."""
    lines = []
    for err in exc.errors():
        text = _MESSAGES.get(err["type"])
        if text is None:  # a check of our own (ValueError in a validator) carries its Chinese message
            text = str(err.get("ctx", {}).get("error") or err["msg"]).removeprefix("Value error, ")
        if err["type"] == "literal_error" and err.get("ctx", {}).get("expected"):
            text += f"：{err['ctx']['expected']}"
        where = _where(tuple(err["loc"]), raw, names or {})
        lines.append(f"{where}：{text}" if where else text)
    return "；".join(lines)


def validate(model: type[M], raw: Any, where: str, names: dict[str, str] | None = None, *,
             error: type[Exception] = KnowledgeError, context: dict[str, Any] | None = None) -> M:
    """`raw` as `model`, or `error` naming the file (`where`), the entry and the field (by its Chinese
    name when `names` has one)."""
    try:
        return model.model_validate(raw, context=context)
    except ValidationError as exc:
        raise error(f"{where}：{describe(exc, raw, names)}") from exc


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _texts_check(allowed: frozenset[str], exact: bool) -> Any:
    def check(text: str) -> str:
        if not text.strip():
            raise ValueError("不能为空")
        try:
            used = placeholders(text)
        except ValueError as exc:  # a lone { or }
            raise ValueError(f"花括号不成对（要显示花括号请写 {{{{ 或 }}}}）：{exc}") from None
        if used - allowed or (exact and used != allowed):
            want = "、".join("{" + p + "}" for p in sorted(allowed)) or "（不用占位符）"
            got = "、".join("{" + p + "}" for p in sorted(used)) or "没有"
            raise ValueError(f"{'必须' if exact else '只能'}用这些占位符：{want}；现在用了：{got}")
        return text

    return check


def texts_model(name: str, spec: dict[str, set[str]], *, exact: bool = False,
                base: type[BaseModel] = BaseModel) -> type[BaseModel]:
    """A model of a YAML file of named texts (replies, Telegram texts, model prompts): every name in
    `spec` present and non-blank, using only its placeholders (with `exact`, all of them). Other keys
    are allowed (and declared by `base`)."""
    fields: dict[str, Any] = {
        key: (Annotated[str, AfterValidator(_texts_check(frozenset(allowed), exact))], ...)
        for key, allowed in spec.items()}
    return create_model(name, __base__=base, **fields)


class TemplateError(ValueError):
    """A texts file under prompts/ that cannot be used: names the file and the entry."""


class NamedTexts(BaseModel):
    model_config = ConfigDict(extra="allow")  # comments aside, a texts file may hold lists (e.g. FAQ examples)


def read_texts(path: Path, spec: dict[str, set[str]], *, exact: bool = False,
               base: type[BaseModel] = NamedTexts) -> tuple[dict[str, Any], dict[str, str]]:
    """A YAML file of named texts (replies, prompts); every name in `spec` present, using only its placeholders
    (with `exact`, all of them). Returns the raw mapping and the checked texts."""
    name = f"{path.parent.name}/{path.name}"
    raw = read_yaml(path, name, TemplateError)
    if not isinstance(raw, dict):
        raise TemplateError(f"{name}：应为“名称: 文字”的映射")
    model = validate(texts_model(path.stem, spec, exact=exact, base=base), raw, name, error=TemplateError)
    return raw, {key: str(getattr(model, key)) for key in spec}
