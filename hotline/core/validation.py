"""Input validation with pydantic, reported as 400 errors naming each field in Chinese.

Also the checks of Chinese identifiers shared by several inputs: mainland phone numbers
and the 统一社会信用代码 (GB 32100-2015)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from typing import Annotated, Any, TypeVar

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic_core import ErrorDetails

from hotline.core.errors import BadRequest
from hotline.core.safe_text import XML_ILLEGAL

M = TypeVar("M", bound=BaseModel)

# The largest INTEGER a database id can be: a larger number names nothing (404 in a path).
MAX_ID = 2_147_483_647
# A database id in a body or a query: positive and within a 32-bit INTEGER.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]

# The dates people and systems mean. Anything outside is a typo or a probe, and at the far
# ends date arithmetic overflows (9999-12-31 plus a day), which used to answer 500.
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)
SaneDate = Annotated[date, Field(ge=EARLIEST, le=LATEST)]
SaneDatetime = Annotated[
    AwareDatetime,
    Field(ge=datetime.combine(EARLIEST, time(), UTC), le=datetime.combine(LATEST, time(23, 59, 59), UTC)),
]


def _first_of_month(value: Any) -> Any:
    """A month as people write it ("2026-11"), or any day of it, as its first day."""
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{1,2}", value.strip()):
        year, month = value.strip().split("-")
        if not 1 <= int(month) <= 12:
            raise ValueError("月份应为 1–12")
        return date(int(year), int(month), 1)
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError("请填写年月，如 2026-11") from None
    return value.replace(day=1) if isinstance(value, date) else value


# A calendar month, written "2026-11" (or any day of it): its first day.
YearMonth = Annotated[SaneDate, BeforeValidator(_first_of_month)]

# Mainland China's bounding box: a point outside it cannot be one of our places.
CHINA_LAT = (3.8, 53.6)
CHINA_LON = (73.4, 135.1)


class Body(BaseModel):
    """Base of every input model: unknown fields are refused, text is stripped, and
    infinities and NaN are not numbers anyone means."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)


_MESSAGES = {
    "missing": "必填",
    "string_pattern_mismatch": "格式不正确",
    "string_type": "必须是文本",
    "int_type": "必须是整数",
    "int_parsing": "必须是整数",
    "int_from_float": "必须是整数",
    "float_type": "必须是数字",
    "float_parsing": "必须是数字",
    "finite_number": "必须是有限的数字",
    "bool_type": "必须是 true 或 false",
    "bool_parsing": "必须是 true 或 false",
    "extra_forbidden": "不支持的字段",
    "datetime_type": "时间格式无效，应为带时区的 ISO 8601 时间",
    "datetime_parsing": "时间格式无效，应为带时区的 ISO 8601 时间",
    "datetime_from_date_parsing": "时间格式无效，应为带时区的 ISO 8601 时间",
    "timezone_aware": "时间必须带时区（如 +08:00）",
    "date_parsing": "日期格式无效，应为 YYYY-MM-DD",
    "date_from_datetime_parsing": "日期格式无效，应为 YYYY-MM-DD",
    "list_type": "必须是列表",
    "model_type": "必须是 JSON 对象",
    "dict_type": "必须是 JSON 对象",
}


def _message(error: ErrorDetails) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "string_too_short":
        return "不能为空" if ctx.get("min_length") == 1 else f"不能少于{ctx['min_length']}个字符"
    if kind == "string_too_long":
        return f"不能超过{ctx['max_length']}个字符"
    if kind in ("too_long",):
        return f"最多{ctx['max_length']}项"
    if kind == "greater_than_equal":
        return f"不能小于{ctx['ge']}"
    if kind == "less_than_equal":
        return f"不能大于{ctx['le']}"
    if kind == "greater_than":
        return f"必须大于{ctx['gt']}"
    if kind == "literal_error":  # pydantic says "'a', 'b' or 'c'"
        choices = re.findall(r"'([^']*)'", str(ctx["expected"])) or [str(ctx["expected"])]
        return f"必须是以下之一：{'、'.join(choices)}"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    return _MESSAGES.get(kind, error["msg"])


