"""Documents in the usual formats to text, and into knowledge/articles as clean Markdown.

Metadata (title, date, publisher) comes from front matter or the caller; what is missing is
refused with a message saying what to give, never invented.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

from bot.cleaning import clean_markdown
from bot.documents import KnowledgeError, parse_document, render_document, split_front_matter
from bot.importer import import_raw
from bot.models import PubDate

SUPPORTED = (".md", ".txt", ".pdf", ".docx")


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


def new_doc_id(published: str, title: str) -> str:
    return f"{published}-{hashlib.sha1(title.encode()).hexdigest()[:6]}"


def add_document(knowledge_dir: Path, data: bytes, filename: str, *, title: str | None = None,
                 published: str | None = None, publication: str | None = None,
                 doc_id: str | None = None, overwrite: bool = False) -> Added:
    """Write the file as knowledge/articles/<id>.md; front matter in a .md file counts as metadata."""
    text = extract_text(data, filename)
    meta: dict[str, object] = {}
    body = text
    if Path(filename).suffix.lower() == ".md" and text.lstrip().startswith("---"):
        try:
            meta, body = split_front_matter(text, filename)
        except KnowledgeError as exc:
            raise DocumentError(str(exc)) from exc
    title = (title or str(meta.get("title") or "")).strip()
    published = (published or str(meta.get("published") or "")).strip()
    if not title or not published:
        raise DocumentError("请给出标题和发布日期，例如：2023年社会工作创投计划征集公告｜2023-03-01")
    try:
        date = PubDate.parse(published).iso()
    except ValueError as exc:
        raise DocumentError(f"日期格式不对：{published}（应为 2023-03-01、2023-03 或 2023）") from exc
    doc_id = doc_id or str(meta.get("id") or new_doc_id(date, title))
    publication = (publication or str(meta.get("publication") or "")).strip() or "未注明出处"
    if meta or Path(filename).suffix.lower() == ".md":
        full = {**meta, "id": doc_id, "title": title, "publication": publication, "published": date}
        content = render_document(full, clean_markdown(body))
    else:
        content, _ = import_raw(text, doc_id=doc_id, title=title, published=date, publication=publication)
    try:
        parse_document(content, filename)
    except KnowledgeError as exc:
        raise DocumentError(str(exc)) from exc
    target = knowledge_dir / "articles" / f"{doc_id}.md"
    if target.exists() and not overwrite:
        raise DocumentError(f"已有同名文档 {doc_id}，如需替换请先删除")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".md.tmp")
    tmp.write_text(content, encoding="utf-8")
    tmp.replace(target)
    return Added(doc_id, target, title, date)


CAPTION_SPLIT = re.compile(r"[｜|]")


def parse_caption(caption: str | None) -> tuple[str | None, str | None, str | None]:
    """ "标题｜2023-03-01｜发布单位" -> (title, date, publisher); missing parts are None."""
    if not caption:
        return None, None, None
    parts = [p.strip() for p in CAPTION_SPLIT.split(caption) if p.strip()]
    title = parts[0] if parts else None
    date = next((p for p in parts[1:] if re.fullmatch(r"\d{4}(?:-\d{1,2}(?:-\d{1,2})?)?", p)), None)
    rest = [p for p in parts[1:] if p != date]
    return title, date, rest[0] if rest else None
