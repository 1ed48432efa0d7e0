"""API of the knowledge base (知识库)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from hotline.categories.presenters import CategoryRef
from hotline.core.clock import to_local
from hotline.core.pagination import Page, PageQuery, paginate
from hotline.knowledge import operations as knowledge
from hotline.knowledge.models import EntryContent, KnowledgeEntry, KnowledgeProposal, KnowledgeVersion
from hotline.web.api import api

TAGS = ("knowledge",)


class Ref(BaseModel):
    id: int
    name: str


class ContentOut(BaseModel):
    title: str
    answer: str = Field(description="答复口径")
    keywords: str | None
    category: CategoryRef | None
    area: Ref | None = Field(description="适用区域；null 为全辖区")
    responsible_unit: Ref | None
    valid_from: date | None
    valid_until: date | None

    @staticmethod
    def fields_of(c: EntryContent) -> dict:
        return {
            "title": c.title,
            "answer": c.answer,
            "keywords": c.keywords,
            "category": CategoryRef.of(c.category) if c.category else None,
            "area": Ref(id=c.area.id, name=c.area.name) if c.area else None,
            "responsible_unit": Ref(id=c.responsible_unit.id, name=c.responsible_unit.name)
            if c.responsible_unit
            else None,
            "valid_from": c.valid_from,
            "valid_until": c.valid_until,
        }


class EntryOut(ContentOut):
    id: int
    status: Literal["draft", "published", "retired"]
    status_label: str
    version: int = Field(description="当前版本号；修改、发布、停用时回传")
    updated_at: datetime
    answered: int = Field(description="用于直接答复的次数")

    @classmethod
    def of(cls, e: KnowledgeEntry) -> EntryOut:
        return cls(
            id=e.id,
            status=e.status,
            status_label=e.status_label,
            version=e.version,
            updated_at=to_local(e.updated_at),
            answered=e.answered,
            **cls.fields_of(e),
        )


class EntryList(Page):
    items: list[EntryOut]


class VersionOut(ContentOut):
    version: int
    status: str
    change: str = Field(description="create 新建、edit 修改、publish 发布、retire 停用、proposal 采纳建议")
    note: str | None
    edited_at: datetime
    edited_by: str | None

    @classmethod
    def of(cls, v: KnowledgeVersion) -> VersionOut:
        return cls(
            version=v.version,
            status=v.status,
            change=v.change,
            note=v.note,
            edited_at=to_local(v.edited_at),
            edited_by=v.edited_by.display_name if v.edited_by else None,
            **cls.fields_of(v),
        )


class VersionList(BaseModel):
    items: list[VersionOut]


class ProposalOut(ContentOut):
    id: int
    entry_id: int | None = Field(description="所改条目；null 为建议新增")
    base_version: int | None
    reason: str
    appeal_id: int | None
    unit: Ref
    proposed_by: str
    proposed_at: datetime
    status: Literal["pending", "accepted", "rejected"]
    status_label: str
    review_note: str | None
    reviewed_at: datetime | None

    @classmethod
    def of(cls, p: KnowledgeProposal) -> ProposalOut:
        return cls(
            id=p.id,
            entry_id=p.entry_id,
            base_version=p.base_version,
            reason=p.reason,
            appeal_id=p.appeal_id,
            unit=Ref(id=p.unit.id, name=p.unit.name),
            proposed_by=p.proposed_by.display_name,
            proposed_at=to_local(p.proposed_at),
            status=p.status,
            status_label=p.status_label,
            review_note=p.review_note,
            reviewed_at=to_local(p.reviewed_at),
            **cls.fields_of(p),
        )


class ProposalList(Page):
    items: list[ProposalOut]


class ProposalQuery(PageQuery):
    status: Literal["pending", "accepted", "rejected", "all"] = "pending"


@api.endpoint(
    "GET",
    "/knowledge",
    summary="检索知识库",
    query=knowledge.SearchQuery,
    response=EntryList,
    tags=TAGS,
    errors=(403,),
    description="中文按字词检索（两字词即可命中），标题命中者在前；缺省只返回已发布且在有效期内的条目。",
)
def search_knowledge(user, query: knowledge.SearchQuery):
    entries, page = paginate(knowledge.search(query, user), query)
    return EntryList(items=[EntryOut.of(e) for e in entries], **page)


@api.endpoint(
    "POST",
    "/knowledge",
    summary="新建知识条目（热线中心）",
    body=knowledge.CreateBody,
    response=EntryOut,
    status=201,
    tags=TAGS,
    errors=(403,),
)
def create_entry(user, data):
    return EntryOut.of(knowledge.create_entry(data, user))


@api.endpoint("GET", "/knowledge/<int:entry_id>", summary="知识条目", response=EntryOut, tags=TAGS, errors=(404,))
def get_entry(user, entry_id: int):
    return EntryOut.of(knowledge.get_entry(entry_id, user))


@api.endpoint(
    "PATCH",
    "/knowledge/<int:entry_id>",
    summary="修改知识条目（生成新版本）",
    body=knowledge.EditBody,
    response=EntryOut,
    tags=TAGS,
    errors=(403, 404, 409),
)
def edit_entry(user, entry_id: int, data):
    return EntryOut.of(knowledge.edit_entry(entry_id, data, user))


@api.endpoint(
    "POST",
    "/knowledge/<int:entry_id>/publish",
    summary="发布知识条目",
    body=knowledge.StatusBody,
    response=EntryOut,
    tags=TAGS,
    errors=(403, 404, 409),
)
def publish_entry(user, entry_id: int, data):
    return EntryOut.of(knowledge.set_status(entry_id, "published", data, user))


@api.endpoint(
    "POST",
    "/knowledge/<int:entry_id>/retire",
    summary="停用知识条目",
    body=knowledge.StatusBody,
    response=EntryOut,
    tags=TAGS,
    errors=(403, 404, 409),
)
def retire_entry(user, entry_id: int, data):
    return EntryOut.of(knowledge.set_status(entry_id, "retired", data, user))


@api.endpoint(
    "GET",
    "/knowledge/<int:entry_id>/versions",
    summary="知识条目的版本历史（新的在前）",
    response=VersionList,
    tags=TAGS,
    errors=(404,),
)
def entry_versions(user, entry_id: int):
    return VersionList(items=[VersionOut.of(v) for v in knowledge.versions(entry_id, user)])


@api.endpoint(
    "GET",
    "/knowledge/proposals",
    summary="知识库建议：中心看全部，其他单位看本单位的",
    query=ProposalQuery,
    response=ProposalList,
    tags=TAGS,
)
def list_proposals(user, query: ProposalQuery):
    stmt = knowledge.proposals(user, None if query.status == "all" else query.status)
    found, page = paginate(stmt, query)
    return ProposalList(items=[ProposalOut.of(p) for p in found], **page)


@api.endpoint(
    "POST",
    "/knowledge/proposals",
    summary="提出知识库建议（新增条目或修改条目）",
    body=knowledge.ProposalBody,
    response=ProposalOut,
    status=201,
    tags=TAGS,
    errors=(404,),
)
def propose(user, data):
    return ProposalOut.of(knowledge.propose(data, user))


@api.endpoint(
    "GET",
    "/knowledge/proposals/<int:proposal_id>",
    summary="一条知识库建议",
    response=ProposalOut,
    tags=TAGS,
    errors=(404,),
)
def get_proposal(user, proposal_id: int):
    return ProposalOut.of(knowledge.get_proposal(proposal_id, user))


class ReviewOut(BaseModel):
    proposal: ProposalOut
    entry: EntryOut | None = Field(description="采纳后的条目")


@api.endpoint(
    "POST",
    "/knowledge/proposals/<int:proposal_id>/review",
    summary="审核知识库建议：采纳（发布为新版本或新条目）或不采纳",
    body=knowledge.ReviewBody,
    response=ReviewOut,
    tags=TAGS,
    errors=(403, 404, 409),
)
def review_proposal(user, proposal_id: int, data):
    proposal = knowledge.review(proposal_id, data, user)
    accepted = proposal.status == "accepted" and proposal.entry_id is not None
    entry = EntryOut.of(knowledge.get_entry(proposal.entry_id, user)) if accepted and proposal.entry_id else None
    return ReviewOut(proposal=ProposalOut.of(proposal), entry=entry)
