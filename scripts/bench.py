"""`make bench`: how fast, measured side by side in one run and printed as a table (never asserted).

Engine latency per question, cold start to first answer, ingest beside the raw embedder on the same
text, peak memory, answers/s through the webhook service (1 and 2 workers, real PostgreSQL and
`chroma run`, the Bot API stand-in as Telegram), Telegram-side latency for 50 and 500 users at once,
and retrieval at 10k and 100k chunks with synthetic vectors and texts.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.answering.reply import Question  # noqa: E402
from bot.evaluation import load_questions  # noqa: E402
from bot.index.embeddings import E5Embeddings  # noqa: E402
from bot.index.ingest import embedding_input, ingest  # noqa: E402
from bot.index.passages import Chunk  # noqa: E402
from bot.settings import PROJECT_ROOT, Settings  # noqa: E402
from bot.text.analyzer import TextAnalyzer  # noqa: E402
from bot.wiring import build_engine  # noqa: E402

ROWS: list[tuple[str, str, str]] = []  # (what, figure, note)


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def row(what: str, figure: str, note: str = "") -> None:
    ROWS.append((what, figure, note))
    print(f"  {what}: {figure} {note}", file=sys.stderr, flush=True)


def engine_latency(settings: Settings, e5: E5Embeddings, limit: int) -> None:
    engine = build_engine(settings, embeddings=e5, quiet=True)
    items = load_questions(PROJECT_ROOT / "tests" / "questions.yaml")[:limit]
    engine.ask(Question(items[0]["question"]))  # warm
    times = []
    for item in items:
        started = time.perf_counter()
        engine.ask(Question(item["question"]))
        times.append((time.perf_counter() - started) * 1000)
    row("engine per question", f"p50 {pct(times, 50):.0f} ms, p95 {pct(times, 95):.0f} ms",
        f"({len(times)} questions of tests/questions.yaml, in process)")


def cold_start(settings: Settings) -> None:
    env = {**os.environ, "BOT_DATA_DIR": str(settings.data_dir), "BOT_KNOWLEDGE_DIR": str(settings.knowledge_dir)}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "bot", "ask", "创投计划申报截止到几号？"], env=env, cwd=PROJECT_ROOT,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    row("cold start to first answer", f"{seconds:.1f} s", "(`python -m bot ask`, index already built)"
        if done.returncode == 0 else f"(failed: {done.stderr[-200:]})")
    row("peak RSS, one answering process", f"{peak:.0f} MB", "(the `ask` above: model, index, engine)")


def ingest_speed(e5: E5Embeddings) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), knowledge_dir=PROJECT_ROOT / "knowledge",
                            prompts_dir=PROJECT_ROOT / "prompts")
        analyzer = TextAnalyzer(settings.knowledge_dir / "lexicon")
        report = ingest(settings, e5, analyzer, rebuild=True, quiet=True)
        from bot.index.storage import IndexStore

        manifest = IndexStore(settings).current()
        assert manifest is not None
        from bot.index.retrieval import LoadedIndex

        chunks: list[Chunk] = LoadedIndex.open(settings, e5).chunks
    texts = [embedding_input(c) for c in chunks]
    sentences = [s for c in chunks for s in c.sentences]
    started = time.perf_counter()
    e5.embed_documents_array(texts)
    e5.embed_documents_array(sentences)
    raw = time.perf_counter() - started
    ingest_rate = report.embedded_chunks / report.seconds
    raw_rate = len(texts) / raw
    row("ingest", f"{ingest_rate:.2f} chunks/s", f"({report.embedded_chunks} chunks and their {len(sentences)} "
        f"sentences embedded, {report.seconds:.1f} s, from scratch)")
    row("raw embedder, same text", f"{raw_rate:.2f} chunks/s", f"(the same chunk and sentence texts, {raw:.1f} s)")
    row("ingest efficiency", f"{ingest_rate / raw_rate:.2f}", "(ingest / raw embedder: 1.0 = the model is the limit)")


def retrieval_at_scale(sizes: list[int], dim: int = 384, queries: int = 100) -> None:
    """Synthetic vectors and texts in an embedded Chroma: only the retrieval path is measured."""
    import bm25s
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    from bot.index.retrieval import HybridRetriever, LoadedIndex

    rng = np.random.default_rng(7)
    vocab = [f"词{k}" for k in range(20000)]
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            client = chromadb.PersistentClient(path=tmp, settings=ChromaSettings(anonymized_telemetry=False))
            col = client.create_collection("bench", metadata={"hnsw:space": "cosine"}, embedding_function=None)
            vectors = rng.normal(size=(n, dim)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            ids = [f"c{k}" for k in range(n)]
            started = time.perf_counter()
            for i in range(0, n, 5000):
                col.add(ids=ids[i:i + 5000], embeddings=vectors[i:i + 5000].tolist())
            load = time.perf_counter() - started
            tokens = [list(rng.choice(vocab, size=60)) for _ in range(n)]
            bm25 = bm25s.BM25()
            bm25.index(tokens, show_progress=False)
            chunks = [Chunk(i, "d", "t", "2022", "", "", k) for k, i in enumerate(ids)]
            index = LoadedIndex(None, chunks, bm25, col, np.zeros((0, dim), np.float32), {})  # type: ignore[arg-type]
            retriever = HybridRetriever(index)
            times = []
            for q in range(queries):
                vector = vectors[q] + rng.normal(scale=0.1, size=dim).astype(np.float32)
                words = list(rng.choice(vocab, size=6))
                started = time.perf_counter()
                retriever.search(vector / np.linalg.norm(vector), words, 8)
                times.append((time.perf_counter() - started) * 1000)
            row(f"retrieval at {n // 1000}k chunks", f"p95 {pct(times, 95):.0f} ms (p50 {pct(times, 50):.0f} ms)",
                f"(synthetic vectors and texts; dense + BM25 + fusion; loading took {load:.0f} s)")


def webhook_figures(users_sets: list[int], answers_n: int) -> None:
    """One PostgreSQL, one `chroma run` and one ingest; then the service with 1 and with 2 workers."""
    from tests.helpers.postgres import new_database, postgres_server
    from tests.helpers.topology import Topology, wait_until
    from tests.helpers.webhook import WebhookBotAPI

    question = "创投计划申报截止到几号？"
    with postgres_server() as pg, tempfile.TemporaryDirectory() as tmp:
        topo = Topology(Path(tmp), new_database(pg.url), "http://127.0.0.1:9/bot")
        topo.knowledge = PROJECT_ROOT / "knowledge"
        topo.env.update({"BOT_KNOWLEDGE_DIR": str(topo.knowledge), "BOT_USER_MESSAGES_PER_MINUTE": "1000"})
        try:
            topo.start_chroma()
            topo.ingest()
            for workers in (1, 2):
                with WebhookBotAPI() as api:
                    topo.env.update({"TELEGRAM_BASE_URL": api.base_url, "BOT_DATABASE_URL": new_database(pg.url)})
                    topo.start_serve(workers=workers)
                    topo.ready_workers(workers)
                    base = 100_000 * workers
                    started = time.perf_counter()
                    for u in range(answers_n):
                        api.send_text(base + u, question)
                    wait_until(lambda: len(api.method_calls("sendMessage")) >= answers_n, 3600, "answers", 1.0)
                    seconds = time.perf_counter() - started
                    row(f"answers/s through the webhook service, {workers} worker{'s' if workers > 1 else ''}",
                        f"{answers_n / seconds:.1f}", f"({answers_n} people, one question each, {seconds:.0f} s)")
                    if workers == 2:
                        rss = [_peak_rss(p) for p in topo.worker_pids()]
                        row("peak RSS, one webhook worker", f"{max(rss):.0f} MB", "(VmHWM of each worker process)")
                        for n in users_sets:
                            _telegram_side(api, base + 10_000 * n, n, question)
                    assert topo.serve is not None
                    topo.serve.stop()
        finally:
            topo.stop_all()


def _telegram_side(api: Any, base: int, users: int, question: str) -> None:
    from tests.helpers.topology import wait_until

    pushed = {}
    for u in range(users):
        pushed[base + u] = time.monotonic()
        api.send_text(base + u, question)

    def answered() -> dict[int, float] | None:
        got: dict[int, float] = {}
        for method, params, at in list(api.calls):  # one pass over what the bot sent
            chat = int(params.get("chat_id", 0) or 0) if method == "sendMessage" else 0
            if chat in pushed and chat not in got:
                got[chat] = at - pushed[chat]
        return got if len(got) == users else None

    latencies = wait_until(answered, 3600, f"{users} users", 1.0)
    floor = users / 30
    row(f"Telegram-side latency, {users} users at once", f"p95 {pct(list(latencies.values()), 95):.1f} s",
        f"(p50 {pct(list(latencies.values()), 50):.1f} s; at Telegram's ~30 messages/s the last of {users} "
        f"replies cannot leave before {floor:.1f} s)")


def _peak_rss(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next(int(line.split()[1]) // 1024 // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
               if line.startswith("MemTotal"))
    load = os.getloadavg()[0]
    return f"{os.cpu_count()} cores ({cpu}), {mem} GB RAM, Python {platform.python_version()}, load {load:.1f}"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--questions", type=int, default=60)
    p.add_argument("--answers", type=int, default=200, help="questions sent for answers/s")
    p.add_argument("--sizes", default="10000,100000")
    p.add_argument("--users", default="50,500")
    p.add_argument("--skip", default="", help="comma-separated: engine,cold,ingest,webhook,retrieval")
    args = p.parse_args()
    skip = set(args.skip.split(","))
    settings = Settings()
    e5 = E5Embeddings()
    print(f"bench on {machine()}", file=sys.stderr)
    started = time.time()
    if "engine" not in skip:
        engine_latency(settings, e5, args.questions)
    if "cold" not in skip:
        cold_start(settings)
    if "ingest" not in skip:
        ingest_speed(e5)
    if "webhook" not in skip:
        webhook_figures([int(x) for x in args.users.split(",")], args.answers)
    if "retrieval" not in skip:
        retrieval_at_scale([int(x) for x in args.sizes.split(",")])
    table = ["| measure | figure | how |", "|---|---|---|", *(f"| {a} | {b} | {c} |" for a, b, c in ROWS)]
    text = f"Measured {time.strftime('%Y-%m-%d')} on {machine()}:\n\n" + "\n".join(table)
    print(text)
    out = PROJECT_ROOT / "test-artifacts"
    out.mkdir(exist_ok=True)
    (out / "bench.md").write_text(text + "\n", encoding="utf-8")
    (out / "bench.json").write_text(json.dumps({"rows": ROWS, "machine": machine(),
                                                "seconds": round(time.time() - started)}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
