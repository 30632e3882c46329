"""`ccstd certify`: certify a vendor's manifest; write reports and a signed certificate."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Annotated

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from ccstd.cli import text
from ccstd.cli.errors import exit_codes, fail, write_output
from ccstd.cli.groups import CommandGroup
from ccstd.conformance import certificate, manifest, ruleset
from ccstd.conformance.adapter_checks import golden_records
from ccstd.conformance.engine import CertifyOptions, certify, input_files
from ccstd.conformance.reports import REPORTS
from ccstd.conformance.result import CertificationResult
from ccstd.conformance.sandbox import SandboxOptions
from ccstd.conformance.sandbox_protocol import SandboxError
from ccstd.conformance.vendor_code import VendorFolderError
from ccstd.standard.files import PathCollisionError, refuse_collisions
from ccstd.standard.findings import Severity, printable
from ccstd.standard.reading import InputError
from ccstd.standard.results import EXIT_FINDINGS, EXIT_OK, load_baseline

app = typer.Typer(
    help="Certify a vendor against a standard version and its profiles.\n\n"
    "ccstd certify MANIFEST is short for ccstd certify run MANIFEST.",
    cls=CommandGroup,
    epilog=exit_codes(
        "run: the submission passes; verify: the certificate is genuine and in force; init, "
        "keygen, golden: the file was written",
        "run: it does not pass; verify: the certificate is not genuine, expired or its inputs "
        "changed",
        "usage error, no or unknown command, a bad manifest, key or certificate, unreadable "
        "inputs, an output that cannot be written; each command's --help says more",
    ),
    no_args_is_help=True,
)
SUBCOMMANDS = ("run", "init", "verify", "keygen", "golden")

AdapterTimeout = Annotated[
    float,
    typer.Option("--adapter-timeout", min=1, help="Seconds the vendor's adapter may run in all."),
]
AdapterMemory = Annotated[
    int, typer.Option("--adapter-memory", min=256, help="Address space of the adapter, in MiB.")
]
ManifestArgument = Annotated[
    Path, typer.Argument(metavar="MANIFEST", help="ccstd-vendor.toml, or the folder holding it.")
]


_WRITE_ERRORS = "an output that is an input or cannot be written"
RUN_EPILOG = exit_codes(
    "the submission passes (certificate.json written)",
    "it does not pass (report.html says why)",
    f"usage error, a bad manifest or signing key, unreadable inputs, {_WRITE_ERRORS}",
)
INIT_EPILOG = exit_codes(
    "the template was written", None, "the file exists (without --force) or cannot be written"
)
VERIFY_EPILOG = exit_codes(
    "the certificate is genuine and in force (with --inputs: every input unchanged)",
    "it is not: a bad signature, expired, or changed inputs (each listed)",
    "usage error, an unreadable or malformed certificate or public key",
)
KEYGEN_EPILOG = exit_codes(
    "the key pair was written", None, "a signing key exists there, or the folder cannot be written"
)
GOLDEN_EPILOG = exit_codes(
    "the golden file was written",
    None,
    f"a bad manifest, no golden file named, the adapter failed in its sandbox, {_WRITE_ERRORS}",
)


@app.command("run", epilog=RUN_EPILOG)
def run(
    manifest_path: ManifestArgument,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for the reports (default: certify-report/ beside it)."),
    ] = None,
    fail_on: Annotated[
        Severity, typer.Option("--fail-on", help="Fail on a finding at or above this severity.")
    ] = Severity.ERROR,
    baseline: Annotated[
        Path | None, typer.Option("--baseline", help="Known findings to ignore (report.json).")
    ] = None,
    signing_key: Annotated[
        Path | None,
        typer.Option("--signing-key", help="Ed25519 private key (PEM) that signs the certificate."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary.")] = False,
    adapter_timeout: AdapterTimeout = SandboxOptions.timeout_seconds,
    adapter_memory: AdapterMemory = SandboxOptions.memory_mib,
    valid_days: Annotated[
        int,
        typer.Option(
            "--valid-days",
            min=1,
            max=certificate.MAX_VALID_DAYS,
            help="Days the certificate is valid from the run.",
        ),
    ] = certificate.VALID_DAYS,
) -> None:
    """Certify the submission a manifest describes; exit 1 unless it passes."""
    claim = _load_manifest(manifest_path)
    folder = out or claim.root / "certify-report"
    _check_outputs(claim, folder, signing_key, baseline)
    if signing_key is not None:
        _check_key_file(signing_key)
    try:
        known = load_baseline(baseline) if baseline else frozenset()
    except ValueError as exc:
        fail(str(exc))
    sandbox = SandboxOptions(adapter_timeout, adapter_memory, signing_key is not None)
    options = CertifyOptions(fail_on=fail_on, baseline=known, sandbox=sandbox)
    try:
        result = certify(claim, options)
    except (manifest.ManifestError, InputError) as exc:
        fail(str(exc))
    key = _private_key(signing_key)  # only now: vendor code has run and its process is gone
    _make_folder(folder)
    for name, render in REPORTS.items():
        write_output(folder / name, render(result))
    if result.passed:
        write_output(folder / "certificate.json", _issue(result, key, valid_days))
    else:  # a failed run must not leave an earlier pass's certificate behind
        (folder / "certificate.json").unlink(missing_ok=True)
    if not quiet:
        _print_summary(result, folder, signed=key is not None)
    raise typer.Exit(EXIT_OK if result.passed else EXIT_FINDINGS)


@app.command("init", epilog=INIT_EPILOG)
def init(
    path: Annotated[
        Path, typer.Argument(help="Where to write the manifest (a folder or a file name).")
    ] = Path(manifest.MANIFEST_NAME),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented ccstd-vendor.toml template."""
    target = path / manifest.MANIFEST_NAME if path.is_dir() else path
    if target.exists() and not force:
        fail(f"{target}: exists; pass --force to overwrite")
    try:
        text = manifest.template()
    except ruleset.UnknownRuleSetError as exc:
        fail(str(exc))
    write_output(target, text.encode("utf-8"))
    typer.echo(f"wrote {target}; fill it in, then run: ccstd certify {target}")


