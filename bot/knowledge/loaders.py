"""Documents in the usual formats (.md .txt .pdf .docx .html) to plain text in reading order.

Limits keep a small upload from becoming a huge one (a "zip bomb"): a .docx is refused when its parts
unpack to more than MAX_UNPACKED bytes, a PDF when it has more than MAX_PDF_PAGES pages or a stream
pypdf will not unpack, and any document when its text passes MAX_CHARS characters.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

SUPPORTED = (".md", ".txt", ".pdf", ".docx", ".html", ".htm")
MAX_CHARS = 500_000  # characters of text; a long policy document has tens of thousands
MAX_UNPACKED = 50 * 1024 * 1024  # bytes a .docx may unpack to
MAX_PDF_PAGES = 1000
TOO_MUCH_TEXT = f"文件里的文字超过 {MAX_CHARS // 10000} 万字，太长了：请拆成几份分别上传"


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
        from pypdf.errors import LimitReachedError, PdfReadError

        try:
            reader = PdfReader(io.BytesIO(data))
            if len(reader.pages) > MAX_PDF_PAGES:
                raise DocumentError(f"PDF 有 {len(reader.pages)} 页，超过 {MAX_PDF_PAGES} 页的上限：请拆成几份分别上传")
            pages: list[str] = []
            total = 0
            for page in reader.pages:
                pages.append(page.extract_text() or "")
                total += len(pages[-1])
                if total > MAX_CHARS:
                    raise DocumentError(TOO_MUCH_TEXT)
            text = "\n\n".join(pages)
        except LimitReachedError as exc:
            raise DocumentError("PDF 里有解压后过大的内容（可能是恶意构造的文件），没有读取") from exc
        except (PdfReadError, ValueError, OSError) as exc:
            raise DocumentError(f"PDF 无法读取：{exc}") from exc
    elif ext in (".html", ".htm"):
        text = _html_text(data)
    else:
        from docx import Document as DocxDocument

        _check_unpacked(data)
        try:
            doc = DocxDocument(io.BytesIO(data))
        except Exception as exc:
            raise DocumentError(f"Word 文档无法读取：{exc}") from exc
        text = "\n\n".join(p.text for p in doc.paragraphs)
    if len(text) > MAX_CHARS:
        raise DocumentError(TOO_MUCH_TEXT)
    if not text.strip():
        raise DocumentError("文件里没有可提取的文字（扫描件需要先做文字识别）")
    return text


def _check_unpacked(data: bytes) -> None:
    """A .docx is a zip: refuse one whose parts unpack to more than MAX_UNPACKED bytes, before unpacking.

    The sizes in the zip directory can lie, so the parts are also read in blocks and counted."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED:
                raise DocumentError(_BOMB)
            total = 0
            for info in archive.infolist():
                with archive.open(info) as part:
                    while block := part.read(1024 * 1024):
                        total += len(block)
                        if total > MAX_UNPACKED:
                            raise DocumentError(_BOMB)
    except DocumentError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise DocumentError(f"Word 文档无法读取：{exc}") from exc


_BOMB = f"Word 文档解压后超过 {MAX_UNPACKED // 1024 // 1024} MB（可能是恶意构造的“压缩炸弹”），没有读取"


def _html_text(data: bytes) -> str:
    """The main text of a web page (navigation, scripts and footers dropped), paragraphs kept."""
    import trafilatura

    html = _decode(data)
    if len(html) > 10 * MAX_CHARS:  # markup included; parsing more would take minutes
        raise DocumentError(TOO_MUCH_TEXT)
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
