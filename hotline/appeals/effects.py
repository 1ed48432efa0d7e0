"""What a change to an appeal tells people: in-app notices to units and supervisors, and
SMS to the citizen. Each is written in the transaction of the change (notices as rows, SMS
through the outbox), so a change that rolls back tells nobody anything."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from flask import current_app
from sqlalchemy import select

from hotline.appeals.models import Appeal, Contest, Extension, Pause
from hotline.core.clock import format_local
from hotline.core.extensions import db
from hotline.core.vocabulary import CARD_LEVELS
from hotline.grid.models import Unit
from hotline.notifications import sms
from hotline.notifications.operations import notify
from hotline.notifications.sms_defaults import SAMPLE_CONTEXT


def track_url(appeal: Appeal) -> str:
    """The citizen's tracking page of the appeal, opened with its number and query code."""
    query = urlencode({"number": appeal.number, "query_code": appeal.query_code})
    return f"{current_app.config['HOTLINE_PUBLIC_URL']}/track?{query}"


def text_citizen(appeal: Appeal, key: str) -> None:
    """The citizen's SMS of template `key` (受理, 反馈, 未联系上, 办结). The reply (反馈) also
    goes to everyone whose appeal was merged into this one (并单), each about their own
    appeal, once per number."""
    _text(appeal, appeal, key)
    if key == "sms.replied":
        texted = {appeal.citizen_phone}
        for merged in db.session.scalars(select(Appeal).where(Appeal.merged_into_id == appeal.id)):
            if merged.citizen_phone not in texted:
                texted.add(merged.citizen_phone)
                _text(merged, appeal, key)


def _text(to: Appeal, about: Appeal, key: str, extra: dict[str, str] | None = None) -> None:
    """The SMS to `to`'s caller, with the outcome of `about` (the master, when merged)."""
    context = {
        **dict.fromkeys(SAMPLE_CONTEXT, ""),  # every variable a template may use is defined
        "citizen_name": to.citizen_name,
        "number": to.number,
        "query_code": to.query_code,
        "title": to.title,
        "public_reply": about.public_reply or "",
        "visited_at": format_local(about.visited_at),
        "track_url": track_url(to),
        **(extra or {}),
    }
    sms.queue_text(key, to.citizen_phone, context, appeal_id=to.id)


def _tell(
    unit_id: int | None,
    kind: str,
    headline: str,
    appeal: Appeal,
    *,
    at: datetime,
    body: str | None = None,
    role: str | None = None,
) -> None:
    """A notice about `appeal` to a unit's desk ("<headline>：<title>"), linking to its page."""
    notify(
        unit_id,
        kind,
        f"{headline}：{appeal.title}",
        role=role,
        appeal_id=appeal.id,
        link=f"/appeals/{appeal.id}",
        body=body,
        at=at,
    )


def new_work(appeal: Appeal, unit: Unit, at: datetime) -> None:
    _tell(
        unit.id,
        "dispatch",
        "新派单",
        appeal,
        body=f"工单 {appeal.number}，请于 {format_local(appeal.sign_due_at)} 前签收。",
        at=at,
    )


def new_co_work(appeal: Appeal, unit: Unit, at: datetime) -> None:
    _tell(unit.id, "dispatch", "新协办工单", appeal, at=at)


def returned(appeal: Appeal, to: Unit, reason: str, at: datetime) -> None:
    _tell(
        to.id,
        "return",
        "下级退回",
        appeal,
        body=f"理由：{reason}",
        at=at,
    )


def return_requested(appeal: Appeal, reviewer: Unit, reason: str, at: datetime) -> None:
    _tell(
        reviewer.id,
        "return",
        "退单待审核",
        appeal,
        body=f"理由：{reason}；请于 {format_local(appeal.sla_due_at)} 前审核。",
        at=at,
    )


def return_reviewed(appeal: Appeal, unit: Unit, *, approved: bool, reason: str | None, at: datetime) -> None:
    """The returning unit hears the answer (rejected: it must sign and handle it)."""
    verdict = "退单已同意" if approved else "退单被驳回，请签收办理"
    _tell(
        unit.id,
        "return",
        verdict,
        appeal,
        body=f"理由：{reason}" if reason else None,
        at=at,
    )


def card(appeal: Appeal, level: str, at: datetime, by: str) -> None:
    """A 督办 card: the unit is told, and so are the supervisors of the level above it."""
    name = CARD_LEVELS[level]
    _tell(
        appeal.current_unit_id,
        "supervise",
        f"{name}督办",
        appeal,
        body=f"{by}对工单 {appeal.number} 亮{name}督办，请尽快办理。",
        at=at,
    )
    _tell(
        appeal.escalated_to_unit_id,
        "supervise",
        f"下级单位被{name}督办",
        appeal,
        role="supervisor",
        at=at,
    )


