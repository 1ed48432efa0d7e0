"""`flask --app wsgi grid …`: import and export the unit tree, grid polygons and the
responsibility list."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup

from hotline.grid import imports, rules

grid_cli = AppGroup("grid", help="The organisation tree, grid polygons and the 确责清单.")


def _fail(exc: imports.ImportRejected) -> None:
    click.echo(exc.message, err=True)
    for problem in exc.problems:
        click.echo(f"  - {problem}", err=True)
    raise SystemExit(1)


@grid_cli.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(files: tuple[Path, ...]) -> None:
    """Import units from a CSV (code,name,level,parent_code,kind,dept_type) and/or polygons
    from a GeoJSON FeatureCollection (properties code,name,level,parent_code). All or nothing."""
    try:
        sources = [
            imports.read_units_csv(p.read_text(encoding="utf-8"))
            if p.suffix.lower() == ".csv"
            else imports.read_geojson(p.read_text(encoding="utf-8"))
            for p in files
        ]
        summary = imports.import_units(imports.merge_sources(*sources))
    except imports.ImportRejected as exc:
        _fail(exc)
    click.echo(f"imported: {len(summary.created)} created, {len(summary.updated)} updated")


@grid_cli.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def export_command(file: Path) -> None:
    """Write the polygons as GeoJSON, or the unit tree as CSV (by the file's extension)."""
    if file.suffix.lower() == ".csv":
        file.write_text(imports.export_units_csv(), encoding="utf-8")
    else:
        file.write_text(json.dumps(imports.export_geojson(), ensure_ascii=False, indent=1), encoding="utf-8")
    click.echo(f"wrote {file}")


@grid_cli.command("rules-import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--append", is_flag=True, help="add to the list instead of replacing it")
def rules_import_command(file: Path, append: bool) -> None:
    """Load the responsibility list from CSV (category,area,target_kind,target_level,dept_type,priority,basis)."""
    try:
        count = rules.import_rules_csv(file.read_text(encoding="utf-8"), None, replace=not append)
    except imports.ImportRejected as exc:
        _fail(exc)
    click.echo(f"imported {count} rules")


@grid_cli.command("rules-export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def rules_export_command(file: Path) -> None:
    file.write_text(rules.export_rules_csv(None), encoding="utf-8")
    click.echo(f"wrote {file}")
