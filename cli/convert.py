"""`ccstd convert`: vendor data → standard records (NDJSON), with rejects and a field ledger."""

from __future__ import annotations

import os
import re
import stat
import zoneinfo
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, NoReturn

import phonenumbers
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ccstd.adapters.base import Adapter, ConvertOptions
from ccstd.adapters.dialect_files import DataFileError
from ccstd.adapters.ledger import Ledger
from ccstd.adapters.outputs import OutputError
from ccstd.adapters.privacy import (
    NO_KEY_HELP,
    Protector,
    PseudonymKeyError,
    key_file_warning,
    load_key,
)
from ccstd.adapters.registry import (
    UnknownAdapterError,
    by_name,
    catalogue,
    detect,
    file_adapter,
    skipped,
)
from ccstd.adapters.runner import (
    ConversionReport,
    ConversionTimeError,
    EmptyInputError,
    InputReadError,
    Outputs,
    ReplayError,
    conversion_time,
    convert_paths,
    replay_rejects,
    written_before,
)
from ccstd.adapters.scale import DaskEngine
from ccstd.cli import text
from ccstd.cli.errors import exit_codes, fail
from ccstd.cli.groups import CommandGroup
from ccstd.cli.options import Dask, Jobs
from ccstd.standard.files import PathCollisionError, refuse_collisions
from ccstd.standard.findings import printable
from ccstd.standard.reading import InputError, iter_paths
from ccstd.standard.registry import StandardRegistry

EPILOG = (
    "Exit codes: 0 = every item converted or skipped with a reason; 1 = some items were rejected "
    "(see --rejects); 2 = the command could not do its job (usage, unreadable or empty input, "
    "an output that cannot be written, no key or a weak one)."
)
_stderr = Console(stderr=True, highlight=False, soft_wrap=True)
_PLAIN_GLOBS = ("*.json", "*.ndjson", "*.jsonl", "*.xml")
SOURCE_GLOBS = (*_PLAIN_GLOBS, *(f"{glob}.gz" for glob in _PLAIN_GLOBS))  # compression.py: gzip

adapters_app = typer.Typer(
    cls=CommandGroup,
    help="Installed adapters (built-in and plugins).",
    epilog=exit_codes(
        "the adapters were listed, or the dialect file is valid",
        None,
        "usage error, no or unknown command, an unreadable dialect file or its first problem",
    ),
    no_args_is_help=True,
)


