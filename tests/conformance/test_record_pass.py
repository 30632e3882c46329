"""Certification's checks run as visitors of validate's record pass, each emitting only the
rules it declares (issue 13)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ccstd.conformance import engine, ruleset
from ccstd.conformance.manifest import load
from ccstd.standard.checker import CheckOptions
from ccstd.standard.findings import Finding, Locator
from ccstd.standard.reading import read_blocks
from ccstd.standard.registry import StandardRegistry
from ccstd.standard.runner import RecordVisitor, record_pass
from tests.perf.test_certificates_unchanged import bench_submission


class Watched:
    """A visitor that remembers the codes another one emits."""

    def __init__(self, inner: RecordVisitor) -> None:
        self.inner, self.rules, self.codes = inner, inner.rules, Counter[str]()

    def _seen(self, findings: Iterable[Finding]) -> list[Finding]:
        found = list(findings)
        self.codes.update(f.code for f in found)
        return found

    def start(self) -> None:
        self.codes.clear()
        self.inner.start()

    def record(self, record: dict[str, Any], at: Locator) -> list[Finding]:
        return self._seen(self.inner.record(record, at))

    def end(self) -> list[Finding]:
        return self._seen(self.inner.end())


def test_visitors_emit_only_the_rules_they_declare(tmp_path: Path) -> None:
    manifest = load(bench_submission(tmp_path))
    rules = ruleset.load("1.0.0")
    registry = StandardRegistry()
    visitors = [
        Watched(engine._SemanticChecks(rules, registry.get("1.0.0"))),
        Watched(engine._Coverage(rules, manifest)),
    ]
    for _ in range(2):  # a second run sees what the first did, no more
        emitted: list[Finding] = []
        blocks = read_blocks(str(manifest.records[0]))
        totals = record_pass(blocks, registry, CheckOptions("1.0.0"), emitted.extend, visitors)
    for visitor in visitors:
        assert visitor.codes, "the set makes every visitor speak"
        assert set(visitor.codes) <= visitor.rules
    assert totals.records > 3000
    assert Counter(f.code for f in emitted) >= sum((v.codes for v in visitors), Counter())
