"""What an action record is made of. Each action of the state machine has one `Action`:
its name (and so its label), the body it accepts, what it checks before and does after
the transition fires, and the form partial the appeal page shows for it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import Field

from hotline.appeals.guards import ActionContext
from hotline.appeals.states import Act
from hotline.core.validation import MAX_ID, Body
from hotline.grid.models import Unit


class ActionBody(Body):
    """Fields every action accepts."""

    note: str | None = Field(None, max_length=1000, title="备注", description="备注")
    version: int | None = Field(None, ge=1, le=MAX_ID, description="操作人看到的工单版本；已变化则 409")


@dataclass
class Outcome:
    """What an action's effect reports for its event, and the step the system takes at
    once after it, if any (监督 passed by itself when not drawn): its action and body."""

    target_unit: Unit | None = None
    details: dict[str, Any] | None = None
    then: tuple[Act, dict[str, Any]] | None = None


Prepared = dict[str, Any]


def _nothing_to_prepare(ctx: ActionContext) -> Prepared:
    return {}


def _no_form_context(ctx: ActionContext) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Action:
    name: Act
    body: type[ActionBody]
    # Changes the appeal after the transition fired, inside the action's transaction.
    apply: Callable[[ActionContext, Prepared], Outcome]
    # Checks that need the database (the unit exists, the master is open …), before anything changes.
    prepare: Callable[[ActionContext], Prepared] = field(default=_nothing_to_prepare)
    # What the form partial needs besides the appeal (unit choices, routing suggestions …).
    form_context: Callable[[ActionContext], dict[str, Any]] = field(default=_no_form_context)
    # The form has a free 备注 field of its own (unless the body's note is the form's main text).
    note_field: bool = True
    # Kinds of photo the page's form takes with the action (办理前/办理后 with a reply).
    photos: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.name.label

    @property
    def form(self) -> str:
        """The partial with this action's fields, included by the appeal page."""
        return f"appeals/actions/{self.name}.html"