def centre_id() -> int | None:
    return db.session.scalar(select(Unit.id).where(Unit.kind == "centre").order_by(Unit.id).limit(1))


def extension_requested(appeal: Appeal, unit: Unit, extension: Extension, at: datetime) -> None:
    """The supervisors who decide hear of it: the level above, or the centre's for 长周期."""
    kind = "长周期延期申请" if extension.long_cycle else "延期申请"
    _tell(
        centre_id() if extension.long_cycle else unit.parent_id,
        "extension",
        kind,
        appeal,
        role="supervisor",
        at=at,
        body=f"{unit.name}申请延期{extension.working_days}个工作日：{extension.reason}",
    )


def extended(appeal: Appeal, extension: Extension, at: datetime) -> None:
    """An approved extension: the citizen is told the new deadline."""
    _text(appeal, appeal, "sms.extended", {"due_at": format_local(appeal.due_at), "reason": extension.reason})


def pause_requested(appeal: Appeal, unit: Unit, pause: Pause, at: datetime) -> None:
    _tell(
        unit.parent_id,
        "pause",
        "挂起申请",
        appeal,
        role="supervisor",
        at=at,
        body=f"{unit.name}申请挂起（{pause.kind}），预计{format_local(pause.resume_at)[:10]}恢复：{pause.reason}",
    )


def pause_decided(appeal: Appeal, pause: Pause, *, approved: bool, at: datetime) -> None:
    """The unit hears the answer; on approval the citizen is told why and until when."""
    resume_day = format_local(pause.resume_at)[:10]
    verdict = f"挂起已批准，预计{resume_day}恢复办理" if approved else "挂起申请被驳回，请按期办理"
    _tell(
        pause.unit_id,
        "pause",
        verdict,
        appeal,
        body=f"意见：{pause.decision_note}" if pause.decision_note else None,
        at=at,
    )
    if approved:
        _text(appeal, appeal, "sms.paused", {"resume_on": resume_day, "reason": pause.kind})


def resumed(appeal: Appeal, at: datetime, *, by_system: bool) -> None:
    """A pause ended: the unit is told its new deadline (it may not have ended it itself)."""
    _tell(
        appeal.current_unit_id,
        "pause",
        f"{'挂起到期，' if by_system else ''}恢复办理",
        appeal,
        body=f"请于 {format_local(appeal.due_at)} 前办结。",
        at=at,
    )


def reopened(appeal: Appeal, at: datetime) -> None:
    _tell(
        appeal.current_unit_id,
        "reopen",
        "重办",
        appeal,
        body=f"请于 {format_local(appeal.due_at)} 前重新办结。",
        at=at,
    )


def rework_exhausted(appeal: Appeal, at: datetime) -> None:
    """A 差评 after the last 整改 round: a 督办 to the unit and the supervisors above it, and
    the centre's supervisors must audit it (监督)."""
    unit = appeal.main_unit
    rounds = f"经{appeal.reopen_count}轮整改，" if appeal.reopen_count else ""
    _tell(
        appeal.main_unit_id,
        "supervise",
        "整改后仍不满意，督办",
        appeal,
        body=f"工单 {appeal.number} {rounds}市民仍不满意，已转热线中心监督。",
        at=at,
    )
    _tell(unit.parent_id if unit else None, "supervise", "下级单位整改后仍不满意", appeal, role="supervisor", at=at)
    _tell(centre_id(), "audit", "差评整改未果，待监督", appeal, role="supervisor", at=at)


def contest_requested(appeal: Appeal, contest: Contest, at: datetime) -> None:
    _tell(
        centre_id(),
        "contest",
        f"{contest.kind}待复核",
        appeal,
        role="supervisor",
        body=f"{contest.unit.name}：{contest.basis}",
        at=at,
    )


def contest_decided(appeal: Appeal, contest: Contest, at: datetime) -> None:
    verdict = "申诉成立，不纳入考核" if contest.status == "upheld" else "申诉不成立"
    note = f"意见：{contest.decision_note}"
    _tell(contest.unit_id, "contest", f"{contest.kind}：{verdict}", appeal, body=note, at=at)


def check_needed(appeal: Appeal, unit: Unit, at: datetime) -> None:
    """The unit of the place is asked to check the answer on the spot (核查)."""
    _tell(unit.id, "audit", "待现场核查", appeal, body=f"工单 {appeal.number} 已办结答复，请到现场核查并拍照。", at=at)
