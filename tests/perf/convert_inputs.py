"""Seeded inputs for the unchanged-output check of `ccstd convert` (test_convert_unchanged.py).

Each builder writes one file and returns (file, adapter name): the benchmarks' own inputs at a
small size, and variants made to reach the paths a benchmark never takes (missing and odd values,
unknown codes, repeated and nested elements, attributes where text was expected).
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from benchmarks.xml import write_log

VENDORS = Path(__file__).parent.parent.parent / "examples" / "vendors"
TAOBAO = VENDORS / "orders" / "taobao-trades.ndjson"

_NAMED = ' name="王小明"'
_ODD: list[Any] = ["", None, [], {}, "1e500", 1.5, "abc", "x" * 5000, -3, "0.001", True]
_ODD += [{"a": {"b": [1, 2]}}, "2024-13-45 99:99:99", "11010519491231002X", "+8613912345678"]


def bench_xml(folder: Path) -> Path:
    """The XML benchmark's log, at 1 MB."""
    return write_log(folder / "bench.xml", 1)


def odd_xml(folder: Path) -> Path:
    """A legacy log whose events vary in every way the dialect reads them."""
    rng = random.Random(13)
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<AccessLog site="东门小区" exported="2024-05-02">'
    ]
    for n in range(600):
        attributes = {
            "id": str(n),
            "time": f"2024-05-01 10:{n % 60:02d}:{n % 59:02d}",
            "controller": rng.choice(["LY-1", "东门", "LY 2", "x" * 200]),
            "door": rng.choice(["1", "abc", "", "99999999999"]),
            "reader": "1",
        }
        if rng.random() < 0.1:
            del attributes[rng.choice(sorted(attributes))]
        if rng.random() < 0.05:
            attributes["time"] = rng.choice(["yesterday", "2024-05-01T10:00:00+08:00", ""])
        children = [
            f"<Card>{rng.randrange(10**8):08d}</Card>",
            f'<Person code="P{n}"{rng.choice(["", _NAMED])}/>',
            f'<Result code="{rng.choice(["OK", "E01", "E02", "E03", "E99", ""])}"/>',
            f"<Method>{rng.choice(['CARD', 'FACE', 'QR', 'GUEST', 'NFC'])}</Method>",
            f"<Direction>{rng.choice(['IN', 'OUT', '进', '出', 'SIDEWAYS'])}</Direction>",
        ]
        extra = [
            "<Remark>note</Remark>",
            '<Card type="ic">1234</Card>',
            "<Card>2</Card>",
            '<Extra><Deep a="1">t</Deep><Deep>u</Deep></Extra>',
            "<Method/>",
            '<Result code="OK">text</Result>',
            "<Direction>  </Direction>",
        ]
        children += rng.sample(extra, rng.randrange(3))
        rng.shuffle(children)
        if rng.random() < 0.1:
            children.pop()
        attrs = " ".join(f'{k}="{v}"' for k, v in attributes.items())
        parts.append(f"<Event {attrs}>{''.join(children)}</Event>")
    parts.append("</AccessLog>\n")
    path = folder / "odd.xml"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def _trades() -> list[dict[str, Any]]:
    pages = [json.loads(line) for line in TAOBAO.read_text(encoding="utf-8").splitlines()]
    return [t for page in pages for t in page["trades_sold_get_response"]["trades"]["trade"]]


def bench_orders(folder: Path, copies: int = 5) -> Path:
    """The orders benchmark's input (as benchmarks/orders.py builds it), with fewer copies."""
    orders = [dict(t, tid=t["tid"] * 100 + copy) for copy in range(copies) for t in _trades()]
    path = folder / "trades.ndjson"
    path.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in orders), "utf-8")
    return path


