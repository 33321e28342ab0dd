"""Knowledge files: Markdown with YAML front matter, read, validated and written."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.text.cleaning import clean_markdown
from bot.text.dates import PubDate

_FRONT = re.compile(r"\A---\n(.*?)\n---\n?(.*)\Z", re.S)
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{1,63}$")
REQUIRED = ("id", "title", "publication", "published")
# Metadata a staff member may set; the order in which it is written to front matter.
META_KEYS = ("id", "title", "publication", "published", "programme", "valid_from", "valid_until",
             "superseded_by", "topics", "authors", "via", "date_basis")


@dataclass
class Document:
    """One knowledge file: front matter plus a clean Markdown body."""

    id: str
    title: str
    publication: str
    published: PubDate
    body: str
    path: str = ""
    topics: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    via: str | None = None
    date_basis: str | None = None
    content_hash: str = ""
    programme: str | None = None
    valid_from: PubDate | None = None
    valid_until: PubDate | None = None
    superseded_by: str | None = None

    def lapsed(self, today: dt.date) -> str | None:
        """Why this document no longer speaks for the present, or None while it does."""
        if self.superseded_by:
            return "superseded"
        if self.valid_until and self.valid_until.last_day() < today:
            return "expired"
        return None

    def covers_year(self, year: int) -> bool:
        """Whether a question about `year` is about this document's period."""
        first = (self.valid_from or self.published).year
        last = self.valid_until.year if self.valid_until else self.published.year
        return min(first, self.published.year) <= year <= max(last, first)


class KnowledgeError(ValueError):
    """A knowledge file that cannot be used, with the path and what to fix."""


def split_front_matter(text: str, path: str = "") -> tuple[dict[str, Any], str]:
    m = _FRONT.match(text.replace("\r\n", "\n").lstrip("\ufeff"))
    if not m:
        raise KnowledgeError(f"{path}: no front matter (a '---' block with id, title, published)")
    try:
        meta = yaml.safe_load(m[1]) or {}
    except (yaml.YAMLError, ValueError) as exc:  # PyYAML raises ValueError on dates like 2022-13-01
        raise KnowledgeError(f"{path}: front matter is not valid YAML: {exc}") from exc
    if not isinstance(meta, dict):
        raise KnowledgeError(f"{path}: front matter must be a mapping")
    return meta, m[2]


def parse_document(text: str, path: str = "") -> Document:
    meta, body = split_front_matter(text, path)
    missing = [k for k in REQUIRED if not meta.get(k)]
    if missing:
        raise KnowledgeError(f"{path}: front matter lacks {', '.join(missing)}")
    doc_id = str(meta["id"])
    if not _ID.match(doc_id):
        raise KnowledgeError(f"{path}: 编号 {doc_id[:64]!r} 不可用：只能用小写字母、数字、“-”和“_”，2 到 64 个字符")
    try:
        published = PubDate.parse(meta["published"])
    except ValueError as exc:
        raise KnowledgeError(f"{path}: published: {exc}") from exc
    dates: dict[str, PubDate | None] = {}
    for key in ("valid_from", "valid_until"):
        try:
            dates[key] = PubDate.parse(meta[key]) if meta.get(key) else None
        except ValueError as exc:
            raise KnowledgeError(f"{path}: {key}: {exc}") from exc
    start, end = dates["valid_from"], dates["valid_until"]
    if start and end and end.last_day() < start.last_day():
        raise KnowledgeError(f"{path}: valid_until {end.iso()} is before valid_from {start.iso()}")
    superseded_by = str(meta["superseded_by"]) if meta.get("superseded_by") else None
    if superseded_by == doc_id:
        raise KnowledgeError(f"{path}: a document cannot supersede itself")
    body = clean_markdown(body)
    if not body.strip():
        raise KnowledgeError(f"{path}: the body is empty")
    digest = hashlib.sha256((yaml.safe_dump(meta, allow_unicode=True, sort_keys=True) + body).encode())
    return Document(
        id=doc_id,
        title=str(meta["title"]),
        publication=str(meta["publication"]),
        published=published,
        body=body,
        path=path,
        topics=[str(t) for t in meta.get("topics") or []],
        authors=[str(a) for a in meta.get("authors") or []],
        via=meta.get("via"),
        date_basis=meta.get("date_basis"),
        content_hash=digest.hexdigest()[:16],
        programme=str(meta["programme"]) if meta.get("programme") else None,
        valid_from=start,
        valid_until=end,
        superseded_by=superseded_by,
    )


def shown(knowledge_dir: Path, path: Path) -> str:
    """How messages name a knowledge file: relative to the knowledge directory's parent, never
    the server's absolute path (e.g. knowledge/articles/2020-kentanhui.md)."""
    try:
        return f"{knowledge_dir.name}/{path.relative_to(knowledge_dir).as_posix()}"
    except ValueError:
        return path.name


def valid_id(doc_id: str) -> bool:
    """Whether `doc_id` has the form of a document id (which also keeps it from naming a path)."""
    return bool(_ID.match(doc_id))


def load_documents(knowledge_dir: Path) -> list[Document]:
    """Every article under knowledge/articles, sorted by file name; duplicate ids are an error."""
    docs: list[Document] = []
    seen: dict[str, str] = {}
    for path in sorted((knowledge_dir / "articles").glob("*.md")):
        name = shown(knowledge_dir, path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise KnowledgeError(f"{name}: cannot read as UTF-8 text: {exc.__class__.__name__}") from exc
        doc = parse_document(text, name)
        if doc.id in seen:
            raise KnowledgeError(f"{name}: id {doc.id!r} is already used by {seen[doc.id]}")
        seen[doc.id] = name
        doc.path = str(path)
        docs.append(doc)
    for doc in docs:
        if doc.superseded_by and doc.superseded_by not in seen:
            raise KnowledgeError(f"{seen[doc.id]}: superseded_by {doc.superseded_by!r} is not a document id "
                                 f"(known: {', '.join(sorted(seen))})")
    return docs


def render_document(meta: dict[str, Any], body: str) -> str:
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False).strip()
    return f"---\n{front}\n---\n\n{body.strip()}\n"


def validity_label(doc: Document, today: dt.date) -> str:
    """How staff see a document's standing: 有效, 有效期至…, 已过期…, 已被…取代, 未生效…"""
    if doc.superseded_by:
        return f"已被 {doc.superseded_by} 取代"
    if doc.valid_until and doc.valid_until.last_day() < today:
        return f"已过期（{doc.valid_until.iso()}）"
    if doc.valid_from and dt.date(doc.valid_from.year, doc.valid_from.month or 1, doc.valid_from.day or 1) > today:
        return f"未生效（自 {doc.valid_from.iso()}）"
    if doc.valid_until:
        return f"有效期至 {doc.valid_until.iso()}"
    return "有效（未设期限）"
