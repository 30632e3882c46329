"""`ccstd schemas`: browse the entities, fields and code lists of each standard version."""

from __future__ import annotations

from typing import Annotated

import orjson
import typer
from rich.table import Table

from ccstd.cli import text
from ccstd.cli.errors import exit_codes, fail
from ccstd.cli.groups import CommandGroup
from ccstd.standard.fields import entity_fields
from ccstd.standard.registry import (
    StandardRegistry,
    StandardVersion,
    UnknownEntityError,
    UnknownVersionError,
)

_VersionOption = Annotated[
    str | None, typer.Option("--version", "-V", help="Standard version (default: latest).")
]
app = typer.Typer(
    cls=CommandGroup,
    help="Browse the standard: versions, entities, fields, code lists.",
    epilog=exit_codes(
        "the entities, or an entity's fields, were shown",
        None,
        "usage error, no or unknown command, unknown --version or TYPE",
    ),
    no_args_is_help=True,
)


def _version(registry: StandardRegistry, version: str | None) -> StandardVersion:
    try:
        return registry.get(version or registry.latest())
    except UnknownVersionError as exc:
        fail(str(exc))


LIST_EPILOG = exit_codes("the entities were listed", None, "usage error, unknown --version")
SHOW_EPILOG = exit_codes(
    "the fields (or the schema) were shown", None, "usage error, unknown --version or TYPE"
)


@app.command("list", epilog=LIST_EPILOG)
def list_entities(
    version: str | None = typer.Option(
        None, "--version", "-V", help="Standard version (default: latest)."
    ),
) -> None:
    """List the entities of a version, with their titles and schema ids."""
    registry = StandardRegistry()
    standard = _version(registry, version)
    installed = ", ".join(registry.versions())
    table = Table(title=f"Community Common Standard {standard.version}  (installed: {installed})")
    for column in ("entity", "title", "中文", "$id"):
        table.add_column(column)
    for entity in standard.entities:
        schema = standard.entity_schema(entity)
        table.add_row(entity, schema["title"], schema["x-ccstd-title-zh"], schema["$id"])
    text.console().print(table)


@app.command("show", epilog=SHOW_EPILOG)
def show(
    entity: str = typer.Argument(..., metavar="TYPE", help="Entity type, e.g. Resident."),
    version: str | None = typer.Option(
        None, "--version", "-V", help="Standard version (default: latest)."
    ),
    raw: bool = typer.Option(False, "--json", help="Print the schema document itself."),
) -> None:
    """Show an entity's fields (path, required, titles, format or code list, sensitivity), or
    its schema."""
    standard = _version(StandardRegistry(), version)
    try:
        schema = standard.entity_schema(entity)
    except UnknownEntityError as exc:
        fail(f"{exc} ({', '.join(standard.entities)})")
    if raw:
        typer.echo(orjson.dumps(schema, option=orjson.OPT_INDENT_2).decode("utf-8"))
        return
    table = Table(title=f"{entity} ({schema['x-ccstd-title-zh']}) — standard {standard.version}")
    kinds = "format / code list / reference"
    for column in ("field", "required", "title", "中文", kinds, "sensitivity"):
        table.add_column(column)
    for field in entity_fields(standard, entity):
        kind = (
            field.format
            or field.code_list
            or (f"→ {field.reference_type}" if field.reference_type else "")
        )
        table.add_row(
            field.dotted,
            field.required or "",
            field.title or "",
            field.title_zh or "",
            kind,
            field.sensitivity or "public",
        )
    text.console().print(table)
