"""Reporters that turn one ValidationResult into JSON, JUnit XML, SARIF or GitHub annotations."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote
from xml.etree import ElementTree

import orjson

from ccstd import __version__
from ccstd.standard import sarif_lines
from ccstd.standard.findings import Finding, Location, Severity, printable
from ccstd.standard.results import ValidationResult
from ccstd.standard.rules import RULES

Reporter = Callable[[ValidationResult], bytes]
_SARIF_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _location_json(location: Location) -> dict[str, Any]:
    return {
        "file": location.file,
        "line": location.line,
        "pointer": location.pointer,
        "recordId": location.record_id,
    }


def finding_json(finding: Finding) -> dict[str, Any]:
    """A finding as a JSON object (the shape of `--format json` and baselines)."""
    return {
        "code": finding.code,
        "severity": finding.severity.value,
        "message": finding.message,
        **_location_json(finding.location),
        "related": [_location_json(r) for r in finding.related],
        "fingerprint": finding.fingerprint(),
    }


def summary_json(result: ValidationResult) -> dict[str, Any]:
    """The counts of a run."""
    return {
        "files": result.files,
        "records": result.records,
        "valid": result.valid,
        "invalid": result.invalid,
        "findings": {s.value: result.count(s) for s in Severity},
        "baselined": result.baselined,
        "omitted": result.omitted,
        "seconds": round(result.seconds, 3),
        "recordsPerSecond": round(result.records_per_second, 1),
    }


def render_json(result: ValidationResult) -> bytes:
    """Machine-readable report: tool, summary, findings."""
    document = {
        "tool": {"name": "ccstd", "version": __version__},
        "summary": summary_json(result),
        "findings": [finding_json(f) for f in result.findings],
    }
    return orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"


def render_junit(result: ValidationResult, suite_name: str = "ccstd validate") -> bytes:
    """JUnit XML: a test case per record with findings (failing when one is an error), one
    passing case for the valid records without a finding (a valid record with only warnings
    has its own passing case, counted once); `tests` and `failures` count the cases written."""
    by_place: dict[tuple[str, int | None, str], list[Finding]] = {}
    for finding in result.findings:  # a record is its line (NDJSON) or its item (`/17`)
        where = finding.location
        record_pointer = "" if where.line is not None else "/".join(where.pointer.split("/")[:2])
        place = (where.file or "<input>", where.line, record_pointer)
        by_place.setdefault(place, []).append(finding)
    suite = ElementTree.Element("testsuite", name=suite_name, time=f"{result.seconds:.3f}")
    for (file, line, pointer), findings in by_place.items():
        name = f"{file}:{line}" if line is not None else f"{file} {pointer}".rstrip()
        case = ElementTree.SubElement(
            suite, "testcase", classname=printable(file), name=printable(name)
        )
        text = "\n".join(
            printable(f"{f.severity.value} {f.code} {f.location.pointer}: {f.message}")
            for f in findings
        )  # XML 1.0 cannot hold control characters at all
        tag = "failure" if _fails(findings) else "system-out"
        element = ElementTree.SubElement(case, tag)
        if tag == "failure":
            element.set("type", findings[0].code)
            element.set("message", printable(findings[0].message))
        element.text = text
    passing = sum(
        1
        for (_, line, pointer), found in by_place.items()
        if not _fails(found) and (line is not None or pointer)
    )  # records only: not a file's own warning
    others = max(0, result.valid - passing)  # fmt: skip
    ElementTree.SubElement(
        suite, "testcase", classname="ccstd", name=f"{others} valid records without findings"
    )
    cases = suite.findall("testcase")  # the counts say what was written, nothing else
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
    suite.set("errors", "0")
    suite.set("skipped", "0")
    suites = ElementTree.Element("testsuites")
    suites.append(suite)
    return bytes(ElementTree.tostring(suites, encoding="utf-8", xml_declaration=True)) + b"\n"


def _fails(findings: list[Finding]) -> bool:
    return any(f.severity is Severity.ERROR for f in findings)


SITE = "https://ccstd.org/"
RULES_PAGE = SITE + "reference/rules/"  # docs/reference/rules.md, one section per finding code
SRCROOT = "%SRCROOT%"
_SRCROOT_TEXT = "the folder the inputs were named from (where the command ran: the repository root)"


def render_sarif(result: ValidationResult, root: Path | None = None) -> bytes:
    """SARIF 2.1.0, for code-scanning dashboards, with a region on every located result.

    `root`: the folder the run read its files from (the CLI gives its working directory):
    artifact URIs are relative to it under `%SRCROOT%`, and the files are read again for the
    line of each JSON-array record. Without it (an HTTP upload names no real file) names are
    used as given and nothing is read: such a record's region is line 1.
    """
    root = root.resolve() if root is not None else None
    used = sorted({f.code for f in result.findings})
    lines = sarif_lines.RecordLines(enabled=root is not None)
    for finding in result.findings:
        if finding.location.file and finding.location.line is None:
            lines.want(finding.location.file, finding.location.pointer)
    results = [_sarif_result(f, used.index(f.code), root, lines) for f in result.findings]
    base = {"description": {"text": _SRCROOT_TEXT}}  # no absolute folder: it names a person
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "ccstd",
                        "version": __version__,
                        "informationUri": SITE,
                        "rules": [_sarif_rule(code) for code in used],
                    }
                },
                "originalUriBaseIds": {SRCROOT: base},
                "results": results,
            }
        ],
    }
    return orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"


def _sarif_rule(code: str) -> dict[str, Any]:
    rule = RULES[code]
    return {
        "id": code,
        "name": rule.title,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.description},
        "helpUri": f"{RULES_PAGE}#{code}",
        "defaultConfiguration": {"level": _SARIF_LEVELS[rule.severity]},
        "properties": {"clause": rule.clause},
    }


def _sarif_result(
    finding: Finding, rule_index: int, root: Path | None, lines: sarif_lines.RecordLines
) -> dict[str, Any]:
    where = finding.location
    located: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": _SARIF_LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [],
        "partialFingerprints": {"ccstdFinding/v1": finding.fingerprint()},
    }
    if not where.file:
        return located
    line = where.line or lines.line_of(where.file, where.pointer)
    physical = {"artifactLocation": _artifact(where.file, root), "region": {"startLine": line}}
    location: dict[str, Any] = {"physicalLocation": physical}
    if where.pointer:
        location["logicalLocations"] = [{"fullyQualifiedName": where.pointer, "kind": "member"}]
    located["locations"] = [location]
    return located


def _artifact(file: str, root: Path | None) -> dict[str, Any]:
    """A relative, percent-encoded URI under %SRCROOT%; a path outside the root is an absolute
    file URI; standard input, or a name that is no relative path, has only a description."""
    if file.startswith("<"):
        return {"description": {"text": "standard input" if file == "<stdin>" else file}}
    if root is None:
        parts = PurePosixPath(file).parts
        if not parts or parts[0] == "/" or ".." in parts:
            return {"description": {"text": file}}
        return {"uri": quote(PurePosixPath(*parts).as_posix()), "uriBaseId": SRCROOT}
    path = Path(file).resolve()
    if not path.is_relative_to(root):
        return {"uri": path.as_uri()}
    return {"uri": quote(path.relative_to(root).as_posix()), "uriBaseId": SRCROOT}


def render_github(result: ValidationResult) -> bytes:
    """GitHub Actions workflow commands: one annotation per finding."""
    kinds = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
    lines = []
    for finding in result.findings:
        where = finding.location
        props = [f"title={_escape_property(finding.code)}"]
        if where.file:
            props.insert(0, f"file={_escape_property(where.file)}")
        if where.line is not None:
            props.insert(1, f"line={where.line}")
        pointer = f"{where.pointer}: " if where.pointer else ""
        message = _escape_data(pointer + finding.message)
        lines.append(f"::{kinds[finding.severity]} {','.join(props)}::{message}")
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


def _escape_data(text: str) -> str:
    """A workflow-command value: controls shown escaped (no ANSI in the log), then the runner's
    own escapes, so input can neither end the command nor start another."""
    return printable(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


REPORTERS: dict[str, Reporter] = {
    "json": render_json,
    "junit": render_junit,
    "sarif": render_sarif,
    "github": render_github,
}
