"""The rate limits on citizen reporting and tracking. Citizens have no account, so they
are counted by client address and by what they aim at: the phone a receipt SMS goes to,
the report number a 查询码 is tried against.

The 查询码 stays six digits (it is typed from an SMS, and every receipt already sent stays
valid); what makes it unguessable is the lockout per report number: 20 wrong codes a day,
so finding one report's code takes 25,000 days on average, and guessing across many
numbers from one address is held to 100 wrong codes a day."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from hotline.core.errors import NotFound
from hotline.core.throttle import Limit, check, client_address, count, declare, spend
from hotline.core.validation import phone_or_none

REPORT_BY_ADDRESS = declare(
    "report.address", "10 per minute; 200 per day", "提交过于频繁", "随手拍 reports from one client address"
)
REPORT_BY_PHONE = declare(
    "report.phone",
    "5 per hour; 20 per day",
    "该手机号提交过于频繁",
    "citizen reports (随手拍 and Open311) whose receipt SMS goes to one phone",
)
PHOTO_BY_ADDRESS = declare(
    "photo.address", "60 per hour", "上传照片过于频繁", "photos citizens upload from one client address"
)
TRACK_BY_ADDRESS = declare(
    "track.address", "60 per minute", "查询过于频繁", "look-ups by 工单编号 + 查询码 from one client address"
)
WRONG_CODE_BY_NUMBER = declare(
    "track.wrong_code.number",
    "5 per hour; 20 per day",
    "该工单查询码输错次数过多，已暂停查询",
    "wrong 查询码 tried against one report number",
)
WRONG_CODE_BY_ADDRESS = declare(
    "track.wrong_code.address",
    "20 per hour; 100 per day",
    "工单编号或查询码输错次数过多",
    "wrong 工单编号 or 查询码 from one client address",
)


def before_report(data: Mapping[str, Any], photos: int = 0, *, by_address: Limit = REPORT_BY_ADDRESS) -> None:
    """429 before a report is filed if its address, its phone or its photos are over."""
    address = client_address()
    spend(by_address, address)
    phone = data.get("citizen_phone")
    if isinstance(phone, str) and phone.strip():
        # counted as typed when it is no number (the report will be refused for it)
        spend(REPORT_BY_PHONE, phone_or_none(phone) or phone.strip())
    spend(PHOTO_BY_ADDRESS, address, photos)


@contextmanager
def tracking(number: str, photos: int = 0) -> Iterator[None]:
    """Around anything done with a number + 查询码: refused while the number or the
    address has too many wrong codes; a wrong one (404) is counted against both."""
    address = client_address()
    spend(TRACK_BY_ADDRESS, address)
    check(WRONG_CODE_BY_NUMBER, number)
    check(WRONG_CODE_BY_ADDRESS, address)
    spend(PHOTO_BY_ADDRESS, address, photos)
    try:
        yield
    except NotFound:
        count(WRONG_CODE_BY_NUMBER, number)
        count(WRONG_CODE_BY_ADDRESS, address)
        raise
