"""Who may administer accounts."""

from __future__ import annotations

from hotline.core.permissions import holding

MANAGE_ACCOUNTS = holding("admin", refusal="只有系统管理员可以管理账号")
