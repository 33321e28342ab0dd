"""The one way staff change the knowledge base, from every channel (command line, Telegram, web admin):
plan the change -> check that the whole knowledge base still loads -> write it -> re-index ->
audit record. A change that would break the knowledge base is refused before anything is
written; one whose re-index fails is put back, so the previous index keeps answering.

Documents are named by id and looked up among the known documents: no id ever becomes a path,
and no message shows a server path.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path

from bot.knowledge.catalog import Knowledge, check_knowledge
from bot.knowledge.changes import (
    Audit,
    Edit,
    EditError,
    Indexed,
    NeedTitleAndDate,
    Outcome,
    Progress,
    Reindexer,
    apply,
    base_of,
    check_on_copy,
    edit_lock,
    read,
    refusals,
    restore,
    short,
)
from bot.knowledge.documents import Document, load_documents, valid_id
from bot.knowledge.faq import FAQ_FILE, FaqEntry, faq_text, load_faq, with_entry
from bot.knowledge.importer import import_raw, without_headline
from bot.knowledge.metadata import edited_text, new_article
from bot.knowledge.stations import CONTACT_FIELDS, with_details, with_station
from bot.settings import Settings

__all__ = ["Audit", "Edit", "EditError", "Indexed", "KnowledgeService", "NeedTitleAndDate", "Outcome", "Progress",
           "Reindexer"]
log = logging.getLogger(__name__)
STATIONS_FILE = "stations.yaml"
LOCK_WAIT_SECONDS = 30.0


class KnowledgeService:
    """Plans (checked, nothing written) and applies changes; `reindex` None leaves the index alone."""

    def __init__(self, settings: Settings, *, reindex: Reindexer | None = None, audit: Audit | None = None) -> None:
        self.settings = settings
        self.root: Path = settings.knowledge_dir
        self._reindex = reindex
        self._audit = audit

    # ------------------------------------------------------------------ reading
    def documents(self) -> list[Document]:
        return load_documents(self.root)

    def knowledge(self) -> Knowledge:
        return check_knowledge(self.root)

    def document(self, doc_id: str, docs: list[Document] | None = None) -> Document:
        """A known document by id; anything else (including '../x') is 'no such document'."""
        found = next((d for d in (docs if docs is not None else self.documents()) if d.id == doc_id), None)
        if found is None:
            raise EditError(f"没有编号为 {short(doc_id)} 的文档（编号见文档列表或 python -m bot kb list）")
        return found

    def _rel(self, doc: Document) -> str:
        return Path(doc.path).relative_to(self.root).as_posix()

    # ------------------------------------------------------------------ planning
    def plan_add(self, data: bytes, filename: str, meta: Mapping[str, str | None] | None = None, *,
                 overwrite: bool = False) -> Edit:
        with refusals():
            article = new_article(data, filename, meta)
        docs = self.documents()
        files = self._new_file(article.doc_id, article.text, docs, overwrite)
        if article.superseded_by:
            self.document(article.superseded_by, docs)
        if article.supersedes:  # the new document replaces an older one: mark the older one
            old = self.document(article.supersedes, docs)
            with refusals():
                files[self._rel(old)] = edited_text(_text(old), old.id, {"superseded_by": article.doc_id})
        return self._planned(Edit("upload", article.doc_id, files, title=article.title, published=article.published,
                                  detail=Path(filename).name))

    def plan_import(self, raw_text: str, *, doc_id: str, title: str, published: str | None, publication: str,
                    topics: list[str] | None = None, date_basis: str | None = None, overwrite: bool = False) -> Edit:
        with refusals():
            text, dropped = import_raw(without_headline(raw_text, title), doc_id=doc_id, title=title,
                                       published=published, publication=publication, topics=topics,
                                       date_basis=date_basis)
        files = self._new_file(doc_id, text, self.documents(), overwrite)
        return self._planned(Edit("import", doc_id, files, title=title, detail=f"dropped {len(dropped)} lines"))

    def plan_edit(self, doc_id: str, changes: Mapping[str, str | None]) -> Edit:
        docs = self.documents()
        doc = self.document(doc_id, docs)
        successor = (changes.get("superseded_by") or "").strip()
        if successor:
            if successor == doc.id:
                raise EditError("一份文档不能取代它自己")
            self.document(successor, docs)
        with refusals():
            text = edited_text(_text(doc), doc.id, changes)
        return self._planned(Edit("edit", doc.id, {self._rel(doc): text}, title=doc.title,
                                  detail=", ".join(sorted(changes))))

    def plan_remove(self, doc_id: str) -> Edit:
        knowledge = self.knowledge()
        doc = self.document(doc_id, knowledge.docs)
        users = _references(knowledge, doc.id)
        if users:
            raise EditError(f"{doc.id} 仍被引用，不能删除：{'；'.join(users)}。请先改掉这些引用。")
        return self._planned(Edit("remove", doc.id, {self._rel(doc): None}, title=doc.title))

    def plan_faq(self, entry: FaqEntry) -> Edit:
        docs = self.documents()
        with refusals():
            entries = with_entry(load_faq(self.root, docs), entry)
        text = faq_text(read(self.root, FAQ_FILE), entries)
        return self._planned(Edit("faq-add", entry.id, {FAQ_FILE: text}, reindex=False,
                                  title=entry.questions[0] if entry.questions else ""))

    def plan_faq_remove(self, entry_id: str) -> Edit:
        with refusals():
            entries = load_faq(self.root, self.documents())
        kept = [e for e in entries if e.id != entry_id]
        if len(kept) == len(entries):
            raise EditError(f"没有这条常见问答：{short(entry_id)}")
        text = faq_text(read(self.root, FAQ_FILE), kept)
        return self._planned(Edit("faq-remove", entry_id, {FAQ_FILE: text}, reindex=False))

    def plan_station_contact(self, station_id: str, contact: Mapping[str, str],
                             services: list[str] | None = None) -> Edit:
        """Address, hours and phone of a station (and the services of one staff added)."""
        fields = {k: str(contact[k]) for k in CONTACT_FIELDS if k in contact}
        with refusals():
            text = with_details(self._stations_text(), station_id, fields, services)
        return self._planned(Edit("station-edit", station_id, {STATIONS_FILE: text}, reindex=False))

    def plan_station_add(self, *, name: str, level: str, district: str, parent: str = "",
                         services: list[str] | None = None, address: str = "", hours: str = "", phone: str = "",
                         added_by: str = "") -> Edit:
        """A station staff know of; its id is made from the name."""
        with refusals():
            text = with_station(self._stations_text(), name=name, level=level, district=district, parent=parent,
                                services=services, address=address, hours=hours, phone=phone, added_by=added_by)
        return self._planned(Edit("station-add", name, {STATIONS_FILE: text}, reindex=False, title=name))

    def plan_programme(self, programme_id: str, text: str, *, name: str = "", source: str = "") -> Edit:
        """A new programme round's YAML (bot/knowledge/programme_files.py wrote and checked it); it goes
        through the same re-index job as a document, so the bot answers with it when the job ends."""
        rel = f"programmes/{programme_id}.yaml"
        if not valid_id(programme_id):
            raise EditError(f"项目编号 {short(programme_id)} 不可用：只能用小写字母、数字、“-”和“_”")
        if (self.root / rel).exists():
            raise EditError(f"knowledge/{rel} 已存在，请换一个编号")
        return self._planned(Edit("programme-add", programme_id, {rel: text}, title=name,
                                  detail=f"from {source}" if source else ""))

    def _stations_text(self) -> str:
        path = self.root / STATIONS_FILE
        if not path.exists():
            raise EditError("知识库里没有社工站名录（stations.yaml）")
        return path.read_text(encoding="utf-8")

    def _new_file(self, doc_id: str, text: str, docs: list[Document], overwrite: bool) -> dict[str, str | None]:
        if not valid_id(doc_id):
            raise EditError(f"文档编号 {short(doc_id)} 不可用：只能用小写字母、数字、“-”和“_”，2 到 64 个字符")
        files: dict[str, str | None] = {f"articles/{doc_id}.md": text}
        existing = next((d for d in docs if d.id == doc_id), None)
        if existing is not None:
            if not overwrite:
                raise EditError(f"已有编号为 {doc_id} 的文档；如需替换请先删除它（或用 --overwrite）")
            files.setdefault(self._rel(existing), None)
        elif (self.root / "articles" / f"{doc_id}.md").exists() and not overwrite:
            raise EditError(f"articles/{doc_id}.md 已存在；如需替换请用 --overwrite")
        return files

    def _planned(self, edit: Edit) -> Edit:
        """Record what the files hold now and check the knowledge base as it would be afterwards."""
        edit.base = base_of(self.root, edit.files)
        with refusals(prefix="改动后知识库无法加载，没有保存："):
            check_on_copy(self.root, edit.files)
        return edit

    # ------------------------------------------------------------------ applying
    def apply(self, edit: Edit, *, user: str | None, progress: Progress | None = None) -> Outcome:
        """Write the change and re-index; on any failure put the files back and raise EditError."""
        with edit_lock(self.settings.data_dir, LOCK_WAIT_SECONDS) as locked:
            if not locked:
                self.refused(user, edit.action, edit.target, "另一项修改正在进行")
                raise EditError("另一项修改或重新索引正在进行，请稍后再试")
            try:
                if base_of(self.root, edit.files) != edit.base:
                    raise EditError("这些文件在此期间被别人修改过，请刷新后重新操作")
                with refusals(prefix="改动后知识库无法加载，没有保存："):
                    check_on_copy(self.root, edit.files)  # still valid against what is there now
            except EditError as exc:
                self.refused(user, edit.action, edit.target, str(exc))
                raise
            try:
                before = apply(self.root, edit.files)
            except OSError as exc:
                self.refused(user, edit.action, edit.target, f"write failed: {exc.__class__.__name__}")
                raise EditError(f"文件无法写入（{exc.strerror or exc.__class__.__name__}），没有做任何改动") from exc
            indexed = None
            if edit.reindex and self._reindex is not None:
                try:
                    indexed = self._reindex(progress)
                except Exception as exc:
                    restore(self.root, before)
                    log.exception("re-index after %s %s failed; the change was undone", edit.action, edit.target)
                    reason = self._scrub(str(exc))
                    self.refused(user, edit.action, edit.target, f"re-index failed, undone: {reason}")
                    raise EditError(f"重新索引失败，改动已撤回（原来的索引继续回答）：{reason}") from exc
        detail = f"{edit.target}" + (f" ({edit.detail})" if edit.detail else "")
        self._log(user, edit.action, True, detail + (f"; {indexed.summary}" if indexed else ""))
        return Outcome(edit, indexed)

    def reindex(self, *, user: str | None, progress: Progress | None = None, action: str = "reindex") -> Indexed:
        """Bring the index in line with knowledge/ as it is (after a hand edit, or on request)."""
        if self._reindex is None:
            raise EditError("这里不能重新索引")
        with edit_lock(self.settings.data_dir, LOCK_WAIT_SECONDS) as locked:
            if not locked:
                raise EditError("另一项修改或重新索引正在进行，请稍后再试")
            try:
                check_knowledge(self.root)
                indexed = self._reindex(progress)
            except Exception as exc:
                reason = self._scrub(str(exc))
                self.refused(user, action, "", reason)
                raise EditError(f"重新索引失败（原来的索引继续回答）：{reason}") from exc
        self._log(user, action, True, indexed.summary)
        return indexed

    def refused(self, user: str | None, action: str, target: str, reason: str) -> None:
        """Audit a refused or failed request (it is allowed staff work that did not go through)."""
        self._log(user, action, True, f"{target}: refused: {reason}" if target else f"refused: {reason}")

    def _log(self, user: str | None, action: str, allowed: bool, detail: str) -> None:
        if self._audit is not None:
            self._audit.log_staff(user, action, allowed, detail)

    def _scrub(self, message: str) -> str:
        """Server paths out of a message: the data and knowledge directories by their names only."""
        for root in (self.settings.data_dir, self.root):
            for form in {str(root), str(root.resolve())}:
                message = message.replace(form, root.name)
        return message

    # ------------------------------------------------------------------ one step each
    def add(self, data: bytes, filename: str, meta: Mapping[str, str | None] | None = None, *,
            user: str | None, overwrite: bool = False, progress: Progress | None = None) -> Outcome:
        return self.apply(self.attempt(user, "upload", Path(filename).name,
                                       lambda: self.plan_add(data, filename, meta, overwrite=overwrite)),
                          user=user, progress=progress)

    def edit(self, doc_id: str, changes: Mapping[str, str | None], *, user: str | None) -> Outcome:
        return self.apply(self.attempt(user, "edit", doc_id, lambda: self.plan_edit(doc_id, changes)), user=user)

    def remove(self, doc_id: str, *, user: str | None) -> Outcome:
        return self.apply(self.attempt(user, "remove", doc_id, lambda: self.plan_remove(doc_id)), user=user)

    def attempt(self, user: str | None, action: str, target: str, plan: Callable[[], Edit]) -> Edit:
        """Plan a change, auditing a refusal (channels that apply it later, e.g. in a job, call this)."""
        try:
            return plan()
        except EditError as exc:
            self.refused(user, action, short(target), str(exc))
            raise


def _text(doc: Document) -> str:
    return Path(doc.path).read_text(encoding="utf-8")


def _references(knowledge: Knowledge, doc_id: str) -> list[str]:
    """Who still cites a document, in words staff know."""
    users = [f"项目“{p.name}”的规则引自它" for p in knowledge.programmes if p.doc.id == doc_id]
    if knowledge.directory is not None and knowledge.directory.doc.id == doc_id:
        users.append("社工站名录引自它")
    faq = [e.questions[0] for e in knowledge.faq if any(s.doc == doc_id for s in e.sources)]
    if faq:
        users.append("常见问答“" + "”“".join(faq[:3]) + "”" + ("等" if len(faq) > 3 else "") + "以它为出处")
    replaced = [d.id for d in knowledge.docs if d.superseded_by == doc_id]
    if replaced:
        users.append(f"文档 {'、'.join(replaced)} 标注为被它取代")
    return users