class FieldErrors(Exception):
    """Raised by model validators for errors that belong to named fields. Not a
    ValueError, so pydantic lets it through unchanged."""

    def __init__(self, fields: dict[str, str]):
        super().__init__(fields)
        self.fields = fields


def field_errors(exc: ValidationError) -> dict[str, str]:
    fields: dict[str, str] = {}
    for error in exc.errors():
        name = ".".join(str(part) for part in error["loc"]) or "body"
        fields.setdefault(name, _message(error))
    return fields


def _control_fields(data: Any, path: str = "") -> list[str]:
    """Where a control character hides (NUL, vertical tab …): no person types one, some
    databases refuse them, and XML cannot carry them."""
    if isinstance(data, str):
        return [path or "body"] if XML_ILLEGAL.search(data) else []
    if isinstance(data, Mapping):
        return [f for k, v in data.items() for f in _control_fields(v, f"{path}.{k}" if path else str(k))]
    if isinstance(data, list):
        return [f for i, v in enumerate(data) for f in _control_fields(v, f"{path}.{i}")]
    return []


def validate(model: type[M], data: Any, what: str = "请求内容") -> M:
    if not isinstance(data, Mapping):
        raise BadRequest(f"{what}必须是 JSON 对象", fields={"body": "必须是 JSON 对象"})
    controls = _control_fields(dict(data))
    if controls:
        problem = "不能含有控制字符（如空字符、垂直制表符）"
        raise BadRequest(f"{what}有误：含有不允许的控制字符", fields=dict.fromkeys(controls, problem))
    try:
        return model.model_validate(dict(data))
    except (ValidationError, FieldErrors) as exc:
        fields = exc.fields if isinstance(exc, FieldErrors) else field_errors(exc)
        summary = "；".join(f"{field_label(model, name)}：{msg}" for name, msg in fields.items())
        raise BadRequest(f"{what}有误：{summary}", fields=fields) from None


# What the forms call the fields a message may name, where a field has no title of its own.
FIELD_LABELS = {
    "title": "标题", "content": "诉求内容", "lat": "纬度", "lon": "经度", "channel": "渠道", "urgency": "紧急程度",
    "type": "类型", "citizen_name": "姓名", "citizen_phone": "联系电话", "citizen_address": "联系地址",
    "address": "地址", "category": "分类", "is_anonymous": "匿名", "is_confidential": "保密",
    "is_enterprise": "涉企诉求", "enterprise_name": "企业名称", "enterprise_credit_code": "统一社会信用代码",
    "received_from": "受理起始日", "received_to": "受理截止日", "sla": "时限状态", "resolved": "解决情况",
    "level": "级别", "passed": "是否通过", "unit_id": "单位", "unit": "单位", "roles": "角色", "role": "角色",
    "body": "内容", "numbers": "工单编号", "co_unit_ids": "协办单位", "knowledge_entry_id": "知识库条目",
    "master_number": "主工单编号", "master_id": "主工单", "kind": "照片类别", "note": "备注", "file": "照片文件",
    "photos": "照片", "status": "状态", "extension_max_days": "延期最长天数", "extension_times": "延期次数",
    "reopen_rounds": "重办轮次", "hours": "小时数", "minutes": "分钟数", "working_days": "工作日数",
    "code": "编码", "parent_id": "上级单位", "active": "是否启用", "target_level": "派至层级", "rule": "纳入条件",
    "leader": "牵头领导", "target_date": "目标日期", "period_start": "起始日", "period_end": "截止日",
    "unread": "未读", "start": "起始日", "end": "截止日", "version": "版本", "reply": "答复内容",
    "result": "办理结果", "public_reply": "答复市民的内容", "reason": "理由", "bbox": "地图视窗", "within": "区域",
    "q": "检索词", "phone": "电话号码", "per_page": "每页条数", "page": "页码", "before": "翻页位置",
    "photos_before": "办理前照片", "photos_after": "办理后照片", "public": "是否公开", "awaiting": "待处理事项",
    "held": "本单位或下级单位", "order": "排序", "overdue": "是否超期", "working": "是否上班", "leaf": "只看末级",
    "replace": "替换整个清单", "target_kind": "派至单位类别", "callers": "来电人", "days": "天数",
}  # fmt: skip
_CJK = re.compile(r"[\u4e00-\u9fff]")


