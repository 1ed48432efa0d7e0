"""The default time limits, by class (the seeded policy table); every urgency × type maps to a class.
Migration 0003 seeds the same values (frozen there); "reset to defaults" and the tests use
these."""

from __future__ import annotations

from hotline.core.vocabulary import APPEAL_TYPES, URGENCIES

CLASSES = {
    #            sign     return  handle  visit  reopen  red_after  ext_times ext_days rounds
    "urgent": ("30min", "1h", "24h", "4h", "24h", "2h", 0, 0, 2),
    "general": ("1wd", "1wd", "10wd", "1wd", "5wd", "1wd", 2, 5, 2),
    "consult": ("1wd", "1wd", "3wd", "2wd", "3wd", "1wd", 1, 2, 2),
    "suggest": ("1wd", "1wd", "5wd", "2wd", "3wd", "1wd", 1, 2, 2),
}
FIELDS = (
    "sign",
    "return_window",
    "handle",
    "visit",
    "reopen",
    "red_after",
    "extension_times",
    "extension_max_days",
    "reopen_rounds",
)


def class_of(urgency: str, appeal_type: str) -> str:
    if urgency in ("紧急", "特急"):
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
