"""Uploading photos to an appeal, the thumbnail job, and who may see them.

An upload is a change to the appeal: one transaction stores the attachment row, writes the
event, bumps the version, asks for a thumbnail (outbox) and, when the appeal has no place
yet and the photo carries GPS, places it. The file is written first and removed again if
the transaction fails."""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from flask import current_app
from pydantic import Field
from sqlalchemy import select

from hotline.appeals import engine, timeline
from hotline.appeals.attachments import images, storage
from hotline.appeals.attachments.models import KINDS, PUBLISHABLE, Attachment
from hotline.appeals.engine import STALE
from hotline.appeals.models import Appeal
from hotline.appeals.permissions import PUBLISH_PHOTOS, REGISTER
from hotline.appeals.states import FINAL_STATES
from hotline.appeals.visibility import Part, find_appeal
from hotline.auth.models import User
from hotline.core.clock import now
from hotline.core.db import ConcurrentUpdate, write_transaction
from hotline.core.errors import BadRequest, Busy, Conflict, Forbidden, NotFound
from hotline.core.extensions import db
from hotline.core.validation import CHINA_LAT, CHINA_LON, Body, invalid, validate
from hotline.grid.geo import placement
from hotline.outbox import operations as outbox


def allowed_kinds(user: User, appeal: Appeal) -> list[str]:
    """What this user may add to this appeal now: the centre adds the citizen's photos; the
    units handling it add progress and before/after photos while it is open; the unit of
    the place its 核查 photos while the check waits for it."""
    if appeal.state in FINAL_STATES:
        return []
    if REGISTER.allows(user):
        return ["report"]
    handling = {appeal.current_unit_id, *(c.unit_id for c in appeal.co_units)}
    if user.has_role("handler") and user.unit_id in handling:
        return ["progress", "before", "after"]
    if user.has_role("handler") and user.unit_id == appeal.check_unit_id:
        return ["check"]
    return []


def upload(
    ref, data: bytes, kind: str, actor: User, *, note: str | None = None, at: datetime | None = None
) -> Attachment:
    if kind not in KINDS:
        raise invalid("kind", f"必须是以下之一：{'、'.join(KINDS.values())}")
    check_note(note)
    appeal = find_appeal(ref, actor)
    if kind not in allowed_kinds(actor, appeal):
        raise Forbidden("您不能为该工单上传这类照片" if allowed_kinds(actor, appeal) else "您不能为该工单上传照片")
    return store(lambda: find_appeal(appeal.id, actor), data, cleaned(data), kind, actor, note, at or now())


def check_note(note: str | None) -> None:
    if note and len(note) > 500:
        raise invalid("note", "不能超过500个字符")


# Pictures this process decodes at once (HOTLINE_IMAGE_DECODE_SLOTS): a threaded worker
# given eight large uploads together decodes them in turn, not all in memory at once.
_decode_slots: threading.BoundedSemaphore | None = None
_slots_lock = threading.Lock()
DECODE_WAIT_SECONDS = 30


@contextmanager
def _decode_slot() -> Iterator[None]:
    global _decode_slots
    with _slots_lock:
        if _decode_slots is None:
            _decode_slots = threading.BoundedSemaphore(current_app.config["HOTLINE_IMAGE_DECODE_SLOTS"])
        slots = _decode_slots
    if not slots.acquire(timeout=DECODE_WAIT_SECONDS):
        raise Busy("正在处理的照片较多，请稍后重试", retry_after=10)
    try:
        yield
    finally:
        slots.release()


def cleaned(data: bytes, field: str = "file") -> images.CleanImage:
    """The picture checked (content, size, pixels) and stripped of metadata; 400 if refused,
    503 if the process is still busy with other pictures after half a minute."""
    config = current_app.config
    try:
        with _decode_slot():
            return images.clean(
                data,
                max_bytes=config["HOTLINE_UPLOAD_MAX_BYTES"],
                max_pixels=config["HOTLINE_UPLOAD_MAX_PIXELS"],
                max_whole_pixels=config["HOTLINE_UPLOAD_MAX_PIXELS_WHOLE"],
            )
    except images.ImageRejected as exc:
        raise BadRequest(f"图片无法接收：{exc}", fields={field: str(exc)}) from None


