"""A diff report as JSON, Markdown (a changelog section) and the compatibility rule table page."""

from __future__ import annotations

from typing import Any

from ccstd.standard.publishing.compat import CHANGE_RULES, Change, DiffReport


def report_json(report: DiffReport) -> dict[str, Any]:
    """The report as a JSON object (compat-report.json)."""
    return {
        "old": report.old,
        "new": report.new,
        "newNumber": report.new_number,
        "verdict": report.verdict,
        "requiredBump": report.required.label,
        "chosenBump": report.chosen.label if report.chosen is not None else None,
        "honest": report.honest,
        "suggestedVersion": report.suggested(),
        "changes": [_change_json(c) for c in report.changes],
    }


def _change_json(change: Change) -> dict[str, Any]:
    rule = change.rule
    example = change.example
    return {
        "kind": change.kind,
        "entity": change.entity,
        "path": change.path,
        "detail": change.detail,
        "producers": rule.producers,
        "consumers": rule.consumers,
        "bump": rule.bump.label,
        "planned": change.planned,
        "example": None
        if example is None
        else {
            "record": example.record,
            "validUnderOld": example.valid_under_old,
            "validUnderNew": example.valid_under_new,
        },
    }


def changelog(report: DiffReport, heading: str | None = None) -> str:
    """A CHANGELOG.md section: the bump, then the changes grouped by what they need."""
    title = heading or f"{report.new_number or report.new}"
    if report.downgrade:
        return f"## {title}\n\n{downgrade_note(report)}\n"
    lines = [
        f"## {title}",
        "",
        f"Compared with {report.old}: needs a **{report.required.label}** version bump.",
    ]
    for bump in sorted({c.rule.bump for c in report.changes}, reverse=True):
        lines += ["", f"### {bump.label.capitalize()} changes", ""]
        for change in (c for c in report.changes if c.rule.bump is bump):
            where = f"`{change.entity}.{change.path}`" if change.path else f"`{change.entity}`"
            planned = " (planned)" if change.planned else ""
            lines.append(f"- {where}: {change.rule.title.lower()}{planned}: {change.detail}")
    if not report.changes:
        lines += ["", "No changes."]
    return "\n".join(lines) + "\n"


def downgrade_note(report: DiffReport) -> str:
    """One sentence for a diff whose NEW is older than its OLD."""
    return (
        f"{report.new} is older than {report.old}: a downgrade; its changes are not classified "
        f"(compare forward: `ccstd diff {report.new} {report.old}`)."
    )


_TABLE_HEADER = """# Compatibility rules

Generated from `standard/publishing/compat.py` by `make docs`; a test fails when this page is stale.
`ccstd diff OLD NEW` classifies every change between two versions of the standard with this
table, shows each break with a record (valid under one version and invalid under the other,
checked by validating it against both), and names the smallest honest version bump: the
largest bump of any change. `ccstd release` refuses a version number smaller than that.

*Producers*: data valid under OLD stays valid under NEW. *Consumers*: code generated from OLD
keeps working on data of NEW; consumers are tolerant readers (§4 of the standard): they accept
properties and codes they do not know, which is why additions are minor.

| change | producers | consumers | bump | shown by a record |
| --- | --- | --- | --- | --- |
"""

_SHOWN = {"old": "valid under OLD, invalid under NEW", "new": "valid under NEW, invalid under OLD"}


def compatibility_page() -> str:
    """The compatibility rules page (docs/reference/compatibility.md)."""
    rows = "".join(
        f"| [{r.title}](#{r.kind}) | {r.producers} | {r.consumers} | {r.bump.label} | "
        f"{_SHOWN.get(r.shown_by, '-')} |\n"
        for r in CHANGE_RULES.values()
    )
    sections = "".join(
        f"\n## {r.kind}\n\n**{r.title}** ({r.bump.label}). {r.description}\n"
        for r in CHANGE_RULES.values()
    )
    deprecation = (
        "\n## Deprecation\n\nA property is deprecated with `deprecated: true`, "
        "`x-ccstd-deprecated-since` (the release that deprecates it) and `x-ccstd-removal-in` "
        "(the first major release that may remove it). Removing it in that release is reported "
        "as *planned*; it is still a major change.\n"
    )
    return _TABLE_HEADER + rows + sections + deprecation


if __name__ == "__main__":
    print(compatibility_page(), end="")
