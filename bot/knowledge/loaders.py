"""Documents in the usual formats to text, and into knowledge/articles as clean Markdown.

Metadata (title, date, publisher) comes from front matter or the caller; what is missing is
refused with a message saying what to give, never invented.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.knowledge.documents import (
    META_KEYS,
    KnowledgeError,
    load_documents,
    parse_document,
    render_document,
    split_front_matter,
)
from bot.knowledge.importer import import_raw
from bot.text.cleaning import clean_markdown
from bot.text.dates import PubDate

SUPPORTED = (".md", ".txt", ".pdf", ".docx", ".html", ".htm")
# Metadata that may come from front matter, a sidecar file, a form or the command line.
META_FIELDS = ("title", "published", "publication", "programme", "valid_from", "valid_until", "superseded_by",
               "supersedes")


class DocumentError(ValueError):
    """A file that cannot become a knowledge document; the message says why."""


@dataclass(frozen=True)
class Added:
    doc_id: str
    path: Path
    title: str
    published: str


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DocumentError("文件不是可读的文本（请用 UTF-8 或 GBK 编码）")


def extract_text(data: bytes, filename: str) -> str:
    """The text of a document in reading order."""
    ext = Path(filename).suffix.lower()
    if ext not in SUPPORTED:
        raise DocumentError(f"不支持的文件类型 {ext or '（无扩展名）'}，请上传 {'、'.join(SUPPORTED)}")
    if ext in (".md", ".txt"):
        text = _decode(data)
    elif ext == ".pdf":
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError

        try:
            reader = PdfReader(io.BytesIO(data))
            text = "\n\n".join((page.extract_text() or "") for page in reader.pages)
        except (PdfReadError, ValueError, OSError) as exc:
            raise DocumentError(f"PDF 无法读取：{exc}") from exc
    elif ext in (".html", ".htm"):
        text = _html_text(data)
    else:
        from docx import Document as DocxDocument

        try:
            doc = DocxDocument(io.BytesIO(data))
        except Exception as exc:
            raise DocumentError(f"Word 文档无法读取：{exc}") from exc
        text = "\n\n".join(p.text for p in doc.paragraphs)
    if not text.strip():
        raise DocumentError("文件里没有可提取的文字（扫描件需要先做文字识别）")
    return text


def _html_text(data: bytes) -> str:
    """The main text of a web page (navigation, scripts and footers dropped), paragraphs kept."""
    import trafilatura

    html = _decode(data)
    text = trafilatura.extract(html, include_comments=False, include_tables=True, favor_recall=True)
    if not text:  # a short page trafilatura finds no article in: its visible text
        from lxml import html as lxml_html

        try:
            tree = lxml_html.fromstring(html)
        except Exception as exc:  # lxml raises several types on garbage
            raise DocumentError(f"网页无法解析：{exc}") from exc
        for bad in tree.xpath("//script|//style|//nav|//header|//footer"):
            bad.drop_tree()
        text = "\n\n".join(t.strip() for t in tree.itertext() if t.strip())
    return text.replace("\n", "\n\n")


def html_title(data: bytes) -> str | None:
    """A page's <title> or first <h1>, offered as the document title."""
    import trafilatura

    meta = trafilatura.extract_metadata(_decode(data))
    return meta.title if meta is not None and meta.title else None


def read_sidecar(path: Path) -> dict[str, str]:
    """Metadata from FILE.meta.yaml (or FILE.yaml) next to FILE, if there is one."""
    for side in (path.with_name(path.name + ".meta.yaml"), path.with_suffix(".meta.yaml"),
                 path.with_suffix(".yaml")):
        if side.exists() and side != path:
            try:
                data = yaml.safe_load(side.read_text(encoding="utf-8")) or {}
            except (OSError, UnicodeDecodeError, yaml.YAMLError, ValueError) as exc:
                raise DocumentError(f"{side}: 元数据文件无法读取：{exc}") from exc
            if not isinstance(data, dict):
                raise DocumentError(f"{side}: 元数据文件应为键值对（title: …, published: …）")
            unknown = sorted(set(map(str, data)) - set(META_FIELDS) - {"id"})
            if unknown:
                raise DocumentError(f"{side}: 不认识的字段 {', '.join(unknown)}（可用：{', '.join(META_FIELDS)}）")
            return {str(k): str(v) for k, v in data.items() if v is not None}
    return {}


def new_doc_id(published: str, title: str) -> str:
    return f"{published}-{hashlib.sha1(title.encode()).hexdigest()[:6]}"


def _date(value: object, label: str) -> str:
    try:
        return PubDate.parse(value).iso()
    except ValueError as exc:
        raise DocumentError(f"{label}格式不对：{value}（应为 2023-03-01、2023-03 或 2023）") from exc


def _merge_meta(front: dict[str, Any], given: Mapping[str, str | None] | None) -> dict[str, Any]:
    """Front matter overridden by what the caller gave (sidecar, form, command line); blanks ignored."""
    meta = {k: v for k, v in front.items() if v not in (None, "")}
    for key, value in (given or {}).items():
        if key not in META_FIELDS and key != "id":
            raise DocumentError(f"不认识的字段 {key}（可用：{', '.join(META_FIELDS)}）")
        if value is not None and str(value).strip():
            meta[key] = str(value).strip()
    return meta


