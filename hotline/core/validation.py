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
    if kind == "literal_error":
        return f"必须是以下之一：{ctx['expected']}"
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


def field_label(model: type[BaseModel], name: str) -> str:
    """What the form calls a field (its `title`), for messages; else its API name."""
    field = model.model_fields.get(name.split(".")[0])
    return field.title if field is not None and field.title else name


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
