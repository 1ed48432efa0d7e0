"""One record per action of the state machine (hotline.appeals.actions.base.Action): its
label, body, checks, effect and form partial, found together in the module of its desk."""

from __future__ import annotations

from hotline.appeals.actions.auditing import AUDIT, CHECK
from hotline.appeals.actions.base import Action
from hotline.appeals.actions.contesting import CONTEST, DISMISS_CONTEST, UPHOLD_CONTEST
from hotline.appeals.actions.dispatching import (
    ANSWER,
    APPROVE_RETURN,
    DISPATCH,
    LINK_REPEAT,
    MERGE,
    REDISPATCH,
    REJECT_RETURN,
    RETURN,
    VOID,
)
from hotline.appeals.actions.handling import (
    APPROVE_EXTENSION,
    CO_REPORT,
    CO_SIGN,
    CONTACT,
    REJECT_EXTENSION,
    REPLY,
    REQUEST_EXTENSION,
    SIGN,
)
from hotline.appeals.actions.pausing import APPROVE_PAUSE, REJECT_PAUSE, REQUEST_PAUSE, RESUME
from hotline.appeals.actions.review import APPROVE_REPLY, RATE, REJECT_REPLY, SUPERVISE, VISIT
from hotline.appeals.states import Act

ACTIONS: dict[Act, Action] = {
    a.name: a
    for a in (
        DISPATCH,
        ANSWER,
        MERGE,
        LINK_REPEAT,
        VOID,
        REDISPATCH,
        RETURN,
        APPROVE_RETURN,
        REJECT_RETURN,
        SIGN,
        CONTACT,
        SUPERVISE,
        REQUEST_EXTENSION,
        APPROVE_EXTENSION,
        REJECT_EXTENSION,
        REQUEST_PAUSE,
        APPROVE_PAUSE,
        REJECT_PAUSE,
        RESUME,
        REPLY,
        CO_SIGN,
        CO_REPORT,
        REJECT_REPLY,
        APPROVE_REPLY,
        VISIT,
        RATE,
        CHECK,
        AUDIT,
        CONTEST,
        UPHOLD_CONTEST,
        DISMISS_CONTEST,
    )
}
assert list(ACTIONS) == list(Act), "every action of the machine has one record, in the machine's order"
