"""Each loader on small real files made here; metadata from front matter, sidecar, caption or arguments."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.knowledge.documents import load_documents, parse_document, validity_label
from bot.knowledge.loaders import DocumentError, extract_text
from bot.knowledge.metadata import parse_caption, read_sidecar
from bot.knowledge.service import EditError, KnowledgeService, NeedTitleAndDate, Outcome
from bot.settings import Settings
from tests.helpers.articles import write_article
from tests.helpers.files import make_docx, make_pdf

NOTICE = ["2023年银河街道社工站招募20名助老志愿者。", "报名截止到2023年9月30日。"]

PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>银河街道社工站招募志愿者</title>
<script>var tracking = "不应出现的脚本文字";</script></head>
<body><nav><a href="/">首页</a> | <a href="/news">新闻中心</a></nav>
<article><h1>银河街道社工站招募志愿者</h1>
<p>2023年银河街道社工站招募20名助老志愿者，为辖区独居老人提供探访服务。</p>
<p>报名截止到2023年9月30日，请到街道社工站现场报名。</p>
<p>志愿者需年满18周岁，每月至少参加两次服务活动。</p></article>
<footer>版权所有 银河街道办事处 京ICP备000000号</footer></body></html>"""


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    (tmp_path / "articles").mkdir()
    write_article(tmp_path, "old-round", "2022年创投计划公告", "2022-03", "2022年创投计划征集时间为3月17日至4月10日。")
    return tmp_path


def files_only(kb: Path) -> KnowledgeService:
    """The knowledge service without an index (these tests are about the files)."""
    return KnowledgeService(Settings(knowledge_dir=kb, data_dir=kb.parent / f"{kb.name}-data"))


def add_document(kb: Path, data: bytes, name: str, meta: dict[str, str]) -> Outcome:
    return files_only(kb).add(data, name, meta, user="test")


def set_metadata(kb: Path, doc_id: str, changes: dict[str, str]) -> Outcome:
    return files_only(kb).edit(doc_id, changes, user="test")


def test_pdf_and_docx_text_in_reading_order() -> None:
    for data, name in ((make_pdf(NOTICE), "n.pdf"), (make_docx(NOTICE), "n.docx")):
        text = extract_text(data, name)
        assert text.index("招募20名助老志愿者") < text.index("报名截止到2023年9月30日"), name


def test_html_keeps_the_article_and_drops_page_furniture() -> None:
    text = extract_text(PAGE.encode(), "notice.html")
    assert "招募20名助老志愿者" in text and "每月至少参加两次" in text
    assert text.index("独居老人") < text.index("报名截止") < text.index("年满18周岁")
    for furniture in ("不应出现的脚本文字", "京ICP备", "新闻中心"):
        assert furniture not in text


def test_html_title_is_offered_when_none_is_given(kb: Path) -> None:
    added = add_document(kb, PAGE.encode(), "notice.html", {"published": "2023-08-15"})
    assert added.edit.title == "银河街道社工站招募志愿者"
    doc = parse_document((kb / "articles" / f"{added.edit.target}.md").read_text(encoding="utf-8"))
    assert "京ICP备" not in doc.body and "招募20名助老志愿者" in doc.body
    assert doc.publication == "未注明出处"  # defaulted visibly, not invented


def test_text_in_gbk_and_unreadable_files() -> None:
    assert "社工站" in extract_text("社工站开展活动。".encode("gb18030"), "a.txt")
    for data, name, message in ((b"%PDF-1.4 broken", "a.pdf", "PDF 无法读取"), (b"PK\x03\x04junk", "a.docx", "Word"),
                                (b"\x00\x01", "a.xls", "不支持的文件类型"), (b"   ", "a.txt", "没有可提取的文字")):
        with pytest.raises(DocumentError, match=message):
            extract_text(data, name)


def test_missing_title_or_date_is_asked_for_not_invented(kb: Path) -> None:
    with pytest.raises(NeedTitleAndDate, match="缺少发布日期"):
        add_document(kb, make_docx(NOTICE), "n.docx", {"title": "招募"})
    with pytest.raises(EditError, match="日期格式不对"):
        add_document(kb, make_docx(NOTICE), "n.docx", {"title": "招募", "published": "去年秋天"})
    with pytest.raises(EditError, match="不认识的字段"):
        add_document(kb, make_docx(NOTICE), "n.docx", {"title": "招募", "published": "2023", "colour": "red"})
    assert [p.name for p in (kb / "articles").iterdir()] == ["old-round.md"]  # nothing half-written


def test_validity_metadata_and_supersession(kb: Path) -> None:
    added = add_document(kb, make_docx(["2023年创投计划征集时间为3月1日至3月31日。"]), "r.docx",
                         {"title": "2023年创投计划公告", "published": "2023-02-20", "valid_from": "2023-03-01",
                          "valid_until": "2023-12-31", "supersedes": "old-round", "programme": "chuangtou",
                          "id": "new-round"})
    docs = {d.id: d for d in load_documents(kb)}
    new, old = docs["new-round"], docs["old-round"]
    assert old.superseded_by == "new-round" and old.lapsed(dt.date(2023, 1, 1)) == "superseded"
    assert new.programme == "chuangtou" and new.valid_until is not None
    assert new.lapsed(dt.date(2023, 6, 1)) is None and new.lapsed(dt.date(2024, 1, 1)) == "expired"
    assert validity_label(new, dt.date(2023, 2, 25)) == "未生效（自 2023-03-01）"
    assert validity_label(new, dt.date(2023, 6, 1)) == "有效期至 2023-12-31"
    assert validity_label(new, dt.date(2026, 11, 22)) == "已过期（2023-12-31）"
    assert validity_label(old, dt.date(2026, 11, 22)) == "已被 new-round 取代"
    assert new.covers_year(2023) and not new.covers_year(2022) and old.covers_year(2022)
    assert added.edit.published == "2023-02-20"


