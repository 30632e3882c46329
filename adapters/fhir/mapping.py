"""FHIR R4 resources → records of the standard: the transformations the TOML tables cannot hold."""

from __future__ import annotations

import copy
import datetime
import decimal
import functools
import json
import re
import tomllib
import zoneinfo
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

import phonenumbers
import pycountry

from ccstd.adapters.base import Converted, Rejected, SourceContext
from ccstd.adapters.fhir import elements
from ccstd.adapters.fhir.people import People, holds_phone_or_id
from ccstd.standard.formats import is_country, is_date, is_resident_id
from ccstd.standard.registry import SCHEMAS_ROOT

MAPPING_FILE = Path(__file__).with_name("mapping.toml")
TABLES: dict[str, Any] = tomllib.loads(MAPPING_FILE.read_text(encoding="utf-8"))
STANDARD_VERSION = "1.3.0"
ENTITY_OF = {kind: spec["entity"] for kind, spec in TABLES["coverage"].items() if kind != "*"}
ADMINISTRATIVE = frozenset(TABLES["administrative"]["types"])
_UCUM = "http://unitsofmeasure.org"
_ABSENT_CODES = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
_NATIONAL_ID_TYPES = {"NI", "NNCHN", "CZ"}
_PARTIAL_DATE = re.compile(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")
_MAX_TEXT = 4000
US_CORE = "org.hl7.fhir.us-core"
UNCODED = "urn:ccstd:uncoded"  # a concept the source gave as text only
# The system of an identifier or coding the source gives without one: the standard requires a
# system there (Identifier.system, CodedConcept.system), and no standard names an unknown one,
# so the toolkit's own namespace says so (docs/convert.md); the ledger notes each.
NO_SYSTEM = "urn:ccstd:no-system"
_NO_SYSTEM_NOTE = (
    f"no system in the source: carried as {NO_SYSTEM} (the standard requires a system here)"
)

Record = dict[str, Any]
Mapper = Callable[[dict[str, Any], Record, SourceContext, "Drops"], "Rejected | None"]


class Drops(list[tuple[str, str]]):
    """(path in the resource, reason) of the values the record does not carry, and in `notes`
    (path, note) the values carried in a way the ledger tells (a date widened to a time)."""

    def __init__(self, people: People | None = None) -> None:
        super().__init__()
        self.notes: list[tuple[str, str]] = []
        self.records: list[Record] = []  # more records made from the item (contained results)
        # terms naming people the item holds (`screened`)
        self.people = people if people is not None else People()


NAMES_SOMEONE = (
    "free text naming a person or an identifier the export holds (a Patient's or Practitioner's "
    f"name or identifier, a street line): the standard {STANDARD_VERSION} has no protected "
    "form for this field, so it is left out"
)


HOLDS_A_NUMBER = (
    "free text holding a phone number or an ID number (by its shape, known to the export or "
    f"not): the standard {STANDARD_VERSION} has no protected form for this field, so it is left out"
)


def screened(text: Any, path: str, dropped: Drops | None) -> Any:
    """`text` as it is, unless it names one of the people the item's export describes
    (`NAMES_SOMEONE`) or holds a phone-shaped or ID-shaped number (`HOLDS_A_NUMBER`): then None,
    and the path dropped with the reason."""
    if dropped is None or not isinstance(text, str):
        return text
    if dropped.people and dropped.people.names_someone(text):
        dropped.append((path, NAMES_SOMEONE))
        return None
    if holds_phone_or_id(text):
        dropped.append((path, HOLDS_A_NUMBER))
        return None
    return text


NOT_CARRIED = f"not in the standard {STANDARD_VERSION}"
_FIRST_CODING = "only the first coding of a concept is carried (this field has no codings list)"
_CODING = frozenset({"system", "code", "display"})
FREE_TEXT = (
    "free text may name a person; the standard's field for it is plain text, with no protected "
    "form, so it is left out"
)
_NO_VALUE = "a value the standard does not carry here"
_NO_ABSENT_REASON = f"why a value is absent: the standard {STANDARD_VERSION} has no field for it"
_NO_UNIT = "a quantity without a unit: the standard's Quantity needs one, and none is invented"
_YEAR_ONLY = "--generalise birthDate=year: only the year is carried (birthDatePartial)"
_DATE_AS_TIME = "a date without a time of day: carried as midnight UTC (the field needs a time)"
_PARTIAL_NO_TIME = (
    "a partial date (year or month): the field needs a full date and time, and none is invented"
)


def convert_resource(
    resource: dict[str, Any], context: SourceContext, mapper: Mapper
) -> Converted | Rejected:
    """One supported FHIR resource as one record by `mapper` (or a rejection naming the missing
    part); the values it leaves out are listed in `Converted.dropped`, with the reason."""
    kind = resource["resourceType"]
    key = resource_id(resource, context.facts.get("fullUrl", ""))
    record: Record = {
        "id": key,
        "type": ENTITY_OF[kind],
        "standardVersion": STANDARD_VERSION,
        "meta": {"sourceSystem": "fhir", "source": {"fhirId": f"{kind}/{key}"}},
    }
    dropped = Drops(People(context.facts.get("people") or ()))
    problem = mapper(resource, record, context, dropped)
    if problem is not None:
        return problem
    return Converted((record, *dropped.records), tuple(dropped), tuple(dropped.notes))


def _mapped_elements() -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    """Per resource type: the top-level elements the mapping uses, and the extension urls."""
    found = {}
    for kind, spec in TABLES["coverage"].items():
        paths = spec.get("mapped", [])
        names = frozenset(p.split(".")[0].split("[")[0] for p in paths)
        urls = frozenset(p[len("extension[") : -1] for p in paths if p.startswith("extension["))
        found[kind] = (names - {"extension"}, urls)
    return found


MAPPED_ELEMENTS = _mapped_elements()
Element = tuple[Any, ...]  # ("link", 0), ("photo",), or the place of a value's `_x` (`_folded`)
_VALUE_SIBLING = re.compile(r"_value[A-Z][A-Za-z0-9]*")


def unused_element(kind: str, resource: dict[str, Any], loc: tuple[Any, ...]) -> Element | None:
    """The element of a validation error's location (`("link", 0)`, `("photo",)`) when the
    mapping does not use it, else None (the error is in a mapped element, or not in one
    element that can be left out). The `_value[x]` of an extension (its value's own
    extensions, a data-absent-reason for one: valid FHIR JSON the R4B Extension model
    refuses) is given whole: `without_elements` folds it into the extension."""
    if _is_value_sibling(resource, loc):
        return loc
    if (sibling := _bad_sibling(resource, loc)) is not None:
        return sibling
    if loc and isinstance(loc[0], str) and loc[0].startswith("_") and loc[0] in resource:
        return (loc[0],)  # a top-level `_x` sibling (`_gender`): left out whole
    names, urls = MAPPED_ELEMENTS.get(kind, (frozenset(), frozenset()))
    if not loc or not isinstance(loc[0], str) or loc[0] not in resource or loc[0] in names:
        return None
    indexed = len(loc) > 1 and isinstance(loc[1], int)
    if loc[0] in ("extension", "modifierExtension"):
        if loc[0] == "modifierExtension" or not indexed:
            return None  # a modifier changes the meaning of what is mapped
        extension = resource[loc[0]][loc[1]]
        if isinstance(extension, dict) and extension.get("url") in urls:
            return None
    return (loc[0], loc[1]) if indexed else (loc[0],)


_LOCAL_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?")
_TIME_ERRORS = ("DateTime value string", "Instant value string")


def local_time_at(resource: dict[str, Any], error: Any) -> str | None:
    """The value of a validation error that is a dateTime or instant with a time of day but no
    UTC offset (`2015-03-01T10:00:00`), else None."""
    if not any(text in str(error.get("msg", "")) for text in _TIME_ERRORS):
        return None
    value = _at(resource, error["loc"])
    if not isinstance(value, str) or not _LOCAL_TIME.fullmatch(value):
        return None
    try:
        datetime.datetime.fromisoformat(value)
    except ValueError:  # no such day or time (2015-02-30): the error stands
        return None
    return value


def _at(node: Any, loc: tuple[Any, ...]) -> Any:
    for part in loc:
        if isinstance(node, dict) and isinstance(part, str):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return None
    return node


def with_zone(resource: dict[str, Any], locs: list[tuple[Any, ...]], zone: str) -> dict[str, Any]:
    """The resource with the local times at `locs` given the UTC offset `zone` has at them (a
    time skipped or repeated by a daylight-saving change takes the offset before the change)."""
    fixed = copy.deepcopy(resource)
    for loc in locs:
        parent = _at(fixed, loc[:-1])
        local = datetime.datetime.fromisoformat(parent[loc[-1]])
        moment = local.replace(tzinfo=zoneinfo.ZoneInfo(zone))
        parent[loc[-1]] = moment.isoformat(timespec="seconds" if not local.microsecond else "auto")
    return fixed


def ledger_path(loc: tuple[Any, ...]) -> str:
    """A validation error's location as the ledger writes paths: `component[0].valueDateTime`."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path


def dotted(loc: tuple[Any, ...]) -> str:
    """A validation error's location as `name.0.family`, each key that is not a FHIR element
    name shown as its placeholder (vendor junk keys can be names)."""
    return ".".join(str(p) if isinstance(p, int) else elements.element_path((p,)) for p in loc)


def _is_value_sibling(resource: dict[str, Any], loc: tuple[Any, ...]) -> bool:
    """Whether `loc` is the `_value[x]` of an extension (`extension.0._valueCode`, at any
    depth) holding an object: the primitive's id and extensions, as FHIR JSON writes them."""
    if len(loc) < 3 or not isinstance(loc[-1], str) or not _VALUE_SIBLING.fullmatch(loc[-1]):
        return False
    if loc[-3] not in ("extension", "modifierExtension") or not isinstance(loc[-2], int):
        return False
    return isinstance(_at(resource, loc), dict) and isinstance(_at(resource, loc[:-1]), dict)


_SIBLING = "_"  # the first part of an `Element` that is a malformed `_x` sibling (`_bad_sibling`)


def _bad_sibling(resource: dict[str, Any], loc: tuple[Any, ...]) -> Element | None:
    """An invalid `_x` sibling within an element (`name.0._given` not a list, an extension's
    `_valueCode` that is not an object) as (`_SIBLING`, *its place), else None: it holds only a
    primitive's id and extensions, which the record does not carry, so it is left out alone."""
    for index, part in enumerate(loc):
        if index and isinstance(part, str) and part.startswith("_"):
            parent = _at(resource, loc[:index])
            return (_SIBLING, *loc[: index + 1]) if isinstance(parent, dict) else None
    return None


def _folded(resource: dict[str, Any], locs: list[tuple[Any, ...]]) -> dict[str, Any]:
    """The resource with each extension's `_value[x]` at `locs` taken out, and the extensions
    it holds (a data-absent-reason) appended to the extension's own: the R4B models take that
    shape, and `absent_reason` reads it. An extension keeps its value, if it has one. A
    malformed `_x` sibling (`_bad_sibling`) is taken out alone."""
    fixed = copy.deepcopy(resource)
    for loc in locs:
        parent = _at(fixed, loc[1:-1] if loc[0] == _SIBLING else loc[:-1])
        if not isinstance(parent, dict) or loc[-1] not in parent:
            continue  # within a sibling taken out already
        if loc[0] == _SIBLING:
            parent.pop(loc[-1])
            continue
        extension = parent
        held = extension.pop(loc[-1]).get("extension")
        if isinstance(held, list) and held:
            own = extension.get("extension")
            extension["extension"] = (own if isinstance(own, list) else []) + held
    return fixed


def absent_reason(element: Any) -> str | None:
    """The data-absent-reason an element carries (`_birthDate`, an extension whose value is
    absent), as a code of the data-absent-reason code system ("unknown" for another or none
    given), else None."""
    extensions = element.get("extension") if isinstance(element, dict) else None
    for ext in extensions if isinstance(extensions, list) else ():
        if isinstance(ext, dict) and ext.get("url") == DATA_ABSENT:
            code = ext.get("valueCode")
            return code if code in _ABSENT_REASONS else "unknown"
    return None


_ABSENT_REASONS = frozenset((
    "unknown", "asked-unknown", "temp-unknown", "not-asked", "asked-declined", "masked",
    "not-applicable", "unsupported", "as-text", "error", "not-a-number", "negative-infinity",
    "positive-infinity", "not-performed", "not-permitted",
))  # fmt: skip  # http://terminology.hl7.org/CodeSystem/data-absent-reason


def without_elements(
    resource: dict[str, Any], elements: list[Element | None], errors: list[Any]
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The resource without the invalid elements, and each as dropped with the error's reason;
    an extension's `_value[x]` (`unused_element`) is folded into it, not dropped."""
    folds = [e for e in elements if e is not None and len(e) > 2]
    siblings: dict[str, str] = {}
    for element, error in zip(elements, errors, strict=True):
        if element is not None and element[0] == _SIBLING:
            why = f"not valid FHIR ({dotted(error['loc'])}: {error['msg']}): a primitive's id and "
            siblings.setdefault(ledger_path(element[1:]), why + "extensions, left out")
    if folds:
        resource = _folded(resource, folds)
        kept = [(e, r) for e, r in zip(elements, errors, strict=True) if e is None or len(e) <= 2]
        elements, errors = [e for e, _ in kept], [r for _, r in kept]
    whole = {e[0] for e in elements if e is not None and len(e) == 1}
    indexes: dict[str, set[int]] = {}
    dropped: dict[str, str] = {}
    for element, error in zip(elements, errors, strict=True):
        assert element is not None
        if len(element) == 2 and element[0] not in whole:
            indexes.setdefault(element[0], set()).add(element[1])
        where = dotted(error["loc"])
        path = element[0] if element[0] in whole else f"{element[0]}[{element[-1]}]"
        dropped.setdefault(path, f"not valid FHIR ({where}: {error['msg']}); the mapping does "
                           "not use it, so it is left out")  # fmt: skip
    repaired = {k: v for k, v in resource.items() if k not in whole}
    for name, gone in indexes.items():
        kept = [v for i, v in enumerate(resource[name]) if i not in gone]
        if kept:
            repaired[name] = kept
        else:
            del repaired[name]
    return repaired, [*siblings.items(), *dropped.items()]


def parsed_numbers(resource: dict[str, Any], model: Any) -> dict[str, Any]:
    """The resource with the mapped numbers and booleans a converter wrote as strings
    (`"value": "13.2"`) replaced by what fhir.resources parsed them as."""
    fixes: dict[str, Any] = {}
    for name in ("valueInteger", "valueBoolean", "deceasedBoolean"):
        if isinstance(resource.get(name), str):
            fixes[name] = _plain(getattr(model, name, None))
    fixes |= _parsed_quantity(resource, model)
    for name, inner in (("component", None), ("protocolApplied", "doseNumberPositiveInt")):
        parts = resource.get(name)
        if not isinstance(parts, list) or not any(isinstance(p, dict) for p in parts):
            continue
        models = getattr(model, name, None) or []
        fixed = [_parsed_part(p, m, inner) for p, m in zip(parts, models, strict=False)]
        if any(f is not p for f, p in zip(fixed, parts, strict=False)):
            fixes[name] = fixed + parts[len(fixed) :]
    fixes |= _parsed_dosages(resource, model)
    return {**resource, **fixes} if fixes else resource


def _parsed_dosages(resource: dict[str, Any], model: Any) -> dict[str, Any]:
    """A MedicationRequest's or MedicationStatement's dosages with the dose and timing numbers
    a converter wrote as strings replaced by what fhir.resources parsed them as."""
    for name in ("dosageInstruction", "dosage"):
        dosages = resource.get(name)
        if isinstance(dosages, list) and _has_string_number(dosages):
            models = getattr(model, name, None) or []
            fixed = [_parsed_dosage(d, m) for d, m in zip(dosages, models, strict=False)]
            return {name: fixed + dosages[len(fixed) :]}
    return {}


def _has_string_number(dosages: list[Any]) -> bool:
    return any(isinstance(v, str) for d in dosages for v in _dosage_numbers(d).values())


def _dosage_numbers(dosage: Any) -> dict[str, Any]:
    """The dose value and timing frequency and period of a dosage, as written."""
    if not isinstance(dosage, dict):
        return {}
    first = (dosage.get("doseAndRate") or [None])[0]
    dose = first.get("doseQuantity") if isinstance(first, dict) else None
    timing = dosage.get("timing")
    repeat = timing.get("repeat") if isinstance(timing, dict) else None
    found = {"dose": dose.get("value") if isinstance(dose, dict) else None}
    if isinstance(repeat, dict):
        found |= {k: repeat.get(k) for k in ("frequency", "period")}
    return found


def _parsed_dosage(dosage: Any, model: Any) -> Any:
    numbers = _dosage_numbers(dosage)
    if model is None or not any(isinstance(v, str) for v in numbers.values()):
        return dosage
    fixed = dict(dosage)
    if isinstance(numbers["dose"], str):
        rates = list(fixed["doseAndRate"])
        parsed = _plain(model.doseAndRate[0].doseQuantity.value)
        rates[0] = {**rates[0], "doseQuantity": {**rates[0]["doseQuantity"], "value": parsed}}
        fixed["doseAndRate"] = rates
    repeat = fixed["timing"].get("repeat") if "timing" in fixed else None
    strings = [k for k in ("frequency", "period") if isinstance(numbers.get(k), str)]
    if strings and isinstance(repeat, dict):
        parsed_repeat = {k: _plain(getattr(model.timing.repeat, k)) for k in strings}
        fixed["timing"] = {**fixed["timing"], "repeat": {**repeat, **parsed_repeat}}
    return fixed


def _parsed_quantity(source: dict[str, Any], model: Any) -> dict[str, Any]:
    measured = source.get("valueQuantity")
    if isinstance(measured, dict) and isinstance(measured.get("value"), str):
        return {"valueQuantity": {**measured, "value": _plain(model.valueQuantity.value)}}
    return {}


def _parsed_part(part: Any, model: Any, inner: str | None) -> Any:
    if not isinstance(part, dict) or model is None:
        return part
    if inner is not None:
        if isinstance(part.get(inner), str):
            return {**part, inner: _plain(getattr(model, inner, None))}
        return part
    fixes = _parsed_quantity(part, model)
    if isinstance(part.get("valueInteger"), str):
        fixes["valueInteger"] = _plain(model.valueInteger)
    return {**part, **fixes} if fixes else part


def _plain(value: Any) -> Any:
    """A parsed FHIR number as JSON writes it: a Decimal as an int when whole, else a float;
    None when no JSON number holds it (`1e400`: the value is then dropped, with the reason)."""
    if not isinstance(value, decimal.Decimal):
        return value
    if not value.is_finite() or abs(value) > _LARGEST:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


_LARGEST = decimal.Decimal("1e300")


def resource_id(resource: dict[str, Any], full_url: str = "") -> str:
    """The FHIR id, or the uuid of the Bundle entry's fullUrl when the resource has none."""
    if resource.get("id"):
        return str(resource["id"])
    return full_url.rsplit(":", 1)[-1].rsplit("/", 1)[-1] or "unidentified"


def leftovers(
    element: Any, carried: Collection[str], path: str, dropped: Drops, why: str = NOT_CARRIED
) -> None:
    """Report every key of `element` outside `carried` as dropped."""
    if isinstance(element, dict) and (extra := element.keys() - carried):
        dropped.extend((f"{path}.{key}", why) for key in element if key in extra)


def _patient(
    resource: dict[str, Any], record: Record, context: SourceContext, dropped: Drops
) -> Rejected | None:
    _name(resource.get("name") or [], record, dropped)
    _identifiers(resource, record, dropped)
    gender = resource.get("gender")
    if absent_stands_for(resource, "_gender", dropped):
        gender = "unknown"  # a data-absent-reason: GB/T 2261.1 has "unknown" (0)
        dropped.append(("_gender", "a data-absent-reason: carried as gender 'unknown' (0)"))
    if gender in TABLES["gender"]:
        record["gender"] = TABLES["gender"][gender]
    elif gender is not None:
        return not_a_code("Patient", "gender", gender, TABLES["gender"])
    _birth_date(resource.get("birthDate"), record, context, dropped)
    if resource.get("birthDate") is None and (why := absent_reason(resource.get("_birthDate"))):
        dropped.append(("_birthDate", _absent_value(why)))
    addresses = resource.get("address") or []
    if addresses:
        _address(addresses[0], record, dropped)
        dropped.extend((f"address[{i}]", "only the first address is carried")
                       for i in range(1, len(addresses)))  # fmt: skip
    region = country_code(addresses[0].get("country")) if addresses else None
    _telecom(resource.get("telecom") or [], record, region or context.options.default_region,
             dropped)  # fmt: skip
    _deceased(resource, record, dropped)
    us_core = _us_core(resource, dropped)
    if us_core:
        record["extensions"] = {US_CORE: us_core}
    return None


def _deceased(resource: dict[str, Any], record: Record, dropped: Drops) -> None:
    """deceasedBoolean as `deceased`; deceasedDateTime as `deceased` and `deceasedDate` (the
    date, as precise as the source gives it; a time of day is noted as not carried)."""
    flag, moment = resource.get("deceasedBoolean"), resource.get("deceasedDateTime")
    if isinstance(flag, bool):
        record["deceased"] = flag
    if isinstance(moment, str) and moment:
        day = partial_date(moment.split("T", 1)[0])
        if day is None:
            dropped.append(("deceasedDateTime", "not a date"))
        else:
            record["deceased"], record["deceasedDate"] = True, day
            if "T" in moment:
                dropped.notes.append(("deceasedDateTime", "the date is carried, not the time"))
    record["status"] = "deceased" if record.get("deceased") else "active"


def _absent(element: Any) -> bool:
    """Whether a primitive's `_x` element carries a data-absent-reason extension."""
    return absent_reason(element) is not None


def absent_stands_for(resource: dict[str, Any], key: str, dropped: Drops) -> bool:
    """Whether a data-absent-reason (with a code of its code system) in the `_x` sibling `key`
    stands for the value of x, absent: then the mapping carries "unknown" where the standard
    has it. Otherwise the sibling, if any, is dropped with the reason: beside a value (which is
    carried), or without a data-absent-reason (only an id or other extensions: nothing to carry)."""
    sibling = resource.get(key)
    if sibling is None:
        return False
    if resource.get(key[1:]) is not None:
        dropped.append((key, _BESIDE_VALUE))
        return False
    extensions = sibling.get("extension") if isinstance(sibling, dict) else None
    for ext in extensions if isinstance(extensions, list) else ():
        if isinstance(ext, dict) and ext.get("url") == DATA_ABSENT:
            if ext.get("valueCode") in _ABSENT_REASONS:
                return True
            dropped.append((key, _NOT_A_REASON))
            return False
    dropped.append((key, _NO_REASON))
    return False


_BESIDE_VALUE = "a value's id and extensions beside the value: the value is carried, not these"
_NOT_A_REASON = "a data-absent-reason whose code is not one of its code system: not carried"
_NO_REASON = "a value's id and extensions without a data-absent-reason: nothing to carry"


def _status_or_absent(kind: str, resource: dict[str, Any], dropped: Drops) -> Any:
    """The status, or "unknown" when a data-absent-reason stands for it; None: neither."""
    if absent_stands_for(resource, "_status", dropped):
        return "unknown"
    return resource.get("status")


def _no_status(kind: str) -> Rejected:
    message = f"{kind}.status: absent, and no data-absent-reason stands for it"
    return Rejected("missing-required", message, f"{kind}.status")


def _absent_value(reason: str) -> str:
    """The ledger's reason for a value absent with a data-absent-reason (never invented)."""
    return f"a data-absent-reason ({reason}): the source gives no value, and none is invented"


def _codelist(name: str) -> frozenset[str]:
    schema = json.loads(
        (SCHEMAS_ROOT / STANDARD_VERSION / "codelists" / f"{name}.json").read_text()
    )
    return frozenset(schema["enum"])


CODES = {
    ("Observation", "status"): _codelist("observation-status"),
    ("Encounter", "status"): _codelist("encounter-status"),
    ("Immunization", "status"): _codelist("immunization-status"),
    ("Condition", "clinicalStatus"): _codelist("condition-clinical-status"),
    ("AllergyIntolerance", "clinicalStatus"): _codelist("allergy-clinical-status"),
    ("AllergyIntolerance", "verificationStatus"): _codelist("allergy-verification-status"),
    ("AllergyIntolerance", "type"): _codelist("allergy-kind"),
    ("AllergyIntolerance", "category"): _codelist("allergy-category"),
    ("AllergyIntolerance", "criticality"): _codelist("allergy-criticality"),
    ("AllergyIntolerance", "reaction.severity"): _codelist("reaction-severity"),
    ("MedicationRequest", "status"): _codelist("medication-use-status"),
    ("MedicationRequest", "intent"): _codelist("medication-request-intent"),
    ("MedicationStatement", "status"): _codelist("medication-use-status"),
    ("Procedure", "status"): _codelist("procedure-status"),
    ("DiagnosticReport", "status"): _codelist("diagnostic-report-status"),
    ("Timing", "periodUnit"): _codelist("timing-unit"),
    ("CarePlan", "status"): _codelist("care-plan-status"),
    ("CarePlan", "intent"): _codelist("care-plan-intent"),
    ("CarePlan", "activity.detail.status"): _codelist("care-plan-activity-status"),
    ("Goal", "lifecycleStatus"): _codelist("goal-lifecycle-status"),
    ("Consent", "status"): _codelist("consent-status"),
    ("Consent", "provision.type"): _codelist("consent-decision"),
    ("Communication", "status"): _codelist("communication-status"),
    ("Composition", "status"): _codelist("clinical-document-status"),
    ("DocumentReference", "status"): _codelist("clinical-document-status"),
    ("DocumentManifest", "status"): _codelist("clinical-document-status"),
    ("Device", "status"): _codelist("medical-device-status"),
    ("DeviceUseStatement", "status"): _codelist("medical-device-status"),
}


def not_a_code(kind: str, path: str, value: Any, allowed: Collection[str]) -> Rejected:
    """A rejection naming the source field (never its value) whose code is not one the element
    takes; codes are case-sensitive (`Finished` is not `finished`), and the message says so."""
    hint = ""
    if isinstance(value, str) and value.lower() in allowed:
        hint = " (codes are case-sensitive: its lower-case spelling is one)"
    message = f"{kind}.{path}: not a code of this element{hint}"
    return Rejected("invalid-code", message, f"{kind}.{path}")


def status_problem(kind: str, path: str, value: Any) -> Rejected | None:
    """None when `value` is a code of the element, else the rejection naming the field."""
    return (
        None if value in CODES[(kind, path)] else not_a_code(kind, path, value, CODES[(kind, path)])
    )


def _name(names: list[dict[str, Any]], record: Record, dropped: Drops) -> None:
    """The official (else usual, else first) name; the others are left out."""
    chosen = next((i for i, n in enumerate(names) if n.get("use") in ("official", "usual")), 0)
    name = names[chosen] if names else {}
    given = " ".join(str(part) for part in name.get("given") or [] if part)  # FHIR allows null
    human = {"text": name.get("text") or " ".join(p for p in (given, name.get("family", "")) if p)}
    if name.get("family"):
        human["family"] = name["family"]
    if given:
        human["given"] = given
    record["name"] = human if human["text"] else {"text": "(no name)"}
    leftovers(name, ("text", "family", "given"), f"name[{chosen}]", dropped)
    dropped.extend((f"name[{i}]", "only one name is carried (the official or usual one)")
                   for i in range(len(names)) if i != chosen)  # fmt: skip


def _birth_date(birth: Any, record: Record, context: SourceContext, dropped: Drops) -> None:
    """A full date as birthDate; a year or month as birthDatePartial (never padded); only the
    year with --generalise birthDate=year."""
    if birth is None:
        return
    day = partial_date(birth) if isinstance(birth, str) else None  # the models take epochs too
    if day is None:
        dropped.append(("birthDate", "not a date"))
    elif "birthDate=year" in context.options.generalise:
        record["birthDatePartial"] = day[:4]
        if len(day) > 4:
            dropped.notes.append(("birthDate", _YEAR_ONLY))
    elif len(day) == 10:
        record["birthDate"] = day
    else:
        record["birthDatePartial"] = day


def _identifiers(resource: dict[str, Any], record: Record, dropped: Drops) -> None:
    others = []
    for index, identifier in enumerate(resource.get("identifier") or []):
        value, system = identifier.get("value"), identifier.get("system") or NO_SYSTEM
        path = f"identifier[{index}]"
        if not value:
            dropped.append((path, "an identifier without a value"))
            continue
        codes = {c.get("code") for c in (identifier.get("type") or {}).get("coding") or []}
        if codes & _NATIONAL_ID_TYPES and is_resident_id(value) and "nationalId" not in record:
            record["nationalId"] = value
            leftovers(identifier, ("value", "type"), path, dropped)
            continue
        entry: Record = {"system": system[:_MAX_TEXT], "value": value}
        absent = not identifier.get("system")
        if absent and ("identifier.system", _NO_SYSTEM_NOTE) not in dropped.notes:
            dropped.notes.append(("identifier.system", _NO_SYSTEM_NOTE))
        kind = concept(identifier.get("type"), f"{path}.type", dropped)
        if kind:
            entry["kind"] = kind
        others.append(entry)
        leftovers(identifier, ("value", "system", "type"), path, dropped)
    if others:
        record["identifiers"] = others


@functools.lru_cache(maxsize=8192)
def phone_number(value: str, region: str) -> str | None:
    """A valid phone number in E.164 (the standard's phone format), read with `region` for
    numbers without a country code; None when it does not parse or is not valid."""
    if len(value) > 32:
        return None
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _telecom(points: list[dict[str, Any]], record: Record, region: str, dropped: Drops) -> None:
    contacts = []
    for index, point in enumerate(points):
        system, value, path = point.get("system"), point.get("value"), f"telecom[{index}]"
        if not value:
            reason = absent_reason(point.get("_value"))
            dropped.append((path, _absent_value(reason) if reason else _NO_CONTACT_VALUE))
            continue
        if system not in ("phone", "email"):
            dropped.append((path, f"a {system or 'untyped'} contact is not carried"))
            continue
        if system == "phone" and (value := phone_number(value, region)) is None:
            dropped.append((f"{path}.value", "not a valid phone number"))
            leftovers(point, ("value",), path, dropped)
            continue
        if system == "phone" and "phone" not in record and point.get("use") in _PHONE_USES:
            record["phone"] = value
            leftovers(point, ("system", "value"), path, dropped)
            continue
        contact = {"system": system, "value": value}
        if point.get("use") in ("home", "work", "mobile"):
            contact["use"] = point["use"]
        contacts.append(contact)
        leftovers(point, ("system", "value", *contact), path, dropped)
    if contacts:
        record["contacts"] = contacts


_PHONE_USES = (None, "mobile", "home")
_NO_CONTACT_VALUE = "a contact without a value: nothing to carry"


def _address(address: dict[str, Any], record: Record, dropped: Drops) -> None:
    """The parts of an address: street lines joined as lineProtected (the runner protects it
    like a name), the coarse parts as they are; the free text is left out (it repeats the
    lines), as is a postal code or country the standard cannot hold."""
    result: Record = {}
    lines = [str(line) for line in address.get("line") or [] if line]
    if lines:
        result["lineProtected"] = ", ".join(lines)[:_MAX_TEXT]
    if address.get("text"):
        dropped.append(("address[0].text", "the address as free text: its parts are carried"))
    for source, target in (("city", "city"), ("district", "district"), ("state", "province")):
        if address.get(source):
            result[target] = str(address[source])[:_MAX_TEXT]
    postal = address.get("postalCode")
    if postal and re.fullmatch(r"[0-9]{6}", postal):
        result["postalCode"] = postal
    elif postal:
        dropped.append(("address[0].postalCode", "not a six-digit Chinese postal code"))
    country = country_code(address.get("country"))
    if country:
        result["country"] = country
    elif address.get("country"):
        dropped.append(("address[0].country", "not an ISO 3166 country"))
    carried = ("line", "text", "city", "district", "state", "postalCode", "country")
    leftovers(address, carried, "address[0]", dropped)
    if result:
        record["address"] = result


@functools.lru_cache(maxsize=256)
def country_code(value: Any) -> str | None:
    """An ISO 3166 alpha-2 code for a country given as a code or a name, else None."""
    if not isinstance(value, str) or not value or len(value) > 64:
        return None
    if is_country(value.upper()):
        return value.upper()
    try:
        return str(pycountry.countries.lookup(value).alpha_2)
    except LookupError:
        return None


def _us_core(resource: dict[str, Any], dropped: Drops) -> Record:
    """The US Core race, ethnicity and birth sex; one whose value is absent (a data-absent-
    reason on its `_valueCode`) is not carried, and the ledger tells why. A race or ethnicity
    `text` is screened (`screened`), also against the Patient's own names and identifiers."""
    found: Record = {}
    extensions = resource.get("extension") or []
    for name, url in TABLES["extensions"].items():
        for index, ext in enumerate(extensions):
            if ext.get("url") != url:
                continue
            reason = absent_reason(ext) if not any(k.startswith("value") for k in ext) else None
            if reason is not None:
                dropped.append((f"extension[{index}]", _absent_value(reason)))
            elif "valueCode" in ext:
                found[name] = ext["valueCode"]
            else:
                parts = [e for e in ext.get("extension") or [] if isinstance(e, dict)]
                codings = [e.get("valueCoding") for e in parts if e.get("url") == "ombCategory"]
                codes = [c["code"] for c in codings if isinstance(c, dict) and c.get("code")]
                before = len(dropped)
                text = _us_core_text(ext, f"extension[{index}]", resource, dropped)
                if codes or text is not None:
                    found[name] = {"codes": codes, "text": text}
                elif len(dropped) > before:  # its text alone, left out: the whole extension
                    dropped.append((f"extension[{index}]", dropped.pop()[1]))
                else:
                    dropped.append((f"extension[{index}]", _NO_EXTENSION_VALUE))
    return found


def _us_core_text(
    extension: dict[str, Any], path: str, resource: dict[str, Any], dropped: Drops
) -> Any:
    """The `text` of a US Core race or ethnicity, screened: plain text copied in clear."""
    for index, part in enumerate(extension.get("extension") or []):
        if isinstance(part, dict) and part.get("url") == "text":
            text, at = part.get("valueString"), f"{path}.extension[{index}]"
            own = People()
            own.remember(resource, displays=False)
            if isinstance(text, str) and own.names_someone(text):
                dropped.append((at, NAMES_SOMEONE))
                return None
            return screened(text, at, dropped)
    return None


_NO_EXTENSION_VALUE = "an extension with no value (no code, no text): nothing to carry"


def _observation(
    resource: dict[str, Any], record: Record, context: SourceContext, dropped: Drops
) -> Rejected | None:
    codes = coded_fields(resource.get("code"), "code", dropped, ("code", "codings"))
    subject = reference(resource.get("subject"), context, "subject", dropped)
    if "code" not in codes or subject is None:
        return Rejected(
            "missing-required", "an Observation needs a code and a Patient subject", "code/subject"
        )
    if (status := _status_or_absent("Observation", resource, dropped)) is None:
        return _no_status("Observation")
    if (wrong := status_problem("Observation", "status", status)) is not None:
        return wrong
    record.update(subject=subject, status=status, **codes)
    if resource.get("dataAbsentReason") is not None:
        dropped.append(("dataAbsentReason", _NO_ABSENT_REASON))
    categories = _concepts(resource.get("category") or [], "category", dropped)
    if categories:
        record["category"] = categories
    _optional_reference(resource, "encounter", record, context, dropped)
    _effective(resource, record, dropped)
    record.update(_value(resource, "", dropped))
    components = []
    for index, component in enumerate(resource.get("component") or []):
        path = f"component[{index}]"
        component_code = concept(component.get("code"), f"{path}.code", dropped)
        if component_code:
            value = _value(component, f"{path}.", dropped, allow_text=False)
            components.append({"code": component_code, **value})
            leftovers(component, ("code", *_VALUES), path, dropped)
        else:
            dropped.append((path, "a component without a code"))
    if components:
        record["components"] = components
    return None


_TIMES = ("effectiveDateTime", "effectiveInstant", "effectivePeriod")
_VALUES = ("valueQuantity", "valueInteger", "valueCodeableConcept", "valueString", "valueBoolean")
_EFFECTIVE = ("effectiveAt", "effectiveDate")


def _effective(resource: dict[str, Any], record: Record, dropped: Drops) -> None:
    """effective[x] as effectiveAt, or effectiveDate when it is a date without a time (a period
    by its start); `issued` as issuedAt, never as the effective time."""
    for name in _TIMES:
        value = resource.get(name)
        if name == "effectivePeriod" and isinstance(value, dict):
            leftovers(value, ("start",), name, dropped, "only the start of a period is carried")
            value, name = value.get("start"), f"{name}.start"
        record.update(time_pair(value, name, dropped, _EFFECTIVE))
    issued = date_time(resource.get("issued") or "")
    if issued:
        record["issuedAt"] = issued
    elif resource.get("issued"):
        dropped.append(("issued", "not a date-time"))


def _value(source: dict[str, Any], prefix: str, dropped: Drops, allow_text: bool = True) -> Record:
    """The value[x] the standard carries; another is reported dropped."""
    measured = source.get("valueQuantity")
    if isinstance(measured, dict) and measured.get("value") is not None:
        if not (measured.get("code") or measured.get("unit")):
            dropped.append((f"{prefix}valueQuantity", _NO_UNIT))
            return {}
        return {"valueQuantity": quantity(source["valueQuantity"], f"{prefix}valueQuantity",
                                          dropped)}  # fmt: skip
    if "valueInteger" in source:
        dropped.append((f"{prefix}valueInteger", _NO_UNIT))
        return {}
    coded = concept(source.get("valueCodeableConcept"), f"{prefix}valueCodeableConcept", dropped)
    if coded:
        return {"valueConcept": coded}
    if allow_text and isinstance(source.get("valueBoolean"), bool):
        return {"valueBoolean": source["valueBoolean"]}
    words = source.get("valueString")
    if allow_text and isinstance(words, str) and words.strip():
        return {"valueStringProtected": words[:_MAX_TEXT]}  # may name someone: pseudonymised
    dropped.extend((f"{prefix}{name}", FREE_TEXT if name == "valueString" else _NO_VALUE)
                   for name in _VALUES if name in source)  # fmt: skip
    return {}


def _condition(
    resource: dict[str, Any], record: Record, context: SourceContext, dropped: Drops
) -> Rejected | None:
    codes = coded_fields(resource.get("code"), "code", dropped, ("code", "codings"))
    subject = reference(resource.get("subject"), context, "subject", dropped)
    if "code" not in codes or subject is None:
        return Rejected(
            "missing-required", "a Condition needs a code and a Patient subject", "code/subject"
        )
    record.update(subject=subject, **codes)
    status = concept(resource.get("clinicalStatus"), "clinicalStatus", dropped)
    if status:
        if (wrong := status_problem("Condition", "clinicalStatus", status["code"])) is not None:
            return wrong
        record["clinicalStatus"] = status["code"]
    _optional_reference(resource, "encounter", record, context, dropped)
    for source, target in _CONDITION_TIMES:
        record.update(time_pair(resource.get(source), source, dropped, target))
    return None


_CONDITION_TIMES = (
    ("onsetDateTime", ("onsetAt", "onsetDate")),
    ("abatementDateTime", ("abatementAt", "abatementDate")),
    ("recordedDate", ("recordedAt", "recordedDate")),
)


def _immunization(
    resource: dict[str, Any], record: Record, context: SourceContext, dropped: Drops
) -> Rejected | None:
    names = ("vaccineCode", "vaccineCodings")
    vaccine = coded_fields(resource.get("vaccineCode"), "vaccineCode", dropped, names)
    subject = reference(resource.get("patient"), context, "patient", dropped)
    given = exact_time(resource.get("occurrenceDateTime") or "", "occurrenceDateTime", dropped)
    if "vaccineCode" not in vaccine or subject is None or given is None:
        message = "an Immunization needs a vaccine code, a patient and a date"
        if any(path == "occurrenceDateTime" for path, _ in dropped):
            message += " with a day (its occurrenceDateTime gives a year or month alone)"
        return Rejected("missing-required", message, "vaccineCode/patient/occurrenceDateTime")
    if absent_stands_for(resource, "_status", dropped):
        message = "Immunization.status: absent (a data-absent-reason), and no status is invented"
        return Rejected("missing-required", message, "Immunization.status")
    if (status := resource.get("status")) is None:
        return _no_status("Immunization")
    if (wrong := status_problem("Immunization", "status", status)) is not None:
        return wrong
    record.update(
        subject=subject,
        status=status,
        occurredAt=given,
        **vaccine,
    )
    _optional_reference(resource, "encounter", record, context, dropped)
    if resource.get("lotNumber"):
        record["lotNumber"] = resource["lotNumber"][:_MAX_TEXT]
    for index, applied in enumerate(resource.get("protocolApplied") or []):
        dose = applied.get("doseNumberPositiveInt")
        if index == 0 and isinstance(dose, int) and 1 <= dose <= 20:
            record["doseNumber"] = dose
            leftovers(applied, ("doseNumberPositiveInt",), f"protocolApplied[{index}]", dropped)
        else:
            dropped.append((f"protocolApplied[{index}]", "only the first dose number is carried"))
    site = concept(resource.get("site"), "site", dropped)
    if site:
        record["site"] = site
    return None


def _encounter(
    resource: dict[str, Any], record: Record, context: SourceContext, dropped: Drops
) -> Rejected | None:
    subject = reference(resource.get("subject"), context, "subject", dropped)
    if subject is None:
        return Rejected("missing-required", "an Encounter needs a Patient subject", "subject")
    kind = resource.get("class") or {}
    if (status := _status_or_absent("Encounter", resource, dropped)) is None:
        return _no_status("Encounter")
    if (wrong := status_problem("Encounter", "status", status)) is not None:
        return wrong
    record.update(
        subject=subject,
        status=status,
        **{"class": TABLES["encounter-class"].get(kind.get("code", ""), "other")},
    )
    if kind.get("system") == _ABSENT_CODES:
        dropped.append(("class.code", "a data-absent-reason: the standard's encounter class "
                        "has no 'unknown', so it is 'other'"))  # fmt: skip
    leftovers(kind, ("code", "system", "display"), "class", dropped)  # system, display: declared
    kinds = _concepts(resource.get("type") or [], "type", dropped)
    if kinds:
        record["kinds"] = kinds
    reasons = _concepts(resource.get("reasonCode") or [], "reasonCode", dropped)
    if reasons:
        record["reasons"] = reasons
    period = resource.get("period") or {}
    times = {k: exact_time(v, f"period.{k}", dropped) for k, v in period.items() if k in _ENDS}
    if any(times.values()):
        record["period"] = {k: v for k, v in times.items() if v}
    return None


_ENDS = ("start", "end")
MAPPERS: dict[str, Mapper] = {
    "Patient": _patient, "Observation": _observation, "Condition": _condition,
    "Immunization": _immunization, "Encounter": _encounter,
}  # fmt: skip


def _optional_reference(
    resource: dict[str, Any], name: str, record: Record, context: SourceContext, dropped: Drops
) -> None:
    target = reference(resource.get(name), context, name, dropped)
    if target is not None:
        record[name] = target
    elif resource.get(name):
        dropped.append((name, "a reference to nothing the standard holds"))


def reference(
    value: dict[str, Any] | None,
    context: SourceContext,
    path: str = "",
    dropped: Drops | None = None,
) -> Record | None:
    """A FHIR Reference as a typed one: `Patient/1`, `Patient/1/_history/2`, an absolute URL, or a
    Bundle entry's `urn:uuid:…`. A malformed id (`Patient/a/b`) is kept, its slashes as colons.
    Its display text (often a person's name) and other parts are reported dropped."""
    text = (value or {}).get("reference")
    if not isinstance(text, str):
        return None
    resolved = context.facts.get("fullUrls", {}).get(text)
    if resolved is None and not text.startswith("urn:"):
        resolved = _type_and_id(text.split("/"))
    if resolved is None or resolved[0] not in ENTITY_OF:
        return None
    if dropped is not None:
        leftovers(value, ("reference",), path, dropped, "only the reference itself is carried")
    return {"type": ENTITY_OF[resolved[0]], "id": resolved[1]}


def _type_and_id(segments: list[str]) -> tuple[str, str] | None:
    if "_history" in segments:
        segments = segments[: segments.index("_history")]
    for index, segment in enumerate(segments[:-1]):
        if segment in ENTITY_OF:
            return segment, ":".join(segments[index + 1 :])
    return None


def _concepts(values: list[dict[str, Any]], path: str, dropped: Drops) -> list[Record]:
    """Each concept of a list; one without a code or text is reported dropped."""
    found = []
    for index, value in enumerate(values):
        coded = concept(value, f"{path}[{index}]", dropped)
        if coded:
            found.append(coded)
        else:
            _nothing_left(f"{path}[{index}]", dropped)
    return found


def _nothing_left(path: str, dropped: Drops) -> None:
    """Report a concept with nothing carried, unless the mapping just said why (its text)."""
    if not (dropped and dropped[-1][0].startswith(f"{path}.")):
        dropped.append((path, "neither a code nor text"))


def concept(
    value: dict[str, Any] | None, path: str = "", dropped: Drops | None = None
) -> Record | None:
    """A CodeableConcept (or a bare Coding) as a coded concept: its first coding with a code.
    With `dropped`, the other codings and the text a display replaces are reported there."""
    if not value:
        return None
    bare = "coding" not in value
    codings = [value] if bare else value.get("coding") or []
    for index, coding in enumerate(codings):
        if coding.get("code"):
            at = path if bare else f"{path}.coding[{index}]"
            result = _coding(coding, value.get("text"), at, path, dropped)
            if dropped is not None and not bare:
                _concept_drops(value, index, path, dropped)
            return result
    text = screened(value.get("text"), f"{path}.text", dropped)
    if isinstance(text, str) and text.strip():  # text only: carried as such, never given a code
        if dropped is not None and codings:
            dropped.append((f"{path}.coding", "codings without a code"))
        return {"system": UNCODED, "code": text.strip()[:128], "display": text[:_MAX_TEXT]}
    return None


def coded_fields(
    value: Any, path: str, dropped: Drops, names: tuple[str, str], text: bool = False
) -> Record:
    """A CodeableConcept as the record fields `names` = (first coding, all codings): the first
    coding with a code, and every coding with a code in the source's order when there are
    several. With `text`, the concept's text goes to the record's `textProtected` field when it
    is coded (free text that may name someone: pseudonymised like a name), and a concept without
    a coded coding is carried as its text alone, in clear (`text`, screened: the standard needs
    the wording of an uncoded item in clear); without it, a text-only concept is coded as such
    (`UNCODED`), as `concept` does."""
    if not isinstance(value, dict) or not value:
        return {}
    if not text and (only := _one_plain_coding(value, path, dropped)) is not None:
        return {names[0]: only}  # all of it carried: the common case, made quick
    given = value.get("coding") if "coding" in value else [value]
    codings: list[Any] = given if isinstance(given, list) else []
    coded = [(i, c) for i, c in enumerate(codings) if isinstance(c, dict) and c.get("code")]
    wording = value.get("text") if isinstance(value.get("text"), str) else None
    found: Record = {}
    if text and wording and wording.strip():
        if coded:
            found["textProtected"] = wording[:_MAX_TEXT]
        elif wording := screened(wording, f"{path}.text", dropped):
            found["text"] = wording[:_MAX_TEXT]
    if not coded:
        if codings and "coding" in value:
            dropped.append((f"{path}.coding", "codings without a code"))
        if not text and (only := concept(value, path, dropped)):
            found[names[0]] = only
        return found
    places = [f"{path}.coding[{i}]" if "coding" in value else path for i, _ in coded]
    found[names[0]] = _coding(coded[0][1], None if text else wording, places[0], path, dropped)
    if len(coded) > 1:
        others = (
            _coding(c, None, where, path, dropped)
            for (_, c), where in zip(coded[1:], places[1:], strict=True)
        )
        found[names[1]] = [dict(found[names[0]]), *others]
    kept = {i for i, _ in coded}
    for index, coding in enumerate(codings):
        at = f"{path}.coding[{index}]" if "coding" in value else path
        if index not in kept:
            dropped.append((at, "a coding without a code"))
        else:
            leftovers(coding, _CODING, at, dropped)
    first = coded[0][1].get("display")
    if not text and wording and first and wording != first:
        dropped.append((f"{path}.text", "the coding's display is carried instead"))
    return found


def _one_plain_coding(value: dict[str, Any], path: str, dropped: Drops) -> Record | None:
    """The concept's one coding when it has nothing else (a text equal to its display at most)."""
    codings = value.get("coding")
    if not isinstance(codings, list) or len(codings) != 1 or not value.keys() <= _CONCEPT:
        return None
    first = codings[0]
    if not isinstance(first, dict) or not first.get("code") or not first.keys() <= _CODING:
        return None
    if value.get("text") not in (None, first.get("display")):
        return None
    return _coding(first, None, f"{path}.coding[0]", path, dropped)


_CONCEPT = frozenset({"coding", "text"})
_INDEX = re.compile(r"\[[0-9]+\]")


def _coding(
    coding: dict[str, Any], fallback: Any, at: str, path: str, dropped: Drops | None
) -> Record:
    """A coding with a code; its display (else `fallback`, the concept's text), unless it names
    someone (`screened`: `at` is the coding's path, `path` the concept's)."""
    result = {"system": coding.get("system") or NO_SYSTEM, "code": str(coding["code"])[:128]}
    if not coding.get("system") and dropped is not None:
        note = (_INDEX.sub("", at) + ".system", _NO_SYSTEM_NOTE)
        if note not in dropped.notes:  # a coding may be read twice (first, and all codings)
            dropped.notes.append(note)
    if coding.get("display"):
        display = screened(coding["display"], f"{at}.display", dropped)
    else:
        display = screened(fallback, f"{path}.text", dropped) if fallback else None
    if display:
        result["display"] = str(display)[:_MAX_TEXT]
    return result


def any_concept(value: Any, path: str, dropped: Drops) -> Record | None:
    """A concept where the standard takes a Concept: coded (the first coding with a code, the
    other codings reported dropped), else its text alone ({"text": …})."""
    if not isinstance(value, dict):
        return None
    has_code = any(isinstance(c, dict) and c.get("code") for c in value.get("coding") or [])
    if has_code:
        return concept(value, path, dropped)
    wording = value.get("text")
    if isinstance(wording, str) and wording.strip():
        if value.get("coding"):
            dropped.append((f"{path}.coding", "codings without a code"))
        wording = screened(wording, f"{path}.text", dropped)
        return {"text": wording[:_MAX_TEXT]} if wording else None
    return None


def any_concepts(values: Any, path: str, dropped: Drops) -> list[Record]:
    """`any_concept` of each item of a list; one with neither code nor text is reported."""
    found = []
    for index, value in enumerate(values if isinstance(values, list) else []):
        item = any_concept(value, f"{path}[{index}]", dropped)
        if item is None:
            _nothing_left(f"{path}[{index}]", dropped)
        else:
            found.append(item)
    return found


def partial_date(value: Any) -> str | None:
    """A date of the precision given (YYYY, YYYY-MM or a YYYY-MM-DD that exists), else None."""
    if not isinstance(value, str):
        return None
    match = _PARTIAL_DATE.fullmatch(value)
    if match is None or (match.group(2) and not "01" <= match.group(2) <= "12"):
        return None
    return value if match.group(3) is None or is_date(value) else None


def clinical_time(value: Any) -> str | None:
    """A time where the standard takes a PartialDateTime: a date-time as `date_time` gives it,
    a date as precise as the source gives it (never padded)."""
    if isinstance(value, str) and "T" not in value:
        return partial_date(value)
    return date_time(value)


def exact_time(value: Any, path: str, dropped: Drops) -> str | None:
    """A time where the standard takes only a date-time: a full date is widened to midnight UTC
    (noted in the ledger); a year or month is dropped, with the reason (never padded)."""
    if isinstance(value, str) and "T" not in value and partial_date(value) is not None:
        if len(value) < 10:
            dropped.append((path, _PARTIAL_NO_TIME))
            return None
        dropped.notes.append((path, _DATE_AS_TIME))
    return date_time(value)


def time_pair(value: Any, path: str, dropped: Drops, names: tuple[str, str]) -> Record:
    """A dateTime as the record field names[0] (a date-time) or names[1] (a partial date,
    when the source gives no time of day); a value that is neither is reported dropped."""
    if value is None or value == "":
        return {}
    if isinstance(value, str) and "T" not in value:
        day = partial_date(value)
        if day is not None:
            return {names[1]: day}
    elif (moment := date_time(value)) is not None:
        return {names[0]: moment}
    dropped.append((path, "not a date or date-time"))
    return {}


def _concept_drops(value: dict[str, Any], used: int, path: str, dropped: Drops) -> None:
    codings, text = value["coding"], value.get("text")
    if (
        len(codings) == 1
        and codings[0].keys() <= _CODING
        and text in (None, codings[0].get("display"))
    ):
        return  # all of it carried: the common case, made quick
    dropped.extend((f"{path}.coding[{i}]", _FIRST_CODING)
                   for i in range(len(codings)) if i != used)  # fmt: skip
    coding = codings[used]
    leftovers(coding, _CODING, f"{path}.coding[{used}]", dropped)
    if text and coding.get("display") and text != coding["display"]:
        dropped.append((f"{path}.text", "the coding's display is carried instead"))


def quantity(value: dict[str, Any], path: str = "", dropped: Drops | None = None) -> Record:
    """A FHIR Quantity with its UCUM code (or its human unit when it has no UCUM code); with
    `dropped`, a human unit the code replaces is reported there."""
    unit = value.get("code") if value.get("system") == _UCUM else None
    result: Record = {
        "value": value["value"],
        "unit": unit or value.get("unit") or value.get("code") or "1",
    }
    if value.get("comparator") in ("<", "<=", ">=", ">"):
        result["comparator"] = value["comparator"]
    if dropped is not None and value.get("unit") not in (None, result["unit"]):
        dropped.append((f"{path}.unit", "the UCUM code is carried instead"))
    return result


def date_time(value: Any) -> str | None:
    """A FHIR dateTime as RFC 3339: full values unchanged; partial dates widened to midnight UTC;
    an instant given as epoch milliseconds (seen in real exports) converted."""
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            moment = datetime.datetime.fromtimestamp(value / 1000, datetime.UTC)
        except (OverflowError, OSError, ValueError):  # beyond the years datetime can hold
            return None
        return moment.isoformat().replace("+00:00", "Z")
    if not isinstance(value, str):
        return None
    if "T" in value:
        return value
    match = _PARTIAL_DATE.fullmatch(value)
    if not match:
        return None
    year, month, day = match.group(1), match.group(2) or "01", match.group(3) or "01"
    return f"{year}-{month}-{day}T00:00:00Z"