def add_document(knowledge_dir: Path, data: bytes, filename: str, meta: Mapping[str, str | None] | None = None,
                 *, overwrite: bool = False) -> Added:
    """Write the file as knowledge/articles/<id>.md.

    Metadata: front matter in a .md file, overridden by `meta` (sidecar, form or command line).
    A missing title or date is asked for; a missing publisher shows as 未注明出处.
    """
    text = extract_text(data, filename)
    front: dict[str, Any] = {}
    body = text
    ext = Path(filename).suffix.lower()
    if ext == ".md" and text.lstrip().startswith("---"):
        try:
            front, body = split_front_matter(text, filename)
        except KnowledgeError as exc:
            raise DocumentError(str(exc)) from exc
    merged = _merge_meta(front, meta)
    supersedes = str(merged.pop("supersedes", "") or "")
    if not merged.get("title") and ext in (".html", ".htm"):
        merged["title"] = html_title(data) or ""
    title = str(merged.get("title") or "").strip()
    published = str(merged.get("published") or "").strip()
    if not title or not published:
        raise DocumentError("请给出标题和发布日期，例如：2023年社会工作创投计划征集公告｜2023-03-01")
    merged["title"], merged["published"] = title, _date(published, "发布日期")
    for key, label in (("valid_from", "生效日期"), ("valid_until", "有效期至")):
        if merged.get(key):
            merged[key] = _date(merged[key], label)
    merged["id"] = str(merged.get("id") or new_doc_id(merged["published"], title))
    merged["publication"] = str(merged.get("publication") or "").strip() or "未注明出处"
    doc_id = merged["id"]
    ordered = {k: merged[k] for k in META_KEYS if k in merged}
    ordered.update({k: v for k, v in merged.items() if k not in ordered})
    if front or ext == ".md":
        content = render_document(ordered, clean_markdown(body))
    else:
        raw, _ = import_raw(text, doc_id=doc_id, title=title, published=merged["published"],
                            publication=merged["publication"])
        raw_meta, cleaned = split_front_matter(raw, filename)
        ordered.update({k: raw_meta[k] for k in ("authors", "via") if k in raw_meta and k not in ordered})
        content = render_document(ordered, cleaned)
    try:
        parse_document(content, filename)
    except KnowledgeError as exc:
        raise DocumentError(str(exc)) from exc
    target = knowledge_dir / "articles" / f"{doc_id}.md"
    if target.exists() and not overwrite:
        raise DocumentError(f"已有同名文档 {doc_id}，如需替换请先删除")
    if supersedes and not (knowledge_dir / "articles" / f"{supersedes}.md").exists():
        raise DocumentError(f"取代：没有编号为 {supersedes} 的文档")
    superseded = ordered.get("superseded_by")
    if superseded and not (knowledge_dir / "articles" / f"{superseded}.md").exists():
        raise DocumentError(f"superseded_by：没有编号为 {superseded} 的文档")
    _write_atomic(target, content)
    if supersedes:  # the new document replaces an older one: mark the older one
        try:
            set_metadata(knowledge_dir, supersedes, {"superseded_by": doc_id})
        except DocumentError:
            target.unlink()
            raise
    return Added(doc_id, target, title, merged["published"])


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


def set_metadata(knowledge_dir: Path, doc_id: str, changes: Mapping[str, str | None]) -> Path:
    """Change a document's front matter; a blank optional field is removed. Validated before writing."""
    path = knowledge_dir / "articles" / f"{doc_id}.md"
    if not path.exists():
        raise DocumentError(f"没有编号为 {doc_id} 的文档")
    try:
        meta, body = split_front_matter(path.read_text(encoding="utf-8"), str(path))
    except (OSError, UnicodeDecodeError, KnowledgeError) as exc:
        raise DocumentError(str(exc)) from exc
    for key, value in changes.items():
        if key not in META_FIELDS:
            raise DocumentError(f"不认识的字段 {key}（可用：{', '.join(META_FIELDS)}）")
        value = (value or "").strip()
        if not value:
            if key in ("title", "published", "publication"):
                raise DocumentError(f"{key} 不能为空")
            meta.pop(key, None)
        elif key in ("published", "valid_from", "valid_until"):
            meta[key] = _date(value, key)
        else:
            meta[key] = value
    superseded = meta.get("superseded_by")
    if superseded and (superseded == doc_id or not (knowledge_dir / "articles" / f"{superseded}.md").exists()):
        raise DocumentError(f"superseded_by：没有可用的文档 {superseded}")
    ordered = {k: meta[k] for k in META_KEYS if k in meta}
    ordered.update({k: v for k, v in meta.items() if k not in ordered})
    content = render_document(ordered, body)
    try:
        parse_document(content, str(path))
    except KnowledgeError as exc:
        raise DocumentError(str(exc)) from exc
    _write_atomic(path, content)
    return path


def _write_atomic(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(content, encoding="utf-8")
    tmp.replace(path)


def remove_document(knowledge_dir: Path, doc_id: str) -> Path:
    """Delete knowledge/articles/<id>.md unless a programme, station, FAQ entry or document refers to it."""
    from bot.knowledge.catalog import check_knowledge

    path = knowledge_dir / "articles" / f"{doc_id}.md"
    if not path.exists():
        raise DocumentError(f"没有编号为 {doc_id} 的文档")
    rest = [d for d in load_documents(knowledge_dir) if d.id != doc_id]
    try:
        check_knowledge(knowledge_dir, rest)
    except KnowledgeError as exc:
        raise DocumentError(f"{doc_id} 仍被引用，不能删除：{exc}") from exc
    replaced = [d.id for d in rest if d.superseded_by == doc_id]
    if replaced:
        raise DocumentError(f"{doc_id} 仍被引用，不能删除：{'、'.join(replaced)} 标注为被它取代")
    path.unlink()
    return path
