"""The error document every API answer that fails has."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ErrorDetail(BaseModel):
    code: str
    message: str
    fields: dict[str, str] = Field(default_factory=dict)
    state: str | None = None
    allowed_actions: list[str] | None = None
    version: int | None = None
    rule_id: int | None = Field(None, description="拒绝所依据的确责清单规则")
    problems: list[str] | None = Field(None, description="导入被拒绝时的逐条问题")


class Error(BaseModel):
    error: ErrorDetail
