"""`ccstd validate`: check records against the standard and report findings."""

from __future__ import annotations

import enum
import io
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ccstd.cli import text
from ccstd.cli.errors import EXIT_CODES_HELP, fail, write_output
from ccstd.standard.checker import CheckOptions
from ccstd.standard.files import PathCollisionError, refuse_collisions
from ccstd.standard.findings import Severity, printable
from ccstd.standard.reading import DEFAULT_INCLUDE, STDIN, InputError, InputFormat, iter_paths
from ccstd.standard.registry import StandardRegistry, UnknownVersionError
from ccstd.standard.reporting import REPORTERS
from ccstd.standard.results import ValidationResult, baseline_document, exit_code, load_baseline
from ccstd.standard.runner import RunOptions, validate_paths
from ccstd.standard.scale import validate_on_cluster

EPILOG = EXIT_CODES_HELP
OutputFormat = enum.Enum("OutputFormat", {name: name for name in ["text", *REPORTERS]})  # type: ignore[misc]


def validate(
    inputs: Annotated[
        list[str] | None,
        typer.Argument(metavar="INPUT...", help="Files, directories (recursive) or - for stdin."),
    ] = None,
    standard: Annotated[
        str | None,
        typer.Option(
            "--standard", metavar="VERSION", help="Validate every record against this version."
        ),
    ] = None,
    entity_type: Annotated[
        str | None,
        typer.Option("--type", metavar="TYPE", help="Treat every record as this entity type."),
    ] = None,
    check_references: Annotated[
        bool,
        typer.Option(
            "--check-references", help="Every typed reference must resolve within the inputs."
        ),
    ] = False,
    include: Annotated[
        list[str] | None,
        typer.Option("--include", metavar="GLOB", help="In directories, read files matching GLOB."),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option("--exclude", metavar="GLOB", help="Skip files matching GLOB."),
    ] = None,
    input_format: Annotated[
        InputFormat,
        typer.Option("--input-format", help="auto decides per file (.ndjson/.jsonl are NDJSON)."),
    ] = "auto",
    output_format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Report format.")
    ] = (OutputFormat["text"]),
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report to FILE, atomically.")
    ] = None,
    fail_on: Annotated[
        Severity, typer.Option("--fail-on", help="Exit 1 on a finding at or above this severity.")
    ] = Severity.ERROR,
    max_findings: Annotated[
        int, typer.Option("--max-findings", min=0, help="List at most N findings (0 = all).")
    ] = 1000,
    baseline: Annotated[
        Path | None,
        typer.Option("--baseline", help="Known findings to ignore (baseline or report)."),
    ] = None,
    write_baseline: Annotated[
        Path | None,
        typer.Option("--write-baseline", help="Write this run's findings as a baseline."),
    ] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Worker processes.")] = 1,
    dask: Annotated[
        str | None,
        typer.Option(
            "--dask", metavar="SCHEDULER", help="Run on Dask: local, local:N or tcp://host:8786."
        ),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar, no summary.")
    ] = False,
) -> None:
    """Validate records against the Community Common Standard."""
    if not inputs:
        fail("give at least one INPUT: a file, a directory, or - for stdin")
    if dask is not None and jobs > 1:
        fail("--dask runs on a cluster's workers: give --jobs or --dask, not both")
    registry = StandardRegistry()
    _check_choices(registry, standard, entity_type)
    known = _load_baseline(baseline)
    run = RunOptions(
        include=include or DEFAULT_INCLUDE,
        exclude=exclude or (),
        input_format=input_format,
        jobs=jobs,
        max_findings=0 if write_baseline else max_findings,
        baseline=known,
    )
    check = CheckOptions(standard, entity_type, check_references)
    err = Console(stderr=True, highlight=False)
    try:
        files = list(iter_paths(inputs, run.include, run.exclude))
        refuse_collisions(files, [("--output", output), ("--write-baseline", write_baseline)])
        with text.progress_bar(err, enabled=not quiet) as progress:
            if dask is None:
                result = validate_paths(inputs, check, run, registry, progress)
            else:
                result = validate_on_cluster(dask, inputs, check, run, progress)
    except (InputError, PathCollisionError) as exc:
        fail(printable(str(exc)))
    if not result.records and not result.count(Severity.ERROR):
        fail(printable(f"{_names(files)}: no records to validate"))
    _emit(result, output_format.value, output)
    if write_baseline:
        write_output(write_baseline, baseline_document(result))
    if not quiet:
        err.print(text.summary_text(result))
    raise typer.Exit(exit_code(result, fail_on))


def _names(files: list[str], shown: int = 3) -> str:
    names = ["<stdin>" if f == STDIN else f for f in files[:shown]]
    more = f" and {len(files) - shown} more" if len(files) > shown else ""
    return ", ".join(names) + more


def _check_choices(
    registry: StandardRegistry, standard: str | None, entity_type: str | None
) -> None:
    version = standard or registry.latest()
    try:
        entities = registry.get(version).entities
    except UnknownVersionError as exc:
        fail(str(exc))
    if entity_type is not None and entity_type not in entities:
        fail(f"--type {entity_type}: not an entity of standard {version} ({', '.join(entities)})")


def _load_baseline(path: Path | None) -> frozenset[str]:
    if path is None:
        return frozenset()
    try:
        return load_baseline(path)
    except ValueError as exc:
        fail(str(exc))


def _emit(result: ValidationResult, output_format: str, output: Path | None) -> None:
    if output_format == "text":
        if output is None:
            text.print_findings(Console(highlight=False), result)
            return
        console = Console(record=True, file=io.StringIO(), width=200)
        text.print_findings(console, result)
        write_output(output, console.export_text().encode("utf-8"))
        return
    data = REPORTERS[output_format](result)
    if output is None:
        typer.echo(data.decode("utf-8"), nl=False)
    else:
        write_output(output, data)