def field_label(model: type[BaseModel] | None, name: str) -> str:
    """What the form calls a field, for messages: its `title`, the common label of its
    name, or the first words of its (Chinese) description; its API name only when none."""
    key = name.split(".")[0]
    field = model.model_fields.get(key) if model is not None else None
    if field is not None and field.title:
        return field.title
    if key in FIELD_LABELS:
        return FIELD_LABELS[key]
    lead = re.split(r"[，；：（(。,]", field.description)[0] if field is not None and field.description else ""
    return lead if _CJK.search(lead) else name


def invalid(field: str, problem: str, what: str = "请求内容", model: type[BaseModel] | None = None) -> BadRequest:
    """The 400 for one field, named by its label in the message (the form shows `problem`
    beside the field itself)."""
    return BadRequest(f"{what}有误：{field_label(model, field)}：{problem}", fields={field: problem})


_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0[1-9]\d{1,2}[2-9]\d{6,7}$")  # area code + 7/8-digit local number
_SERVICE = re.compile(r"^(400|800)\d{7}$")


def normalize_phone(raw: str) -> str:
    """A mainland mobile, landline (with area code) or 400/800 number, as digits only."""
    digits = re.sub(r"[\s\-()]", "", raw)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not digits.isdigit() or not (_MOBILE.match(digits) or _LANDLINE.match(digits) or _SERVICE.match(digits)):
        raise ValueError("不是有效的大陆手机号或带区号的固定电话")
    return digits


def phone_or_none(raw: str) -> str | None:
    """`normalize_phone`, or None when the text is not a phone number."""
    try:
        return normalize_phone(raw)
    except ValueError:
        return None


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return phone
    if len(phone) <= 7:
        return phone[:2] + "*" * (len(phone) - 2)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


# Personal numbers as people write them in free text: a resident identity card number
# (18 digits, the last may be X; or the old 15), a mobile (with +86, spaces or dashes), a
# landline with its area code.
_ID_NUMBER = r"\d{17}[\dXx]|\d{15}"
_MOBILE_IN_TEXT = r"(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d){8}"
_LANDLINE_IN_TEXT = r"0\d{2,3}[\s-]?[2-9]\d{6,7}"
_PERSONAL_NUMBER = re.compile(rf"(?<![\dA-Za-z])(?:{_ID_NUMBER}|{_MOBILE_IN_TEXT}|{_LANDLINE_IN_TEXT})(?![\dA-Za-z])")


def mask_personal_numbers(text: str | None) -> str | None:
    """Free text with every phone and identity card number in it masked (first three and
    last four characters kept), for what is published to everyone."""
    if not text:
        return text

    def masked(match: re.Match[str]) -> str:
        digits = re.sub(r"[\s-]", "", match.group())
        return mask_phone(re.sub(r"^\+?86(?=1\d{10}$)", "", digits)) or ""

    return _PERSONAL_NUMBER.sub(masked, text)


def mask_name(name: str | None) -> str | None:
    if not name:
        return name
    return name[0] + "*" * max(len(name) - 1, 1)


CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    total = sum(CREDIT_CODE_CHARS.index(ch) * w for ch, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def normalize_credit_code(raw: str) -> str:
    """统一社会信用代码: 18 characters, the last a check character (GB 32100-2015)."""
    code = raw.strip().upper()
    if len(code) != 18 or any(ch not in CREDIT_CODE_CHARS for ch in code):
        raise ValueError("统一社会信用代码应为18位数字或大写字母（不含 I、O、Z、S、V）")
    if credit_code_check_char(code[:17]) != code[-1]:
        raise ValueError("统一社会信用代码校验位不正确")
    return code
