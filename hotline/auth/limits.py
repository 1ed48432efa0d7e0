"""The rate limits on signing in (the pages' form and the API's token): attempts per client
address, and wrong passwords per account and per address, counted whether or not the
account exists (so a refusal reveals nothing). Five wrong passwords lock an account for a
quarter of an hour: the 登录失败处理 that 等保 2.0 asks for."""

from __future__ import annotations

from hotline.auth.models import User
from hotline.auth.operations import authenticate
from hotline.core.throttle import check, client_address, count, declare, spend

SIGN_IN_BY_ADDRESS = declare(
    "sign_in.address", "30 per minute", "登录尝试过于频繁", "sign-in attempts (page and API token) from one address"
)
WRONG_PASSWORD_BY_ACCOUNT = declare(
    "sign_in.wrong_password.account",
    "5 per 15 minutes; 20 per day",
    "该账号密码输错次数过多，已暂时锁定",
    "wrong passwords for one username",
)
WRONG_PASSWORD_BY_ADDRESS = declare(
    "sign_in.wrong_password.address",
    "20 per hour; 100 per day",
    "密码输错次数过多",
    "wrong passwords from one client address",
)


def attempt_sign_in(username: str, password: str) -> User | None:
    """The user these credentials name, or None; 429 while locked out."""
    address = client_address()
    spend(SIGN_IN_BY_ADDRESS, address)
    check(WRONG_PASSWORD_BY_ACCOUNT, username)
    check(WRONG_PASSWORD_BY_ADDRESS, address)
    user = authenticate(username, password)
    if user is None:
        count(WRONG_PASSWORD_BY_ACCOUNT, username)
        count(WRONG_PASSWORD_BY_ADDRESS, address)
    return user