@app.command("verify", epilog=VERIFY_EPILOG)
def verify(
    certificate_path: Annotated[Path, typer.Argument(metavar="CERTIFICATE")],
    public_key: Annotated[
        Path, typer.Option("--public-key", help="The certifying body's Ed25519 public key (PEM).")
    ],
    inputs: Annotated[
        Path | None,
        typer.Option("--inputs", help="The manifest's folder: check every input's SHA-256 too."),
    ] = None,
) -> None:
    """Check a certificate's signature and, with --inputs, that the inputs are unchanged."""
    try:
        outcome = certificate.verify(
            certificate_path, certificate.load_public_key(public_key), inputs
        )
    except certificate.CertificateError as exc:
        fail(printable(str(exc)))
    statement = outcome.statement
    if outcome.valid:
        who = printable(f"{statement['vendor']} · {statement['product']}")
        checked = f", {len(statement['inputs'])} inputs unchanged" if inputs else ""
        typer.echo(
            f"valid: {who}, standard {statement['standard']}{checked}, "
            f"valid until {statement['validUntil']}"
        )
        raise typer.Exit(EXIT_OK)
    for problem in outcome.problems:
        typer.echo(f"invalid: {printable(problem)}", err=True)
    raise typer.Exit(EXIT_FINDINGS)


@app.command("keygen", epilog=KEYGEN_EPILOG)
def keygen(
    out: Annotated[Path, typer.Option("--out", help="Folder for the key pair.")] = Path(),
) -> None:
    """Make an Ed25519 key pair for a certifying body (keep the private one private)."""
    _make_folder(out)
    private, public = certificate.generate_key()
    private_path, public_path = out / "certify-signing.pem", out / "certify-signing.pub.pem"
    if private_path.exists():
        fail(f"{private_path}: exists; refusing to overwrite a signing key")
    try:
        certificate.write_private_key(private_path, private)
    except OSError as exc:
        fail(f"{private_path}: cannot write: {exc.strerror or exc}")
    write_output(public_path, public)
    typer.echo(f"wrote {private_path} (private) and {public_path} (public)")


