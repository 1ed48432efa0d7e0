"""A citizen files a report (随手拍, or through an Open311 client) and follows it with the
工单编号 and 查询码 the receipt SMS gave them.

Reports enter the same loop as calls: `register` numbers, places and logs them, and they
wait in the centre's queue with the grid their point routed to, where the dispatcher sees
the ranked suggestions of the 确责清单."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from pydantic import Field
from sqlalchemy import func, select

from hotline.appeals.attachments import operations as attachments
from hotline.appeals.attachments.images import CleanImage
from hotline.appeals.attachments.models import Attachment
from hotline.appeals.engine import perform_as_citizen
from hotline.appeals.guards import ActionContext
from hotline.appeals.intake import register
from hotline.appeals.machine import available_actions
from hotline.appeals.models import Appeal, AppealEvent
from hotline.appeals.schemas import AppealCreate
from hotline.appeals.states import FINAL_STATES, Act, State
from hotline.core.clock import format_local, now
from hotline.core.errors import Conflict, NotFound
from hotline.core.extensions import db
from hotline.core.idempotency import Once
from hotline.core.validation import CHINA_LAT, CHINA_LON, Body, invalid, validate
from hotline.core.vocabulary import UNRATED, AppealType
from hotline.grid.geo import Placement

# What a citizen is told of each state: where their report stands, in their words.
STAGES = {
    "accepted": "已受理",
    "dispatched": "办理中",
    "returning": "办理中",
    "handling": "办理中",
    "supervised": "办理中",
    "paused": "暂缓办理",
    "replied": "办理中",
    "revisiting": "已办结",
    "auditing": "已办结",
    "evaluated": "已办结",
    "merged": "已合并",
    "voided": "不予受理",
}
CLOSED_STATES = frozenset(s for s, stage in STAGES.items() if stage in ("已办结", "已合并", "不予受理"))

# The milestones of the event log a citizen sees; the rest is the centre's business.
MILESTONES = {
    "create": "诉求已受理",
    "dispatch": "已转交{unit}办理",
    "redispatch": "已转交{unit}办理",
    "sign": "{unit}已签收，正在办理",
    "approve_extension": "办理时限延长至{due_at}",
    "approve_pause": "暂缓办理（{kind}），预计{resume_at}恢复",
    "resume": "恢复办理",
    "approve_reply": "已办结并答复",
    "answer": "已直接答复",
    "visit": "已回访",
    "rate": "您已评价：{satisfaction}",
    "merge": "与相同问题的工单合并办理",
    "void": "不予受理",
}
REOPENED = "您不满意，已交承办单位重新办理（整改）"
NOT_REACHED = "回访电话未能联系上您"


def _moments(payload: dict) -> dict[str, str]:
    """What a milestone may say of its event: the new deadline, the pause's kind and day."""
    return {
        "due_at": format_local(payload.get("due_at")),
        "resume_at": format_local(payload.get("resume_at"), "%Y-%m-%d"),
        "kind": payload.get("kind", ""),
        "satisfaction": payload.get("satisfaction", ""),
    }


TITLE_LENGTH = 30
MAX_PHOTOS = 9  # a citizen's own photos per report


class ReportCreate(Body):
    """随手拍: what a citizen fills in on the phone."""

    category: str = Field(min_length=1, max_length=16, description="末级分类编码")
    content: str = Field(min_length=1, max_length=4000, description="问题描述")
    title: str | None = Field(None, max_length=100, description="缺省取描述的开头")
    type: AppealType = "求助"
    address: str | None = Field(None, max_length=200, description="问题发生地点")
    lat: float | None = Field(None, ge=CHINA_LAT[0], le=CHINA_LAT[1], description="WGS84 纬度")
    lon: float | None = Field(None, ge=CHINA_LON[0], le=CHINA_LON[1], description="WGS84 经度")
    citizen_name: str | None = Field(None, max_length=50)
    citizen_phone: str | None = Field(None, max_length=20, description="手机号，用于接收受理回执和查询码")
    is_anonymous: bool = False
    is_confidential: bool = Field(False, description="保密：不向被反映的单位透露身份")


def title_from(content: str) -> str:
    first_line = content.strip().splitlines()[0].strip()
    return first_line if len(first_line) <= TITLE_LENGTH else first_line[: TITLE_LENGTH - 1] + "…"


def submit(
    data: Mapping[str, Any],
    *,
    channel: str = "随手拍",
    at: datetime | None = None,
    once: Once | None = None,
    place: Placement | None = None,
    details: dict | None = None,
    attach: Callable[[Appeal], None] | None = None,
) -> Appeal:
    """File a citizen's report on `channel` (随手拍 or Open311). 400 names what is wrong."""
    report = validate(ReportCreate, data)
    values = report.model_dump(exclude={"title"})
    appeal = validate(
        AppealCreate,  # the rules every appeal keeps (phone, both coordinates …)
        {**values, "title": report.title or title_from(report.content), "channel": channel},
    )
    return register(appeal, at=at or now(), once=once, place=place, details=details, attach=attach)


