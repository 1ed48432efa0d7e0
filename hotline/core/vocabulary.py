"""Closed vocabularies of the domain, stored in the database as their Chinese names (as
the API speaks them). Each is a `Literal` type for the schemas and a tuple of its values
for everything else, one derived from the other."""

from __future__ import annotations

from typing import Literal, get_args

Channel = Literal["电话", "网站", "随手拍", "Open311", "110转入", "主动发现"]
AppealType = Literal["咨询", "求助", "投诉", "举报", "建议", "表扬"]
Urgency = Literal["一般", "紧急", "特急"]
Resolution = Literal["解决", "部分解决", "未解决"]
# 好差评 on five levels (国办发〔2019〕51号); the two lowest are a 差评, sent back to 整改.
Satisfaction = Literal["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
# 回访: why a call did not reach the citizen.
CallResult = Literal["未接通", "拒接", "空号"]
# 申诉复核: what a unit asks the centre to hold against its assessment.
ContestKind = Literal["评价申诉", "不合理诉求", "最终答复"]
VoidReason = Literal["无效诉求", "不予受理", "转110", "转信访"]
Role = Literal["admin", "operator", "dispatcher", "handler", "supervisor", "visitor"]

# Channel name -> the two digits it contributes to the 工单编号.
CHANNELS: dict[Channel, str] = {
    "电话": "01",
    "网站": "02",
    "随手拍": "03",
    "Open311": "04",
    "110转入": "05",
    "主动发现": "06",
}
# Channels that arrive through their own intake (citizen reports, Open311), not the console.
STAFF_CHANNELS: tuple[Channel, ...] = ("电话", "网站", "110转入", "主动发现")

APPEAL_TYPES: tuple[AppealType, ...] = get_args(AppealType)
URGENCIES: tuple[Urgency, ...] = get_args(Urgency)
RESOLUTIONS: tuple[Resolution, ...] = get_args(Resolution)
SATISFACTIONS: tuple[Satisfaction, ...] = get_args(Satisfaction)
CALL_RESULTS: tuple[CallResult, ...] = get_args(CallResult)
POOR_RATINGS: tuple[Satisfaction, ...] = ("不满意", "非常不满意")  # 差评
GOOD_RATINGS: tuple[Satisfaction, ...] = tuple(s for s in SATISFACTIONS if s not in POOR_RATINGS)
UNRATED = "未评价"
CONTEST_KINDS: tuple[ContestKind, ...] = get_args(ContestKind)
VOID_REASONS: tuple[VoidReason, ...] = get_args(VoidReason)
CARD_LEVELS = {"yellow": "黄牌", "red": "红牌"}
# 12345 ↔ 110 hand-overs, by direction.
HANDOVER_DIRECTIONS = {"to_110": "转110", "from_110": "110转入"}

UNIT_LEVELS = ("province", "city", "district", "street", "community", "grid")
UNIT_LEVEL_NAMES = {
    "province": "省",
    "city": "市",
    "district": "区",
    "street": "街道",
    "community": "社区",
    "grid": "网格",
}
# area: a node of the 省-市-区-街道-社区-网格 tree; department: a functional department
# hanging on an area node; centre: the 12345 hotline centre itself.
UNIT_KINDS = ("area", "department", "centre")

ROLES: dict[Role, str] = {
    "admin": "系统管理员",
    "operator": "话务员",
    "dispatcher": "派单员",
    "handler": "承办人",
    "supervisor": "督办员",
    "visitor": "回访员",
}
