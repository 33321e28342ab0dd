"""Documents in the usual formats (.md .txt .pdf .docx .html) to plain text in reading order."""

from __future__ import annotations

import io
from pathlib import Path

SUPPORTED = (".md", ".txt", ".pdf", ".docx", ".html", ".htm")


class DocumentError(ValueError):
    """A file that cannot become a knowledge document; the message says why."""


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