def store(
    load: Callable[[], Appeal],
    data: bytes,
    picture: images.CleanImage,
    kind: str,
    actor: User | None,
    note: str | None,
    at: datetime,
) -> Attachment:
    """Write the cleaned picture of the upload `data`, then in one transaction the row, the
    event and the thumbnail job (the file is removed again if that fails). `load` finds
    the appeal again inside the transaction, checking access as it does; `actor` None is
    the citizen."""
    key = storage.save(picture.data, picture.extension)
    try:
        with write_transaction(db.session):
            attachment = _add(load(), data, picture, key, kind, actor, note, at)
    except ConcurrentUpdate:
        storage.remove(key)
        raise Conflict(STALE) from None
    except BaseException:
        storage.remove(key)
        raise
    return attachment


MAX_PER_ACTION = 9  # photos of one kind taken with an action


def perform_with_photos(
    ref: int | str,
    action: str,
    data: Mapping[str, Any],
    photos: Sequence[tuple[str, bytes]],
    actor: User,
    *,
    at: datetime | None = None,
) -> Appeal:
    """An action and the photos taken for it (kind, upload) — 办理前/办理后 with a reply — in
    one transaction: every picture is checked before anything is written, so a refused
    one leaves neither the action nor any photo behind."""
    if not photos:
        return engine.perform(ref, action, data, actor, at=at)
    at = at or now()
    for kind, count in Counter(kind for kind, _ in photos).items():
        if count > MAX_PER_ACTION:
            raise invalid(f"photos_{kind}", f"最多{MAX_PER_ACTION}张")
    allowed = allowed_kinds(actor, find_appeal(ref, actor))
    if any(kind not in allowed for kind, _ in photos):
        raise Forbidden("您不能为该工单上传这类照片" if allowed else "您不能为该工单上传照片")
    pictures = [(kind, upload, cleaned(upload, field=f"photos_{kind}")) for kind, upload in photos]
    keys = [storage.save(picture.data, picture.extension) for _, _, picture in pictures]

    def attach(appeal: Appeal) -> None:
        for (kind, upload, picture), key in zip(pictures, keys, strict=True):
            _add(appeal, upload, picture, key, kind, actor, None, at, bump=False)

    try:
        return engine.perform(ref, action, data, actor, at=at, attach=attach)
    except BaseException:
        for key in keys:
            storage.remove(key)
        raise


