"""What intake accepts: a new appeal.

The operations validate with these; the OpenAPI document is generated from them."""

from __future__ import annotations

from pydantic import AwareDatetime, Field, field_validator, model_validator

from hotline.core.validation import (
    CHINA_LAT,
    CHINA_LON,
    Body,
    FieldErrors,
    normalize_credit_code,
    normalize_phone,
)
from hotline.core.vocabulary import AppealType, Channel, Urgency

# A 110 incident number (警情编号) as the police system writes it.
POLICE_INCIDENT = r"^[0-9A-Za-z-]{4,32}$"
# An appeal in a path: its id or its 16-digit 工单编号 (OpenAPI schema).
REF = {"type": "string", "pattern": "^[0-9]+$", "description": "工单ID或16位工单编号"}


class AppealCreate(Body):
    """受理: what the operator records from the call (or the form a citizen fills in)."""

    type: AppealType = Field(description="诉求类型")
    category: str = Field(min_length=1, max_length=16, description="末级分类编码")
    title: str = Field(min_length=1, max_length=100)
    content: str = Field(min_length=1, max_length=4000)
    urgency: Urgency = "一般"
    channel: Channel = "电话"
    citizen_name: str | None = Field(None, max_length=50)
    citizen_phone: str | None = Field(None, max_length=20, description="大陆手机号或带区号固话")
    citizen_address: str | None = Field(None, max_length=200)
    address: str | None = Field(None, max_length=200, description="问题发生地点")
    lat: float | None = Field(None, ge=CHINA_LAT[0], le=CHINA_LAT[1], description="WGS84 纬度")
    lon: float | None = Field(None, ge=CHINA_LON[0], le=CHINA_LON[1], description="WGS84 经度")
    is_confidential: bool = False
    is_anonymous: bool = False
    is_enterprise: bool = False
    enterprise_name: str | None = Field(None, max_length=100)
    enterprise_credit_code: str | None = Field(None, max_length=18)
    received_at: AwareDatetime | None = Field(None, description="来电时间（仅话务员）")
    police_incident: str | None = Field(
        None, pattern=POLICE_INCIDENT, title="110警情编号", description="110转入或先行受理时必填，本件保留该编号"
    )
    police_desk: str | None = Field(
        None, max_length=50, title="110转出席位", description="110转入时：转出的接警员或席位"
    )
    held_first: bool = Field(
        False, title="先行受理", description="职责不清（110与12345尚未明确）时由热线中心先行受理，须填110警情编号"
    )

    @field_validator("citizen_phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return normalize_phone(value) if value else None

    @field_validator("enterprise_credit_code")
    @classmethod
    def _credit_code(cls, value: str | None) -> str | None:
        return normalize_credit_code(value) if value else None

    @model_validator(mode="after")
    def _consistent(self):
        errors = {}
        if (self.lat is None) != (self.lon is None):
            errors["lon" if self.lon is None else "lat"] = "经纬度必须同时提供"
        if not self.is_anonymous and not self.citizen_phone:
            errors["citizen_phone"] = "非匿名诉求必须留联系电话"
        if self.is_enterprise and not self.enterprise_name:
            errors["enterprise_name"] = "涉企诉求必须填写企业名称"
        if (self.channel == "110转入" or self.held_first) and not self.police_incident:
            errors["police_incident"] = "110转入和先行受理的诉求必须填写110警情编号"
        if errors:
            raise FieldErrors(errors)
        return self
