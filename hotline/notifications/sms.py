"""SMS to citizens: templates, providers, and the outbox job that sends one message.

Sending is idempotent. The message id given to the provider is the outbox row's, so a
gateway that deduplicates by id delivers a message once even if a worker dies after the
request and the job runs again; and the record row is unique per outbox row."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from functools import lru_cache

from flask import current_app
from jinja2 import StrictUndefined, Template
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import Select, delete, insert, select

from hotline.core import audit
from hotline.core.db import write_transaction
from hotline.core.errors import NotFound
from hotline.core.extensions import db
from hotline.core.permissions import Actor, holding
from hotline.core.validation import invalid
from hotline.notifications.models import MessageTemplate, SmsMessage
from hotline.notifications.sms_defaults import SAMPLE_CONTEXT, TEMPLATES
from hotline.outbox import operations as outbox

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
MAX_LENGTH = 500


class SmsError(Exception):
    """The provider did not accept the message; the job is retried."""


# ------------------------------------------------------------------ providers


class RecordingProvider:
    """Keeps the message in sms_messages only (the embedded default)."""

    name = "record"

    def send(self, message_id: str, phone: str, text: str) -> str | None:
        return None


@dataclass
class HttpGatewayProvider:
    """POSTs {"id", "phone", "text"} as JSON; the gateway answers 2xx (optionally {"ref"})."""

    url: str
    timeout: float
    name = "http"

    def send(self, message_id: str, phone: str, text: str) -> str | None:
        body = json.dumps({"id": message_id, "phone": phone, "text": text}, ensure_ascii=False).encode()
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": message_id},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = response.read()
        except urllib.error.HTTPError as exc:
            raise SmsError(f"gateway answered {exc.code}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SmsError(f"gateway unreachable: {exc}") from None
        try:
            return str(json.loads(answer).get("ref") or "") or None
        except (ValueError, AttributeError):
            return None


def provider():
    config = current_app.config
    if config["HOTLINE_SMS_PROVIDER"] == "http":
        if not config["HOTLINE_SMS_GATEWAY_URL"]:
            raise SmsError("HOTLINE_SMS_GATEWAY_URL is not set")
        return HttpGatewayProvider(config["HOTLINE_SMS_GATEWAY_URL"], config["HOTLINE_SMS_TIMEOUT_SECONDS"])
    return RecordingProvider()


# ------------------------------------------------------------------ templates


@lru_cache(maxsize=128)
def _compiled(body: str) -> Template:
    return _ENV.from_string(body)


def render(body: str, context: dict) -> str:
    """The template text filled in (compiled once per text, not once per message)."""
    return _compiled(body).render(**context).strip()


def is_mobile(phone: str | None) -> bool:
    return bool(phone and _MOBILE.match(phone))


def template_body(key: str) -> str:
    """The body of template `key`: the administrators' version, else the default."""
    row = db.session.get(MessageTemplate, key)
    return row.body if row else TEMPLATES[key][1]


def queue_text(key: str, phone: str | None, context: dict, *, appeal_id: int | None = None) -> None:
    """Send the text of template `key` after commit, filled with `context` as it is now
    (the facts of this moment). It is rendered by the outbox job, never inside the change's
    transaction: a template an administrator broke fails that one job, visibly, and the
    change still succeeds. Landlines cannot receive SMS; callers without a number get none."""
    if phone is None or not is_mobile(phone):
        return
    outbox.add("sms.send", {"template": key, "appeal_id": appeal_id, "phone": phone, "context": context})


def message_text(payload: dict) -> str:
    """The message of an outbox row: rendered from its template and context (rows written
    before rendering moved to the job carry their text)."""
    if "text" in payload:
        return str(payload["text"])
    try:
        text = render(template_body(payload["template"]), payload["context"])
    except Exception as exc:  # any template failure: retrying cannot help
        raise outbox.PermanentFailure(f"短信模板「{payload['template']}」无法生成短信：{exc}") from exc
    return text[:MAX_LENGTH]


def send_job(outbox_id: int, payload: dict) -> None:
    if db.session.scalar(select(SmsMessage.id).where(SmsMessage.outbox_id == outbox_id)):
        with write_transaction(db.session):
            outbox.complete(outbox_id)  # sent by an earlier run that died before marking it
        return
    text = message_text(payload)
    sender = provider()
    ref = sender.send(f"hotline-{outbox_id}", payload["phone"], text)
    with write_transaction(db.session):
        db.session.execute(
            insert(SmsMessage).values(
                outbox_id=outbox_id,
                appeal_id=payload.get("appeal_id"),
                template=payload["template"],
                phone=payload["phone"],
                text=text,
                provider=sender.name,
                provider_ref=ref,
            )
        )
        outbox.complete(outbox_id)


# ------------------------------------------------------------------ administration

MANAGE_SMS = holding("admin", refusal="只有系统管理员可以查看短信记录和修改短信模板")


def list_templates(actor: Actor) -> list[MessageTemplate]:
    MANAGE_SMS.require(actor)
    return list(db.session.scalars(select(MessageTemplate).order_by(MessageTemplate.key)))


def preview(template: MessageTemplate) -> str:
    """The template filled with sample values, or why it cannot be."""
    try:
        return render(template.body, SAMPLE_CONTEXT)
    except Exception as exc:  # a template saved before validation: show why
        return f"（无法预览：{exc}）"


def sms_log(actor: Actor) -> Select[tuple[SmsMessage]]:
    """What was sent, newest first (phones are masked by whoever shows it)."""
    MANAGE_SMS.require(actor)
    return select(SmsMessage).order_by(SmsMessage.id.desc())


def update_template(key: str, body: str, actor: Actor) -> MessageTemplate:
    MANAGE_SMS.require(actor)
    body = (body or "").strip()
    if not body or len(body) > 1000:
        problem = "不能为空且不超过1000个字符"
        raise invalid("body", problem, "短信模板")
    # Every variable must exist and the syntax hold, and it must also work when a value is
    # missing (an anonymous caller has no name): a template that fails only later, for some
    # appeals, would fail their SMS.
    for context in (SAMPLE_CONTEXT, dict.fromkeys(SAMPLE_CONTEXT, ""), dict.fromkeys(SAMPLE_CONTEXT)):
        try:
            render(body, context)
        except Exception as exc:  # TemplateError, and TypeError and the like on an empty value
            empty = "某个变量为空时（如匿名来电没有姓名）无法生成短信"
            problem = str(exc) if context is SAMPLE_CONTEXT else f"{empty}（{exc}）"
            message = f"模板无法使用：{problem}（可用变量：{'、'.join(SAMPLE_CONTEXT)}）"
            raise invalid("body", message, "短信模板") from None
    with write_transaction(db.session):
        template = db.session.get(MessageTemplate, key)
        if template is None:
            raise NotFound("没有这个短信模板")
        audit.record(actor, "message_template", key, "update", {"before": template.body, "after": body})
        template.body, template.updated_by_id = body, actor.id
    return template


def reset_templates(actor: Actor) -> None:
    MANAGE_SMS.require(actor)
    with write_transaction(db.session):
        db.session.execute(delete(MessageTemplate))
        db.session.add_all(MessageTemplate(key=k, name=n, body=b) for k, (n, b) in TEMPLATES.items())
        audit.record(actor, "message_template", None, "reset", {})
