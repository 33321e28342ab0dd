"""Shared state in a real PostgreSQL: migrations run once however many workers start together,
upserts under concurrency, the update inbox (once, in order per person, leases), the shared rate
limit and admin sessions."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import inspect

from bot.state.database import current_revision, head_revision, make_engine, migrate
from bot.state.inbox import Inbox
from bot.state.limits import SharedRateLimiter
from bot.state.sessions import SessionStore
from bot.state.store import Store

pytestmark = pytest.mark.slow


def test_workers_starting_together_migrate_once(pg_url: str) -> None:
    engines = [make_engine(pg_url) for _ in range(6)]
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(migrate, engines))
    with engines[0].connect() as conn:
        assert current_revision(conn) == head_revision()
        assert {"interactions", "inbox", "rate_limits", "admin_sessions"} <= set(inspect(conn).get_table_names())


def test_store_on_postgres_with_concurrent_upserts(pg_url: str) -> None:
    store = Store(pg_url)
    iid = store.record(channel="telegram", user_id="1", chat_id="1", question="我的电话13812345678", answer="答",
                       answered=False, kind="decline", confidence=0.0, latency_ms=3.0, sources=[{"title": "甲"}])
    errors: list[BaseException] = []

    def vote(n: int) -> None:
        try:
            for k in range(10):
                store.add_feedback(iid, "1", 1 if (n + k) % 2 else -1)
                store.set_state("history:1", [n, k])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=vote, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and store.waiting == 0
    assert len(store.feedback_for(iid)) == 1
    row = store.interaction(iid)
    assert row is not None and row["question"] == "我的电话[手机号]" and row["sources"] == [{"title": "甲"}]
    assert [r["id"] for r in store.unanswered()] == [iid]


def _message(update_id: int, user: int) -> dict[str, object]:
    return {"update_id": update_id, "message": {"message_id": update_id, "from": {"id": user}, "text": f"m{update_id}",
                                                "chat": {"id": user, "type": "private"}, "date": 0}}


def test_inbox_hands_out_each_update_once_and_in_order_per_person(pg_url: str) -> None:
    engine = Store(pg_url).engine
    first, second = Inbox(engine, "w1"), Inbox(engine, "w2")
    for update_id in range(1, 41):
        first.record(_message(update_id, user=update_id % 4))
    first.record(_message(7, user=3))  # Telegram delivered it again: nothing changes
    handled: list[tuple[int, int]] = []  # (person, update_id) in the order handled
    lock = threading.Lock()

    def work(inbox: Inbox) -> None:
        idle = 0
        while idle < 20:
            claimed = inbox.claim(3)
            if not claimed:
                idle += 1
                time.sleep(0.01)
                continue
            idle = 0
            for item in claimed:
                with lock:
                    handled.append((int(item.payload["message"]["from"]["id"]), item.update_id))
                inbox.done(item.update_id)

    threads = [threading.Thread(target=work, args=(inbox,)) for inbox in (first, second, first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(u for _, u in handled) == list(range(1, 41))  # each once
    for person in range(4):
        mine = [u for p, u in handled if p == person]
        assert mine == sorted(mine)  # in order per person
    assert first.open_count() == 0


def test_a_dead_workers_update_is_taken_over_after_its_lease(pg_url: str) -> None:
    engine = Store(pg_url).engine
    dead, alive = Inbox(engine, "dead", lease_seconds=0.5), Inbox(engine, "alive")
    dead.record(_message(1, user=9))
    dead.record(_message(2, user=9))
    assert [c.update_id for c in dead.claim(5)] == [1]  # the person's second update waits for the first
    assert alive.claim(5) == []
    time.sleep(0.6)  # the dead worker never renews
    taken = alive.claim(5)
    assert [c.update_id for c in taken] == [1] and taken[0].attempts == 2
    alive.done(1)
    assert [c.update_id for c in alive.claim(5)] == [2]


def test_the_rate_limit_is_shared_by_workers(pg_url: str) -> None:
    engine = Store(pg_url).engine
    one, two = SharedRateLimiter(engine, 4), SharedRateLimiter(make_engine(pg_url), 4)
    now = 1_000_000.0
    allowed = [(one if k % 2 else two).allow(77, now=now + k) for k in range(6)]
    assert allowed == [True, True, True, True, False, False]
    assert one.allow(78, now=now + 6)  # another person is not affected
    assert two.allow(77, now=now + 200)  # two windows later the slate is clean


def test_admin_sessions_and_failures_are_shared(pg_url: str) -> None:
    engine = Store(pg_url).engine
    a, b = SessionStore(engine), SessionStore(make_engine(pg_url))
    a.create("sid1", "zhang", "csrf1", time.time() + 60)
    got = b.get("sid1")
    assert got is not None and got.user == "zhang" and got.csrf == "csrf1"
    a.create("sid2", "li", "csrf2", time.time() - 1)
    assert b.get("sid2") is None
    a.fail("user:zhang", "addr:1.2.3.4")
    b.fail("user:zhang")
    assert a.failures("user:zhang", within=60) == 2 and b.failures("addr:1.2.3.4", within=60) == 1
    b.clear("user:zhang")
    assert a.failures("user:zhang", within=60) == 0
    b.delete("sid1")
    assert a.get("sid1") is None