def submit_with_photos(data: Mapping[str, Any], photos: list[bytes], *, at: datetime | None = None) -> Appeal:
    """The 随手拍 form: a report and its photos. Every photo is checked before anything is
    written, so a refused picture leaves no report behind."""
    if len(photos) > MAX_PHOTOS:
        raise invalid("photos", f"最多{MAX_PHOTOS}张")
    validate(ReportCreate, data)
    pictures = [(photo, attachments.cleaned(photo, field="photos")) for photo in photos]
    appeal = submit(data, at=at)
    for photo, picture in pictures:
        _store_photo(appeal.number, appeal.query_code, photo, picture, None, at)
    return appeal


def add_photo(
    number: str, query_code: str, data: bytes, *, note: str | None = None, at: datetime | None = None
) -> Attachment:
    """The citizen adds a photo to their own report (number + 查询码) while it is open."""
    attachments.check_note(note)
    _may_add_photo(track(number, query_code))
    return _store_photo(number, query_code, data, attachments.cleaned(data), note, at)


def _store_photo(
    number: str, query_code: str, data: bytes, picture: CleanImage, note: str | None, at: datetime | None
) -> Attachment:
    return attachments.store(
        lambda: _may_add_photo(track(number, query_code)), data, picture, "report", None, note, at or now()
    )


def _may_add_photo(appeal: Appeal) -> Appeal:
    if appeal.state in FINAL_STATES:
        raise Conflict("诉求已办结，不能再添加照片", state=appeal.state)
    taken = db.session.scalar(
        select(func.count())
        .select_from(Attachment)
        .where(Attachment.appeal_id == appeal.id, Attachment.kind == "report", Attachment.uploaded_by_id.is_(None))
    )
    if (taken or 0) >= MAX_PHOTOS:
        raise Conflict(f"每件诉求最多上传{MAX_PHOTOS}张照片")
    return appeal


def track(number: str, query_code: str) -> Appeal:
    """The appeal the citizen holds the 工单编号 and 查询码 of; 404 for any mismatch, so
    neither can be guessed separately."""
    appeal = db.session.scalar(select(Appeal).where(Appeal.number == number)) if number.isdigit() else None
    if appeal is None or not query_code or appeal.query_code != query_code:
        raise NotFound("工单编号或查询码不正确")
    return appeal


def own_photos(appeal: Appeal) -> list[Attachment]:
    """The photos the citizen sent with the report (those no account uploaded)."""
    return list(
        db.session.scalars(
            select(Attachment)
            .where(Attachment.appeal_id == appeal.id, Attachment.uploaded_by_id.is_(None))
            .order_by(Attachment.id)
        )
    )


def site_photos(appeal: Appeal) -> list[Attachment]:
    """The 办理前/办理后 photos of the site the centre made public."""
    return attachments.published(appeal)


def shown_photo(number: str, query_code: str, attachment_id: int) -> Attachment:
    """One of the photos the tracking page shows (the citizen's own, and the 办理前/办理后
    ones the centre made public), for the holder of the receipt; 404 for anything else."""
    appeal = track(number, query_code)
    photo = next((p for p in [*own_photos(appeal), *site_photos(appeal)] if p.id == attachment_id), None)
    if photo is None:
        raise NotFound("没有这张照片")
    return photo


ALREADY_RATED = "您已评价过，感谢您的反馈"


def may_rate(appeal: Appeal, at: datetime | None = None) -> bool:
    """Whether the citizen may rate now (好差评): the machine says, as it does for staff."""
    return Act.RATE in available_actions(ActionContext(appeal, None, at or now()))


def rate(number: str, query_code: str, data: Mapping[str, Any], *, at: datetime | None = None) -> Appeal:
    """The citizen rates the outcome with the receipt's number and 查询码 (tracking page, SMS
    link): the first rating of a round counts as its visit, and a 差评 goes back to 整改."""

    def rateable() -> Appeal:
        appeal = track(number, query_code)
        if not may_rate(appeal, at):
            raise Conflict(_not_rateable(appeal), state=appeal.state)
        return appeal

    return perform_as_citizen(rateable, Act.RATE, data, at=at)


def _not_rateable(appeal: Appeal) -> str:
    if appeal.state in (State.AUDITING, State.EVALUATED) and appeal.satisfaction != UNRATED:
        return ALREADY_RATED
    return "诉求已结案，不能再评价" if appeal.state in FINAL_STATES else "诉求办结答复后才能评价"


def milestones(appeal: Appeal) -> list[tuple[AppealEvent, str]]:
    def told(e: AppealEvent) -> str:
        if e.action in ("visit", "rate") and e.to_state in ("handling", "accepted"):
            return REOPENED
        if e.action == "visit" and e.payload.get("reached") is False:
            return NOT_REACHED
        unit = e.target_unit or e.unit
        return MILESTONES[e.action].format(unit=unit.name if unit else "承办单位", **_moments(e.payload))

    return [(e, told(e)) for e in appeal.events if e.action in MILESTONES]
