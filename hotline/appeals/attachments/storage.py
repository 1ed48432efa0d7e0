"""Files under HOTLINE_UPLOAD_DIR (outside the web root), written atomically."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from flask import current_app

from hotline.core.clock import local_today


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
