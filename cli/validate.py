"""`ccstd validate`: check records against the standard and report findings."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer

from ccstd.cli import text
from ccstd.cli.errors import exit_codes, fail, write_output
from ccstd.cli.options import Dask, Jobs
from ccstd.standard.checker import CheckOptions
from ccstd.standard.files import PathCollisionError, refuse_collisions
from ccstd.standard.findings import Severity, printable
from ccstd.standard.reading import DEFAULT_INCLUDE, STDIN, InputError, InputFormat, iter_paths
from ccstd.standard.registry import StandardRegistry, UnknownVersionError
from ccstd.standard.reporting import REPORTERS, render_sarif
from ccstd.standard.results import (
    BASELINE_KEYINGS,
    EXIT_OK,
    Baseline,
    BaselineKey,
    BaselineKeying,
    ValidationResult,
    baseline_document,
    baseline_folder,
    exit_code,
    read_baseline,
)
from ccstd.standard.runner import RunOptions, validate_paths

EPILOG = exit_codes(
    "no finding at or above --fail-on, or --write-baseline wrote its baseline",
    "findings at or above --fail-on",
    "usage error, unreadable or empty input, unknown --standard or --type, unreadable baseline, "
    "an output that is an input or cannot be written",
)
BaselineKeyOption = enum.Enum("BaselineKeyOption", {k: k for k in BASELINE_KEYINGS})  # type: ignore[misc]
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
        typer.Option(
            "--write-baseline",
            help="Write this run's findings as a baseline, then exit 0 (paths in it are "
            "relative to its folder).",
        ),
    ] = None,
    baseline_key: Annotated[
        BaselineKeyOption | None,
        typer.Option(
            "--baseline-key",
            help="What a baseline finding is tied to: file (path, record, place; the default) or "
            "record (record type and id, rule, place: for date-stamped file names).",
        ),
    ] = None,
    jobs: Jobs = 1,
    dask: Dask = None,
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
    by: BaselineKeying | None = baseline_key.value if baseline_key else None
    if by and not (baseline or write_baseline):
        fail("--baseline-key applies to --baseline or --write-baseline; give one of them")
    known = _load_baseline(baseline, by)
    keyer = _baseline_keyer(write_baseline, by or _keying_of(known))
    run = RunOptions(
        include=include or DEFAULT_INCLUDE,
        exclude=exclude or (),
        input_format=input_format,
        jobs=jobs,
        max_findings=0 if write_baseline else max_findings,
        baseline=known,
        baseline_key=keyer,
    )
    check = CheckOptions(standard, entity_type, check_references)
    err = None if quiet else text.console(stderr=True)  # -q: rich is not even imported
    try:
        files = list(iter_paths(inputs, run.include, run.exclude))
        refuse_collisions(files, [("--output", output), ("--write-baseline", write_baseline)])
        if baseline is not None:  # a report over the baseline would lose what it knew;
            refuse_collisions([baseline], [("--output", output)])  # --write-baseline refreshes it
        with text.progress_bar(err, enabled=not quiet) as progress:
            if dask is None:
                result = validate_paths(inputs, check, run, registry, progress)
            else:
                from ccstd.standard.scale import validate_on_cluster  # only with --dask

                result = validate_on_cluster(dask, inputs, check, run, progress)
    except (InputError, PathCollisionError) as exc:
        fail(printable(str(exc)))
    if not result.records and not result.count(Severity.ERROR):
        fail(printable(f"{_names(files)}: no records to validate"))
    _emit(result, output_format.value, output)
    if write_baseline and keyer:
        write_output(write_baseline, baseline_document(result, keyer))
    if err is not None:
        err.print(text.summary_text(result))
    raise typer.Exit(EXIT_OK if write_baseline else exit_code(result, fail_on))


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


def _load_baseline(path: Path | None, by: BaselineKeying | None) -> frozenset[str] | Baseline:
    if path is None:
        return frozenset()
    try:
        return read_baseline(path, by)
    except ValueError as exc:
        fail(str(exc))


def _keying_of(known: frozenset[str] | Baseline) -> BaselineKeying | None:
    """How the baseline read keys findings, for a refresh of it to key them the same way."""
    return known.keyer.by if isinstance(known, Baseline) and known.keys else None


def _baseline_keyer(path: Path | None, by: BaselineKeying | None) -> BaselineKey | None:
    """Keys relative to the folder the baseline is written to."""
    if path is None:
        return None
    return BaselineKey(baseline_folder(path), by or "file")


def _emit(result: ValidationResult, output_format: str, output: Path | None) -> None:
    if output_format == "text":
        if output is None:
            if result.findings:  # nothing to print: no console (rich) needed
                text.print_findings(text.console(), result)
            return
        console = text.recording_console()
        text.print_findings(console, result)
        write_output(output, console.export_text().encode("utf-8"))
        return
    if output_format == "sarif":  # files named relative to here, read again for their lines
        data = render_sarif(result, Path.cwd())
    else:
        data = REPORTERS[output_format](result)
    if output is None:
        typer.echo(data.decode("utf-8"), nl=False)
    else:
        write_output(output, data)
