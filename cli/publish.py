"""Publishing the standard: `ccstd diff`, `ccstd release`, `ccstd codegen`, `ccstd docs`."""

from __future__ import annotations

import enum
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Annotated, NoReturn

import orjson
import typer
from rich.console import Console
from rich.table import Table

from ccstd.cli import text
from ccstd.cli.errors import exit_codes, fail, write_output
from ccstd.conformance.releasing import Layout, RuleSetGapsError, reference, release_all
from ccstd.standard.files import PathCollisionError, refuse_collisions
from ccstd.standard.findings import printable
from ccstd.standard.publishing import drafting, releases
from ccstd.standard.publishing.codegen import LANGUAGES, python_models
from ccstd.standard.publishing.compat import DiffReport, diff
from ccstd.standard.publishing.compatreport import changelog, downgrade_note, report_json
from ccstd.standard.publishing.impact import Impact, impact
from ccstd.standard.publishing.release import (
    ConventionGapsError,
    DishonestVersionError,
    ReleaseError,
    check_version,
)
from ccstd.standard.reading import InputError, iter_paths
from ccstd.standard.registry import StandardRegistry, StandardVersion, UnknownVersionError
from ccstd.standard.results import EXIT_FINDINGS, EXIT_OK


class DiffFormat(enum.Enum):
    """Output formats of `ccstd diff`."""

    text = "text"
    json = "json"
    markdown = "markdown"


def _version(spec: str, registry: StandardRegistry) -> StandardVersion:
    """An installed version (`1.0.0`, `draft`) or a folder of schemas named after its version."""
    folder = Path(spec)
    try:
        if folder.is_dir():
            return StandardRegistry(folder.resolve().parent).get(folder.resolve().name)
        return registry.get(spec if spec == "draft" else _number(spec))
    except UnknownVersionError as exc:
        fail(str(exc))


def _number(version: str) -> str:
    """A release number matched whole (`1.2.0`, never `1.2.0\\n`), else a one-line error."""
    try:
        return check_version(version)
    except ReleaseError as exc:
        fail(str(exc))


DIFF_EPILOG = exit_codes(
    "NEW's number is a big enough bump for its changes (with --against: the impact was listed)",
    "NEW's number is too small a bump for its changes",
    "usage error, unknown version or folder, unreadable --against records, an output that cannot "
    "be written",
)
RELEASE_EPILOG = exit_codes(
    "released, artifacts rebuilt, or a new draft started",
    "VERSION is too small a bump for the draft's changes",
    "usage error, convention or rule-set gaps (listed), a draft that exists, an output that "
    "cannot be written",
)
CODEGEN_EPILOG = exit_codes(
    "the models were written",
    None,
    "usage error, unknown version, an output that cannot be written",
)
DOCS_EPILOG = exit_codes(
    "the reference (and the site) was written",
    None,
    "a page that cannot be written, a site build that fails (strict: a broken link)",
)


def diff_command(
    old: Annotated[str, typer.Argument(help="The earlier version, or a folder of its schemas.")],
    new: Annotated[str, typer.Argument(help="The later version (`draft` too), or a folder.")],
    number: Annotated[
        str | None,
        typer.Option("--version", help="The number NEW will be released as (for `draft`)."),
    ] = None,
    output_format: Annotated[DiffFormat, typer.Option("--format", "-f")] = DiffFormat.text,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to FILE.")] = None,
    against: Annotated[
        list[str] | None,
        typer.Option(
            "--against",
            help="Record files or folders: count the records valid under OLD that NEW refuses "
            "(by change, with example locations); exit 0.",
        ),
    ] = None,
) -> None:
    """Compare two versions entity by entity; exit 1 if NEW's number is too small a bump."""
    registry = StandardRegistry()
    before, after = _version(old, registry), _version(new, registry)
    if number is not None:
        _number(number)
    if against:
        _impact_command(before, after, against, output_format, output)
    try:
        report = diff(before, after, number)
    except ValueError as exc:
        fail(str(exc))
    if output_format is DiffFormat.text and output is None:
        _print_diff(report, text.console())
    else:
        data = _diff_bytes(report, output_format)
        if output is None:
            typer.echo(data.decode("utf-8"), nl=False)
        else:
            write_output(output, data)
    raise typer.Exit(EXIT_OK if report.honest else EXIT_FINDINGS)


