"""`ccstd convert`: vendor data → standard records (NDJSON), with rejects and a field ledger."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from ccstd.adapters.base import Adapter
from ccstd.adapters.ledger import Ledger
from ccstd.adapters.privacy import NO_KEY_HELP, Protector, PseudonymKeyError, load_key
from ccstd.adapters.registry import UnknownAdapterError, by_name, detect, installed
from ccstd.adapters.runner import (
    ConversionReport,
    Outputs,
    ReplayError,
    convert_paths,
    replay_rejects,
)
from ccstd.cli import text
from ccstd.cli.errors import fail
from ccstd.standard.reading import InputError, iter_paths
from ccstd.standard.registry import StandardRegistry

EPILOG = (
    "Exit codes: 0 = every item converted or skipped with a reason; 1 = some items were rejected "
    "(see --rejects); 2 = the command could not do its job (usage, unreadable input, no key)."
)
SOURCE_GLOBS = ("*.json", "*.ndjson", "*.jsonl", "*.xml", "*.json.gz", "*.ndjson.gz")

adapters_app = typer.Typer(help="Installed adapters (built-in and plugins).", no_args_is_help=True)


def convert(
    inputs: Annotated[
        list[Path] | None, typer.Argument(metavar="INPUT...", help="Source files or directories.")
    ] = None,
    source: Annotated[
        str, typer.Option("--from", help="Adapter name, or auto to detect it.")
    ] = "auto",
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Records of the standard (NDJSON).")
    ] = Path("converted.ndjson"),
    rejects: Annotated[
        Path | None, typer.Option("--rejects", help="Rejected items (replayable NDJSON).")
    ] = None,
    ledger: Annotated[
        Path | None, typer.Option("--ledger", help="Field coverage ledger (JSON).")
    ] = None,
    key_file: Annotated[
        Path | None,
        typer.Option("--key-file", help="Pseudonymisation key (else $CCSTD_PSEUDONYM_KEY)."),
    ] = None,
    raw_identifiers: Annotated[
        bool, typer.Option("--raw-identifiers", help="Emit direct identifiers unprotected.")
    ] = False,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Worker processes.")] = 1,
    replay: Annotated[
        Path | None,
        typer.Option("--replay", help="Convert again only the items of a rejects file."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary.")] = False,
) -> None:
    """Convert vendor data (FHIR R4, XML access logs, orders) into records of the standard."""
    key = _key(key_file, raw_identifiers)
    outputs = Outputs(out, rejects, ledger)
    if replay is not None:
        if inputs:
            fail("give either INPUT files or --replay REJECTS, not both")
        try:
            _finish(replay_rejects(replay, outputs, key), out, quiet)
        except ReplayError as exc:
            fail(str(exc))
    if not inputs:
        fail("give at least one INPUT, or --replay REJECTS")
    try:
        paths = [Path(p) for p in iter_paths([str(p) for p in inputs], SOURCE_GLOBS)]
    except InputError as exc:
        fail(str(exc))
    if not paths:
        fail("no input files found")
    adapter = _choose(source, paths)
    protector = Protector(StandardRegistry().get(adapter.standard_version), key)
    with text.progress_bar(Console(stderr=True), enabled=not quiet, unit="items read") as progress:
        coverage = Ledger(adapter.coverage())
        report = convert_paths(adapter, paths, outputs, protector, coverage, progress, jobs=jobs)
    _finish(report, out, quiet)


def _finish(report: ConversionReport, out: Path, quiet: bool) -> NoReturn:
    if not quiet:
        _print_summary(report, out)
    raise typer.Exit(1 if report.rejected else 0)


def _choose(source: str, paths: list[Path]) -> Adapter:
    try:
        if source != "auto":
            return by_name(source)
        chosen = {path: detect(path) for path in paths}
    except UnknownAdapterError as exc:
        fail(str(exc))
    names = {a.name for a in chosen.values()}
    if len(names) > 1:
        needed = ", ".join(sorted(names))
        fail(f"the inputs need different adapters ({needed}); convert them separately")
    return next(iter(chosen.values()))


def _key(key_file: Path | None, raw: bool) -> bytes | None:
    try:
        key = load_key(key_file)
    except PseudonymKeyError as exc:
        fail(str(exc))
    if key is None and not raw:
        fail(NO_KEY_HELP)
    return None if raw and key is None else key


def _print_summary(report: ConversionReport, out: Path) -> None:
    table = Table(title=f"ccstd convert --from {report.adapter} → {out}", show_header=True)
    table.add_column("items")
    table.add_column("count", justify="right")
    table.add_column("detail")
    table.add_row("read", f"{report.read:,}", "")
    table.add_row(
        "converted",
        f"{report.converted:,}",
        ", ".join(f"{t} {n}" for t, n in report.records_by_type.items()),
    )
    table.add_row(
        "skipped",
        f"{report.skipped:,}",
        ", ".join(f"{r} {n}" for r, n in report.skipped_by_reason.items()),
    )
    table.add_row(
        "rejected",
        f"{report.rejected:,}",
        ", ".join(f"{r} {n}" for r, n in report.rejected_by_reason.items()),
    )
    table.add_row(
        "unknown fields",
        f"{report.unknown_fields:,}",
        "field paths no mapping declares (see --ledger)",
    )
    table.add_row(
        "identifiers", "", ", ".join(f"{k} {n}" for k, n in report.protection.items()) or "none"
    )
    Console(stderr=True).print(table)


@adapters_app.command("list")
def list_adapters() -> None:
    """List installed adapters: name, version, formats, target standard version."""
    table = Table(title="Installed adapters (entry-point group ccstd.adapters)")
    for column in ("name", "version", "reads", "standard"):
        table.add_column(column)
    for name, adapter in installed().items():
        table.add_row(name, adapter.version, "; ".join(adapter.formats), adapter.standard_version)
    Console().print(table)
