"""Knowledge files: Markdown with YAML front matter, read, validated and written."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import yaml

from bot.cleaning import clean_markdown
from bot.models import Document, PubDate

_FRONT = re.compile(r"\A---\n(.*?)\n---\n?(.*)\Z", re.S)
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{1,63}$")
REQUIRED = ("id", "title", "publication", "published")


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
        raise KnowledgeError(f"{path}: id {doc_id!r} must be lower-case letters, digits, '-' or '_'")
    try:
        published = PubDate.parse(meta["published"])
    except ValueError as exc:
        raise KnowledgeError(f"{path}: published: {exc}") from exc
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
    )


def load_documents(knowledge_dir: Path) -> list[Document]:
    """Every article under knowledge/articles, sorted by id; duplicate ids are an error."""
    docs: list[Document] = []
    seen: dict[str, str] = {}
    for path in sorted((knowledge_dir / "articles").glob("*.md")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise KnowledgeError(f"{path}: cannot read as UTF-8 text: {exc}") from exc
        doc = parse_document(text, str(path))
        if doc.id in seen:
            raise KnowledgeError(f"{path}: id {doc.id!r} is already used by {seen[doc.id]}")
        seen[doc.id] = str(path)
        docs.append(doc)
    return docs


def render_document(meta: dict[str, Any], body: str) -> str:
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False).strip()
    return f"---\n{front}\n---\n\n{body.strip()}\n"