def test_set_metadata_validates_before_writing(kb: Path) -> None:
    path = kb / "articles" / "old-round.md"
    before = path.read_text(encoding="utf-8")
    for changes, message in (({"superseded_by": "nope"}, "没有编号为 nope 的文档"), ({"title": ""}, "不能为空"),
                             ({"valid_from": "2022-13"}, "格式不对"), ({"colour": "red"}, "不认识的字段"),
                             ({"superseded_by": "old-round"}, "不能取代它自己")):
        with pytest.raises(EditError, match=message):
            set_metadata(kb, "old-round", changes)
        assert path.read_text(encoding="utf-8") == before
    set_metadata(kb, "old-round", {"valid_until": "2022-04-10", "publication": "北京市民政局"})
    doc = load_documents(kb)[0]
    assert doc.valid_until is not None and doc.valid_until.iso() == "2022-04-10" and doc.publication == "北京市民政局"
    set_metadata(kb, "old-round", {"valid_until": ""})  # a blank optional field is removed
    assert load_documents(kb)[0].valid_until is None
    with pytest.raises(EditError, match="没有编号"):
        set_metadata(kb, "missing", {"title": "x"})


def test_unknown_supersession_and_inverted_period_are_refused(kb: Path) -> None:
    write_article(kb, "bad", "坏", "2023", "正文。")
    path = kb / "articles" / "bad.md"
    path.write_text(path.read_text(encoding="utf-8").replace("published: '2023'", "published: '2023'\n"
                                                            "superseded_by: ghost"), encoding="utf-8")
    with pytest.raises(ValueError, match=r"articles/bad.md：superseded_by：没有编号为 ghost 的文档"):
        load_documents(kb)
    path.write_text(path.read_text(encoding="utf-8").replace("superseded_by: ghost",
                                                            "valid_from: 2023-05-01\nvalid_until: 2023-04-01"),
                    encoding="utf-8")
    with pytest.raises(ValueError, match=r"articles/bad.md：valid_until 2023-04-01 早于 valid_from 2023-05-01"):
        load_documents(kb)


def test_sidecar_metadata(tmp_path: Path) -> None:
    doc = tmp_path / "notice.pdf"
    doc.write_bytes(make_pdf(NOTICE))
    assert read_sidecar(doc) == {}
    (tmp_path / "notice.pdf.meta.yaml").write_text("title: 招募公告\npublished: 2023-08-15\nvalid_until: 2023-09-30\n",
                                                   encoding="utf-8")
    assert read_sidecar(doc) == {"title": "招募公告", "published": "2023-08-15", "valid_until": "2023-09-30"}
    (tmp_path / "notice.pdf.meta.yaml").write_text("titel: 拼错\n", encoding="utf-8")
    with pytest.raises(DocumentError, match="不认识的字段 titel"):
        read_sidecar(doc)
    (tmp_path / "notice.pdf.meta.yaml").write_text("- a list\n", encoding="utf-8")
    with pytest.raises(DocumentError, match="键值对"):
        read_sidecar(doc)


def test_caption_fields() -> None:
    assert parse_caption("2023年创投公告｜2023-03-01｜北京市民政局｜有效期至2023-12-31｜取代 old-round") == {
        "title": "2023年创投公告", "published": "2023-03-01", "publication": "北京市民政局",
        "valid_until": "2023-12-31", "supersedes": "old-round"}
    assert parse_caption("只有标题") == {"title": "只有标题"}
    assert parse_caption(None) == {} and parse_caption("") == {}


def _bomb(paragraphs: int) -> bytes:
    """A small .docx whose document.xml unpacks to `paragraphs` paragraphs (about 40 bytes each)."""
    import io
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(make_docx(["正文。"])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/document.xml":
                data = data.replace(b"</w:body>", "<w:p><w:r><w:t>社工</w:t></w:r></w:p>".encode() * paragraphs
                                    + b"</w:body>")
            target.writestr(info.filename, data)
    return out.getvalue()


@pytest.mark.slow
def test_a_zip_bomb_and_a_flood_of_text_are_refused(kb: Path) -> None:
    """Issue 10 item 10: a 385 KB .docx became a 100 MB article (764 MB peak)."""
    from bot.knowledge.loaders import MAX_CHARS

    bomb = _bomb(1_500_000)  # about 60 MB unpacked
    assert len(bomb) < 1024 * 1024
    with pytest.raises(DocumentError, match="解压后超过 50 MB"):
        extract_text(bomb, "bomb.docx")
    with pytest.raises(DocumentError, match="文字超过 50 万字"):
        extract_text(_bomb(300_000), "long.docx")  # 12 MB of XML, 600,000 characters
    with pytest.raises(DocumentError, match="文字超过 50 万字"):
        extract_text(("社工" * (MAX_CHARS // 2 + 1)).encode(), "long.txt")
    with pytest.raises(EditError, match="解压后超过 50 MB"):
        add_document(kb, bomb, "bomb.docx", {"title": "t", "published": "2023"})
    assert [p.name for p in (kb / "articles").iterdir()] == ["old-round.md"]
