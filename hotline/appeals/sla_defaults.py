"""The default time limits, by class (the seeded policy table); every urgency × type maps to a class.
Migration 0003 seeds the same values (frozen there); "reset to defaults" and the tests use
these."""

from __future__ import annotations

from hotline.core.vocabulary import APPEAL_TYPES, URGENCIES

CLASSES = {
    #          dispatch  sign    return  handle  review  visit  reopen  red_after ext_times ext_days rounds
    "critical": ("15min", "15min", "30min", "2h", "1h", "2h", "2h", "1h", 0, 0, 2),  # 特急 (北京: 2 h)
    "urgent": ("30min", "30min", "1h", "24h", "2h", "4h", "24h", "2h", 0, 0, 2),
    "general": ("0.5wd", "1wd", "1wd", "10wd", "1wd", "1wd", "5wd", "1wd", 2, 5, 2),
    "consult": ("0.5wd", "1wd", "1wd", "3wd", "1wd", "2wd", "3wd", "1wd", 1, 2, 2),
    "suggest": ("0.5wd", "1wd", "1wd", "5wd", "1wd", "2wd", "3wd", "1wd", 1, 2, 2),
}
# The limits (text), then the counts.
LIMIT_FIELDS = ("dispatch", "sign", "return_window", "handle", "review", "visit", "reopen", "red_after")
FIELDS = (*LIMIT_FIELDS, "extension_times", "extension_max_days", "reopen_rounds")
LABELS = {
    "dispatch": "派单（中心）",
    "sign": "签收",
    "return_window": "退单窗口",
    "handle": "办结",
    "review": "审核（中心）",
    "visit": "回访",
    "reopen": "重办",
    "red_after": "黄转红",
    "extension_times": "延期次数",
    "extension_max_days": "每次延期(工作日)",
    "reopen_rounds": "重办轮次",
}


# Categories whose own limits cap the urgency × type limits (sign, handle): public
# utilities an outage of which cannot wait 10 working days (24 h, as 北京 and most centres
# have it). Keyed by the demo taxonomy's codes; a centre sets its own on the SLA page.
CATEGORY_DEFAULTS = {
    "0302": ("2h", "24h"),  # 供暖
    "1001": ("2h", "24h"),  # 供水
    "1002": ("2h", "24h"),  # 供电
    "1003": ("2h", "24h"),  # 燃气
}


def class_of(urgency: str, appeal_type: str) -> str:
    if urgency == "特急":
        return "critical"
    if urgency == "紧急":
        return "urgent"
    if appeal_type in ("求助", "投诉", "举报"):
        return "general"
    return "consult" if appeal_type == "咨询" else "suggest"


def default_rows() -> list[dict]:
    return [
        {"urgency": u, "type": t, **dict(zip(FIELDS, CLASSES[class_of(u, t)], strict=True))}
        for u in URGENCIES
        for t in APPEAL_TYPES
    ]
