"""Endpoints declared with their schemas, and the OpenAPI 3.1 document generated from them.

    @api.endpoint("GET", "/appeals/<ref>", summary="…", response=AppealDetail)
    def get_appeal(user, ref): ...

The decorator authenticates, parses the query into its model, checks the body is a JSON
object, and serialises the returned model; the same declarations produce the document."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, jsonify, request
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from hotline.core import idempotency
from hotline.core.errors import BadRequest
from hotline.core.validation import MAX_ID, validate

REF_TEMPLATE = "#/components/schemas/{model}"
_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")
_ERROR_TEXT = {
    400: "请求内容有误（fields 指出字段）",
    401: "未登录或令牌无效",
    403: "无权执行",
    404: "不存在或无权查看",
    409: "与当前状态冲突",
    413: "上传内容超过大小上限",
    429: "请求过于频繁（Retry-After 头给出需等待的秒数）",
    503: "服务器繁忙（Retry-After 头给出需等待的秒数）",
}


@dataclass
class Operation:
    method: str
    rule: str
    name: str
    summary: str
    tags: tuple[str, ...]
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    auth: bool
    errors: tuple[int, ...]
    description: str = ""
    path_params: dict[str, dict] = field(default_factory=dict)
    media_type: str | None = None  # a file instead of JSON
    upload: dict | None = None  # multipart/form-data fields (JSON Schema properties)
    idempotent: bool = False  # takes an Idempotency-Key header


def json_response(model: BaseModel, status: int = 200) -> Response:
    """A model as the response's JSON, serialised by pydantic itself (no dict of it built
    first for `json` to walk again)."""
    return Response(model.model_dump_json(), status=status, mimetype="application/json")


class Api:
    def __init__(self, blueprint: Blueprint, *, title: str, version: str, error_model: type[BaseModel]):
        self.blueprint = blueprint
        self.title = title
        self.version = version
        self.error_model = error_model
        self.operations: list[Operation] = []
        self._authenticate: Callable[[], Any] | None = None

    def authenticate_with(self, authenticate: Callable[[], Any]) -> None:
        """Who the request's user is (the accounts feature provides it): called for every
        endpoint that needs a user, and raises 401 when there is none."""
        self._authenticate = authenticate

    def authenticate(self) -> Any:
        if self._authenticate is None:
            raise RuntimeError("no authenticator registered: the accounts feature is not loaded")
        return self._authenticate()

    def endpoint(
        self,
        method: str,
        rule: str,
        *,
        summary: str,
        response: type[BaseModel] | None = None,
        status: int = 200,
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        auth: bool = True,
        tags: tuple[str, ...] = (),
        errors: tuple[int, ...] = (),
        name: str | None = None,
        description: str = "",
        path_params: dict[str, dict] | None = None,
        media_type: str | None = None,
        upload: dict | None = None,
        idempotent: bool = False,
    ):
        def decorate(fn):
            endpoint_name = name or fn.__name__

            def view(**path_args):
                kwargs = dict(path_args)
                if auth:
                    kwargs["user"] = self.authenticate()
                if body is not None:
                    kwargs["data"] = json_object()
                if query is not None:
                    kwargs["query"] = validate(query, request.args.to_dict(), "查询参数")
                result = fn(**kwargs)
                if isinstance(result, Response):
                    return result
                if isinstance(result, BaseModel):
                    return json_response(result, status)
                return (jsonify(result), status) if result is not None else ("", status)

            self.blueprint.add_url_rule(rule, endpoint_name, view, methods=[method])
            self.operations.append(
                Operation(
                    method=method,
                    rule=rule,
                    name=endpoint_name,
                    summary=summary,
                    tags=tags,
                    body=body,
                    query=query,
                    response=response,
                    status=status,
                    auth=auth,
                    errors=tuple(
                        sorted(
                            {
                                *errors,
                                *((401,) if auth else ()),
                                *((400,) if body or query or upload or idempotent else ()),
                                *((409,) if idempotent else ()),
                            }
                        )
                    ),
                    description=description,
                    path_params=path_params or {},
                    media_type=media_type,
                    upload=upload,
                    idempotent=idempotent,
                )
            )
            return fn

        return decorate

    # ------------------------------------------------------------ OpenAPI

    def openapi(self, prefix: str) -> dict:
        models = {self.error_model}
        for op in self.operations:
            models.update(m for m in (op.body, op.query, op.response) if m is not None)
        keyed: list[tuple[type[BaseModel], JsonSchemaMode]] = [(m, "validation") for m in models]
        ref_map, defs = models_json_schema(keyed, ref_template=REF_TEMPLATE)
        schemas = defs.get("$defs", {})
        refs = {model: ref_map[(model, "validation")] for model in models}

        paths: dict[str, dict] = {}
        for op in self.operations:
            path = prefix + _CONVERTER.sub(r"{\2}", op.rule)
            paths.setdefault(path, {})[op.method.lower()] = self._operation(op, refs, schemas)
        return {
            "openapi": "3.1.0",
            "info": {"title": self.title, "version": self.version},
            "paths": paths,
            "components": {
                "schemas": schemas,
                "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            },
        }

    def _operation(self, op: Operation, refs: dict, schemas: dict) -> dict:
        params = []
        for kind, param in _CONVERTER.findall(op.rule):
            schema = op.path_params.get(param) or (
                {"type": "integer", "minimum": 0, "maximum": MAX_ID} if kind == "int" else {"type": "string"}
            )
            params.append({"name": param, "in": "path", "required": True, "schema": schema})
        if op.query is not None:
            query_schema = schemas.get(op.query.__name__) or op.query.model_json_schema(ref_template=REF_TEMPLATE)
            required = set(query_schema.get("required", []))
            for pname, pschema in query_schema.get("properties", {}).items():
                params.append(
                    {
                        "name": pname,
                        "in": "query",
                        "required": pname in required,
                        "schema": pschema,
                        "description": pschema.get("description", ""),
                    }
                )
        if op.idempotent:
            params.append(idempotency.openapi_parameter())
        doc: dict[str, Any] = {"operationId": op.name, "summary": op.summary, "tags": list(op.tags)}
        if op.description:
            doc["description"] = op.description
        if params:
            doc["parameters"] = params
        if op.body is not None:
            doc["requestBody"] = {"required": True, "content": {"application/json": {"schema": refs[op.body]}}}
        if op.upload is not None:
            properties = {n: {k: v for k, v in f.items() if k != "required"} for n, f in op.upload.items()}
            schema = {
                "type": "object",
                "properties": properties,
                "required": [n for n, f in op.upload.items() if f.get("required")],
            }
            doc["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": schema}}}
        ok: dict[str, Any] = {"description": "成功"}
        if op.media_type:
            ok["content"] = {op.media_type: {"schema": {"type": "string", "contentMediaType": op.media_type}}}
        elif op.response is not None:
            ok["content"] = {"application/json": {"schema": refs[op.response]}}
        responses = {str(op.status): ok}
        for code in op.errors:
            responses[str(code)] = {
                "description": _ERROR_TEXT[code],
                "content": {"application/json": {"schema": refs[self.error_model]}},
            }
            if code in (429, 503):
                responses[str(code)]["headers"] = {
                    "Retry-After": {"description": "需等待的秒数", "schema": {"type": "integer", "minimum": 1}}
                }
        doc["responses"] = responses
        doc["security"] = [{"bearer": []}] if op.auth else []
        return doc


# A JSON body this large or this deep is no intake or action: refuse it before parsing
# (a body nested 100,000 deep exhausted the parser's recursion and answered 500).
JSON_MAX_BYTES = 256 * 1024
JSON_MAX_DEPTH = 32
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_JSON_NESTING = re.compile(rb"[\[\]{}]")


def _too_deep(raw: bytes, limit: int) -> bool:
    depth = 0
    for bracket in _JSON_NESTING.findall(_JSON_STRING.sub(b"", raw)):
        depth += 1 if bracket in (b"[", b"{") else -1
        if depth > limit:
            return True
    return False


def json_object() -> dict:
    if (request.content_length or 0) > JSON_MAX_BYTES:
        raise BadRequest(f"请求体过大：不能超过{JSON_MAX_BYTES // 1024} KB", fields={"body": "请求体过大"})
    raw = request.get_data(cache=True)
    if len(raw) > JSON_MAX_BYTES or _too_deep(raw, JSON_MAX_DEPTH):
        problem = f"请求体过大或嵌套超过{JSON_MAX_DEPTH}层"
        raise BadRequest(problem, fields={"body": problem})
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest(
            "请求体必须是 JSON 对象（Content-Type: application/json）", fields={"body": "必须是 JSON 对象"}
        )
    return data
