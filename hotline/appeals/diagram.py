"""docs/workflow.md, generated from the machine's data (`flask --app wsgi workflow-docs`)."""

from __future__ import annotations

from hotline.appeals.machine import TRANSITIONS
from hotline.appeals.states import FINAL_STATES, INITIAL_STATE, NON_TRANSITION_EVENTS, State


def render_mermaid() -> str:
    lines = ["stateDiagram-v2"]
    lines += [f'    state "{s.label} {s}" as {s}' for s in State]
    lines.append(f"    [*] --> {INITIAL_STATE} : create 受理")
    seen = set()
    for t in TRANSITIONS:
        key = (t.source, t.dest, t.action)
        if key not in seen:
            seen.add(key)
            lines.append(f"    {t.source} --> {t.dest} : {t.action} {t.action.label}")
    lines += [f"    {s} --> [*]" for s in State if s in FINAL_STATES]
    return "\n".join(lines)


def render_table() -> str:
    rows = [
        "| action | 中文 | from | to | who may (403 otherwise) | rules (409 otherwise) | taken when |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for t in TRANSITIONS:
        by_kind = {
            kind: "; ".join(g.label for g in t.guards if g.kind == kind) or "—" for kind in ("role", "rule", "branch")
        }
        rows.append(
            f"| `{t.action}` | {t.action.label} | `{t.source}` | `{t.dest}` | "
            f"{by_kind['role']} | {by_kind['rule']} | {by_kind['branch']} |"
        )
    return "\n".join(rows)


def render_markdown() -> str:
    states = "\n".join(f"| `{s}` | {s.label} |" for s in State)
    system = "\n".join(f"| `{name}` | {cn} |" for name, cn in NON_TRANSITION_EVENTS.items())
    return f"""# Appeal workflow

Generated from `hotline/appeals/machine.py` (the transitions; guards in `guards.py`, what
each action does in `actions/`) by `flask --app wsgi workflow-docs`; do not edit by hand
(a test fails when this file and the machine disagree).

```mermaid
{render_mermaid()}
```

## States

| state | 中文 |
| --- | --- |
{states}

## Transitions

Where an action has several rows from one state, the first whose conditions hold is taken.
An action not listed for the current state answers 409 with the state and the actions
allowed now.

{render_table()}

## Other events

Events that are not transitions: `create` opens the appeal in `accepted`, the others leave
the state as it is. The escalation sweep also opens and raises 督办 cards with the machine's
own `supervise` transition.

| event | 中文 |
| --- | --- |
{system}
"""
