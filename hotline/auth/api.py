"""The accounts' API: tokens (sign-in for API clients), the current user, and the
administrators' accounts (list, create, change, deactivate, reset passwords). It also
tells the API how a request's user is found (bearer token, or the page session for GETs)."""

from __future__ import annotations

from datetime import datetime

from flask import g, request
from pydantic import Field

from hotline.auth import operations
from hotline.auth.limits import attempt_sign_in
from hotline.auth.models import User
from hotline.auth.operations import Role, issue_token, revoke_token, user_for_token
from hotline.auth.presenters import TokenOut, TokenRequest, UserOut
from hotline.core.clock import to_local
from hotline.core.errors import Unauthorized
from hotline.core.pagination import Page, PageQuery, paginate
from hotline.core.validation import Id, validate
from hotline.web.api import api


def request_user() -> User:
    """The user of the request's bearer token. Safe (GET) requests from a signed-in page
    may use the page session instead, so pages can call the API without a token."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        user = user_for_token(header.removeprefix("Bearer ").strip())
        if user is None:
            raise Unauthorized("令牌无效或已过期，请重新获取")
        g.user = user
        return user
    if request.method == "GET" and g.get("user") is not None:
        return g.user
    raise Unauthorized("需要登录：请在 Authorization 头中携带 Bearer 令牌")


api.authenticate_with(request_user)


@api.endpoint(
    "POST",
    "/auth/token",
    summary="用用户名和密码换取令牌",
    body=TokenRequest,
    response=TokenOut,
    status=201,
    auth=False,
    tags=("auth",),
    errors=(401, 429),
)
def create_token(data):
    body = validate(TokenRequest, data)
    user = attempt_sign_in(body.username, body.password)
    if user is None:
        raise Unauthorized("用户名或密码错误")
    raw, token = issue_token(user)
    return TokenOut(token=raw, expires_at=to_local(token.expires_at))


@api.endpoint("DELETE", "/auth/token", summary="注销当前令牌", status=204, tags=("auth",))
def delete_token(user):
    revoke_token(request.headers.get("Authorization", "").removeprefix("Bearer ").strip())


@api.endpoint("GET", "/me", summary="当前用户", response=UserOut, tags=("auth",))
def me(user):
    return UserOut.of(user)


class AccountOut(UserOut):
    active: bool
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> AccountOut:
        return cls(**UserOut.of(user).model_dump(), active=user.active, created_at=to_local(user.created_at))


class AccountList(Page):
    items: list[AccountOut]


class AccountQuery(PageQuery):
    unit: Id | None = Field(None, description="所属单位")
    role: Role | None = None
    q: str | None = Field(None, max_length=64, description="用户名或姓名关键词")
    active: bool | None = None


@api.endpoint(
    "GET",
    "/users",
    summary="账号列表（管理员）",
    query=AccountQuery,
    response=AccountList,
    tags=("users",),
    errors=(403,),
)
def list_users(user, query: AccountQuery):
    stmt = operations.users_query(user, unit_id=query.unit, role=query.role, q=query.q, active=query.active)
    users, page = paginate(stmt, query)
    return AccountList(items=[AccountOut.of(u) for u in users], **page)


@api.endpoint(
    "GET", "/users/<int:user_id>", summary="账号详情（管理员）", response=AccountOut, tags=("users",), errors=(403, 404)
)
def get_user(user, user_id: int):
    return AccountOut.of(operations.get_user(user_id, user))


@api.endpoint(
    "POST",
    "/users",
    summary="新建账号（管理员）",
    body=operations.UserCreate,
    response=AccountOut,
    status=201,
    tags=("users",),
    errors=(403, 409),
    description="话务员、派单员、回访员只能设在热线中心；承办人必须属于承办单位。",
)
def create_user(user, data):
    return AccountOut.of(operations.create_user(data, user))


@api.endpoint(
    "PATCH",
    "/users/<int:user_id>",
    summary="修改账号：姓名、单位、角色、停用/启用（管理员）",
    body=operations.UserBody,
    response=AccountOut,
    tags=("users",),
    errors=(403, 404, 409),
    description="停用账号或改变其单位、角色时，该账号已签发的令牌全部失效。",
)
def update_user(user, user_id: int, data):
    return AccountOut.of(operations.update_user(user_id, data, user))


@api.endpoint(
    "POST",
    "/users/<int:user_id>/password",
    summary="重置密码（管理员）",
    body=operations.PasswordBody,
    response=AccountOut,
    tags=("users",),
    errors=(403, 404),
    description="重置后该账号已签发的令牌全部失效。",
)
def reset_password(user, user_id: int, data):
    return AccountOut.of(operations.set_password(user_id, data, user))
