"""The hybrid retriever as a LangChain retriever, over the real index of the real articles (built once
per session): Documents with their metadata, the same ranking the engine answers from, and usable as a
step of any chain."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from langchain_core.documents import Document
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import RunnableLambda, RunnablePassthrough
from pydantic import Field

from bot.answering.engine import Engine
from bot.index.embeddings import E5Embeddings
from bot.index.retriever import PassageRetriever
from bot.settings import Settings

pytestmark = pytest.mark.slow
QUESTION = "创投计划截止时间"
DEADLINE = "3月17日至4月10日"


def test_a_question_returns_ranked_documents_with_their_metadata(engine: Engine) -> None:
    retriever = engine.retriever
    assert isinstance(retriever, BaseRetriever)
    docs = retriever.invoke(QUESTION)
    assert len(docs) == engine.settings.top_k and all(isinstance(d, Document) for d in docs)
    assert [d.metadata["rank"] for d in docs] == list(range(1, len(docs) + 1))
    assert any(DEADLINE in d.page_content for d in docs[:5])
    article = {a.id: a for a in engine.knowledge.docs}
    chunks = {c.id: c for c in engine.index.chunks}
    for d in docs:
        m = d.metadata
        chunk, source = chunks[m["chunk_id"]], article[m["doc_id"]]
        assert d.id == chunk.id and d.page_content == chunk.text  # the passage as indexed
        assert (m["title"], m["heading"], m["published"]) == (chunk.title, chunk.heading, chunk.published)
        assert m["publication"] == source.publication and m["source"] == source.path and m["source"].endswith(".md")
        assert m.get("via") == source.via
        assert isinstance(m["score"], float) and m["score"] > 0
        assert m["dense_rank"] is not None or m["keyword_rank"] is not None
    top = next(d for d in docs if DEADLINE in d.page_content)
    assert top.metadata["publication"] == "公益时报" and top.metadata["published"].startswith("2022-03")


def test_the_engine_and_the_retriever_rank_through_one_path(engine: Engine, e5: E5Embeddings) -> None:
    docs = engine.retriever.invoke(QUESTION)
    direct = engine.retriever.hybrid.search(e5.embed_query_array(QUESTION), engine.analyzer.query_tokens(QUESTION),
                                     engine.settings.top_k)
    assert [d.metadata["chunk_id"] for d in docs] == [s.chunk.id for s in direct]
    assert [d.metadata["score"] for d in docs] == [s.score for s in direct]
    assert [s.chunk.id for s in engine.retriever.sources(QUESTION)] == [s.chunk.id for s in direct]
    # Traditional characters are simplified first, as the engine does.
    assert [d.id for d in engine.retriever.invoke("創投計劃截止時間")] == [d.id for d in docs]


def numbered(docs: list[Document]) -> str:
    return "\n".join(f"[{m['rank']}] 《{m['title']}》（{m['published']}）{d.page_content}"
                     for d in docs for m in [d.metadata])


def test_it_drops_into_a_chain(engine: Engine) -> None:
    prompt = ChatPromptTemplate.from_messages([("system", "只根据资料回答。"),
                                               ("human", "资料：\n{context}\n\n问题：{question}")])
    chain = {"context": engine.retriever | RunnableLambda(numbered), "question": RunnablePassthrough()} | prompt
    messages = chain.invoke(QUESTION).to_messages()
    assert messages[1].content.startswith("资料：\n[1] 《") and DEADLINE in messages[1].content
    assert messages[1].content.endswith(f"问题：{QUESTION}")


class ReadingModel(BaseChatModel):
    """Stands in for the hosted chat model, behind LangChain's chat-model interface: it answers with the
    sentence of the numbered material that holds `needle`, citing its number, and keeps what it was sent."""

    needle: str
    seen: list[list[BaseMessage]] = Field(default_factory=list)

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None,
                  **kwargs: Any) -> ChatResult:
        self.seen.append(messages)
        material = str(messages[-1].content)
        at = material.find(self.needle)
        if at < 0:
            text = "资料中没有相关信息。"
        else:  # the sentence around the needle, and the number of the passage it is in
            start = max(material.rfind(c, 0, at) for c in "。\n）") + 1
            end = material.find("。", at) + 1 or len(material)
            number = re.findall(r"^\[(\d+)\] 《", material[:at], re.M)[-1]
            text = f"{material[start:end]}[{number}]"
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    @property
    def _llm_type(self) -> str:
        return "reading-stand-in"


def test_a_chain_answers_from_it_and_cites_the_documents_metadata(engine: Engine) -> None:
    """retriever | format | prompt | chat model | parser, and the citations resolved to the Documents."""
    prompt = ChatPromptTemplate.from_messages([("system", "只根据资料回答，用[编号]标出处。"),
                                               ("human", "资料：\n{context}\n\n问题：{question}")])
    model = ReadingModel(needle=DEADLINE)
    answer = prompt | model | StrOutputParser()

    def cited(inputs: dict[str, Any]) -> dict[str, Any]:
        ranks = [int(n) for n in re.findall(r"\[(\d+)\]", inputs["answer"])]
        return {"answer": inputs["answer"], "sources": [inputs["docs"][n - 1] for n in ranks]}

    chain = ({"docs": engine.retriever, "question": RunnablePassthrough()}
             | RunnablePassthrough.assign(context=lambda x: numbered(x["docs"]))
             | RunnablePassthrough.assign(answer=answer) | RunnableLambda(cited))
    out = chain.invoke(QUESTION)
    assert DEADLINE in out["answer"] and re.search(r"\[\d+\]$", out["answer"])
    (source,) = out["sources"]
    assert isinstance(source, Document) and DEADLINE in source.page_content
    assert source.metadata["publication"] == "公益时报" and source.metadata["source"].endswith(".md")
    assert source.metadata["published"].startswith("2022-03") and source.metadata["doc_id"]
    (sent,) = model.seen
    assert [m.type for m in sent] == ["system", "human"] and sent[1].content.endswith(f"问题：{QUESTION}")
    assert f"[{source.metadata['rank']}] 《{source.metadata['title']}》" in sent[1].content
    # The same chain, many questions at once: the retriever batches like any runnable.
    model.seen.clear()
    first, second = chain.batch([QUESTION, "创投计划的截止时间是哪天"])
    assert DEADLINE in first["answer"] and DEADLINE in second["answer"] and len(model.seen) == 2


def test_batch_async_and_settings(engine: Engine, e5: E5Embeddings, settings: Settings) -> None:
    retriever = PassageRetriever.over(engine.index, e5, engine.analyzer, settings.model_copy(update={"top_k": 3}),
                                      engine.knowledge.docs)
    first, second = retriever.batch([QUESTION, "魏善庄镇社工站提供什么服务"])
    assert len(first) == len(second) == 3 and "魏善庄" in " ".join(d.page_content for d in second)
    assert [d.id for d in asyncio.run(retriever.ainvoke(QUESTION))] == [d.id for d in first]
    keyword = retriever.model_copy(update={"mode": "keyword"}).invoke(QUESTION)
    assert keyword and all(d.metadata["dense_rank"] is None for d in keyword)
    bare = PassageRetriever.over(engine.index, e5, engine.analyzer, settings)  # without the articles: no publication
    assert "publication" not in bare.invoke(QUESTION)[0].metadata
