"""Personal data: phone and ID-card numbers masked before anything is stored or echoed; an owner-only
database file; conversations deleted after the retention period."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text, update

from bot.answering.engine import Engine
from bot.channels.jsonl import run_batch
from bot.state import store as store_module
from bot.state.privacy import mask
from bot.state.store import Store, interactions, states

PERSONAL = [
    "13812345678", "138 1234 5678", "138-1234-5678", "+86 138 1234 5678", "+8613812345678", "8613812345678",
    "0086 13812345678", "(+86)13812345678", "１３８１２３４５６７８", "010-12345678", "(010)12345678",
    "（010）12345678", "010 6234 5678", "0755-1234567", "+86 10 12345678", "11010519491231002X", "110105194912310021",
    "110105 19491231 002x", "110105491231002",
]
ORDINARY = [
    "我们在2019年注册，有12个专职人员", "2022-04-01", "2022年4月10日", "20220401", "150万", "1.3万家", "822人次",
    "21万余元", "3月17日至4月10日", "100000元", "0.5", "1998年成立", "2019-2022", "12:30", "第2019号", "五年", "11个人",
    "电话是多少？我们有12个人", "截至2021年底共有1.3万家",
]


@pytest.mark.parametrize("number", PERSONAL)
def test_phone_and_id_numbers_are_masked_in_any_spelling(number: str) -> None:
    masked = mask(f"我的号码是{number}，请回电")
    assert not any(ch.isdigit() for ch in masked.translate(str.maketrans("０１２３４５６７８９", "0123456789"))), masked
    assert masked.startswith("我的号码是[") and masked.endswith("]，请回电")


@pytest.mark.parametrize("sentence", ORDINARY)
def test_ordinary_numbers_people_use_are_kept(sentence: str) -> None:
    assert mask(sentence) == sentence


def _raw_rows(store: Store) -> str:
    """Everything in the database, as stored."""
    with store.engine.connect() as conn:
        tables = [r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))]
        return json.dumps([[list(map(str, row)) for row in conn.execute(text(f"SELECT * FROM {t}"))]
                           for t in tables], ensure_ascii=False)


def test_the_store_masks_every_table_it_writes(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    said = "我们机构电话 138 1234 5678，负责人身份证11010519491231002X"
    store.set_state("history:1", [{"role": "user", "content": said},
                                  {"role": "assistant", "content": f"您说“{said}”"}])
    store.set_state("screener:1", {"said": [said], "answers": {"phone": "+86 13812345678"}})
    store.record(channel="telegram", user_id="1", chat_id="1", question=said, answer=f"（您说“{said}”）",
                 answered=True, kind="eligibility", confidence=1.0, latency_ms=1.0, sources=[])
    store.log_staff("1", "upload", allowed=True, detail=f"联系人 010-12345678 {said}")
    raw = _raw_rows(store)
    for secret in ("138 1234 5678", "13812345678", "12345678", "19491231"):
        assert secret not in raw
    assert "[手机号]" in raw and "[身份证号]" in raw and "[电话]" in raw
    assert store.get_state("history:1")[0]["content"] == "我们机构电话 [手机号]，负责人身份证[身份证号]"


def test_the_database_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)
    try:
        Store(f"sqlite:///{tmp_path / 'new.sqlite3'}")
        loose = tmp_path / "old.sqlite3"
        loose.touch(mode=0o644)
        Store(f"sqlite:///{loose}")
    finally:
        os.umask(old_umask)
    for name in ("new.sqlite3", "old.sqlite3"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600


def _age(store: Store, days: int) -> None:
    """Make every row `days` old."""
    then = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=days)
    with store.engine.begin() as conn:
        conn.execute(update(interactions).values(at=then))
        conn.execute(update(states).where(states.c.key != "privacy:masked-v1").values(updated=then))
        for table in ("feedback", "staff_actions"):
            conn.execute(text(f"UPDATE {table} SET at = :at"), {"at": then})


def _fill(store: Store) -> int:
    iid = store.record(channel="telegram", user_id="1", chat_id="1", question="社工站在哪？", answer="……",
                       answered=False, kind="decline", confidence=0.1, latency_ms=1.0, sources=[])
    store.add_feedback(iid, "1", -1)
    store.resolve(iid, "faq-1", "staff")
    store.set_state("history:1", [{"role": "user", "content": "社工站在哪？"}])
    store.log_staff("9", "/stats", allowed=False)
    return iid


def test_conversations_older_than_the_retention_period_are_deleted_on_start(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    store = Store(url, retention_days=30)
    iid = _fill(store)
    _age(store, 29)
    assert Store(url, retention_days=30).interaction(iid) is not None  # 29 days: kept
    _age(store, 31)
    again = Store(url, retention_days=30)  # a restart purges
    assert again.interaction(iid) is None and again.get_state("history:1") is None
    assert again.feedback_for(iid) == [] and again.staff_log() == [] and again.unanswered() == []
    assert Store(url, retention_days=0).purge() == 0  # 0 keeps everything


def test_a_running_store_purges_once_a_day(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(f"sqlite:///{tmp_path / 'bot.sqlite3'}", retention_days=180)
    iid = _fill(store)
    _age(store, 200)
    store.record(channel="cli", user_id=None, chat_id=None, question="q", answer="a", answered=True, kind="answer",
                 confidence=1.0, latency_ms=1.0, sources=[])
    assert store.interaction(iid) is not None  # purged on start, not again within the day
    later = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=1, minutes=1)
    monkeypatch.setattr(store_module, "_now", lambda: later)
    store.record(channel="cli", user_id=None, chat_id=None, question="q", answer="a", answered=True, kind="answer",
                 confidence=1.0, latency_ms=1.0, sources=[])
    assert store.interaction(iid) is None


def test_what_an_earlier_version_stored_unmasked_is_masked_on_start(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    store = Store(url)
    with store.engine.begin() as conn:  # as the earlier version wrote them
        conn.execute(text("DELETE FROM states"))
        conn.execute(states.insert().values(key="history:5", updated=dt.datetime(2026, 1, 1),
                                            value=[{"role": "user", "content": "电话13812345678"}]))
        conn.execute(interactions.insert().values(
            at=dt.datetime.now(dt.UTC).replace(tzinfo=None), channel="telegram", user_id="5", chat_id="5",
            question="[手机号]", answer="您说“电话13812345678”", answered=True, kind="eligibility", confidence=1.0,
            latency_ms=1.0, sources=[]))
    assert "13812345678" in _raw_rows(store)
    assert "13812345678" not in _raw_rows(Store(url, retention_days=0))


@pytest.mark.slow
def test_the_batch_interface_never_echoes_a_phone_number(engine: Engine) -> None:
    line = json.dumps({"id": "p", "question": "我们在海淀区注册4年了，电话 138 1234 5678，有12个专职人员，可以申报吗？",
                       "history": [{"role": "user", "content": "我的身份证号是11010519491231002X"}]},
                      ensure_ascii=False)
    [reply] = run_batch([line], engine.ask, dt.date(2022, 4, 1))
    assert reply["eligibility"] is not None and "您说" in reply["answer"]
    dumped = json.dumps(reply, ensure_ascii=False)
    assert "1234 5678" not in dumped and "19491231" not in dumped


def test_log_records_lose_secrets_tokens_and_personal_numbers(caplog: pytest.LogCaptureFixture) -> None:
    from bot.logs import install_redaction

    install_redaction(["my-llm-key-0123456789"])
    log = logging.getLogger("bot.test.redaction")
    unknown_token = "5551234567:AAH" + "x" * 32  # shaped like a bot token, not configured
    with caplog.at_level(logging.INFO):
        log.info("POST https://api.telegram.org/bot%s/sendMessage key=%s", unknown_token, "my-llm-key-0123456789")
        try:
            raise RuntimeError("user said 138 1234 5678, id 11010519491231002X")
        except RuntimeError:
            log.exception("failed for %s", "my-llm-key-0123456789")
    text = caplog.text
    assert "xxxxxxxx" not in text and "my-llm-key" not in text and "1234 5678" not in text
    assert "19491231" not in text and "RuntimeError" in text and "[redacted]" in text