def _add(
    appeal: Appeal,
    data: bytes,
    picture: images.CleanImage,
    key: str,
    kind: str,
    actor: User | None,
    note: str | None,
    at: datetime,
    *,
    bump: bool = True,
) -> Attachment:
    """The row of a stored picture, its event and its thumbnail job (`bump` False: taken
    with an action, whose change is the appeal's new version)."""
    attachment = Attachment(
        appeal_id=appeal.id,
        kind=kind,
        uploaded_by_id=actor.id if actor else None,
        unit_id=actor.unit_id if actor else None,
        content_type=picture.content_type,
        original_format=picture.original_format,
        width=picture.width,
        height=picture.height,
        size=len(picture.data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_key=key,
        note=note,
        created_at=at,
        gps_lat=picture.gps[0] if picture.gps else None,
        gps_lon=picture.gps[1] if picture.gps else None,
    )
    db.session.add(attachment)
    db.session.flush()
    payload = {"attachment_id": attachment.id, "kind": kind}
    if picture.gps and appeal.lat is None and _in_china(*picture.gps):
        payload["located_from_photo"] = _locate(appeal, *picture.gps)
    timeline.record(appeal, "attach", at, actor, note=note, payload=payload, bump=bump)
    outbox.add("attachment.thumbnail", {"attachment_id": attachment.id})
    return attachment


class PublishBody(Body):
    public: bool = Field(description="true：在市民查询页公开；false：撤回")


def publish(attachment_id: int, data: Mapping[str, Any], actor: User, *, at: datetime | None = None) -> Attachment:
    """Show a 办理前/办理后 photo to the citizen on the tracking page, or stop showing it: the
    centre's decision, recorded on the appeal's timeline (409 for other kinds of photo)."""
    PUBLISH_PHOTOS.require(actor)
    public = validate(PublishBody, data).public
    at = at or now()
    try:
        with write_transaction(db.session):
            attachment = get_visible(attachment_id, actor)
            if attachment.kind not in PUBLISHABLE:
                raise Conflict(f"只有{'、'.join(KINDS[k] for k in PUBLISHABLE)}照片可以向市民公开")
            if attachment.public != public:
                attachment.public = public
                action = "publish_photo" if public else "unpublish_photo"
                appeal = db.session.get_one(Appeal, attachment.appeal_id)
                timeline.record(
                    appeal, action, at, actor, payload={"attachment_id": attachment.id, "kind": attachment.kind}
                )
    except ConcurrentUpdate:
        raise Conflict(STALE) from None
    return attachment


def published(appeal: Appeal) -> list[Attachment]:
    """The 办理前/办理后 photos the centre made public, for the citizen's tracking page."""
    return list(
        db.session.scalars(
            select(Attachment)
            .where(Attachment.appeal_id == appeal.id, Attachment.public, Attachment.kind.in_(PUBLISHABLE))
            .order_by(Attachment.kind.desc(), Attachment.id)  # 办理前 (before) first
        )
    )


def _in_china(lat: float, lon: float) -> bool:
    return CHINA_LAT[0] <= lat <= CHINA_LAT[1] and CHINA_LON[0] <= lon <= CHINA_LON[1]


def _locate(appeal: Appeal, lat: float, lon: float) -> dict:
    """A photo's GPS places an appeal that had no pin (随手拍 without a map tap)."""
    place = placement(lon, lat)
    appeal.lat, appeal.lon = lat, lon
    appeal.grid_id, appeal.place_unit_id, appeal.place_note = place.grid_id, place.unit_id, place.reason
    return {"lat": lat, "lon": lon, "grid_id": place.grid_id, "unit_id": place.unit_id, "reason": place.reason}


def thumbnail_job(outbox_id: int, payload: dict) -> None:
    attachment = db.session.get(Attachment, payload["attachment_id"])
    if attachment is None or attachment.thumbnail_key:  # gone, or made by an earlier run
        with write_transaction(db.session):
            outbox.complete(outbox_id)
        return
    with _decode_slot():
        small = images.thumbnail(storage.read(attachment.storage_key))
    key = storage.save(small, "jpg")
    with write_transaction(db.session):
        db.session.get_one(Attachment, payload["attachment_id"]).thumbnail_key = key
        outbox.complete(outbox_id)


def for_appeal(appeal: Appeal, user: User, part: Part | None = None) -> list[Attachment]:
    """The appeal's photos this user sees (a unit the appeal has left: its own part;
    `part`: the user's, when the caller has worked it out already)."""
    part = part or Part.of(user, appeal)
    photos = db.session.scalars(select(Attachment).where(Attachment.appeal_id == appeal.id).order_by(Attachment.id))
    return [a for a in photos if part.attachment(a.unit_id, a.uploaded_by_id)]


def get_visible(attachment_id: int, user: User) -> Attachment:
    """The attachment, if the user may see its appeal and this part of it; 404 otherwise."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound("没有这个附件")
    appeal = find_appeal(attachment.appeal_id, user)
    if not Part.of(user, appeal).attachment(attachment.unit_id, attachment.uploaded_by_id):
        raise NotFound("没有这个附件")
    return attachment
