"""The workflow document is generated from the machine and must not drift from it."""
from __future__ import annotations

from config import PROJECT_ROOT
from hotline.workflow.diagram import render_markdown
from hotline.workflow.machine import ACTIONS, STATES, TRANSITIONS


def test_docs_workflow_md_is_the_generated_one():
    committed = (PROJECT_ROOT / "docs" / "workflow.md").read_text(encoding="utf-8")
    assert committed == render_markdown(), "run `flask --app wsgi workflow-docs`"


def test_diagram_has_every_state_and_transition():
    text = render_markdown()
    assert all(f"as {state}" in text for state in STATES)
    for t in TRANSITIONS:
        assert f"{t.source} --> {t.dest} : {t.action} {ACTIONS[t.action]}" in text
