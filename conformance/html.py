"""report.html: one self-contained page (no network) with the verdict, profiles, charts, findings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from ccstd.conformance.result import CertificationResult

_STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC",sans-serif;margin:0;
color:#1d232a;background:#f6f7f9}
main{max-width:1180px;margin:0 auto;padding:0 20px 40px}
.banner{padding:22px 20px;color:#fff}.banner.pass{background:#2e7d32}.banner.fail{background:#c62828}
.banner main{padding-bottom:0}.banner h1{margin:0;font-size:30px;letter-spacing:.04em}.banner p{margin:4px 0 0}
section{background:#fff;border:1px solid #dfe3e8;border-radius:6px;margin:18px 0;padding:14px 18px}
h2{font-size:17px;margin:0 0 10px}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #eceff2;vertical-align:top}
th{background:#f0f2f5;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}
.tag{display:inline-block;padding:0 7px;border-radius:9px;font-size:12px;color:#fff}
.error{background:#c62828}.warning{background:#ef6c00}.info{background:#1565c0}
.pass-tag{background:#2e7d32}.fail-tag{background:#c62828}
.charts{display:grid;grid-template-columns:1fr 1fr;gap:18px}
.filters{display:flex;gap:10px;margin-bottom:10px;flex-wrap:wrap}
.filters select,.filters input{padding:4px 6px;font:inherit}code{font-size:12.5px}
.muted{color:#5f6b77}
"""

_SCRIPT = """
(function () {
  var rows = Array.prototype.slice.call(document.querySelectorAll('#findings tbody tr'));
  var severity = document.getElementById('filter-severity');
  var profile = document.getElementById('filter-profile');
  var rule = document.getElementById('filter-rule');
  var text = document.getElementById('filter-text');
  var shown = document.getElementById('shown-count');
  function apply() {
    var n = 0, q = text.value.toLowerCase();
    rows.forEach(function (row) {
      var ok = (!severity.value || row.dataset.severity === severity.value) &&
        (!profile.value || (' ' + row.dataset.profiles + ' ').indexOf(' ' + profile.value + ' ') >= 0) &&
        (!rule.value || row.dataset.rule === rule.value) &&
        (!q || row.textContent.toLowerCase().indexOf(q) >= 0);
      row.hidden = !ok;
      if (ok) { n += 1; }
    });
    shown.textContent = String(n);
  }
  [severity, profile, rule].forEach(function (el) { el.addEventListener('change', apply); });
  text.addEventListener('input', apply);
  apply();
}());
"""


