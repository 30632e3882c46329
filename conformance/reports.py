"""Reports of a certification run: JSON (canonical), JUnit, SARIF, Markdown summary, SVG badge."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

import orjson

from ccstd import __version__
from ccstd.conformance.html import render_html
from ccstd.conformance.result import Attributed, CertificationResult
from ccstd.standard.findings import Severity, printable
from ccstd.standard.reporting import finding_json, render_junit, render_sarif
from ccstd.standard.rules import RULES

Reporter = Callable[[CertificationResult], bytes]


def _finding(attributed: Attributed) -> dict[str, Any]:
    rule = RULES[attributed.finding.code]
    return {
        **finding_json(attributed.finding),
        "recordType": attributed.finding.location.record_type,
        "level": rule.level.value,
        "profiles": list(attributed.profiles),
    }


def report_document(result: CertificationResult) -> dict[str, Any]:
    """The canonical report as a JSON object; every other report says a part of it."""
    return {
        "tool": {"name": "ccstd", "version": __version__},
        "vendor": {
            "name": result.vendor,
            "product": result.product,
            "productVersion": result.product_version,
        },
        "claim": {
            "standard": result.standard,
            "profiles": list(result.claimed_profiles),
            "level": result.claimed_level.value,
        },
        "ruleSet": {
            "standard": result.standard,
            "revision": result.ruleset_revision,
            "digest": result.ruleset_digest,
        },
        "verdict": result.verdict,
        "failOn": result.fail_on.value,
        "levelReached": result.level_reached.value if result.level_reached else None,
        "profiles": [
            {
                "name": p.name,
                "title": p.title,
                "records": p.records,
                "errors": p.errors,
                "warnings": p.warnings,
                "passed": p.passed,
            }
            for p in result.profiles
        ],
        "summary": {
            "records": result.records,
            "invalid": result.invalid,
            "recordsByType": dict(sorted(result.records_by_type.items())),
            "findings": {s.value: result.count(s) for s in Severity},
            "byRule": dict(sorted(result.by_rule.items())),
            "baselined": result.baselined,
            "omitted": result.omitted,
            "seconds": round(result.seconds, 3),
        },
        "adapter": dict(result.adapter) if result.adapter is not None else None,
        "inputs": [
            {"path": i.path, "role": i.role, "sha256": i.sha256, "size": i.size}
            for i in result.inputs
        ],
        "startedAt": result.started_at,
        "findings": [_finding(a) for a in result.findings],
    }


def render_json(result: CertificationResult) -> bytes:
    """report.json."""
    return orjson.dumps(report_document(result), option=orjson.OPT_INDENT_2) + b"\n"


def render_certify_junit(result: CertificationResult) -> bytes:
    """junit.xml: a failing case per record with errors; well-formed whatever names contain."""
    suite = printable(f"ccstd certify {result.product}")
    return render_junit(result.as_validation(), suite_name=suite)


def render_certify_sarif(result: CertificationResult) -> bytes:
    """sarif.json."""
    return render_sarif(result.as_validation())


def render_summary(result: CertificationResult) -> bytes:
    """summary.md, for CI job summaries ($GITHUB_STEP_SUMMARY) and merge requests."""
    reached = result.level_reached.value if result.level_reached else "none"
    version = f" {_markdown(result.product_version)}" if result.product_version else ""
    lines = [
        f"## ccstd certify: {result.verdict.upper()}",
        "",
        f"**{_markdown(result.vendor)}**, {_markdown(result.product)}{version} against standard "
        f"{result.standard} "
        f"(rule set revision {result.ruleset_revision}). "
        f"Level claimed: {result.claimed_level.value}; reached: {reached}.",
        "",
        "| profile | records | errors | warnings | verdict |",
        "| --- | ---: | ---: | ---: | --- |",
        *(
            f"| {p.name} | {p.records} | {p.errors} | {p.warnings} | "
            f"{'pass' if p.passed else 'fail'} |"
            for p in result.profiles
        ),
        "",
        f"{result.records} records; findings: "
        + ", ".join(f"{result.count(s)} {s.value}" for s in Severity)
        + ".",
    ]
    if result.by_rule:
        lines += ["", "| rule | level | severity | count |", "| --- | --- | --- | ---: |"]
        for code, count in sorted(result.by_rule.items(), key=lambda kv: (-kv[1], kv[0])):
            rule = RULES[code]
            lines.append(f"| `{code}` | {rule.level.value} | {rule.severity.value} | {count} |")
    return ("\n".join(lines) + "\n").encode("utf-8")


_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character


def _markdown(value: str) -> str:
    """Vendor text shown as itself in Markdown: no emphasis, link, HTML, table cell or new line."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", printable(value))


_BADGE_COLOURS = {"pass": "#2e7d32", "fail": "#c62828"}


def render_badge(result: CertificationResult) -> bytes:
    """badge.svg: `ccstd <version> | pass: <profiles>` (or fail), shields-style."""
    left = f"ccstd {result.standard}"
    right = f"{result.verdict}: {', '.join(result.claimed_profiles)}"
    lw, rw = 10 + 7 * len(left), 10 + 7 * len(right)
    colour = _BADGE_COLOURS[result.verdict]
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{lw + rw}" height="20" role="img" '
        f'aria-label="{escape(left)}: {escape(right)}">'
        f"<title>{escape(left)}: {escape(right)}</title>"
        f'<rect width="{lw}" height="20" fill="#555"/>'
        f'<rect x="{lw}" width="{rw}" height="20" fill="{colour}"/>'
        '<g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="5" y="14">{escape(left)}</text>'
        f'<text x="{lw + 5}" y="14">{escape(right)}</text></g></svg>\n'
    )
    return svg.encode("utf-8")


def _html(result: CertificationResult) -> bytes:
    return render_html(result, report_document(result))


REPORTS: dict[str, Reporter] = {
    "report.json": render_json,
    "report.html": _html,
    "junit.xml": render_certify_junit,
    "sarif.json": render_certify_sarif,
    "summary.md": render_summary,
    "badge.svg": render_badge,
}