def odd_orders(folder: Path) -> Path:
    """Taobao trades with one or two values changed to odd ones, or taken out."""
    rng = random.Random(31)
    lines = []
    for index, trade in enumerate(_trades() * 3):
        trade = json.loads(json.dumps(trade))
        trade["tid"] = trade["tid"] * 10 + index % 10
        for _ in range(rng.randrange(1, 3)):
            target = trade
            held = trade.get("orders")
            lines_of = held.get("order") if isinstance(held, dict) else None
            if isinstance(lines_of, list) and lines_of and rng.random() < 0.4:
                target = rng.choice(lines_of)
            if not isinstance(target, dict) or not target:
                continue
            key = rng.choice(sorted(target))
            if rng.random() < 0.3:
                del target[key]
            else:
                target[key] = rng.choice(_ODD)
        lines.append(json.dumps(trade, ensure_ascii=False))
    path = folder / "odd-trades.ndjson"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


FHIR_SAMPLE = VENDORS / "fhir" / "clinic-export.json"


def bench_fhir(folder: Path, copies: int = 2) -> Path:
    """The FHIR benchmark's input (as benchmarks/fhir.py builds it), with fewer copies."""
    from benchmarks.fhir import _enlarged

    path = folder / "export.json"
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": _enlarged(copies)}
    path.write_text(json.dumps(bundle), encoding="utf-8")
    return path


def _wide(text: str) -> str:
    """ASCII letters in their full-width forms (U+FF01 to U+FF5E)."""
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalpha() else c for c in text)


_SHOWN = [
    "Wilhelmina Doe",
    "Dr. 张三",
    "Zoe\u0301 Müller",
    _wide("John Smith"),
    "Unknown patient",
]
_TEXTS = ["seen by Wilhelmina Doe", "call 999-12-3456", "张三 reports pain", "routine", "ok"]
_TEXTS += ["phone +86 139 1234 5678", _wide("John Smith") + " ok", "13912345678 line 1 Elm St"]


def _reference(rng: random.Random) -> dict[str, Any]:
    """A Reference of a shape the adapter tells apart: to a person or not, by target or type,
    or naming no target at all."""
    shape: dict[str, Any] = {"display": rng.choice(_SHOWN)}
    target = rng.choice(
        [
            "Patient/p1",
            "Practitioner/dr-9",
            "Organization/o1",
            None,
            None,
            "urn:uuid:1b2c3d4e",
            "PractitionerRole/r1/_history/2",
        ]
    )
    if target is not None:
        shape["reference"] = target
    if rng.random() < 0.3:
        shape["type"] = rng.choice(["Patient", "Organization", "RelatedPerson"])
    if rng.random() < 0.2:
        shape["identifier"] = {"value": "MBR99887766", "system": "urn:member"}
    return shape


def _odd_resource(rng: random.Random, index: int) -> dict[str, Any]:
    concept = {
        "text": rng.choice(_TEXTS),
        "coding": [{"system": "http://loinc.org", "code": "8480-6", "display": rng.choice(_TEXTS)}],
    }
    kind = rng.choice(["Observation", "Condition", "Encounter", "Immunization", "Claim"])
    resource: dict[str, Any] = {"resourceType": kind, "id": f"odd-{index}"}
    if kind == "Observation":
        resource |= {
            "status": "final",
            "code": concept,
            "valueQuantity": {"value": 120, "unit": "mm[Hg]"},
            "effectiveDateTime": "2024-05-01T10:00:00+08:00",
        }
    elif kind == "Condition":
        resource |= {"code": concept, "recordedDate": "2024-05-01"}
    elif kind == "Encounter":
        resource |= {"status": "finished", "class": {"code": "AMB"}, "type": [concept]}
    elif kind == "Immunization":
        resource |= {
            "status": "completed",
            "vaccineCode": concept,
            "occurrenceDateTime": "2024-05-01",
        }
    else:
        resource |= {"status": "active", "use": "claim"}
    subject = {"reference": f"Patient/patient-{index % 4}", "display": rng.choice(_SHOWN)}
    resource["subject" if kind != "Immunization" else "patient"] = subject
    key = rng.choice(["performer", "recorder", "asserter", "participant", "note", "vendorX"])
    holder: Any = [_reference(rng)] if key != "participant" else [{"individual": _reference(rng)}]
    if key == "note":
        holder = [{"text": rng.choice(_TEXTS), "authorReference": _reference(rng)}]
    resource[key] = holder
    if rng.random() < 0.2:
        resource["extension"] = [
            {"url": "http://example.org/who", "valueReference": _reference(rng)}
        ]
    if rng.random() < 0.15:
        resource["contained"] = [_person(rng, "Patient", f"c{index}")]
    return resource