def _impact_command(
    before: StandardVersion,
    after: StandardVersion,
    inputs: list[str],
    output_format: DiffFormat,
    output: Path | None,
) -> NoReturn:
    """`ccstd diff OLD NEW --against FOLDER`: the release's impact on the records there."""
    if output_format is DiffFormat.markdown:
        fail("--against writes text or json (--format text|json)")
    if output is not None:
        try:
            refuse_collisions(list(iter_paths(inputs)), [("--output", output)])
        except (InputError, PathCollisionError) as exc:
            fail(str(exc))
    try:
        found = impact(before, after, inputs)
    except InputError as exc:
        fail(str(exc))
    if output_format is DiffFormat.json:
        data = orjson.dumps(found.as_json(), option=orjson.OPT_INDENT_2) + b"\n"
    else:
        console = text.recording_console()
        _print_impact(found, console)
        data = console.export_text().encode("utf-8")
    if output is None:
        typer.echo(data.decode("utf-8"), nl=False)
    else:
        write_output(output, data)
    raise typer.Exit(EXIT_OK)


def _print_impact(found: Impact, console: Console) -> None:
    files = Table(title=f"records valid under {found.old} that {found.new} refuses")
    for column in ("file", "records", "unreadable", f"valid under {found.old}", "refused"):
        files.add_column(column, justify="left" if column == "file" else "right")
    for row in found.files:
        files.add_row(
            printable(row.file), str(row.records), str(row.unreadable),
            str(row.valid_under_old), str(row.broken),
        )  # fmt: skip
    console.print(files)
    changes = Table(title="by change")
    for column in ("entity", "path", "finding", "records", "examples"):
        changes.add_column(column)
    for change in found.ranked():
        changes.add_row(
            change.entity, change.path, change.code, str(change.records),
            ", ".join(printable(e) for e in change.examples),
        )  # fmt: skip
    console.print(changes)
    console.print(
        f"{found.total('broken')} of {found.total('valid_under_old')} records valid under "
        f"{found.old} would stop validating under {found.new} "
        f"({found.total('records')} read, {found.total('unreadable')} unreadable)"
    )


def _diff_bytes(report: DiffReport, output_format: DiffFormat) -> bytes:
    if output_format is DiffFormat.json:
        return orjson.dumps(report_json(report), option=orjson.OPT_INDENT_2) + b"\n"
    if output_format is DiffFormat.markdown:
        return changelog(report).encode("utf-8")
    console = text.recording_console()
    _print_diff(report, console)
    return console.export_text().encode("utf-8")


def _print_diff(report: DiffReport, console: Console) -> None:
    if report.downgrade:
        console.print(f"verdict: [bold]downgrade[/]. {downgrade_note(report)}")
        return
    table = Table(title=f"ccstd diff {report.old} → {report.new}")
    for column in ("where", "change", "breaks", "bump", "example"):
        table.add_column(column)
    for change in report.changes:
        rule = change.rule
        breaks = [who for who, how in (("producers", rule.producers), ("consumers", rule.consumers))
                  if how == "breaking"]  # fmt: skip
        shown = ""
        if change.example is not None:
            shown = (
                "valid under OLD only" if change.example.valid_under_old else "valid under NEW only"
            )
        planned = " (planned)" if change.planned else ""
        where = f"{change.entity}.{change.path}" if change.path else change.entity
        table.add_row(
            where, f"{rule.title}{planned}: {change.detail}", ", ".join(breaks) or "-",
            rule.bump.label, shown,
        )  # fmt: skip
    console.print(table)
    verdict = f"changes need a [bold]{report.required.label}[/] bump"
    if report.chosen is not None:
        colour = "green" if report.honest else "red"
        verdict += f"; {report.new_number} is a [{colour}]{report.chosen.label}[/] bump"
    else:
        verdict += f"; next version: {report.suggested()}"
    console.print(verdict)