def render_html(result: CertificationResult, report: Mapping[str, Any]) -> bytes:
    """The whole page; every value shown is escaped, none is a personal value."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>ccstd certify: {escape(result.verdict.upper())} · {escape(result.product)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        _banner(result),
        "<main>",
        _profiles(result),
        _charts(result),
        _findings(report["findings"], result),
        _inputs(report["inputs"]),
        "</main>",
        f"<script>{_SCRIPT}</script></body></html>",
    ]
    return ("\n".join(parts) + "\n").encode("utf-8")


def _e(value: object) -> str:
    """Any value as escaped HTML text (numbers too: a report may come from anywhere)."""
    return escape(str(value))


def _banner(result: CertificationResult) -> str:
    reached = result.level_reached.value if result.level_reached else "none"
    version = f" {result.product_version}" if result.product_version else ""
    return (
        f'<div class="banner {result.verdict}"><main>'
        f'<h1 id="verdict">{result.verdict.upper()}</h1>'
        f"<p><strong>{escape(result.vendor)}</strong> · {escape(result.product)}{escape(version)}"
        f" · standard {escape(result.standard)} · profiles "
        f"{escape(', '.join(result.claimed_profiles))}</p>"
        f'<p>Level claimed: {result.claimed_level.value}; reached: <span id="level">{reached}'
        f"</span> · fails on: {result.fail_on.value} · rule set r{result.ruleset_revision} "
        f"<code>{escape(result.ruleset_digest[:23])}…</code> · {escape(result.started_at)}</p>"
        "</main></div>"
    )


def _profiles(result: CertificationResult) -> str:
    rows = "".join(
        f"<tr><td><strong>{escape(p.name)}</strong><br><span class=muted>{escape(p.title)}"
        f"</span></td><td class=num>{p.records}</td><td class=num>{p.errors}</td>"
        f"<td class=num>{p.warnings}</td><td>{_verdict_tag(p.passed)}</td></tr>"
        for p in result.profiles
    )
    adapter = ""
    if result.adapter:
        a = result.adapter
        adapter = (
            f"<p>Adapter <code>{_e(a.get('name'))}</code> {_e(a.get('version'))}"
            f": read {_e(a.get('read', '-'))}, converted {_e(a.get('converted', '-'))}, skipped "
            f"{_e(a.get('skipped', '-'))}, rejected {_e(a.get('rejected', '-'))}.</p>"
        )
    return (
        "<section><h2>Profiles</h2><table><thead><tr><th>profile</th><th>records</th>"
        f"<th>errors</th><th>warnings</th><th>verdict</th></tr></thead><tbody>{rows}"
        f"</tbody></table><p>{result.records} records checked, {result.invalid} invalid.</p>"
        f"{adapter}</section>"
    )


def _verdict_tag(passed: bool) -> str:
    return (
        '<span class="tag pass-tag">pass</span>'
        if passed
        else ('<span class="tag fail-tag">fail</span>')
    )


def _charts(result: CertificationResult) -> str:
    by_rule = sorted(result.by_rule.items(), key=lambda kv: (-kv[1], kv[0]))
    by_profile = [(p.name, p.errors + p.warnings) for p in result.profiles]
    return (
        '<section><h2>Findings by rule and by profile</h2><div class="charts">'
        f"{_bars('Findings by rule', by_rule)}{_bars('Errors and warnings by profile', by_profile)}"
        "</div></section>"
    )


def _bars(title: str, values: Sequence[tuple[str, int]]) -> str:
    if not values:
        return f"<div><h3>{escape(title)}</h3><p class=muted>none</p></div>"
    top = max(n for _, n in values) or 1
    height = 22 * len(values) + 4
    bars = "".join(
        f'<text x="0" y="{22 * i + 15}" font-size="12">{escape(label)}</text>'
        f'<rect x="190" y="{22 * i + 4}" width="{max(2, round(200 * n / top))}" height="14" '
        f'fill="#5c6bc0"><title>{escape(label)}: {n}</title></rect>'
        f'<text x="{196 + round(200 * n / top)}" y="{22 * i + 15}" font-size="12">{n}</text>'
        for i, (label, n) in enumerate(values)
    )
    return (
        f'<div><h3>{escape(title)}</h3><svg role=img aria-label="{escape(title)}" '
        f'width="460" height="{height}" xmlns="http://www.w3.org/2000/svg">{bars}</svg></div>'
    )


def _findings(findings: Sequence[Mapping[str, Any]], result: CertificationResult) -> str:
    rows = "".join(_finding_row(f) for f in findings)
    total = sum(result.counts.values())
    options = "".join(f"<option>{escape(p)}</option>" for p in result.claimed_profiles)
    rules = "".join(f"<option>{escape(c)}</option>" for c in sorted(result.by_rule))
    listed = "" if result.omitted == 0 else f" ({result.omitted} not listed)"
    return (
        '<section><h2>Findings: <span id="findings-total">'
        f"{total}</span>{listed}, "
        '<span id="shown-count"></span> shown</h2><div class="filters">'
        '<select id="filter-severity" aria-label="severity"><option value="">all severities</option>'
        "<option>error</option><option>warning</option><option>info</option></select>"
        f'<select id="filter-profile" aria-label="profile"><option value="">all profiles</option>'
        f"{options}</select>"
        f'<select id="filter-rule" aria-label="rule"><option value="">all rules</option>{rules}'
        "</select>"
        '<input id="filter-text" type="search" placeholder="filter text" aria-label="text">'
        '</div><table id="findings"><thead><tr><th>severity</th><th>rule</th><th>level</th>'
        "<th>where</th><th>message</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></section>"
    )


def _finding_row(f: Mapping[str, Any]) -> str:
    where = escape(f["file"] or "(run)")
    if f["line"] is not None:
        where += f":{_e(f['line'])}"
    if f["pointer"]:
        where += f" <code>{escape(f['pointer'])}</code>"
    if f["recordId"]:
        where += f"<br><span class=muted>{escape(f['recordId'])}</span>"
    return (
        f'<tr data-severity="{_e(f["severity"])}" data-rule="{escape(f["code"])}" '
        f'data-profiles="{escape(" ".join(f["profiles"]))}">'
        f'<td><span class="tag {_e(f["severity"])}">{_e(f["severity"])}</span></td>'
        f"<td><code>{escape(f['code'])}</code></td><td>{_e(f['level'])}</td><td>{where}</td>"
        f"<td>{escape(f['message'])}</td></tr>"
    )


def _inputs(inputs: Sequence[Mapping[str, Any]]) -> str:
    rows = "".join(
        f"<tr><td>{escape(i['role'])}</td><td><code>{escape(i['path'])}</code></td>"
        f"<td class=num>{_e(i['size'])}</td><td><code>{escape(i['sha256'][:16])}…</code></td></tr>"
        for i in inputs
    )
    return (
        "<section><h2>Inputs</h2><table><thead><tr><th>role</th><th>file</th><th>bytes</th>"
        f"<th>SHA-256</th></tr></thead><tbody>{rows}</tbody></table></section>"
    )
