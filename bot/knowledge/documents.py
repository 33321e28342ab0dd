"""Knowledge files: Markdown with YAML front matter, read, validated and written."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, PlainValidator, field_validator, model_validator

from bot.knowledge.schema import KnowledgeError as KnowledgeError  # re-exported: where callers look for it
from bot.knowledge.schema import Required, Text, parse_yaml, validate
from bot.text.cleaning import clean_markdown
from bot.text.dates import PubDate

_FRONT = re.compile(r"\A---\n(.*?)\n---\n?(.*)\Z", re.S)
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{1,63}$")
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


def split_front_matter(text: str, path: str = "") -> tuple[dict[str, Any], str]:
    m = _FRONT.match(text.replace("\r\n", "\n").lstrip("\ufeff"))
    if not m:
        raise KnowledgeError(f"{path}：缺少开头的元数据（以 --- 开始和结束，含 id、title、publication、published）")
    meta = parse_yaml(m[1], f"{path} 的元数据", KnowledgeError) or {}
    if not isinstance(meta, dict):
        raise KnowledgeError(f"{path}：元数据应为键值对（id: …、title: …）")
    return meta, m[2]


def _pubdate(value: object) -> PubDate:
    try:
        return PubDate.parse(value)
    except ValueError:
        raise ValueError(f"应为 YYYY、YYYY-MM 或 YYYY-MM-DD 格式的日期，不是 {value!r}") from None


Date = Annotated[PubDate, PlainValidator(_pubdate)]


class FrontMatter(BaseModel):
    """A knowledge file's front matter; keys not listed here are kept as they are."""

    model_config = ConfigDict(extra="allow")

    id: Required
    title: Required
    publication: Required
    published: Date
    topics: list[Text] = Field(default_factory=list)
    authors: list[Text] = Field(default_factory=list)
    via: Text | None = None
    date_basis: Text | None = None
    programme: Text | None = None
    valid_from: Date | None = None
    valid_until: Date | None = None
    superseded_by: Text | None = None

    @field_validator("id")
    @classmethod
    def _id_form(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError(f"编号 {value[:64]!r} 不可用：只能用小写字母、数字、“-”和“_”，2 到 64 个字符")
        return value

    @field_validator("valid_from", "valid_until", "superseded_by", "programme", "via", "date_basis", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if value in (None, "") else value

    @model_validator(mode="after")
    def _consistent(self) -> FrontMatter:
        if self.valid_from and self.valid_until and self.valid_until.last_day() < self.valid_from.last_day():
            raise ValueError(f"valid_until {self.valid_until.iso()} 早于 valid_from {self.valid_from.iso()}")
        if self.superseded_by == self.id:
            raise ValueError("一份文档不能取代它自己（superseded_by 是它自己的编号）")
        return self


def parse_document(text: str, path: str = "") -> Document:
    meta, body = split_front_matter(text, path)
    front = validate(FrontMatter, meta, path, error=KnowledgeError)
    body = clean_markdown(body)
    if not body.strip():
        raise KnowledgeError(f"{path}：正文是空的")
    digest = hashlib.sha256((yaml.safe_dump(meta, allow_unicode=True, sort_keys=True) + body).encode())
    return Document(
        id=front.id,
        title=front.title,
        publication=front.publication,
        published=front.published,
        body=body,
        path=path,
        topics=front.topics,
        authors=front.authors,
        via=front.via,
        date_basis=front.date_basis,
        content_hash=digest.hexdigest()[:16],
        programme=front.programme,
        valid_from=front.valid_from,
        valid_until=front.valid_until,
        superseded_by=front.superseded_by,
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
            raise KnowledgeError(f"{name}：无法读取（{exc.__class__.__name__}），应为 UTF-8 文本") from exc
        doc = parse_document(text, name)
        if doc.id in seen:
            raise KnowledgeError(f"{name}：编号 {doc.id} 已被 {seen[doc.id]} 使用")
        seen[doc.id] = name
        doc.path = str(path)
        docs.append(doc)
    for doc in docs:
        if doc.superseded_by and doc.superseded_by not in seen:
            raise KnowledgeError(f"{seen[doc.id]}：superseded_by：没有编号为 {doc.superseded_by} 的文档"
                                 f"（现有：{'、'.join(sorted(seen))}）")
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
