"""FHIR R4 resources → records of the standard: the transformations the TOML tables cannot hold."""

from __future__ import annotations

import datetime
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ccstd.adapters.base import Converted, Rejected, SourceContext
from ccstd.standard.formats import is_country, is_date, is_phone, is_resident_id

MAPPING_FILE = Path(__file__).with_name("mapping.toml")
TABLES: dict[str, Any] = tomllib.loads(MAPPING_FILE.read_text(encoding="utf-8"))
STANDARD_VERSION = "1.0.0"
ENTITY_OF = {"Patient": "Resident", "Observation": "Observation", "Condition": "Condition",
             "Immunization": "Immunization", "Encounter": "Encounter"}  # fmt: skip
_UCUM = "http://unitsofmeasure.org"
_NATIONAL_ID_TYPES = {"NI", "NNCHN", "CZ"}
_PARTIAL_DATE = re.compile(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")
_MAX_TEXT = 4000
US_CORE = "org.hl7.fhir.us-core"
UNCODED = "urn:ccstd:uncoded"  # a concept the source gave as text only

Record = dict[str, Any]


def convert_resource(resource: dict[str, Any], context: SourceContext) -> Converted | Rejected:
    """One supported FHIR resource as one record (or a rejection naming the missing part)."""
    kind = resource["resourceType"]
    record: Record = {
        "id": resource_id(resource, context),
        "type": ENTITY_OF[kind],
        "standardVersion": STANDARD_VERSION,
        "meta": {
            "sourceSystem": "fhir",
            "source": {"fhirId": f"{kind}/{resource_id(resource, context)}"},
        },
    }
    dropped: list[tuple[str, str]] = []
    problem = _MAPPERS[kind](resource, record, context, dropped)
    if problem is not None:
        return problem
    return Converted((record,), tuple(dropped))


def resource_id(resource: dict[str, Any], context: SourceContext) -> str:
    """The FHIR id, or the uuid of the Bundle entry's fullUrl when the resource has none."""
    if resource.get("id"):
        return str(resource["id"])
    full_url: str = context.facts.get("fullUrl", "")
    return full_url.rsplit(":", 1)[-1].rsplit("/", 1)[-1] or "unidentified"


def _patient(
    resource: dict[str, Any], record: Record, context: SourceContext, dropped: list[tuple[str, str]]
) -> None:
    names = resource.get("name") or []
    name = next(
        (n for n in names if n.get("use") in ("official", "usual")), names[0] if names else {}
    )
    given = " ".join(name.get("given") or [])
    human = {"text": name.get("text") or " ".join(p for p in (given, name.get("family", "")) if p)}
    if name.get("family"):
        human["family"] = name["family"]
    if given:
        human["given"] = given
    record["name"] = human if human["text"] else {"text": "(no name)"}
    _identifiers(resource, record)
    if resource.get("gender") in TABLES["gender"]:
        record["gender"] = TABLES["gender"][resource["gender"]]
    birth = resource.get("birthDate")  # the models also take a number (epoch): not a date here
    if isinstance(birth, str) and is_date(birth):
        record["birthDate"] = birth
    elif birth:
        dropped.append(("Patient.birthDate", "partial date; the standard needs a full date"))
    _telecom(resource, record, dropped)
    if resource.get("address"):
        record["address"] = _address(resource["address"][0], dropped)
    deceased = resource.get("deceasedBoolean") or resource.get("deceasedDateTime")
    record["status"] = "deceased" if deceased else "active"
    us_core = _us_core(resource.get("extension") or [])
    if us_core:
        record["extensions"] = {US_CORE: us_core}


def _identifiers(resource: dict[str, Any], record: Record) -> None:
    others = []
    for identifier in resource.get("identifier") or []:
        value, system = identifier.get("value"), identifier.get("system") or "urn:unknown"
        if not value:
            continue
        codes = {c.get("code") for c in (identifier.get("type") or {}).get("coding") or []}
        if codes & _NATIONAL_ID_TYPES and is_resident_id(value) and "nationalId" not in record:
            record["nationalId"] = value
            continue
        entry: Record = {"system": system[:_MAX_TEXT], "value": value}
        kind = concept(identifier.get("type"))
        if kind:
            entry["kind"] = kind
        others.append(entry)
    if others:
        record["identifiers"] = others


def _telecom(resource: dict[str, Any], record: Record, dropped: list[tuple[str, str]]) -> None:
    contacts = []
    for point in resource.get("telecom") or []:
        system, value = point.get("system"), point.get("value")
        if not value:
            continue
        if system == "phone" and not is_phone(value):
            dropped.append(("Patient.telecom.value", "not a valid phone number"))
        elif (
            system == "phone"
            and "phone" not in record
            and point.get("use") in (None, "mobile", "home")
        ):
            record["phone"] = value
        elif system in ("phone", "email"):
            contact = {"system": system, "value": value}
            if point.get("use") in ("home", "work", "mobile"):
                contact["use"] = point["use"]
            contacts.append(contact)
    if contacts:
        record["contacts"] = contacts


def _address(address: dict[str, Any], dropped: list[tuple[str, str]]) -> Record:
    result: Record = {}
    if address.get("line"):
        result["line"] = " ".join(address["line"])[:_MAX_TEXT]
    for source, target in (("city", "city"), ("district", "district"), ("state", "province")):
        if address.get(source):
            result[target] = str(address[source])[:_MAX_TEXT]
    postal = address.get("postalCode")
    if postal and re.fullmatch(r"[0-9]{6}", postal):
        result["postalCode"] = postal
    elif postal:
        dropped.append(("Patient.address.postalCode", "not a six-digit Chinese postal code"))
    if address.get("country") and is_country(address["country"]):
        result["country"] = address["country"]
    return result or {"line": address.get("text", "(unknown)")[:_MAX_TEXT]}


def _us_core(extensions: list[dict[str, Any]]) -> Record:
    found: Record = {}
    for name, url in TABLES["extensions"].items():
        for ext in extensions:
            if ext.get("url") != url:
                continue
            if "valueCode" in ext:
                found[name] = ext["valueCode"]
            else:
                parts = {e.get("url"): e for e in ext.get("extension") or []}
                codes = [e["valueCoding"]["code"] for u, e in parts.items() if u == "ombCategory"]
                found[name] = {"codes": codes, "text": (parts.get("text") or {}).get("valueString")}
    return found


def _observation(
    resource: dict[str, Any], record: Record, context: SourceContext, dropped: list[tuple[str, str]]
) -> Rejected | None:
    code = concept(resource.get("code"))
    subject = reference(resource.get("subject"), context)
    if code is None or subject is None:
        return Rejected(
            "missing-required", "an Observation needs a code and a Patient subject", "code/subject"
        )
    record.update(subject=subject, status=resource.get("status", "unknown"), code=code)
    categories = [c for c in (concept(x) for x in resource.get("category") or []) if c]
    if categories:
        record["category"] = categories
    _optional_reference(resource, "encounter", record, context)
    period_start = (resource.get("effectivePeriod") or {}).get("start")
    effective = (resource.get("effectiveDateTime") or resource.get("effectiveInstant")
                 or period_start or resource.get("issued"))  # fmt: skip
    if effective and (effective_at := date_time(effective)):
        record["effectiveAt"] = effective_at
    record.update(_value(resource))
    components = []
    for component in resource.get("component") or []:
        component_code = concept(component.get("code"))
        if component_code:
            components.append({"code": component_code, **_value(component, allow_text=False)})
    if components:
        record["components"] = components
    return None


def _value(source: dict[str, Any], allow_text: bool = True) -> Record:
    if "valueQuantity" in source and source["valueQuantity"].get("value") is not None:
        return {"valueQuantity": quantity(source["valueQuantity"])}
    if "valueInteger" in source:
        return {"valueQuantity": {"value": source["valueInteger"], "unit": "1"}}
    if "valueCodeableConcept" in source and concept(source["valueCodeableConcept"]):
        return {"valueConcept": concept(source["valueCodeableConcept"])}
    if allow_text and isinstance(source.get("valueString"), str) and source["valueString"]:
        return {"valueString": source["valueString"][:_MAX_TEXT]}
    if allow_text and isinstance(source.get("valueBoolean"), bool):
        return {"valueBoolean": source["valueBoolean"]}
    return {}


def _condition(
    resource: dict[str, Any], record: Record, context: SourceContext, dropped: list[tuple[str, str]]
) -> Rejected | None:
    code = concept(resource.get("code"))
    subject = reference(resource.get("subject"), context)
    if code is None or subject is None:
        return Rejected(
            "missing-required", "a Condition needs a code and a Patient subject", "code/subject"
        )
    record.update(subject=subject, code=code)
    status = concept(resource.get("clinicalStatus"))
    if status:
        record["clinicalStatus"] = status["code"]
    _optional_reference(resource, "encounter", record, context)
    for source, target in (("onsetDateTime", "onsetAt"), ("abatementDateTime", "abatementAt"),
                           ("recordedDate", "recordedAt")):  # fmt: skip
        if resource.get(source) and (moment := date_time(resource[source])):
            record[target] = moment
    return None


def _immunization(
    resource: dict[str, Any], record: Record, context: SourceContext, dropped: list[tuple[str, str]]
) -> Rejected | None:
    vaccine = concept(resource.get("vaccineCode"))
    subject = reference(resource.get("patient"), context)
    given = date_time(resource.get("occurrenceDateTime") or "")
    if vaccine is None or subject is None or given is None:
        message = "an Immunization needs a vaccine code, a patient and a date"
        return Rejected("missing-required", message, "vaccineCode/patient/occurrenceDateTime")
    record.update(
        subject=subject,
        status=resource.get("status", "completed"),
        vaccineCode=vaccine,
        occurredAt=given,
    )
    _optional_reference(resource, "encounter", record, context)
    if resource.get("lotNumber"):
        record["lotNumber"] = resource["lotNumber"][:_MAX_TEXT]
    dose = next(
        (p.get("doseNumberPositiveInt") for p in resource.get("protocolApplied") or []), None
    )
    if isinstance(dose, int) and 1 <= dose <= 20:
        record["doseNumber"] = dose
    site = concept(resource.get("site"))
    if site:
        record["site"] = site
    return None


def _encounter(
    resource: dict[str, Any], record: Record, context: SourceContext, dropped: list[tuple[str, str]]
) -> Rejected | None:
    subject = reference(resource.get("subject"), context)
    if subject is None:
        return Rejected("missing-required", "an Encounter needs a Patient subject", "subject")
    code = (resource.get("class") or {}).get("code", "")
    record.update(
        subject=subject,
        status=resource.get("status", "unknown"),
        **{"class": TABLES["encounter-class"].get(code, "other")},
    )
    kinds = [c for c in (concept(x) for x in resource.get("type") or []) if c]
    if kinds:
        record["kinds"] = kinds
    reasons = [c for c in (concept(x) for x in resource.get("reasonCode") or []) if c]
    if reasons:
        record["reasons"] = reasons
    times = {
        k: date_time(v) for k, v in (resource.get("period") or {}).items() if k in ("start", "end")
    }
    period = {k: v for k, v in times.items() if v}
    if period:
        record["period"] = period
    return None


_Mapper = Callable[[dict[str, Any], Record, SourceContext, list[tuple[str, str]]], Rejected | None]
_MAPPERS: dict[str, _Mapper] = {
    "Patient": _patient, "Observation": _observation, "Condition": _condition,
    "Immunization": _immunization, "Encounter": _encounter,
}  # fmt: skip


def _optional_reference(
    resource: dict[str, Any], name: str, record: Record, context: SourceContext
) -> None:
    target = reference(resource.get(name), context)
    if target is not None:
        record[name] = target


def reference(value: dict[str, Any] | None, context: SourceContext) -> Record | None:
    """A FHIR Reference as a typed one: `Patient/1`, `Patient/1/_history/2`, an absolute URL, or a
    Bundle entry's `urn:uuid:…`. A malformed id (`Patient/a/b`) is kept, its slashes as colons."""
    text = (value or {}).get("reference")
    if not isinstance(text, str):
        return None
    resolved = context.facts.get("fullUrls", {}).get(text)
    if resolved is None and not text.startswith("urn:"):
        resolved = _type_and_id(text.split("/"))
    if resolved is None or resolved[0] not in ENTITY_OF:
        return None
    return {"type": ENTITY_OF[resolved[0]], "id": resolved[1]}


def _type_and_id(segments: list[str]) -> tuple[str, str] | None:
    if "_history" in segments:
        segments = segments[: segments.index("_history")]
    for index, segment in enumerate(segments[:-1]):
        if segment in ENTITY_OF:
            return segment, ":".join(segments[index + 1 :])
    return None


def concept(value: dict[str, Any] | None) -> Record | None:
    """A CodeableConcept (or a bare Coding) as a coded concept: its first coding with a code."""
    if not value:
        return None
    codings = value.get("coding") if "coding" in value else [value]
    for coding in codings or []:
        if coding.get("code"):
            result = {
                "system": coding.get("system") or "urn:unknown",
                "code": str(coding["code"])[:128],
            }
            display = coding.get("display") or value.get("text")
            if display:
                result["display"] = str(display)[:_MAX_TEXT]
            return result
    text = value.get("text")
    if isinstance(text, str) and text.strip():  # text only: carried as such, never given a code
        return {"system": UNCODED, "code": text.strip()[:128], "display": text[:_MAX_TEXT]}
    return None


def quantity(value: dict[str, Any]) -> Record:
    """A FHIR Quantity with its UCUM code (or its human unit when it has no UCUM code)."""
    unit = value.get("code") if value.get("system") == _UCUM else None
    result: Record = {
        "value": value["value"],
        "unit": unit or value.get("unit") or value.get("code") or "1",
    }
    if value.get("comparator") in ("<", "<=", ">=", ">"):
        result["comparator"] = value["comparator"]
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
