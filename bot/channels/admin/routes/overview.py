"""The overview page and the search box: what the bot would answer, with its evidence."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bot.answering.reply import Question
from bot.channels.admin.deps import AdminDep, Staff
from bot.knowledge.faq import load_faq

router = APIRouter()

# What staff read for each kind of reply, instead of the engine's internal names.
KINDS = {"answer": "文章摘录回答", "decline": "未能回答", "invalid": "无效提问", "eligibility": "申报条件判断",
         "criteria": "申报条件列表", "timeline": "时间安排", "station": "社工站介绍", "faq": "常见问答"}
STATUS = {"pass": "符合", "fail": "不符合", "unknown": "还不知道"}


@router.get("/")
def home(request: Request, admin: AdminDep, s: Staff) -> Response:
    known = admin.space.knowledge.documents()
    return admin.render(request, "home.html", s, stats=admin.store.stats(7), channels=admin.store.by_channel(7),
                        documents=len(known),
                        faq=len(load_faq(admin.settings.knowledge_dir, known)),
                        queue=len(admin.store.unanswered(200, disliked=True)))


@router.get("/search")
def search(request: Request, admin: AdminDep, s: Staff, q: str = "") -> Response:
    q = q.strip()[: admin.settings.max_question_chars]
    reply = explain = None
    if q:  # a plain def: FastAPI runs it on a worker thread, so a slow model does not block the server
        question = Question(q, today=admin.today())
        reply = admin.space.ask(question)
        explain = admin.space.explain(question)
    return admin.render(request, "search.html", s, q=q, reply=reply, explain=explain, kinds=KINDS, statuses=STATUS)
