"""Accounts for administrators: list, create, change, deactivate, reset passwords."""
from __future__ import annotations

from datetime import datetime

from pydantic import Field

from hotline.auth import operations
from hotline.auth.models import User
from hotline.auth.operations import Role
from hotline.clock import to_local
from hotline.pagination import Page, PageQuery, paginate
from hotline.web.api import api
from hotline.web.api.schemas import UserOut
from hotline.workflow.schemas import Id


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


@api.endpoint("GET", "/users", summary="账号列表（管理员）", query=AccountQuery, response=AccountList,
              tags=("users",), errors=(403,))
def list_users(user, query: AccountQuery):
    stmt = operations.users_query(user, unit_id=query.unit, role=query.role, q=query.q, active=query.active)
    users, page = paginate(stmt, query)
    return AccountList(items=[AccountOut.of(u) for u in users], **page)


@api.endpoint("GET", "/users/<int:user_id>", summary="账号详情（管理员）", response=AccountOut, tags=("users",),
              errors=(403, 404))
def get_user(user, user_id: int):
    return AccountOut.of(operations.get_user(user_id, user))


@api.endpoint("POST", "/users", summary="新建账号（管理员）", body=operations.UserCreate, response=AccountOut,
              status=201, tags=("users",), errors=(403, 409),
              description="话务员、派单员、回访员只能设在热线中心；承办人必须属于承办单位。")
def create_user(user, data):
    return AccountOut.of(operations.create_user(data, user))


@api.endpoint("PATCH", "/users/<int:user_id>", summary="修改账号：姓名、单位、角色、停用/启用（管理员）",
              body=operations.UserBody, response=AccountOut, tags=("users",), errors=(403, 404, 409),
              description="停用账号或改变其单位、角色时，该账号已签发的令牌全部失效。")
def update_user(user, user_id: int, data):
    return AccountOut.of(operations.update_user(user_id, data, user))


@api.endpoint("POST", "/users/<int:user_id>/password", summary="重置密码（管理员）", body=operations.PasswordBody,
              response=AccountOut, tags=("users",), errors=(403, 404),
              description="重置后该账号已签发的令牌全部失效。")
def reset_password(user, user_id: int, data):
    return AccountOut.of(operations.set_password(user_id, data, user))
