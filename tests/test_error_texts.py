"""Error texts (issue 15): every field an input can be refused for is named in Chinese, by
its label, never by its API name, a regex or pydantic's English."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from hotline.core.validation import Body, field_label, validate

CJK = re.compile(r"[\u4e00-\u9fff]")
ROOT = Path(__file__).resolve().parent.parent / "hotline"


def _bodies(cls: type[BaseModel]) -> set[type[BaseModel]]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_bodies(sub)}
    return found


def test_every_input_field_has_a_chinese_label(app):
    """Each field of each input model (bodies and queries of the API and the pages)."""
    bodies = {b for b in _bodies(Body) if b.__module__.startswith("hotline.")}
    assert len(bodies) > 60  # the app's models were imported
    unnamed = [
        f"{b.__module__}.{b.__name__}.{name}"
        for b in bodies
        for name in b.model_fields
        if not CJK.search(field_label(b, name))
    ]
    assert unnamed == [], "\n".join(sorted(unnamed))


def test_no_message_spells_out_a_field_name():
    """Hand-written refusals go through `invalid`, which names the field by its label."""
    spelled = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in ROOT.rglob("*.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"有误：[a-z_]+：", line)
    ]
    assert spelled == []


def test_a_refusal_names_choices_and_fields_in_chinese(app):
    from hotline.core.errors import BadRequest
    from hotline.grid.maps import AreasQuery

    try:
        validate(AreasQuery, {"level": "city", "bbox": "east"}, "地图参数")
    except BadRequest as exc:
        message = exc.message
    assert message.startswith("地图参数有误：") and "地图视窗：格式不正确" in message
    assert "district、street、community、grid" in message and " or " not in message and "'" not in message