def convert(
    inputs: Annotated[
        list[Path] | None, typer.Argument(metavar="INPUT...", help="Source files or directories.")
    ] = None,
    source: Annotated[
        str, typer.Option("--from", help="Adapter name, or auto to detect it.")
    ] = "auto",
    dialects: Annotated[
        list[Path] | None,
        typer.Option(
            "--dialect",
            metavar="FILE",
            help="A dialect file to convert with: an access-control XML dialect or an order "
            "platform (TOML, docs/dialects.md). One only.",
        ),
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Records of the standard (NDJSON).")
    ] = Path("converted.ndjson"),
    rejects: Annotated[
        Path | None, typer.Option("--rejects", help="Rejected items (replayable NDJSON).")
    ] = None,
    ledger: Annotated[
        Path | None, typer.Option("--ledger", help="Field coverage ledger (JSON).")
    ] = None,
    rejects_redacted: Annotated[
        Path | None,
        typer.Option(
            "--rejects-redacted",
            help="Rejected items without personal values (shareable; cannot be replayed).",
        ),
    ] = None,
    key_file: Annotated[
        Path | None,
        typer.Option("--key-file", help="Pseudonymisation key (else $CCSTD_PSEUDONYM_KEY)."),
    ] = None,
    raw_identifiers: Annotated[
        bool, typer.Option("--raw-identifiers", help="Emit direct identifiers unprotected.")
    ] = False,
    jobs: Jobs = 1,
    dask: Dask = None,
    replay: Annotated[
        Path | None,
        typer.Option("--replay", help="Convert again only the items of a rejects file."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary.")] = False,
    source_label: Annotated[
        str | None,
        typer.Option(
            "--source-label",
            help="A label recorded with each source's digest in provenance (never its name).",
        ),
    ] = None,
    generalise: Annotated[
        list[str] | None,
        typer.Option(
            "--generalise", help="Coarsen a personal field: birthDate=year.", metavar="FIELD=LEVEL"
        ),
    ] = None,
    default_region: Annotated[
        str,
        typer.Option(
            "--default-region",
            help="Country (ISO 3166 alpha-2) of phone numbers given without one, where the "
            "source names no country.",
        ),
    ] = "CN",
    timezone: Annotated[
        str | None,
        typer.Option(
            "--timezone",
            metavar="ZONE",
            help="IANA time zone (e.g. Asia/Shanghai) of FHIR times given without a UTC offset; "
            "recorded in meta.assumedTimeZone. Without it such times are rejected. (XML dialects "
            "and order platforms name their zone in their file.)",
        ),
    ] = None,
) -> None:
    """Convert vendor data (FHIR R4, XML access logs, orders) into records of the standard."""
    key = _key(key_file, raw_identifiers)
    converted_at = _converted_at()
    options = _options(generalise or [], default_region, timezone)
    label = _label(source_label)
    outputs = Outputs(out, rejects, ledger, rejects_redacted)
    if dialects and len(dialects) > 1:  # a repeated option must not silently keep the last
        fail(f"--dialect given {len(dialects)} times: give one dialect file")
    dialect = dialects[0] if dialects else None
    if source != "auto" and dialect is not None:
        fail("give either --from NAME or --dialect FILE, not both")
    chosen = _dialect(dialect) if dialect is not None else None
    if dask is not None and (replay is not None or jobs > 1):
        fail("--dask converts INPUT files on a cluster: give neither --replay nor --jobs with it")
    if replay is not None:
        if inputs:
            fail("give either INPUT files or --replay REJECTS, not both")
        rejects_file = replay
        extra = [*([key_file] if key_file else []), *([dialect] if dialect else [])]
        _check_outputs([rejects_file, *extra], outputs)
        other = chosen or (_named(source) if source != "auto" else None)
        _warn_skipped()
        _warn_replay(rejects_file, other)
        _finish(
            _guarded(lambda: replay_rejects(rejects_file, outputs, key, other, options=options)),
            outputs,
            quiet,
        )
    if not inputs:
        fail("give at least one INPUT, or --replay REJECTS")
    paths = _input_files(inputs)
    _check_outputs([*paths, *([key_file] if key_file else []), *([dialect] if dialect else [])],
                   outputs)  # fmt: skip
    adapter = chosen or _choose(source, paths)
    _warn_skipped()
    protector = Protector(StandardRegistry().get(adapter.standard_version), key)
    with text.progress_bar(_stderr, enabled=not quiet, unit="items read") as progress:
        coverage = Ledger(adapter.coverage())
        report = _guarded(
            lambda: convert_paths(
                adapter,
                paths,
                outputs,
                protector,
                coverage,
                progress,
                jobs=jobs,
                converted_at=converted_at,
                allow_empty=False,
                options=options,
                label=label,
                engine=None if dask is None else DaskEngine(dask),
            ),
            empty=", ".join(map(str, inputs)),
        )
    _finish(report, outputs, quiet)


def _warn_replay(rejects_file: Path, adapter: Adapter | None) -> None:
    """Say so when the ids a replay makes may not be the first output's (an edited
    `device_prefix`); a rejects file that cannot be read is left for the replay to report."""
    warn = getattr(adapter, "replay_warning", None)
    if adapter is None or warn is None:
        return
    try:
        written = written_before(rejects_file, adapter.shared_types)
    except (ReplayError, OSError):
        return
    message = warn(written, rejects_file)
    if message is not None:
        _stderr.print(f"ccstd: warning: {printable(message)}", markup=False)


def _guarded(run: Callable[[], ConversionReport], empty: str = "") -> ConversionReport:
    """The run's report; a run that cannot do its job is a one-line error (exit 2)."""
    try:
        return run()
    except EmptyInputError:
        fail(f"{empty}: no items to convert (the input is empty)")
    except (OutputError, InputReadError, ReplayError) as exc:
        fail(str(exc))


GENERALISATIONS = ("birthDate=year",)
_MAX_LABEL = 200


def _options(generalise: list[str], region: str, zone: str | None = None) -> ConvertOptions:
    """The adapters' options; an unknown generalisation, region or time zone is a usage error."""
    for choice in generalise:
        if choice not in GENERALISATIONS:
            fail(f"--generalise {choice}: not one of {', '.join(GENERALISATIONS)}")
    if region.upper() not in phonenumbers.SUPPORTED_REGIONS:
        fail(f"--default-region {region}: not an ISO 3166 alpha-2 country with phone numbers")
    if zone is not None and not _is_zone(zone):
        fail(f"--timezone {printable(zone)}: not an IANA time zone name (e.g. Asia/Shanghai, UTC)")
    return ConvertOptions(region.upper(), frozenset(generalise), zone)


_ZONE_NAME = re.compile(r"[A-Z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+){0,2}")  # meta.assumedTimeZone


def _is_zone(name: str) -> bool:
    """A zone the standard's meta.assumedTimeZone takes and the system's tz database has."""
    if len(name) > 64 or not _ZONE_NAME.fullmatch(name):
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def _label(label: str | None) -> str | None:
    """The --source-label, checked: printable text of at most 200 characters."""
    if label is None:
        return None
    if not label.strip() or len(label) > _MAX_LABEL or not label.isprintable():
        fail(f"--source-label: give 1 to {_MAX_LABEL} printable characters")
    return label.strip()


def _converted_at() -> str:
    try:
        return conversion_time()
    except ConversionTimeError as exc:
        fail(str(exc))


def _input_files(inputs: list[Path]) -> list[Path]:
    """Every file to convert; an input that is missing, unreadable, not a regular file, or a
    folder without source files is a one-line error naming it."""
    paths: list[Path] = []
    for name in inputs:
        _check_input(name)
        try:
            found = [Path(p) for p in iter_paths([str(name)], SOURCE_GLOBS)]
        except InputError as exc:
            fail(str(exc))
        if not found:
            fail(f"{name}: no input files in this folder ({', '.join(SOURCE_GLOBS)})")
        paths.extend(found)
    return paths


def _check_input(name: Path) -> None:
    if str(name) == "-":
        fail("-: convert does not read stdin; give a file")
    try:
        mode = name.stat().st_mode
    except FileNotFoundError:
        fail(f"{name}: no such file or directory")
    except OSError as exc:
        fail(f"{name}: cannot read: {exc.strerror or exc}")
    kinds = {stat.S_ISFIFO: "a named pipe", stat.S_ISCHR: "a character device",
             stat.S_ISBLK: "a block device", stat.S_ISSOCK: "a socket"}  # fmt: skip
    for test, kind in kinds.items():
        if test(mode):
            fail(f"{name}: {kind}, not a file (convert reads each input twice: give a file)")
    folder = stat.S_ISDIR(mode)
    if not os.access(name, os.R_OK | (os.X_OK if folder else 0)):
        fail(f"{name}: cannot read: permission denied")


def _check_outputs(inputs: list[Path], outputs: Outputs) -> None:
    """Refuse, before anything is written, an output that is an input or another output, is a
    folder, or lies in a folder that does not exist."""
    named = (
        ("--out", outputs.records),
        ("--rejects", outputs.rejects),
        ("--ledger", outputs.ledger),
        ("--rejects-redacted", outputs.rejects_redacted),
    )
    try:
        refuse_collisions(inputs, named)
    except PathCollisionError as exc:
        fail(str(exc))
    for option, path in named:
        if path is None:
            continue
        folder = path.parent
        if path.is_dir():
            fail(f"{option} {path}: is a folder; give a file name")
        if not folder.is_dir():
            fail(f"{option} {path}: the folder {folder} does not exist")


def _finish(report: ConversionReport, outputs: Outputs, quiet: bool) -> NoReturn:
    if not quiet:
        _print_summary(report, outputs.records)
    for warning in report.warnings:  # told even with --quiet: the output lacks what was read
        _stderr.print(f"ccstd: warning: {printable(warning)}", markup=False)
    if report.variants > len(report.warnings):
        more = report.variants - len(report.warnings)
        _stderr.print(f"ccstd: warning: and {more:,} more read with other content", markup=False)
    if outputs.rejects is not None and report.rejected:
        _stderr.print(
            f"ccstd: {outputs.rejects} holds the raw rejected items (names, ID and phone numbers): "
            "it is private to you (mode 0600); share --rejects-redacted instead",
            markup=False,
        )
    raise typer.Exit(1 if report.rejected else 0)


def _warn_skipped() -> None:
    """One line on stderr (even with --quiet) naming the dialect and platform files, folders of
    `$CCSTD_DIALECT_PATH` and plugins this run left out because they cannot be used."""
    broken = skipped()
    if broken:
        shown = printable("; ".join(broken))
        _stderr.print(
            f"ccstd: warning: left out, as they cannot be used ({len(broken)}; see ccstd "
            f"adapters list): {shown}",
            markup=False,
            soft_wrap=True,
        )


def _dialect(path: Path) -> Adapter:
    """The adapter for a dialect file; a file that cannot be used is exit 2 naming its line."""
    try:
        return file_adapter(path)
    except DataFileError as exc:
        fail(str(exc))


def _named(name: str) -> Adapter:
    try:
        return by_name(name)
    except UnknownAdapterError as exc:
        fail(str(exc))


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
    """The run's pseudonymisation key; None with `--raw-identifiers`, which the command line
    gives and so outranks $CCSTD_PSEUDONYM_KEY, but contradicts `--key-file`."""
    if raw and key_file is not None:
        fail("--key-file and --raw-identifiers exclude each other: pass one")
    if raw:
        return None
    try:
        key = load_key(key_file)
    except PseudonymKeyError as exc:
        fail(str(exc))
    warning = key_file_warning(key_file)
    if warning is not None:
        _stderr.print(f"ccstd: warning: {warning}", markup=False)
    if key is None:
        fail(NO_KEY_HELP)
    return key


def _print_summary(report: ConversionReport, out: Path) -> None:
    table = Table(title=f"ccstd convert --from {report.adapter} → {out}", show_header=True)
    table.add_column("items")
    table.add_column("count", justify="right")
    table.add_column("detail")
    table.add_row("read", f"{report.read:,}", "")
    table.add_row("converted", f"{report.converted:,}", converted_note(report))
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
    table.add_row("references", "", _references_note(report))
    if report.variants:
        note = "ids read again with other content: the first is written (warnings below)"
        table.add_row("read differently", f"{report.variants:,}", note)
    text.console(stderr=True).print(table)


def converted_note(report: ConversionReport) -> str:
    """Items and the records made from them, counted apart: `198 items → 198 Order, 70 Delivery`."""
    made = ", ".join(f"{n:,} {t}" for t, n in report.records_by_type.items()) or "no records"
    return f"{text.plural(report.converted, 'item')} → {made}"


def _references_note(report: ConversionReport) -> str:
    """Which referenced records the output lacks, and how to validate it with them."""
    if not report.expected:
        return "every reference resolves within the output (validate --check-references)"
    wanted = ", ".join(f"{kind} {count}" for kind, count in report.expected.items())
    return (
        f"expected from elsewhere: {wanted} (validate together with those records: "
        "ccstd validate OUT.ndjson THEIRS.ndjson --check-references)"
    )


@adapters_app.command(
    "list",
    epilog=exit_codes(
        "the adapters were listed, unusable ones with their error", None, "usage error"
    ),
)
def list_adapters() -> None:
    """List installed adapters: name, version, formats, target standard version, origin; an
    adapter or dialect that cannot be used is listed with its error."""
    table = Table(title="Installed adapters (entry-point group ccstd.adapters)")
    for column in ("name", "version", "reads", "standard", "from"):
        table.add_column(column)
    for listing in catalogue():  # names, descriptions, errors come from data files: escaped
        adapter = listing.adapter
        if adapter is None:
            error = f"[red]error:[/red] {_shown(listing.error or '')}"
            table.add_row(_shown(listing.name), "", error, "", _shown(listing.origin))
            continue
        table.add_row(_shown(listing.name), _shown(adapter.version),
                      _shown("; ".join(adapter.formats)), _shown(adapter.standard_version),
                      _shown(listing.origin))  # fmt: skip
    text.console().print(table)


def _shown(value: str) -> str:
    """Text from a data file as rich markup that prints it verbatim, control characters
    escaped (a description cannot move the cursor or forge a `ccstd: error:` line)."""
    return escape(printable(value))


@adapters_app.command(
    "check",
    epilog=exit_codes(
        "the dialect file is valid (what it maps is printed)",
        None,
        "usage error, an unreadable file, or the first problem in it (file, line, key)",
    ),
)
def check_dialect(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A dialect file (TOML).")],
) -> None:
    """Check a dialect file against the dialect format and print what it maps (exit 2 with the
    file, line and key of the first problem)."""
    from ccstd.adapters.table_adapter import TableAdapter

    adapter = _dialect(file)
    if not isinstance(adapter, TableAdapter):
        fail(f"{file}: its family does not describe what it maps")
    for line in adapter.describe():  # what the file says, control characters escaped
        typer.echo(printable(line))
