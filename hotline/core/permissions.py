"""Who may do what: the actor every operation is given, and named permissions.

A `Permission` is one rule ("administrators", "the centre's operators and dispatchers")
with the refusal a user is told. Operations call `require()`; pages and the navigation ask
`allows()` of the same object, so a link is shown exactly when its page would open."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from hotline.core.errors import Forbidden
from hotline.core.vocabulary import ROLES, Role


class Actor(Protocol):
    """What a rule may ask of the person acting (hotline.auth.models.User is one)."""

    @property
    def id(self) -> int: ...

    @property
    def unit_id(self) -> int: ...

    @property
    def active(self) -> bool: ...

    @property
    def roles(self) -> frozenset[str]: ...

    @property
    def at_centre(self) -> bool: ...

    @property
    def area_level(self) -> str | None: ...

    def has_role(self, *roles: str) -> bool: ...


@dataclass(frozen=True)
class Permission:
    refusal: str  # the 403's message
    test: Callable[[Actor], bool]

    def allows(self, actor: Actor | None) -> bool:
        return actor is not None and actor.active and self.test(actor)

    def require(self, actor: Actor) -> None:
        """403 with the refusal unless the actor holds the permission."""
        if not self.allows(actor):
            raise Forbidden(self.refusal)


def holding(*roles: Role, refusal: str) -> Permission:
    """Anyone, anywhere, holding one of `roles`."""
    return Permission(refusal, lambda actor: actor.has_role(*roles))


def at_centre(*roles: Role, refusal: str | None = None) -> Permission:
    """The hotline centre's staff holding one of `roles` (any role when none is named)."""
    names = "或".join(ROLES[r] for r in roles)
    return Permission(
        refusal or f"只有热线中心的{names}可以执行此操作",
        lambda actor: actor.at_centre and (not roles or actor.has_role(*roles)),
    )


SIGNED_IN = Permission("需要登录", lambda actor: True)
