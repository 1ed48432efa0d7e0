"""知识库 operations: search, the centre's edits (each a new version), publishing and
retiring, units' proposals and their review. Each mutation is one transaction, audited."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field, model_validator
from sqlalchemy import Select, and_, func, or_, select, update

from hotline.auth.models import User
from hotline.categories.models import Category
from hotline.core import audit
from hotline.core.clock import local_today, now
from hotline.core.db import write_transaction
from hotline.core.errors import BadRequest, Conflict, NotFound
from hotline.core.extensions import db
from hotline.core.fulltext import KNOWLEDGE
from hotline.core.pagination import PageQuery
from hotline.core.permissions import SIGNED_IN, Permission
from hotline.core.validation import MAX_ID, Body, FieldErrors, Id, SaneDate, invalid, validate
from hotline.grid.models import Unit
from hotline.knowledge.models import EntryContent, KnowledgeEntry, KnowledgeProposal, KnowledgeVersion

# The centre keeps the knowledge base (its dispatchers and supervisors, with the
# administrators); everyone else proposes.
EDIT_KNOWLEDGE = Permission(
    "知识库由热线中心的派单员、督办员和系统管理员维护；其他人员可以提出修改建议",
    lambda actor: actor.has_role("admin") or (actor.at_centre and actor.has_role("dispatcher", "supervisor")),
)
SEARCH_KNOWLEDGE = SIGNED_IN
PROPOSE_KNOWLEDGE = SIGNED_IN

CONTENT_FIELDS = (
    "title",
    "answer",
    "keywords",
    "category_id",
    "area_unit_id",
    "responsible_unit_id",
    "valid_from",
    "valid_until",
)


class EntryBody(Body):
    title: str = Field(min_length=2, max_length=200, description="标题（问题）")
    answer: str = Field(min_length=2, max_length=2000, description="答复口径（直接答复时即短信内容）")
    keywords: str | None = Field(None, max_length=500, description="关键词、常见问法（空格分隔）")
    category: str | None = Field(None, max_length=16, description="分类编码（任一级）")
    area_unit_id: Id | None = Field(None, description="适用区域：该单位及其下级；缺省为全辖区")
    responsible_unit_id: Id | None = Field(None, description="责任单位")
    valid_from: SaneDate | None = Field(None, description="生效日期")
    valid_until: SaneDate | None = Field(None, description="失效日期（含当日）")

    @model_validator(mode="after")
    def _period(self):
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise FieldErrors({"valid_until": "失效日期不能早于生效日期"})
        return self


class CreateBody(EntryBody):
    publish: bool = Field(False, description="保存后立即发布（否则为草稿）")
    note: str | None = Field(None, max_length=500, description="修改说明")


class EditBody(EntryBody):
    version: int = Field(ge=1, le=MAX_ID, description="编辑时看到的版本号；已被他人修改则 409")
    note: str | None = Field(None, max_length=500, description="修改说明")


class StatusBody(Body):
    version: int = Field(ge=1, le=MAX_ID, description="操作时看到的版本号")
    note: str | None = Field(None, max_length=500, description="说明")


class ProposalBody(EntryBody):
    entry_id: Id | None = Field(None, description="要修改的条目；缺省为建议新增")
    reason: str = Field(min_length=2, max_length=1000, description="建议理由")


class ReviewBody(Body):
    decision: Literal["accept", "reject"] = Field(description="accept 采纳并发布，reject 不采纳")
    note: str | None = Field(None, max_length=500, description="审核意见（不采纳时必填）")

    @model_validator(mode="after")
    def _why(self):
        if self.decision == "reject" and not self.note:
            raise FieldErrors({"note": "不采纳时请写明理由"})
        return self


class SearchQuery(PageQuery):
    q: str | None = Field(None, max_length=100, description="检索词：标题、关键词、答复口径（中文按字词检索）")
    category: str | None = Field(None, max_length=16, description="分类编码：该分类及其下级")
    unit: Id | None = Field(None, description="适用于该单位（全辖区条目与其上级区域的条目）")
    status: Literal["published", "draft", "retired", "all"] = Field(
        "published", description="published：已发布且在有效期内；其余仅知识库维护人员可用"
    )


# ------------------------------------------------------------------ reading


def get_entry(entry_id: int, actor: User) -> KnowledgeEntry:
    """An entry: published ones for everyone, drafts and retired ones for the editors."""
    SEARCH_KNOWLEDGE.require(actor)
    entry = db.session.get(KnowledgeEntry, entry_id)
    if entry is None or (entry.status != "published" and not EDIT_KNOWLEDGE.allows(actor)):
        raise NotFound("没有这个知识条目")
    return entry


def answering_entry(entry_id: int, day: date) -> KnowledgeEntry:
    """The entry an operator picked for a 直接答复: published and valid on `day`."""
    entry = db.session.get(KnowledgeEntry, entry_id)
    problem = None
    if entry is None:
        problem = "没有这个知识条目"
    elif entry.status != "published":
        problem = f"该条目{entry.status_label}，不能用于答复"
    elif not entry.applies_on(day):
        problem = "该条目不在有效期内"
    if problem:
        raise invalid("knowledge_entry_id", problem)
    assert entry is not None
    return entry


def record_answer(entry: KnowledgeEntry) -> None:
    """Count one more appeal answered by `entry` (in the caller's transaction)."""
    db.session.execute(
        update(KnowledgeEntry).where(KnowledgeEntry.id == entry.id).values(answered=KnowledgeEntry.answered + 1)
    )


def search(query: SearchQuery, actor: User, *, day: date | None = None) -> Select[Any]:
    """Entries matching the query, best first: entries whose title holds every term before
    the others, then by relevance, then the most used."""
    SEARCH_KNOWLEDGE.require(actor)
    if query.status != "published":
        EDIT_KNOWLEDGE.require(actor)
    stmt = select(KnowledgeEntry)
    if query.status == "published":
        stmt = stmt.where(KnowledgeEntry.status == "published", applies_clause(day or local_today()))
    elif query.status != "all":
        stmt = stmt.where(KnowledgeEntry.status == query.status)
    if query.category:
        codes = select(Category.id).where(Category.code.startswith(query.category, autoescape=True))
        stmt = stmt.where(KnowledgeEntry.category_id.in_(codes))
    if query.unit is not None:
        unit = db.session.get(Unit, query.unit)
        if unit is None:
            raise invalid("unit", "没有这个单位", "查询参数")
        places = select(Unit.id).where(Unit.code.in_([*unit.ancestor_codes, unit.code]))
        stmt = stmt.where(or_(KnowledgeEntry.area_unit_id.is_(None), KnowledgeEntry.area_unit_id.in_(places)))
    if query.q:
        ranked = _ranked(stmt, query.q, every=True)
        if ranked is None:
            return stmt.where(KnowledgeEntry.id.is_(None))  # nothing searchable in the words
        if db.session.scalar(select(func.count()).select_from(ranked.order_by(None).limit(1).subquery())):
            return ranked
        any_term = _ranked(stmt, query.q, every=False)  # no entry holds every term: any of them
        return ranked if any_term is None else any_term
    return stmt.order_by(KnowledgeEntry.updated_at.desc(), KnowledgeEntry.id.desc())


def _ranked(stmt: Select[Any], q: str, *, every: bool) -> Select[Any] | None:
    hits = KNOWLEDGE.matches(db.session, q, every=every)
    if hits is None:
        return None
    return stmt.join(hits, hits.c.doc_id == KnowledgeEntry.id).order_by(
        hits.c.title_hit.desc(), hits.c.score.desc(), KnowledgeEntry.answered.desc(), KnowledgeEntry.id
    )


def suggestions(text: str, place_unit_id: int | None, actor: User, limit: int = 5) -> list[KnowledgeEntry]:
    """Published, valid entries for a 直接答复 of an appeal about `text` at that place:
    the best matches of any of its words."""
    if not SEARCH_KNOWLEDGE.allows(actor):
        return []
    query = SearchQuery(q=text[:100], unit=place_unit_id)
    stmt = search(query, actor)
    return list(db.session.scalars(stmt.limit(limit)))


def versions(entry_id: int, actor: User) -> list[KnowledgeVersion]:
    entry = get_entry(entry_id, actor)
    return list(entry.versions)


def proposals(actor: User, status: str | None = "pending") -> Select[tuple[KnowledgeProposal]]:
    """The editors see every proposal; others their own unit's."""
    PROPOSE_KNOWLEDGE.require(actor)
    stmt = select(KnowledgeProposal).order_by(KnowledgeProposal.proposed_at.desc(), KnowledgeProposal.id.desc())
    if status:
        stmt = stmt.where(KnowledgeProposal.status == status)
    if not EDIT_KNOWLEDGE.allows(actor):
        stmt = stmt.where(KnowledgeProposal.unit_id == actor.unit_id)
    return stmt


def pending_count(actor: User) -> int:
    if not EDIT_KNOWLEDGE.allows(actor):
        return 0
    return db.session.scalar(select(func.count()).where(KnowledgeProposal.status == "pending")) or 0


# ------------------------------------------------------------------ the centre's edits


def create_entry(data: Any, actor: User, at: datetime | None = None) -> KnowledgeEntry:
    EDIT_KNOWLEDGE.require(actor)
    body = validate(CreateBody, data, "知识条目")
    at = at or now()
    with write_transaction(db.session):
        entry = _add_entry(_content(body), "published" if body.publish else "draft", actor, at, body.note)
    return entry


def edit_entry(entry_id: int, data: Any, actor: User, at: datetime | None = None) -> KnowledgeEntry:
    EDIT_KNOWLEDGE.require(actor)
    body = validate(EditBody, data, "知识条目")
    at = at or now()
    with write_transaction(db.session):
        entry = _current(entry_id, body.version)
        for name, value in _content(body).items():
            setattr(entry, name, value)
        _new_version(entry, actor, at, "edit", body.note)
    return entry


def set_status(
    entry_id: int, status: Literal["published", "retired"], data: Any, actor: User, at: datetime | None = None
) -> KnowledgeEntry:
    """发布 (a draft, or a retired entry again) or 停用 (a published one)."""
    EDIT_KNOWLEDGE.require(actor)
    body = validate(StatusBody, data, "请求内容")
    at = at or now()
    with write_transaction(db.session):
        entry = _current(entry_id, body.version)
        if entry.status == status:
            raise Conflict(f"该条目已是「{entry.status_label}」")
        entry.status = status
        _new_version(entry, actor, at, "publish" if status == "published" else "retire", body.note)
    return entry


def _add_entry(
    values: dict[str, Any], status: str, actor: User, at: datetime, note: str | None, proposal_id: int | None = None
) -> KnowledgeEntry:
    """A new entry and its first version."""
    entry = KnowledgeEntry(**values, status=status, version=1, created_at=at, created_by_id=actor.id)
    db.session.add(entry)
    db.session.flush()
    _new_version(entry, actor, at, "create", note, proposal_id)
    return entry


def _current(entry_id: int, seen: int | None) -> KnowledgeEntry:
    """The entry, locked for the change; 409 when it is no longer the version `seen` (None:
    whatever version it is, as when a proposal is accepted)."""
    entry = db.session.get(KnowledgeEntry, entry_id, populate_existing=True, with_for_update={"of": KnowledgeEntry})
    if entry is None:
        raise NotFound("没有这个知识条目")
    if seen is not None and entry.version != seen:
        raise Conflict(f"该条目已被他人修改（现为第{entry.version}版，您看到的是第{seen}版），请刷新后再操作")
    return entry


def _content(body: EntryBody) -> dict[str, Any]:
    """The entry's fields from a body, its category and units checked."""
    fields: dict[str, str] = {}
    category_id = None
    if body.category:
        category_id = db.session.scalar(select(Category.id).where(Category.code == body.category, Category.active))
        if category_id is None:
            fields["category"] = "没有这个分类"
    for name in ("area_unit_id", "responsible_unit_id"):
        unit_id = getattr(body, name)
        if unit_id is not None and db.session.scalar(select(Unit.id).where(Unit.id == unit_id, Unit.active)) is None:
            fields[name] = "没有这个单位"
    if fields:
        raise BadRequest("知识条目有误：" + "；".join(f"{k}：{v}" for k, v in fields.items()), fields=fields)
    values = body.model_dump(include=set(CONTENT_FIELDS))
    values["category_id"] = category_id
    values["keywords"] = body.keywords or None
    return values


def _new_version(
    entry: KnowledgeEntry, actor: User, at: datetime, change: str, note: str | None, proposal_id: int | None = None
) -> None:
    """The entry as it now stands becomes its next version (its first when just made), and
    the search index is rewritten; the change is audited."""
    if change != "create":
        entry.version += 1
    entry.updated_at, entry.updated_by_id = at, actor.id
    db.session.add(
        KnowledgeVersion(
            entry_id=entry.id,
            version=entry.version,
            status=entry.status,
            change=change,
            note=note,
            edited_at=at,
            edited_by_id=actor.id,
            proposal_id=proposal_id,
            **_copy(entry),
        )
    )
    KNOWLEDGE.put(db.session, entry)
    audit.record(actor, "knowledge_entry", entry.id, change, {"version": entry.version, "status": entry.status})


def _copy(source: EntryContent) -> dict[str, Any]:
    return {name: getattr(source, name) for name in CONTENT_FIELDS}


# ------------------------------------------------------------------ proposals


def propose(data: Any, actor: User, *, appeal_id: int | None = None, at: datetime | None = None) -> KnowledgeProposal:
    """A new entry or a change to one, for the centre to review. `appeal_id`: the appeal
    (a 咨询 just answered …) that prompted it, already checked visible to the proposer."""
    PROPOSE_KNOWLEDGE.require(actor)
    body = validate(ProposalBody, data, "知识库建议")
    at = at or now()
    with write_transaction(db.session):
        base_version = None
        if body.entry_id is not None:
            base_version = get_entry(body.entry_id, actor).version
        proposal = KnowledgeProposal(
            **_content(body),
            entry_id=body.entry_id,
            base_version=base_version,
            reason=body.reason,
            appeal_id=appeal_id,
            proposed_at=at,
            proposed_by_id=actor.id,
            unit_id=actor.unit_id,
            status="pending",
        )
        db.session.add(proposal)
        db.session.flush()
        audit.record(actor, "knowledge_proposal", proposal.id, "propose", {"entry_id": body.entry_id})
    return proposal


def get_proposal(proposal_id: int, actor: User) -> KnowledgeProposal:
    proposal = db.session.get(KnowledgeProposal, proposal_id)
    if proposal is None or not (EDIT_KNOWLEDGE.allows(actor) or proposal.unit_id == actor.unit_id):
        raise NotFound("没有这条建议")
    return proposal


def review(proposal_id: int, data: Any, actor: User, at: datetime | None = None) -> KnowledgeProposal:
    """Accept (the proposal becomes the entry's next version, published; or a new
    published entry) or reject, with the reviewer's note."""
    EDIT_KNOWLEDGE.require(actor)
    body = validate(ReviewBody, data, "审核意见")
    at = at or now()
    with write_transaction(db.session):
        proposal = db.session.get(
            KnowledgeProposal, proposal_id, populate_existing=True, with_for_update={"of": KnowledgeProposal}
        )
        if proposal is None:
            raise NotFound("没有这条建议")
        if proposal.status != "pending":
            raise Conflict(f"这条建议已审核（{proposal.status_label}）")
        proposal.status = "accepted" if body.decision == "accept" else "rejected"
        proposal.reviewed_at, proposal.reviewed_by_id, proposal.review_note = at, actor.id, body.note
        if body.decision == "accept":
            _accept(proposal, actor, at, body.note)
        audit.record(actor, "knowledge_proposal", proposal.id, proposal.status, {"note": body.note})
    return proposal


def _accept(proposal: KnowledgeProposal, actor: User, at: datetime, note: str | None) -> None:
    if proposal.entry_id is None:
        entry = _add_entry(_copy(proposal), "published", actor, at, note or "采纳建议", proposal.id)
        proposal.entry_id = entry.id
        return
    changed = _current(proposal.entry_id, None)
    for name, value in _copy(proposal).items():
        setattr(changed, name, value)
    changed.status = "published"
    _new_version(changed, actor, at, "proposal", note or "采纳建议", proposal.id)


def applies_clause(day: date):
    """SQL: the entry is valid on `day`."""
    return and_(
        or_(KnowledgeEntry.valid_from.is_(None), KnowledgeEntry.valid_from <= day),
        or_(KnowledgeEntry.valid_until.is_(None), KnowledgeEntry.valid_until >= day),
    )