def _person(rng: random.Random, kind: str, key: str) -> dict[str, Any]:
    person: dict[str, Any] = {
        "resourceType": kind,
        "id": key,
        "name": [{"family": "Doe", "given": [rng.choice(["Wilhelmina", "张三", _wide("John")])]}],
    }
    person["telecom"] = [
        {
            "system": "phone",
            "value": rng.choice(["+8613912345678", "555-867-5309", "+1 (617) 555-0100"]),
        }
    ]
    person["address"] = [{"line": ["1 Elm St"], "city": "Springfield"}]
    person["identifier"] = [{"system": "urn:ssn", "value": "999-12-3456"}]
    if kind == "Patient":
        person |= {"gender": "female", "birthDate": "1970-01-02"}
        person["contact"] = [
            {
                "name": {"family": "Roe", "given": ["Richard"]},
                "telecom": [{"system": "phone", "value": "13812345678"}],
            }
        ]
    return person


def odd_fhir(folder: Path) -> Path:
    """A Bundle of people and resources whose references show names in every place the adapter
    looks for them (by target, by type, by the element's name, in extensions and contained
    resources), with free text that names them, escapes and full-width forms; some resources
    repeat (the same, or with other content)."""
    rng = random.Random(11)
    resources = [
        _person(rng, kind, f"{kind.lower()}-{n}")
        for n in range(3)
        for kind in ("Patient", "Practitioner", "RelatedPerson")
    ]
    resources += [_odd_resource(rng, n) for n in range(240)]
    resources += [json.loads(json.dumps(r)) for r in rng.sample(resources, 8)]
    resources[-1]["meta"] = {"versionId": "2"}
    entries = [
        {"fullUrl": f"urn:uuid:{n:08x}-0000-4000-8000-000000000000", "resource": r}
        for n, r in enumerate(resources)
    ]
    path = folder / "odd-fhir.json"
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": entries}
    path.write_text(json.dumps(bundle, ensure_ascii=rng.random() < 0.5, indent=1), "utf-8")
    return path


def odd_fhir_ndjson(folder: Path) -> Path:
    """The odd Bundle's resources as NDJSON (read line by line, not parsed ahead), with one
    line a Bundle of its own and one escaped with \\u."""
    entries = json.loads(odd_fhir(folder).read_text(encoding="utf-8"))["entry"]
    lines = [json.dumps(e["resource"], ensure_ascii=n % 7 == 0) for n, e in enumerate(entries)]
    lines.insert(
        5, json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries[200:204]})
    )
    path = folder / "odd-fhir.ndjson"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def odd_fhir_array(folder: Path) -> Path:
    """The odd Bundle's entries as a JSON array of Bundles of different sizes (each with its
    own fullUrls) and resources between them."""
    entries = json.loads(odd_fhir(folder).read_text(encoding="utf-8"))["entry"]
    parts: list[Any] = []
    for start, end in [(0, 9), (9, 80), (80, 85), (85, 190), (190, 200), (200, len(entries))]:
        parts.append({"resourceType": "Bundle", "type": "collection", "entry": entries[start:end]})
        parts.append(entries[end - 1]["resource"] | {"id": f"loose-{end}"})
    path = folder / "odd-fhir-array.json"
    path.write_text(json.dumps(parts), encoding="utf-8")
    return path
