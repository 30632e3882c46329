"""The end of `make demo`: a short table of what the demo wrote and what each file is.

Usage: python scripts/demo_outputs.py DEMO_OUTPUT_FOLDER

Every entry of the folder is listed with its contents (records, files or size) and what it is;
an entry this table does not describe is listed as such and makes the script exit 1, so the
table cannot fall behind the demo.
"""

from __future__ import annotations

import fnmatch
import sys
from pathlib import Path

# (glob, what it is); the first match wins, so the rejects come before their outputs
DESCRIBED = (
    ("fhir-rejects.ndjson", "FHIR items rejected, each with its reason (convert --replay input)"),
    ("fhir-ledger.json", "field ledger: every FHIR source field mapped, dropped or unknown"),
    ("fhir.ndjson", "a clinic's FHIR R4 export as standard records (identifiers pseudonymised)"),
    ("access-*-rejects.ndjson", "access-log items rejected, each with its reason"),
    ("access-*.ndjson", "an access-control XML log as standard records (dialect detected)"),
    ("dialect-*.ndjson", "a new vendor's XML log, converted with a dialect data file"),
    ("orders-*-rejects.ndjson", "order items rejected, each with its reason"),
    ("orders-*.ndjson", "a platform's order export as Order and Delivery records"),
    ("findings.json", "validate report: JSON (summary, findings, fingerprints)"),
    ("findings.junit", "validate report: JUnit XML, for CI test views"),
    ("findings.sarif", "validate report: SARIF 2.1.0, for code scanning"),
    ("keys", "the demo certifying body's Ed25519 key pair"),
    (
        "certify",
        "certification of each vendor: report.html, JSON, JUnit, SARIF, badge, certificate",
    ),
    ("verdicts.txt", "one line per certified vendor: verdict, level reached, findings"),
    ("dist", "release 1.1.0: bundled schemas, index, checksums, changelog, reference"),
    ("ccstd_models.py", "pydantic v2 models of standard 1.1.0 (ccstd codegen)"),
    ("lifecircle", "life-circle report: report.html (open it), report.json, coverage.geojson"),
)
SKIPPED = ("__pycache__", ".*")


def _glob(name: str) -> str | None:
    return next((glob for glob, _ in DESCRIBED if fnmatch.fnmatchcase(name, glob)), None)


def describe(name: str) -> str | None:
    """What the demo output `name` is, or None if the table does not know it."""
    glob = _glob(name)
    return dict(DESCRIBED)[glob] if glob else None


def _measure(path: Path) -> tuple[int, str]:
    """(amount, unit): records of NDJSON, files of a folder, bytes of anything else."""
    if path.is_dir():
        return sum(1 for p in path.rglob("*") if p.is_file()), "file"
    if path.suffix == ".ndjson":
        with path.open("rb") as handle:
            return sum(1 for line in handle if line.strip()), "record"
    return path.stat().st_size, "byte"


def _contents(amount: int, unit: str) -> str:
    if unit == "byte":
        return f"{amount} B" if amount < 1024 else f"{amount / 1024:.1f} KiB"
    return f"{amount} {unit}" + ("" if amount == 1 else "s")


def table(folder: Path) -> tuple[list[str], int]:
    """The lines of the table (outputs of one kind on one row) and how many entries it could
    not describe."""
    groups: dict[str, list[Path]] = {}
    unknown = 0
    for path in sorted(folder.iterdir()):
        if any(fnmatch.fnmatchcase(path.name, s) for s in SKIPPED):
            continue
        glob = _glob(path.name)
        unknown += glob is None
        groups.setdefault(glob or path.name, []).append(path)
    rows = [("written", "contents", "what it is")]
    for key, paths in groups.items():
        measures = [_measure(p) for p in paths]
        shown = paths[0].name if len(paths) == 1 else f"{key} ({len(paths)})"
        rows.append(
            (
                shown + ("/" if paths[0].is_dir() else ""),
                _contents(sum(m[0] for m in measures), measures[0][1]),
                describe(paths[0].name) or "(not described)",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(2)]
    lines = [f"{name:<{widths[0]}}  {what:>{widths[1]}}  {about}" for name, what, about in rows]
    lines.insert(1, f"{'-' * widths[0]}  {'-' * widths[1]}  {'-' * 10}")
    return lines, unknown


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not Path(argv[0]).is_dir():
        print("usage: demo_outputs.py DEMO_OUTPUT_FOLDER", file=sys.stderr)
        return 2
    lines, unknown = table(Path(argv[0]))
    print("\n".join(lines))
    if unknown:
        print(f"demo_outputs.py: {unknown} entries not described", file=sys.stderr)
    return 1 if unknown else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
