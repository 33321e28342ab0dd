"""A document's metadata as staff give it (front matter, sidecar file, form, caption or command line),
merged, checked and rendered into the text of a knowledge file. Nothing here writes a file."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.knowledge.documents import META_KEYS, KnowledgeError, parse_document, render_document, split_front_matter
from bot.knowledge.importer import import_raw
from bot.knowledge.loaders import DocumentError, extract_text, html_title
from bot.text.cleaning import clean_markdown
from bot.text.dates import PubDate

# Metadata that may come from front matter, a sidecar file, a form or the command line.
META_FIELDS = ("title", "published", "publication", "programme", "valid_from", "valid_until", "superseded_by",
               "supersedes")
REQUIRED_LABELS = {"title": "标题", "published": "发布日期", "publication": "发布单位"}
UNSOURCED = "未注明出处"


@dataclass(frozen=True)
class NewArticle:
    """A knowledge file made from an upload, not yet written."""

    doc_id: str
    title: str
    published: str
    publication: str
    text: str
    supersedes: str = ""
    superseded_by: str = ""


class MissingTitleOrDate(DocumentError):
    """No title or date: each channel says how to give them (caption, form fields, --title/--published)."""


def read_sidecar(path: Path) -> dict[str, str]:
    """Metadata from FILE.meta.yaml (or FILE.yaml) next to FILE, if there is one."""
    for side in (path.with_name(path.name + ".meta.yaml"), path.with_suffix(".meta.yaml"),
                 path.with_suffix(".yaml")):
        if side.exists() and side != path:
            try:
                data = yaml.safe_load(side.read_text(encoding="utf-8")) or {}
            except (OSError, UnicodeDecodeError, yaml.YAMLError, ValueError) as exc:
                raise DocumentError(f"{side.name}: 元数据文件无法读取：{exc}") from exc
            if not isinstance(data, dict):
                raise DocumentError(f"{side.name}: 元数据文件应为键值对（title: …, published: …）")
            unknown = sorted(set(map(str, data)) - set(META_FIELDS) - {"id"})
            if unknown:
                raise DocumentError(f"{side.name}: 不认识的字段 {', '.join(unknown)}（可用：{', '.join(META_FIELDS)}）")
            return {str(k): str(v) for k, v in data.items() if v is not None}
    return {}


CAPTION_SPLIT = re.compile(r"[｜|]")
_CAPTION_KEYS = {"有效期至": "valid_until", "生效": "valid_from", "取代": "supersedes", "项目": "programme"}
_CAPTION_KEY = re.compile(r"^(有效期至|生效|取代|项目)\s*[:：=]?\s*(.+)$")


def parse_caption(caption: str | None) -> dict[str, str]:
    """ "标题｜2023-03-01｜发布单位｜有效期至2023-12-31｜取代 ID" -> metadata; missing parts are left out."""
    if not caption:
        return {}
    parts = [p.strip() for p in CAPTION_SPLIT.split(caption) if p.strip()]
    meta: dict[str, str] = {}
    rest: list[str] = []
    for part in parts[1:]:
        keyed = _CAPTION_KEY.match(part)
        if keyed:
            meta[_CAPTION_KEYS[keyed[1]]] = keyed[2].strip()
        elif "published" not in meta and re.fullmatch(r"\d{4}(?:-\d{1,2}(?:-\d{1,2})?)?", part):
            meta["published"] = part
        else:
            rest.append(part)
    if parts:
        meta["title"] = parts[0]
    if rest:
        meta["publication"] = rest[0]
    return meta


def new_doc_id(published: str, title: str) -> str:
    return f"{published}-{hashlib.sha1(title.encode()).hexdigest()[:6]}"


def checked_date(value: object, label: str) -> str:
    try:
        return PubDate.parse(value).iso()
    except ValueError as exc:
        raise DocumentError(f"{label}格式不对：{value}（应为 2023-03-01、2023-03 或 2023）") from exc


def _merge(front: dict[str, Any], given: Mapping[str, str | None] | None) -> dict[str, Any]:
    """Front matter overridden by what the caller gave (sidecar, form, command line); blanks ignored."""
    meta = {k: v for k, v in front.items() if v not in (None, "")}
    for key, value in (given or {}).items():
        if key not in META_FIELDS and key != "id":
            raise DocumentError(f"不认识的字段 {key}（可用：{', '.join(META_FIELDS)}）")
        if value is not None and str(value).strip():
            meta[key] = str(value).strip()
    return meta


def _ordered(meta: dict[str, Any]) -> dict[str, Any]:
    ordered = {k: meta[k] for k in META_KEYS if k in meta}
    ordered.update({k: v for k, v in meta.items() if k not in ordered})
    return ordered


def _parsed(content: str, name: str) -> None:
    try:
        parse_document(content, name)
    except KnowledgeError as exc:
        raise DocumentError(str(exc)) from exc


def new_article(data: bytes, filename: str, meta: Mapping[str, str | None] | None = None) -> NewArticle:
    """The knowledge file an upload becomes: front matter of a .md file, overridden by `meta`.

    A missing title or date raises MissingTitleOrDate (never invented; a web page offers its
    <title>); a missing publisher shows as 未注明出处.
    """
    name = Path(filename).name
    text = extract_text(data, name)
    front: dict[str, Any] = {}
    body = text
    ext = Path(name).suffix.lower()
    if ext == ".md" and text.lstrip().startswith("---"):
        try:
            front, body = split_front_matter(text, name)
        except KnowledgeError as exc:
            raise DocumentError(str(exc)) from exc
    merged = _merge(front, meta)
    supersedes = str(merged.pop("supersedes", "") or "")
    if not merged.get("title") and ext in (".html", ".htm"):
        merged["title"] = html_title(data) or ""
    title = str(merged.get("title") or "").strip()
    published = str(merged.get("published") or "").strip()
    if not title or not published:
        missing = "、".join(label for key, label in REQUIRED_LABELS.items()
                           if key != "publication" and not (title if key == "title" else published))
        raise MissingTitleOrDate(f"缺少{missing}")
    merged["title"], merged["published"] = title, checked_date(published, "发布日期")
    for key, label in (("valid_from", "生效日期"), ("valid_until", "有效期至")):
        if merged.get(key):
            merged[key] = checked_date(merged[key], label)
    merged["id"] = str(merged.get("id") or new_doc_id(merged["published"], title))
    merged["publication"] = str(merged.get("publication") or "").strip() or UNSOURCED
    ordered = _ordered(merged)
    if front or ext == ".md":
        content = render_document(ordered, clean_markdown(body))
    else:
        raw, _ = import_raw(text, doc_id=merged["id"], title=title, published=merged["published"],
                            publication=merged["publication"])
        raw_meta, cleaned = split_front_matter(raw, name)
        ordered.update({k: raw_meta[k] for k in ("authors", "via") if k in raw_meta and k not in ordered})
        content = render_document(ordered, cleaned)
    _parsed(content, name)
    return NewArticle(merged["id"], title, merged["published"], merged["publication"], content, supersedes,
                      str(ordered.get("superseded_by") or ""))


def edited_text(text: str, name: str, changes: Mapping[str, str | None]) -> str:
    """A knowledge file's text with its front matter changed; a blank optional field is removed."""
    try:
        meta, body = split_front_matter(text, name)
    except KnowledgeError as exc:
        raise DocumentError(str(exc)) from exc
    for key, value in changes.items():
        if key not in META_FIELDS or key == "supersedes":
            raise DocumentError(f"不认识的字段 {key}（可用：{', '.join(f for f in META_FIELDS if f != 'supersedes')}）")
        value = (value or "").strip()
        if not value:
            if key in REQUIRED_LABELS:
                raise DocumentError(f"{REQUIRED_LABELS[key]}（{key}）不能为空")
            meta.pop(key, None)
        elif key in ("published", "valid_from", "valid_until"):
            meta[key] = checked_date(value, key)
        else:
            meta[key] = value
    content = render_document(_ordered(meta), body)
    _parsed(content, name)
    return content
