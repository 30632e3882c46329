"""report.html: one self-contained page (inline CSS and SVG, no script, nothing fetched), zh + en.

Per community: a map (facilities by category; buildings coloured by the share of the profile's
requirements they reach, a cross on those that miss a type even at the widest level), the
coverage table per level and type, and the one-hour table; then the ranked gaps.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np

from ccstd.lifecircle.coverage import reached
from ccstd.lifecircle.report import Analysis

_PALETTE = ("#d73027", "#fc8d59", "#fee08b", "#91cf60", "#1a9850")  # none .. all reached
_MAX_STREETS = 20_000  # segments drawn per map
_SIZE = 520
_KINDS = {"delivery": ("配送", "Deliveries"), "service-request": ("诉求", "Service requests"),
          "care-visit": ("上门服务", "Care visits")}  # fmt: skip
_STYLE = """
body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;margin:2rem;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1rem}td,th{border:1px solid #ccc;padding:.2rem .5rem}
th{background:#f3f3f3}td.n{text-align:right}.estimate{background:#fff3cd;padding:.5rem}
.suppressed{color:#888}svg.map{border:1px solid #999;background:#fafafa}
.legend span{margin-right:1em}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def render(analysis: Analysis, document: dict[str, Any]) -> str:
    """The whole page."""
    profile = analysis.profile
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">",
        f"<title>生活圈报告 Life-circle report — {_e(profile.title)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>生活圈报告 <small>Life-circle report</small></h1>",
        _method(document),
        _inputs(document),
        _gaps(document),
    ]
    for community_id, entry in document["communities"].items():
        parts.append(_community(analysis, community_id, entry))
    if document["oneHourUnknownCommunity"]:
        parts.append('<section class="unknown"><h2>社区不明 Community unknown</h2>')
        parts.append(_onehour({"oneHour": document["oneHourUnknownCommunity"]}) + "</section>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _method(document: dict[str, Any]) -> str:
    profile, method = document["profile"], document["method"]
    lines = [
        f"<p>标准 Profile: <b>{_e(profile['titleZh'])} / {_e(profile['title'])}</b> "
        f"({_e(profile['source'])})</p><ul>",
    ]
    for level in profile["levels"]:
        lines.append(
            f"<li>{_e(level['titleZh'])} {_e(level['title'])}: ≤ {level['maxDistanceM']:g} m "
            f"— {_e(level['source'])}</li>"
        )
    lines.append("</ul>")
    if method["estimate"]:
        lines.append(
            '<p class="estimate" id="estimate">估算 Estimate: 直线距离 \u00d7 绕行系数 '
            f"straight-line distance \u00d7 circuity factor {method['circuityFactor']:g} "
            "(no street network given).</p>"
        )
    else:
        network = method.get("network", {})
        lines.append(
            f"<p>步行网络距离 Walking distance on the street network "
            f"({network.get('nodes', 0):,} nodes, {network.get('edges', 0):,} edges; "
            f"楼栋离路网中位距离 median building-to-network snap "
            f"{network.get('buildingMedianSnapM', 0):g} m).</p>"
        )
    lines.append(
        f"<p>少于 {method['minHouseholdsPerFigure']} 户的数字不予显示 Figures over fewer than "
        f"{method['minHouseholdsPerFigure']} households are suppressed.</p>"
    )
    return "\n".join(lines)


def _inputs(document: dict[str, Any]) -> str:
    inputs = document["inputs"]
    kinds = sorted(set(inputs["read"]))
    rows = [
        '<h2>输入 Inputs</h2><table class="inputs"><tr><th>类型 Type</th><th>读取 Read</th>'
        "<th>使用 Used</th><th>无效 Invalid</th><th>不可用 Unusable</th><th>忽略 Ignored</th></tr>"
    ]
    for kind in kinds:
        cells = "".join(
            f'<td class="n">{inputs[key].get(kind, 0):,}</td>'
            for key in ("read", "used", "invalid", "unusable", "ignored")
        )
        rows.append(f"<tr><td>{_e(kind)}</td>{cells}</tr>")
    rows.append("</table>")
    if inputs["problems"]:
        items = "".join(f"<li>{_e(p)}</li>" for p in inputs["problems"])
        rows.append(f'<details class="problems"><summary>未使用的记录 Records not used (first '
                    f'{len(inputs["problems"])})</summary><ul>{items}</ul></details>')  # fmt: skip
    return "".join(rows)


def _gaps(document: dict[str, Any]) -> str:
    items = document["gaps"][:30]
    if not items:
        return "<h2>缺口 Gaps</h2><p>无 None.</p>"
    lines = "".join(f"<li>{_e(g['zh'])}<br><small>{_e(g['en'])}</small></li>" for g in items)
    return f'<h2>缺口 Gaps</h2><ol class="gaps">{lines}</ol>'


def _pct(value: object) -> str:
    return "—" if value is None else f"{float(value) * 100:.0f}%"  # type: ignore[arg-type]


def _community(analysis: Analysis, community_id: str, entry: dict[str, Any]) -> str:
    head = (
        f'<section class="community" data-community="{_e(community_id)}">'
        f"<h2>{_e(entry['name'])} <small>({_e(community_id)})</small></h2>"
        f"<p>楼栋 Buildings: {entry.get('buildings', 0)}; 户 Households: "
        f"{entry.get('households') if entry.get('households') is not None else '—'}; "
        f"居民 Residents: {entry.get('residents') if entry.get('residents') is not None else '—'}"
        "</p>"
    )
    shown = _suppressed_map() if entry.get("suppressed") else _map(analysis, community_id)
    parts = [head, shown, _facilities(entry), _coverage(analysis, entry), _onehour(entry)]
    parts.append("</section>")
    return "\n".join(parts)


def _facilities(entry: dict[str, Any]) -> str:
    rows = [
        '<table class="facilities"><tr><th>类别 Category</th><th>数量 Count</th>'
        "<th>容量 Capacity</th><th>周末开放 Open at weekends</th></tr>"
    ]
    for category, figures in entry.get("facilities", {}).items():
        capacity, weekends = figures["capacity"], figures["openWeekends"]
        rows.append(
            f'<tr><td>{_e(category)}</td><td class="n">{figures["count"]}</td>'
            f'<td class="n">{"—" if capacity is None else capacity}</td>'
            f'<td class="n">{"—" if weekends is None else weekends}</td></tr>'
        )
    rows.append("</table>")
    return "".join(rows)


def _coverage(analysis: Analysis, entry: dict[str, Any]) -> str:
    profile = analysis.profile
    rows = [
        '<table class="coverage"><tr><th>层级 Level</th><th>设施 Facility type</th>'
        "<th>楼栋覆盖 Buildings covered</th><th>居民覆盖 Residents covered</th>"
        "<th>中位距离 Median distance</th></tr>"
    ]
    for level in profile.levels:
        figures = entry.get("levels", {}).get(level.id, {})
        for type_id, shares in figures.get("types", {}).items():
            kind = profile.types[type_id]
            median = shares.get("medianDistanceM")
            rows.append(
                f"<tr><td>{_e(level.title_zh)}</td><td>{_e(kind.title_zh)} {_e(kind.title)}</td>"
                f'<td class="n">{_pct(shares["buildingsCovered"])}</td>'
                f'<td class="n">{_pct(shares["residentsCovered"])}</td>'
                f'<td class="n">{"—" if median is None else f"{median} m"}</td></tr>'
            )
        every = figures.get("allRequired", {})
        rows.append(
            f"<tr><th>{_e(level.title_zh)}</th><th>全部 All required</th>"
            f'<th class="n">{_pct(every.get("buildingsCovered"))}</th>'
            f'<th class="n">{_pct(every.get("residentsCovered"))}</th><th></th></tr>'
        )
    rows.append("</table>")
    return "".join(rows)


def _onehour(entry: dict[str, Any]) -> str:
    rows = [
        '<table class="onehour"><tr><th>类别 Kind</th><th>分类 Category</th><th>件数 Count</th>'
        "<th>中位 Median (min)</th><th>P90 (min)</th><th>60分钟内 Within 60 min</th></tr>"
    ]
    for kind, categories in entry.get("oneHour", {}).items():
        zh, en = _KINDS.get(kind, (kind, kind))
        for category, figures in categories.items():
            name = "全部 all" if category == "*" else category
            if figures.get("suppressed"):
                cells = '<td class="suppressed" colspan="4">少于5户 fewer than 5 households</td>'
            else:
                cells = (
                    f'<td class="n">{figures["count"]}</td>'
                    f'<td class="n">{figures["medianMinutes"]}</td>'
                    f'<td class="n">{figures["p90Minutes"]}</td>'
                    f'<td class="n">{_pct(figures["shareWithin60Min"])}</td>'
                )
            rows.append(f"<tr><td>{zh} {en}</td><td>{_e(name)}</td>{cells}</tr>")
    if len(rows) == 1:
        rows.append('<tr><td colspan="6">无记录 No records</td></tr>')
    rows.append("</table>")
    return "".join(rows)


def _suppressed_map() -> str:
    return (
        '<svg class="map suppressed" width="360" height="40" role="img" aria-label="suppressed">'
        '<text x="5" y="25">少于5户 不显示 fewer than 5 households: not shown</text></svg>'
    )


def _map(analysis: Analysis, community_id: str) -> str:
    members = [i for i, b in enumerate(analysis.buildings) if b.community == community_id]
    if not members:
        return '<svg class="map" width="120" height="40"><text x="5" y="25">—</text></svg>'
    xy = analysis.building_xy[members]
    pad = 150.0
    low, high = xy.min(axis=0) - pad, xy.max(axis=0) + pad
    scale = _SIZE / float(max(high[0] - low[0], high[1] - low[1]))

    def at(point: np.ndarray) -> tuple[float, float]:
        return (point[0] - low[0]) * scale, _SIZE - (point[1] - low[1]) * scale

    shapes = [f'<svg class="map" viewBox="0 0 {_SIZE} {_SIZE}" width="{_SIZE}" '
              f'height="{_SIZE}" role="img" aria-label="map {_e(community_id)}">']  # fmt: skip
    shapes.extend(_street_lines(analysis, low, high, at))
    shapes.extend(_facility_marks(analysis, low, high, at))
    shapes.extend(_building_marks(analysis, members, at))
    shapes.append("</svg>")
    return "".join(shapes) + _legend(analysis)


def _colour(category: str, categories: list[str]) -> str:
    """One hue per category present, evenly spread."""
    hue = categories.index(category) * 360 // max(1, len(categories))
    return f"hsl({hue},70%,42%)"


def _street_lines(analysis: Analysis, low: np.ndarray, high: np.ndarray, at: Any) -> list[str]:
    if analysis.streets is None or not len(analysis.streets):
        return []
    ends = analysis.streets
    inside = np.any(np.all((ends >= low) & (ends <= high), axis=2), axis=1)  # either end
    steps = []
    for a, b in ends[inside][:_MAX_STREETS]:
        (x1, y1), (x2, y2) = at(a), at(b)
        steps.append(f"M{x1:.1f},{y1:.1f}L{x2:.1f},{y2:.1f}")
    return [f'<path class="streets" d="{"".join(steps)}" stroke="#bbb" stroke-width="2"/>']


def _facility_marks(analysis: Analysis, low: np.ndarray, high: np.ndarray, at: Any) -> list[str]:
    categories = sorted({f.category for f in analysis.facilities})
    marks = []
    for index, site in enumerate(analysis.facilities):
        point = analysis.facility_xy[index]
        if not (np.all(point >= low) and np.all(point <= high)):
            continue
        x, y = at(point)
        colour = _colour(site.category, categories)
        marks.append(
            f'<rect class="facility" x="{x - 5:.1f}" y="{y - 5:.1f}" width="10" height="10" '
            f'fill="{colour}"><title>{_e(site.name)} ({_e(site.category)})</title></rect>'
        )
    return marks


def _building_marks(analysis: Analysis, members: list[int], at: Any) -> list[str]:
    profile, access = analysis.profile, analysis.access
    counts = [reached(profile, access, i) for i in range(len(profile.levels))]
    wanted = sum(len(level.requires) for level in profile.levels)
    last = max(range(len(profile.levels)), key=lambda i: profile.levels[i].max_distance_m)
    widest = len(profile.levels[last].requires)
    marks = []
    for index in members:
        got = sum(int(c[index]) for c in counts)
        colour = _PALETTE[min(4, int(got / wanted * 4.999))] if wanted else _PALETTE[-1]
        x, y = at(analysis.building_xy[index])
        site = analysis.buildings[index]
        marks.append(
            f'<circle class="building" cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{colour}" '
            f'stroke="#333"><title>{_e(site.name)}: {got}/{wanted}</title></circle>'
        )
        if int(counts[last][index]) < widest:
            marks.append(
                f'<path class="uncovered" d="M{x - 7:.1f},{y - 7:.1f}L{x + 7:.1f},{y + 7:.1f}'
                f'M{x - 7:.1f},{y + 7:.1f}L{x + 7:.1f},{y - 7:.1f}" stroke="#000" '
                'stroke-width="1.5"/>'
            )
    return marks


def _legend(analysis: Analysis) -> str:
    categories = sorted({f.category for f in analysis.facilities})
    items = "".join(
        f'<span><svg width="10" height="10"><rect width="10" height="10" '
        f'fill="{_colour(c, categories)}"/></svg> {_e(c)}</span>'
        for c in categories
    )
    return (
        f'<p class="legend">{items}<br>楼栋颜色 Building colour: 红 red = 无 none … 绿 green = '
        "全部要求 every requirement; \u00d7 = 最大层级仍缺设施 "
        "misses a type even at the widest level</p>"
    )
