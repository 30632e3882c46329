"""docs/convert.md's FHIR tables are generated from mapping.toml, and say what the code does."""

from __future__ import annotations

import re

from ccstd.adapters.fhir import docs, mapping
from tests.conftest import REPO_ROOT


def test_the_fhir_tables_of_the_convert_page_are_up_to_date() -> None:
    page = (REPO_ROOT / "docs" / "convert.md").read_text(encoding="utf-8")
    assert docs.render() in page, (
        "docs/convert.md's FHIR tables are stale: run `python -m ccstd.adapters.fhir.docs`"
    )


def test_a_stale_page_is_rewritten_in_place() -> None:
    stale = f"# page\n\n{docs.BEGIN}\n| old | table |\n{docs.END}\n\n## after\n"
    fresh = docs.updated(stale)
    assert fresh.startswith("# page\n\n") and fresh.endswith("\n\n## after\n")
    assert "| old | table |" not in fresh and docs.render().rstrip("\n") in fresh


def test_every_element_the_tables_call_mapped_is_read_by_the_mapping() -> None:
    code = "".join(
        (REPO_ROOT / "adapters" / "fhir" / name).read_text(encoding="utf-8")
        for name in ("mapping.py", "clinical.py", "care.py")
    )
    literals = set(re.findall(r'"([A-Za-z_]+)"', code))
    for kind, spec in mapping.TABLES["coverage"].items():
        for element in spec.get("mapped", {}):
            name = element.split("[")[0]
            assert name in literals or name == "extension", f"{kind}.{element}"
