"""Staff keep the knowledge current from Telegram: uploads in four formats, used by the next question."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.index.embeddings import E5Embeddings
from bot.settings import Settings
from bot.wiring import build_engine
from tests.helpers.botapi import FakeBotAPI
from tests.helpers.files import make_docx, make_pdf
from tests.helpers.tg import ADMIN, BotRun, make_services

pytestmark = pytest.mark.slow
USER = 3003


def test_uploads_are_indexed_and_answer_the_next_question(small_kb: Settings, e5: E5Embeddings,
                                                          tmp_path: Path) -> None:
    engine = build_engine(small_kb, embeddings=e5)
    md = ("---\nid: 2023-notice\ntitle: 月光社区社工站通知\npublication: 月光社区居委会\npublished: 2023-05-02\n---\n\n"
          "月光社区社工站每周五下午为老年人开设智能手机课堂。").encode()

    async def scenario() -> None:
        with FakeBotAPI() as api:
            services = make_services(small_kb, engine, api, tmp_path)
            async with BotRun(api, services) as bot:
                cases = [
                    ("notice.txt", "彩虹街道社工站每月第一个周六举办儿童绘本共读活动。".encode(),
                     "彩虹街道社工站活动通知｜2023-06-01｜彩虹街道办事处", "2023-06-01"),
                    ("notice.docx", make_docx(["青松村社工站为留守老人提供每周一次的上门探访服务。"]),
                     "青松村社工站服务说明｜2023-07", "2023-07"),
                    ("notice.pdf",
                     make_pdf(["2023年星河社区创投计划征集时间为5月8日至6月30日。", "本轮将资助20个项目。"]),
                     "星河社区创投计划公告｜2023-05-01", "2023-05-01"),
                    ("notice.md", md, "", "2023-05-02"),
                ]
                for name, data, caption, date in cases:
                    mark = api.last_id()
                    api.send_document(ADMIN, data, name, caption=caption)
                    done = await bot.reply(ADMIN, "已加入知识库", after=mark, timeout=60)
                    assert date in done["text"] and "个段落" in done["text"], done["text"]
                checks = [("彩虹街道社工站什么时候有绘本共读？", "第一个周六"),
                          ("青松村社工站为老人提供什么服务？", "上门探访"),
                          ("星河社区创投计划资助多少个项目？", "20个项目"),
                          ("月光社区社工站什么时候有智能手机课堂？", "每周五")]
                for question, fact in checks:
                    mark = api.last_id()
                    api.send_text(USER, question)
                    reply = await bot.reply(USER, fact, after=mark)
                    assert "2023年" in reply["text"]

                for name, data, caption, expected in [
                    ("no-caption.txt", "一些文字。".encode(), "", "请在文件说明里写上标题和日期"),
                    ("virus.exe", b"MZ\x00\x01", "程序｜2023-01-01", "不支持的文件类型"),
                    ("broken.pdf", b"%PDF-1.4 broken", "坏文件｜2023-01-01", "PDF 无法读取"),
                    ("bad-date.txt", "正文。".encode(), "标题｜2023-13-01", "日期格式不对"),
                ]:
                    mark = api.last_id()
                    api.send_document(ADMIN, data, name, caption=caption)
                    await bot.reply(ADMIN, expected, after=mark)
            files = sorted(p.name for p in (small_kb.knowledge_dir / "articles").glob("*.md"))
            assert len(files) == 2 + 4 and "2023-notice.md" in files
            uploads = [r for r in services.store.staff_log() if r["action"] == "upload" and r["allowed"]]
            assert len(uploads) == 8

    asyncio.run(scenario())


def test_a_later_round_uploaded_then_removed_and_the_queue_links_to_the_admin(small_kb: Settings, e5: E5Embeddings,
                                                                               tmp_path: Path) -> None:
    from tests.test_validity import ROUND_2023

    engine = build_engine(small_kb, embeddings=e5)

    async def scenario() -> None:
        with FakeBotAPI() as api:
            services = make_services(small_kb, engine, api, tmp_path, admin_url="https://admin.example.org/")
            async with BotRun(api, services) as bot:
                mark = api.last_id()
                api.send_document(ADMIN, make_docx(ROUND_2023), "round.docx",
                                  caption="2023年社会工作创投计划征集公告｜2023-02-20｜北京市民政局｜有效期至2023-12-31")
                await bot.reply(ADMIN, "已加入知识库", after=mark, timeout=60)
                doc_id = next(p.stem for p in (small_kb.knowledge_dir / "articles").glob("2023-02-20-*.md"))
                assert "valid_until: '2023-12-31'" in (small_kb.knowledge_dir / "articles" / f"{doc_id}.md").read_text(
                    encoding="utf-8")
                mark = api.last_id()
                api.send_text(USER, "2023年创投计划资助多少个项目？")
                await bot.reply(USER, "20个项目", after=mark)

                victim = small_kb.knowledge_dir.parent / "victim.md"  # issue 10 item 9: ids are not paths
                victim.write_text("---\nid: victim\n---\n", encoding="utf-8")
                for command, expected in (("/remove", "用法：/remove"), ("/remove nope", "没有编号为 nope"),
                                          ("/remove ../../victim", "没有编号为 ../../victim"),
                                          ("/remove ../victim", "没有编号为 ../victim"),
                                          (f"/remove {doc_id}", f"已删除 {doc_id}")):
                    mark = api.last_id()
                    api.send_text(ADMIN, command)
                    await bot.reply(ADMIN, expected, after=mark, timeout=60)
                assert victim.exists()
                mark = api.last_id()
                api.send_text(USER, "2023年创投计划资助多少个项目？")
                after = await bot.reply(USER, "", after=mark)
                assert "20个项目" not in after["text"]

                mark = api.last_id()
                api.send_text(USER, f"/remove {doc_id}")
                await bot.reply(USER, "只对工作人员开放", after=mark)

                mark = api.last_id()
                api.send_text(ADMIN, "/unanswered")
                queue = await bot.reply(ADMIN, "最近未能回答", after=mark)
                assert "2023年创投计划资助多少个项目" in queue["text"]
                assert "https://admin.example.org/faq/new?from=" in queue["text"]

    asyncio.run(scenario())
