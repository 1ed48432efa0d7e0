"""Commands of the appeals feature: one escalation sweep now, and the workflow document."""

from __future__ import annotations

import click

from config import PROJECT_ROOT
from hotline.appeals.diagram import render_markdown
from hotline.appeals.escalation import sweep


@click.command("sweep")
def sweep_command() -> None:
    """Run the escalation sweep once, now."""
    click.echo(sweep())


@click.command("workflow-docs")
@click.option("--check", is_flag=True, help="fail if docs/workflow.md is out of date")
def workflow_docs_command(check: bool) -> None:
    """Write docs/workflow.md (state diagram and action table) from the state machine."""
    target = PROJECT_ROOT / "docs" / "workflow.md"
    text = render_markdown()
    if check:
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            raise click.ClickException("docs/workflow.md is out of date: run `flask --app wsgi workflow-docs`")
        click.echo("docs/workflow.md is up to date")
        return
    target.write_text(text, encoding="utf-8")
    click.echo(f"wrote {target}")


COMMANDS = (sweep_command, workflow_docs_command)
