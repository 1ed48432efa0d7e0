"""Bodies the workflow accepts: a new appeal and each action (DESIGN.md §8).

The operations validate with these; the OpenAPI document is generated from them."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from hotline import MAX_ID
from hotline.validation import FieldErrors, normalize_credit_code, normalize_phone
from hotline.vocabulary import (
    APPEAL_TYPES,
    CHANNELS,
    RESOLUTIONS,
    SATISFACTIONS,
    URGENCIES,
    VOID_REASONS,
)

AppealType = Literal[APPEAL_TYPES]  # type: ignore[valid-type]
Urgency = Literal[URGENCIES]  # type: ignore[valid-type]
Channel = Literal[tuple(CHANNELS)]  # type: ignore[valid-type]
Resolution = Literal[RESOLUTIONS]  # type: ignore[valid-type]
Satisfaction = Literal[SATISFACTIONS]  # type: ignore[valid-type]
VoidReason = Literal[VOID_REASONS]  # type: ignore[valid-type]

# Mainland China's bounding box: a point outside it cannot be one of our places.
CHINA_LAT = (3.8, 53.6)
CHINA_LON = (73.4, 135.1)


# A database id: positive and within a 32-bit INTEGER (larger ones simply do not exist).
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)


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
        if errors:
            raise FieldErrors(errors)
        return self


class ActionBody(Body):
    """Fields every action accepts."""

    note: str | None = Field(None, max_length=1000, description="备注")
    version: int | None = Field(None, ge=1, le=MAX_ID, description="操作人看到的工单版本；已变化则 409")


class DispatchBody(ActionBody):
    unit_id: Id = Field(description="主办单位")
    co_unit_ids: list[Id] = Field(default_factory=list, max_length=10, description="协办单位")


class RedispatchBody(ActionBody):
    unit_id: Id = Field(description="下级单位")


class ReturnBody(ActionBody):
    reason: str = Field(min_length=1, max_length=500, description="退单理由")
    basis: str = Field(min_length=1, max_length=500, description="退单依据（如确责清单条目）")


class AnswerBody(ActionBody):
    reply: str = Field(min_length=1, max_length=2000, description="答复内容")


class MergeBody(ActionBody):
    master_number: str = Field(min_length=16, max_length=16, description="主工单编号")


class VoidBody(ActionBody):
    reason: VoidReason


class ContactBody(ActionBody):
    """联系市民: the handling unit reached (or tried to reach) the citizen."""

    method: Literal["电话", "上门", "短信"] = Field(description="联系方式")
    note: str = Field(min_length=1, max_length=1000, description="沟通情况")


class SuperviseBody(ActionBody):
    level: Literal["yellow", "red"]
    note: str = Field(min_length=1, max_length=1000, description="督办意见")


class ExtensionRequestBody(ActionBody):
    working_days: int = Field(ge=1, le=10)
    reason: str = Field(min_length=1, max_length=1000)


class ReplyBody(ActionBody):
    result: str = Field(min_length=1, max_length=4000, description="办理结果")
    resolved: Resolution
    public_reply: str | None = Field(None, max_length=2000, description="答复市民的内容")


class CoReportBody(ActionBody):
    result: str = Field(min_length=1, max_length=4000, description="本协办单位的办理情况")


class RejectReplyBody(ActionBody):
    note: str = Field(min_length=1, max_length=1000, description="退回理由")


class ApproveReplyBody(ActionBody):
    public_reply: str | None = Field(None, max_length=2000, description="修订后的答复内容")


class VisitBody(ActionBody):
    reached: bool = Field(description="是否联系上诉求人")
    resolved: Resolution | None = None
    satisfaction: Satisfaction | None = None

    @model_validator(mode="after")
    def _answers_when_reached(self):
        if self.reached:
            missing = {name: "联系上诉求人时必填" for name in ("resolved", "satisfaction")
                       if getattr(self, name) is None}
            if missing:
                raise FieldErrors(missing)
        elif self.resolved or self.satisfaction:
            raise FieldErrors({"satisfaction": "未联系上诉求人时不能填写评价"})
        return self


class AuditBody(ActionBody):
    passed: bool

    @model_validator(mode="after")
    def _reason_when_failed(self):
        if not self.passed and not self.note:
            raise FieldErrors({"note": "监督不通过时必须说明理由"})
        return self