@app.command("golden", epilog=GOLDEN_EPILOG)
def golden(
    manifest_path: ManifestArgument,
    adapter_timeout: AdapterTimeout = SandboxOptions.timeout_seconds,
    adapter_memory: AdapterMemory = SandboxOptions.memory_mib,
) -> None:
    """Write the manifest's golden file: its samples, converted as certification converts them."""
    claim = _load_manifest(manifest_path, golden_must_exist=False)
    adapter_claim = claim.adapter
    target = adapter_claim.golden if adapter_claim is not None else None
    if adapter_claim is None or target is None:
        fail("the manifest names no [adapter] golden file to write")
    _make_folder(target.parent)
    try:
        records = golden_records(adapter_claim, SandboxOptions(adapter_timeout, adapter_memory))
    except SandboxError as exc:
        fail(f"{adapter_claim.name}: {exc}")
    write_output(target, b"".join(records))
    typer.echo(f"wrote {target}: {len(records)} records")


def _issue(result: CertificationResult, key: Ed25519PrivateKey | None, valid_days: int) -> bytes:
    try:
        return certificate.issue(result, key, valid_days)
    except certificate.CertificateError as exc:
        fail(printable(str(exc)))


def _load_manifest(path: Path, golden_must_exist: bool = True) -> manifest.Manifest:
    try:
        return manifest.load(path, golden_must_exist)
    except manifest.ManifestError as exc:
        fail(str(exc))


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"{folder}: cannot create: {exc.strerror or exc}")


def _check_outputs(claim: manifest.Manifest, folder: Path, *others: Path | None) -> None:
    """Exit 2, before any work, when a report would overwrite an input or a key, or would be
    written through a link or into a pipe or device (the default folder lies in the vendor's)."""
    reports = [folder / name for name in (*REPORTS, "certificate.json")]
    for path in (folder, *reports):
        if path.is_symlink() or (path.exists() and path is not folder and not path.is_file()):
            fail(f"{path}: a link or special file where a report goes; remove it or choose --out")
    try:
        inputs = [path for path, _ in input_files(claim)] + [p for p in others if p is not None]
        refuse_collisions(inputs, [("--out", path) for path in reports])
    except (PathCollisionError, VendorFolderError) as exc:
        fail(str(exc))


def _check_key_file(path: Path) -> None:
    """Refuse a signing key that others may read, before any vendor code runs."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        fail(f"{path}: cannot read the signing key: {exc.strerror or exc}")
    if not stat.S_ISREG(mode):
        fail(f"{path}: the signing key is not a regular file")
    if mode & 0o077:
        fail(
            f"{path}: the signing key is readable by others (mode {stat.S_IMODE(mode):o}); "
            "chmod 600 it"
        )


def _private_key(path: Path | None) -> Ed25519PrivateKey | None:
    if path is None:
        return None
    try:
        return certificate.load_private_key(path)
    except certificate.CertificateError as exc:
        fail(str(exc))


def _print_summary(result: CertificationResult, folder: Path, signed: bool) -> None:
    """Findings, the profile table and the verdict; vendor text never becomes markup."""
    console = text.console(stderr=True)
    for attributed in result.findings[:20]:
        console.print(text.finding_text(attributed.finding), soft_wrap=True)
    where = escape(printable(str(folder)))
    if len(result.findings) > 20:
        console.print(f"… {len(result.findings) - 20} more in {where}/report.html")
    table = Table(title=Text(printable(f"ccstd certify: {result.vendor} · {result.product}")))
    for column in ("profile", "records", "errors", "warnings", "verdict"):
        table.add_column(column)
    for p in result.profiles:
        verdict = "[green]pass[/]" if p.passed else "[red]fail[/]"
        table.add_row(p.name, str(p.records), str(p.errors), str(p.warnings), verdict)
    console.print(table)
    reached = result.level_reached.value if result.level_reached else "none"
    colour = "green" if result.passed else "red"
    certificate_note = ""
    if result.passed:
        certificate_note = " · certificate.json " + (
            "signed" if signed else "UNSIGNED (no --signing-key)"
        )
    console.print(
        f"[bold {colour}]{result.verdict.upper()}[/] · standard {result.standard} · level "
        f"claimed {result.claimed_level.value}, reached {reached} · {result.records} records · "
        f"reports in {where}{certificate_note}"
    )
