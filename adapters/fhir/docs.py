"""docs/convert.md's FHIR tables, generated from mapping.toml: per resource type what is mapped,
to which field, and what is dropped and why; the code tables; the types skipped as
administrative. `python -m ccstd.adapters.fhir.docs [PAGE]` rewrites the part of the page between
the markers (a test fails when it is stale)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from ccstd.adapters.fhir import mapping

BEGIN = "<!-- fhir-mapping: generated from adapters/fhir/mapping.toml; do not edit by hand -->"
END = "<!-- end fhir-mapping -->"
PAGE = Path(__file__).resolve().parents[2] / "docs" / "convert.md"


def render() -> str:
    """The generated part of the page, markers included."""
    tables = mapping.TABLES
    shared = tables["coverage"]["*"]["dropped"]
    parts = [BEGIN, ""]
    for kind, spec in tables["coverage"].items():
        if kind != "*":
            parts += _resource(kind, spec, shared)
    parts += ["#### Code tables", "", "| FHIR gender | GB/T 2261.1 |", "| --- | --- |"]
    parts += [f"| `{k}` | `{v}` |" for k, v in tables["gender"].items()]
    parts += ["", "| FHIR encounter class (ActCode) | encounter class |", "| --- | --- |"]
    parts += [f"| `{k}` | `{v}` |" for k, v in tables["encounter-class"].items()]
    parts += ["| anything else | `other` |", "", "#### Skipped as administrative or financial", ""]
    parts += [
        "Skipped with the reason `administrative:<type>` (so the summary counts them by type): "
        + ", ".join(f"`{t}`" for t in tables["administrative"]["types"])
        + ". A `Medication` is skipped as `carried-by-referrers`: its code is carried as the "
        "medicine of the MedicationUse records that refer to it; a `Goal` is skipped as "
        "`carried-by-referrers` too: it is one of the `goals` of the CarePlan that names it (a "
        "Goal no CarePlan of the run names is skipped as `not-named-by-a-plan`, one a plan names "
        "that no record carries, read after the plan or past the 100,000 the run holds for "
        "plans, as `not-carried-by-its-plan`: either is lost). A "
        "`Device` without a `patient` is skipped as `not-a-resident-device` (community equipment "
        "is the standard's `Device`, which needs a community). Any other type without an "
        "entity is skipped as `unsupported-resource-type`.",
        "",
        END,
    ]
    return "\n".join(parts) + "\n"


def _resource(kind: str, spec: dict[str, Any], shared: dict[str, str]) -> list[str]:
    lines = [f"#### {kind} → {spec['entity']}", "", "| FHIR element | field of the record |"]
    lines += ["| --- | --- |"]
    lines += [f"| `{_cell(path)}` | {_cell(target)} |" for path, target in spec["mapped"].items()]
    lines += ["", "| dropped | why |", "| --- | --- |"]
    dropped = {**shared, **spec.get("dropped", {})}
    lines += [f"| `{_cell(path)}` | {_cell(why)} |" for path, why in dropped.items()]
    return [*lines, ""]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def updated(page: str) -> str:
    """The page with its generated part replaced by `render()` (appended when it has none)."""
    if BEGIN in page and END in page:
        before, rest = page.split(BEGIN, 1)
        after = rest.split(END, 1)[1]
        return before + render().rstrip("\n") + after
    return page.rstrip("\n") + "\n\n" + render()


def main(argv: list[str]) -> int:
    """Rewrite the page given (default docs/convert.md) in place."""
    page = Path(argv[0]) if argv else PAGE
    page.write_text(updated(page.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
