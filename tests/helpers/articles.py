"""Write small knowledge files for tests."""

from __future__ import annotations

from pathlib import Path

from bot.knowledge.documents import render_document


def write_article(kb: Path, doc_id: str, title: str, published: str, body: str,
                  publication: str = "测试报") -> Path:
    path = kb / "articles" / f"{doc_id}.md"
    meta = {"id": doc_id, "title": title, "publication": publication, "published": published}
    path.write_text(render_document(meta, body), encoding="utf-8")
    return path
