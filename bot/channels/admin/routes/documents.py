"""Documents: the list with validity, upload with metadata, edit, remove, re-index, and the job pages
that follow a re-index. Every change goes through the knowledge service and runs as a job."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from bot.channels.admin.deps import AdminDep, Staff, StaffForm, back, check_csrf
from bot.channels.admin.limits import FORM_OVERHEAD, read_upload_form
from bot.knowledge.documents import validity_label
from bot.knowledge.loaders import SUPPORTED
from bot.knowledge.service import EditError, NeedTitleAndDate

router = APIRouter()
META_FORM = ("title", "published", "publication", "programme", "valid_from", "valid_until", "superseded_by")
UPLOAD_META = ("title", "published", "publication", "programme", "valid_from", "valid_until", "supersedes")


def _job(job_id: str) -> RedirectResponse:
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


@router.get("/documents")
def documents(request: Request, admin: AdminDep, s: Staff) -> Response:
    now = admin.today()
    chunks = admin.space.engine.chunks_per_document()
    rows = [{"doc": d, "validity": validity_label(d, now), "lapsed": d.lapsed(now), "chunks": chunks.get(d.id, 0)}
            for d in sorted(admin.space.knowledge.documents(), key=lambda d: d.published.iso(), reverse=True)]
    return admin.render(request, "documents.html", s, rows=rows, formats="、".join(SUPPORTED),
                        limit_mb=admin.settings.max_upload_bytes // (1024 * 1024))


@router.post("/documents/upload")
async def upload(request: Request, admin: AdminDep, s: Staff) -> Response:
    """The session is checked (Staff) and the size (Content-Length) before the body is read."""
    limit = admin.settings.max_upload_bytes
    too_large = f"文件太大（上限 {limit // (1024 * 1024)} MB）"
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit + FORM_OVERHEAD:
        return back("/documents", err=too_large)
    form = await read_upload_form(request, limit)
    if form is None:
        return back("/documents", err="上传的表单无法读取，请重新选择文件上传")
    check_csrf(request, admin, s, str(form.get("csrf") or ""))
    file = form.get("file")
    if not isinstance(file, UploadFile):
        return back("/documents", err="请选择要上传的文件")
    name = file.filename or "upload.txt"
    data = await file.read(limit + 1)
    await form.close()
    if len(data) > limit:
        return back("/documents", err=too_large)
    meta: dict[str, str | None] = {k: str(form.get(k) or "") for k in UPLOAD_META}
    service = admin.space.knowledge
    try:
        edit = await run_in_threadpool(service.attempt, f"web:{s.user}", "upload", name,
                                       lambda: service.plan_add(data, name, meta))
    except NeedTitleAndDate:
        return back("/documents", err=f"{name}：请给出标题和发布日期（填在上传表单里）")
    except EditError as exc:
        return back("/documents", err=f"{name}：{exc}")
    return _job(admin.space.submit(f"上传 {edit.target}", s.user, edit).id)


@router.get("/documents/{doc_id}")
def document(request: Request, admin: AdminDep, s: Staff, doc_id: str) -> Response:
    known = admin.space.knowledge.documents()
    found = next((d for d in known if d.id == doc_id), None)
    if found is None:
        raise HTTPException(404, f"没有编号为 {doc_id[:64]} 的文档")
    return admin.render(request, "document.html", s, doc=found, validity=validity_label(found, admin.today()),
                        others=[d for d in known if d.id != doc_id], fields=META_FORM)


@router.post("/documents/{doc_id}/edit")
async def edit(request: Request, admin: AdminDep, s: StaffForm, doc_id: str) -> Response:
    form = await request.form()  # already read for the CSRF check; a field the form lacks is left as it is
    changes: dict[str, str | None] = {k: str(form.get(k) or "") for k in META_FORM if k in form}
    service = admin.space.knowledge
    try:
        planned = await run_in_threadpool(service.attempt, f"web:{s.user}", "edit", doc_id,
                                          lambda: service.plan_edit(doc_id, changes))
    except EditError as exc:
        return back(f"/documents/{doc_id}", err=str(exc))
    return _job(admin.space.submit(f"修改 {doc_id}", s.user, planned).id)


@router.post("/documents/{doc_id}/remove")
def remove(admin: AdminDep, s: StaffForm, doc_id: str) -> Response:
    service = admin.space.knowledge
    try:
        planned = service.attempt(f"web:{s.user}", "remove", doc_id, lambda: service.plan_remove(doc_id))
    except EditError as exc:
        return back("/documents", err=str(exc))
    return _job(admin.space.submit(f"删除 {doc_id}", s.user, planned).id)


@router.post("/reindex")
def reindex(admin: AdminDep, s: StaffForm) -> Response:
    return _job(admin.space.submit("重新建立索引", s.user).id)


@router.get("/jobs/{job_id}")
def job_page(request: Request, admin: AdminDep, s: Staff, job_id: str) -> Response:
    job = admin.space.jobs.get(job_id)
    if job is None:
        raise HTTPException(404, "没有这个任务")
    return admin.render(request, "job.html", s, job=job)


@router.get("/api/jobs/{job_id}")
def job_json(admin: AdminDep, s: Staff, job_id: str) -> Response:
    job = admin.space.jobs.get(job_id)
    if job is None:
        return JSONResponse({"error": "no such job"}, status_code=404)
    return JSONResponse(job.as_dict())
