"""Every rule is documented on the generated rules page and has a test that makes it fire."""

from __future__ import annotations

import ast

from ccstd.conformance import rulesdoc
from ccstd.standard.rules import RULES
from tests.conftest import REPO_ROOT, load_examples


def test_rules_page_is_up_to_date() -> None:
    committed = (REPO_ROOT / "docs" / "reference" / "rules.md").read_text(encoding="utf-8")
    assert committed == rulesdoc.render(), "docs/reference/rules.md is stale: run `make docs`"


def _proved_by_tests() -> set[str]:
    """Codes named in `proves("code", ...)` calls anywhere under tests/."""
    codes: set[str] = set()
    for path in (REPO_ROOT / "tests").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "proves"
            ):
                codes.update(a.value for a in node.args if isinstance(a, ast.Constant))
    return codes


def test_every_rule_has_a_test_that_makes_it_fire() -> None:
    by_examples = {e.expected_code for e in load_examples("1.0.0") if e.expected_code}
    proved = by_examples | _proved_by_tests()
    missing = sorted(set(RULES) - proved)
    assert not missing, f"rules without a test that makes them fire: {missing}"
    unknown = sorted(_proved_by_tests() - set(RULES))
    assert not unknown, f"proves(...) names codes that are not rules: {unknown}"
