from __future__ import annotations

from flask import request

from hotline.auth.operations import authenticate as check_password
from hotline.auth.operations import issue_token, revoke_token
from hotline.clock import to_local
from hotline.errors import Unauthorized
from hotline.validation import validate
from hotline.web.api import api
from hotline.web.api.schemas import TokenOut, TokenRequest, UserOut


@api.endpoint("POST", "/auth/token", summary="用用户名和密码换取令牌", body=TokenRequest,
              response=TokenOut, status=201, auth=False, tags=("auth",), errors=(401,))
def create_token(data):
    body = validate(TokenRequest, data)
    user = check_password(body.username, body.password)
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