def release_command(
    version: Annotated[
        str | None, typer.Argument(help="The version to release the draft as.")
    ] = None,
    new_draft: Annotated[
        bool, typer.Option("--new-draft", help="Start a draft from the latest release instead.")
    ] = False,
    dist: Annotated[Path, typer.Option("--dist", help="Where artifacts go.")] = Path("dist"),
    root: Annotated[
        Path, typer.Option("--root", help="The standard's folder (schemas/, examples/, lock).")
    ] = releases.PACKAGE_ROOT,
) -> None:
    """Release the draft as VERSION (or rebuild a release's artifacts), or start a new draft."""
    if new_draft:
        latest = StandardRegistry(root / "schemas").latest()
        try:
            drafting.start_draft(root, latest)
        except drafting.DraftError as exc:
            fail(str(exc))
        typer.echo(f"started {root / 'schemas' / 'draft'} from {latest}")
        raise typer.Exit(EXIT_OK)
    if version is None:
        fail("give the VERSION to release, or --new-draft")
    try:
        outcome = release_all(version, Layout(root), dist)
    except DishonestVersionError as exc:
        typer.echo(f"ccstd: {exc}", err=True)
        raise typer.Exit(EXIT_FINDINGS) from None
    except ConventionGapsError as exc:
        _list_and_fail(exc, [str(gap) for gap in exc.gaps])
    except RuleSetGapsError as exc:
        _list_and_fail(exc, exc.problems)
    except (ReleaseError, OSError) as exc:
        fail(str(exc))
    made = outcome.release
    what = "released" if made.promoted else "rebuilt the artifacts of"
    bump = f" ({made.report.required.label} changes since {made.previous})" if made.report else ""
    typer.echo(f"{what} {made.version}{bump}: {len(made.files)} files in {made.artifacts}")
    for path in outcome.written:
        typer.echo(f"wrote {path}")


def _list_and_fail(exc: ReleaseError, items: list[str]) -> NoReturn:
    """Every item of a refusal on its own line on stderr, then the one-line error (exit 2)."""
    for item in items:
        typer.echo(f"  {printable(item)}", err=True)
    fail(str(exc))


Language = enum.Enum("Language", {name: name for name in LANGUAGES})  # type: ignore[misc]


def codegen_command(
    version: Annotated[str, typer.Option("--version", help="Standard version (or `draft`).")],
    out: Annotated[Path, typer.Option("--out", help="The module to write.")],
    lang: Annotated[Language, typer.Option("--lang")] = Language["python"],
) -> None:
    """Generate typed models (pydantic v2) of a version with datamodel-code-generator."""
    standard = _version(version, StandardRegistry())
    write_output(out, python_models(standard).encode("utf-8"))
    typer.echo(f"wrote {out}: models of standard {standard.version}")


def docs_command(
    out: Annotated[Path, typer.Option("--out", help="Folder for the Markdown reference.")] = Path(
        "docs/reference"
    ),
    site: Annotated[
        Path | None,
        typer.Option("--site", help="Also build a static HTML site here (mkdocs-material)."),
    ] = None,
) -> None:
    """Generate the standard's reference (every version) as Markdown, and optionally a site."""
    pages = reference(StandardRegistry())
    for page, content in sorted(pages.items()):
        target = out / page
        target.parent.mkdir(parents=True, exist_ok=True)
        write_output(target, content.encode("utf-8"))
    typer.echo(f"wrote {len(pages)} pages to {out}")
    if site is not None:
        _build_site(out, site)


def _build_site(docs: Path, site: Path) -> None:
    """mkdocs-material over the generated pages, strict: a broken link fails the build."""
    config = (
        "site_name: Community Common Standard\n"
        f"docs_dir: {docs.resolve()}\n"
        f"site_dir: {site.resolve()}\n"
        "theme:\n  name: material\n"
        "markdown_extensions:\n  - tables\n"
    )
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as handle:
        handle.write(config)
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-f", handle.name],
        capture_output=True,
        text=True,
        check=False,
    )
    Path(handle.name).unlink()
    if built.returncode != 0:
        last = (
            built.stderr.strip().splitlines()
            or ["mkdocs is not installed (pip install mkdocs-material)"]
        )[-1]
        fail(f"site build failed: {last}")
    typer.echo(f"built the site in {site}")
