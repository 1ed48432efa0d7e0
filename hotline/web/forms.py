"""Reading a submitted page form into what an operation validates."""

from __future__ import annotations

import re
import typing
from datetime import datetime

from flask import request
from pydantic import BaseModel

from hotline.core.clock import local_zone


def form_data(model: type[BaseModel]) -> dict[str, typing.Any]:
    """The submitted form's values for the model's fields; empty inputs are left out."""
    data: dict[str, typing.Any] = {}
    for name, field in model.model_fields.items():
        if typing.get_origin(field.annotation) is list:
            values = [v for v in request.form.getlist(name) if v.strip()]
            if values:
                data[name] = values
        else:
            # the first filled input of that name (a typed value and a set of choices may share one)
            value = next((v for v in request.form.getlist(name) if v.strip()), None)
            if value is not None:
                data[name] = value
    return data


def local_moment(value: str) -> str:
    """A datetime-local input's value ("2026-11-24T09:30", no zone) as that moment in the
    centre's time zone; anything else as it came (validation says what is wrong)."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?", value.strip()):
        try:
            return datetime.fromisoformat(value.strip()).replace(tzinfo=local_zone()).isoformat()
        except ValueError:
            return value
    return value


def query_args() -> dict[str, str]:
    """The query string's filled values (a filter left empty is no filter)."""
    return {k: v for k, v in request.args.items() if v.strip()}


def filled(*names: str) -> dict[str, str]:
    """These fields of the submitted form, stripped, leaving out the empty ones."""
    return {n: request.form[n].strip() for n in names if request.form.get(n, "").strip()}
