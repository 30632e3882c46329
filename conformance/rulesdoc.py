"""The page of finding codes and rule sets (docs/reference/rules.md), from their declarations."""

from __future__ import annotations

from pathlib import Path

from ccstd.conformance import ruleset
from ccstd.standard.rules import RULES

_HEADER = """# Finding codes and rule sets

Generated from `standard/rules.py`, `conformance/rules.py` and `conformance/rulesets/` by
`make docs`; a test fails when this page is stale, or when a rule has no test that makes it
fire. Every problem ccstd reports carries one of these stable codes. Severities: `error` = the
standard says MUST, `warning` = SHOULD, `info` = for your information. Levels are those of
`ccstd certify` (schema, semantic, quality, adapter). Codes are never renumbered or reused.

| code | severity | level | profiles | title | enforces |
| --- | --- | --- | --- | --- | --- |
"""


def render(rulesets: Path = ruleset.FOLDER) -> str:
    """The whole page, with every rule set in `rulesets`."""
    table = "".join(
        f"| [`{r.code}`](#{r.code}) | {r.severity.value} | {r.level.value} | "
        f"{', '.join(r.profiles) or 'all'} | {r.title} | {r.clause} |\n"
        for r in RULES.values()
    )
    sections = "".join(
        f"\n## {r.code}\n\n**{r.title}** ({r.severity.value}; {r.level.value} level; "
        f"{r.clause})\n\n{r.description}\n\nMessage: `{r.template}`\n"
        for r in RULES.values()
    )
    return (
        _HEADER
        + table
        + sections
        + "".join(_ruleset(v, rulesets) for v in ruleset.available(rulesets))
    )


def _ruleset(version: str, rulesets: Path) -> str:
    rules = ruleset.load(version, rulesets)
    lines = [
        f"\n# Rule set for standard {version} (revision {rules.revision})\n",
        f"Digest `{rules.digest}`. Expected fields must be present in at least "
        f"{rules.expected_field_coverage:.0%} of an entity's records; at most "
        f"{rules.max_unknown_field_share:.0%} of source field occurrences may be unknown to an "
        "adapter's mapping.\n",
        "| profile | entities | expected fields |",
        "| --- | --- | --- |",
    ]
    for profile in rules.profiles.values():
        expected = "; ".join(
            f"{e}: {', '.join(x.replace('|', ' or ') for x in f)}"
            for e, f in profile.expected.items()
        )
        lines.append(
            f"| `{profile.name}` ({profile.title}) | {', '.join(profile.entities)} | {expected} |"
        )
    lines += ["", "| lifecycle | history | transitions |", "| --- | --- | --- |"]
    for lifecycle in rules.lifecycles.values():
        moves = "; ".join(
            f"{before} → {', '.join(sorted(after)) or '(final)'}"
            for before, after in lifecycle.transitions.items()
        )
        lines.append(f"| {lifecycle.entity} | `{lifecycle.history}` | {moves} |")
    lines += ["", "| entity | earlier | not after |", "| --- | --- | --- |"]
    lines += [
        f"| {o.entity} | `{'/'.join(o.earlier)}` | `{'/'.join(o.later)}` |"
        for o in rules.ordered_times
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")
