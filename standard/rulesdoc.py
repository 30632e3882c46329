"""Render docs/rules.md, the catalogue of finding codes, from the rule declarations."""

from __future__ import annotations

from ccstd.standard.rules import RULES

_HEADER = """# Finding codes

Generated from `standard/rules.py` by `make rules-doc`; a test fails when this page is stale.
Every problem ccstd reports carries one of these stable codes. Severities: `error` = the standard
says MUST, `warning` = SHOULD, `info` = for your information. Codes are never renumbered or reused.

| code | severity | title | enforces |
| --- | --- | --- | --- |
"""


def render() -> str:
    """The whole page."""
    table = "".join(
        f"| [`{r.code}`](#{r.code}) | {r.severity.value} | {r.title} | {r.clause} |\n"
        for r in RULES.values()
    )
    sections = "".join(
        f"\n## {r.code}\n\n**{r.title}** ({r.severity.value}; {r.clause})\n\n{r.description}\n\n"
        f"Message: `{r.template}`\n"
        for r in RULES.values()
    )
    return _HEADER + table + sections


if __name__ == "__main__":
    print(render(), end="")
