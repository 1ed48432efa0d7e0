"""The words of the appeal lifecycle: its states and the actions that move it, as
`StrEnum`s (stored and spoken by the API as their values), each with its Chinese label."""

from __future__ import annotations

from enum import StrEnum, auto


class State(StrEnum):
    ACCEPTED = auto()
    DISPATCHED = auto()
    RETURNING = auto()
    HANDLING = auto()
    SUPERVISED = auto()
    PAUSED = auto()
    REPLIED = auto()
    REVISITING = auto()
    AUDITING = auto()
    EVALUATED = auto()
    MERGED = auto()
    VOIDED = auto()

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS: dict[State, str] = {
    State.ACCEPTED: "受理",
    State.DISPATCHED: "转办",
    State.RETURNING: "退单审核",
    State.HANDLING: "办理",
    State.SUPERVISED: "督办",
    State.PAUSED: "挂起",
    State.REPLIED: "反馈",
    State.REVISITING: "回访",
    State.AUDITING: "监督",
    State.EVALUATED: "评价",
    State.MERGED: "并单",
    State.VOIDED: "无效",
}
INITIAL_STATE = State.ACCEPTED
FINAL_STATES = frozenset({State.EVALUATED, State.MERGED, State.VOIDED})
OPEN_STATES = frozenset(State) - FINAL_STATES


class Act(StrEnum):
    """The actions of the state machine (hotline.appeals.actions has one record for each)."""

    DISPATCH = auto()
    ANSWER = auto()
    MERGE = auto()
    LINK_REPEAT = auto()
    VOID = auto()
    REDISPATCH = auto()
    RETURN = auto()
    APPROVE_RETURN = auto()
    REJECT_RETURN = auto()
    SIGN = auto()
    CONTACT = auto()
    SUPERVISE = auto()
    REQUEST_EXTENSION = auto()
    APPROVE_EXTENSION = auto()
    REJECT_EXTENSION = auto()
    REQUEST_PAUSE = auto()
    APPROVE_PAUSE = auto()
    REJECT_PAUSE = auto()
    RESUME = auto()
    REPLY = auto()
    CO_SIGN = auto()
    CO_REPORT = auto()
    REJECT_REPLY = auto()
    APPROVE_REPLY = auto()
    VISIT = auto()
    RATE = auto()
    CHECK = auto()
    AUDIT = auto()
    CONTEST = auto()
    UPHOLD_CONTEST = auto()
    DISMISS_CONTEST = auto()

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS: dict[Act, str] = {
    Act.DISPATCH: "派单",
    Act.ANSWER: "直接答复",
    Act.MERGE: "并单",
    Act.LINK_REPEAT: "关联重复件",
    Act.VOID: "无效/转110",
    Act.REDISPATCH: "转派",
    Act.RETURN: "退单",
    Act.APPROVE_RETURN: "同意退单",
    Act.REJECT_RETURN: "驳回退单",
    Act.SIGN: "签收",
    Act.CONTACT: "联系市民",
    Act.SUPERVISE: "督办",
    Act.REQUEST_EXTENSION: "申请延期",
    Act.APPROVE_EXTENSION: "批准延期",
    Act.REJECT_EXTENSION: "驳回延期",
    Act.REQUEST_PAUSE: "申请挂起",
    Act.APPROVE_PAUSE: "批准挂起",
    Act.REJECT_PAUSE: "驳回挂起",
    Act.RESUME: "恢复办理",
    Act.REPLY: "反馈",
    Act.CO_SIGN: "协办签收",
    Act.CO_REPORT: "协办反馈",
    Act.REJECT_REPLY: "审核退回",
    Act.APPROVE_REPLY: "审核通过",
    Act.VISIT: "回访",
    Act.RATE: "市民评价",
    Act.CHECK: "现场核查",
    Act.AUDIT: "监督",
    Act.CONTEST: "申诉",
    Act.UPHOLD_CONTEST: "申诉成立",
    Act.DISMISS_CONTEST: "申诉不成立",
}

# Events that are not transitions of the machine: `create` opens the appeal, the others leave
# its state as it is (the sweep's warnings, 通报 and reports of the desks' overdue steps, a
# photo added).
NON_TRANSITION_EVENTS: dict[str, str] = {
    "create": "受理",
    "warn": "临期预警",
    "escalate": "通报",
    "overdue": "超期报督办",
    "attach": "上传照片",
    "publish_photo": "公开照片",
    "unpublish_photo": "撤回公开照片",
    "police_feedback": "110反馈",
}
# Events without an account: the citizen's own (a report, its photos, their rating); any other is the system's.
CITIZEN_EVENTS = frozenset({"create", "attach", "rate"})
# 申诉复核: where a unit's contest stands.
CONTEST_STATUSES = {"pending": "待复核", "upheld": "申诉成立", "dismissed": "申诉不成立"}
EVENT_LABELS: dict[str, str] = {**{str(a): label for a, label in ACTION_LABELS.items()}, **NON_TRANSITION_EVENTS}
