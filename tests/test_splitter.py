"""Sentence and chunk splitting on Chinese sentence boundaries."""

from bot.index.chunking import CHUNK_MAX, sentences, split_document
from bot.knowledge.documents import parse_document
from tests.helpers.articles import write_article


def test_sentences_end_at_chinese_punctuation_with_closing_quotes() -> None:
    text = "北京约有7.68万名社工。他说：“我们征集到80份。”第一，成立三年以上；第二，五人以上！真的吗？"
    assert sentences(text) == ["北京约有7.68万名社工。", "他说：“我们征集到80份。”", "第一，成立三年以上；",
                               "第二，五人以上！", "真的吗？"]


def test_text_without_final_punctuation_is_one_sentence() -> None:
    assert sentences("没有句号的标题") == ["没有句号的标题"]


def test_chunks_keep_metadata_and_every_sentence_once(tmp_path) -> None:
    (tmp_path / "articles").mkdir()
    body = "## 第一节\n\n" + "".join(f"这是第{i}句话，内容是关于社工站的服务说明。" for i in range(40)) + \
           "\n\n## 第二节\n\n最后一句。"
    path = write_article(tmp_path, "doc-a", "标题", "2022-03-29", body)
    doc = parse_document(path.read_text(encoding="utf-8"), str(path))
    chunks = split_document(doc)
    assert len(chunks) >= 3
    assert all(c.doc_id == "doc-a" and c.title == "标题" and c.published == "2022-03-29" for c in chunks)
    assert all(len(c.text) <= CHUNK_MAX for c in chunks)
    assert chunks[-1].heading == "第二节" and chunks[-1].text == "最后一句。"
    assert {c.heading for c in chunks[:-1]} == {"第一节"}
    rejoined = "".join(c.text for c in chunks)
    assert rejoined == "".join(sentences(doc.body.replace("## 第一节", "").replace("## 第二节", "")))
    assert len({c.id for c in chunks}) == len(chunks)
