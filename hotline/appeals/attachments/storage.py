"""Files under HOTLINE_UPLOAD_DIR (outside the web root), written atomically."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from flask import Response, current_app, send_file

from hotline.appeals.attachments.models import Attachment
from hotline.core.clock import local_today
from hotline.core.errors import NotFound


def root() -> Path:
    return Path(current_app.config["HOTLINE_UPLOAD_DIR"])


def path_of(key: str) -> Path:
    path = (root() / key).resolve()
    if root().resolve() not in path.parents:
        raise ValueError(f"storage key outside the upload folder: {key}")
    return path


def save(data: bytes, extension: str) -> str:
    """Store and return the new file's key."""
    day = local_today()
    key = f"{day:%Y/%m}/{uuid.uuid4().hex}.{extension}"
    path = path_of(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".part")
    temporary.write_bytes(data)
    os.replace(temporary, path)
    return key


def read(key: str) -> bytes:
    return path_of(key).read_bytes()


def remove(key: str) -> None:
    path_of(key).unlink(missing_ok=True)


def send(attachment: Attachment, thumbnail: bool = False) -> Response:
    """The photo (or its thumbnail) as a response no cache keeps: only those allowed to
    see it asked for it."""
    key = attachment.thumbnail_key if thumbnail else attachment.storage_key
    if key is None:
        raise NotFound("缩略图尚未生成")
    response = send_file(path_of(key), mimetype="image/jpeg" if thumbnail else attachment.content_type, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
