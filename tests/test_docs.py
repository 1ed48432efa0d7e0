"""The workflow document is generated from the machine and must not drift from it."""

from __future__ import annotations

from config import PROJECT_ROOT
from hotline.appeals.diagram import render_markdown
from hotline.appeals.machine import TRANSITIONS
from hotline.appeals.states import State


def test_docs_workflow_md_is_the_generated_one():
    committed = (PROJECT_ROOT / "docs" / "workflow.md").read_text(encoding="utf-8")
    assert committed == render_markdown(), "run `flask --app wsgi workflow-docs`"


def test_diagram_has_every_state_and_transition():
    text = render_markdown()
    assert all(f"as {state}" in text for state in State)
    for t in TRANSITIONS:
        assert f"{t.source} --> {t.dest} : {t.action} {t.action.label}" in text
