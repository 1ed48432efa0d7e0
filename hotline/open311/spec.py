"""The GeoReport v2 specification's constants as this server serves them, and our field
names in the spec's terms."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from hotline.core.clock import local_zone, start_of
from hotline.core.errors import BadRequest

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-24T00:00:00+08:00"  # when this endpoint's behaviour last changed
PUBLIC_CHANNELS = ("随手拍", "Open311")
DEFAULT_SPAN = timedelta(days=90)
MAX_RESULTS = 1000
DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
LIST_DATATYPES = ("singlevaluelist", "multivaluelist")
ATTRIBUTE_PARAM = re.compile(r"^attribute\[([^\[\]]{1,50})\](\[\])?$")

# Our field names -> the spec's, so a refusal names what the client actually sent.
SPEC_FIELDS = {
    "content": "description",
    "category": "service_code",
    "citizen_phone": "phone",
    "citizen_name": "last_name",
    "address": "address_string",
    "lon": "long",
    "lat": "lat",
    "title": "description",
}


def parse_datetime(raw: str, name: str) -> datetime:
    text = raw.strip()
    try:
        if len(text) == 10:  # a date alone: that day from midnight, local time
            return start_of(datetime.fromisoformat(text).date())
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise BadRequest(
            f"{name}: 必须是 W3C 日期时间，如 2026-01-01T00:00:00+08:00", fields={name: "必须是 W3C 日期时间"}
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=local_zone())
    if not 1990 <= value.year <= 2100:
        raise BadRequest(f"{name}: 超出可查询的年份范围", fields={name: "超出范围"})
    return value


def w3c(value: datetime | None) -> str | None:
    return value.astimezone(local_zone()).isoformat(timespec="seconds") if value else None
