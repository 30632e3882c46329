"""FHIR R4 allergies, medications, procedures and reports → the entities of standard 1.3.0
(AllergyIntolerance, MedicationUse, Procedure, DiagnosticReport). Their free text (a coded
item's wording, a dose's instructions, a conclusion, notes) goes to the fields that offer the
protected form, pseudonymised like names (standard 1.3.0)."""

from __future__ import annotations

from typing import Any

from ccstd.adapters.base import Rejected, SourceContext
from ccstd.adapters.fhir.mapping import (
    FREE_TEXT,
    MAPPERS,
    NAMES_SOMEONE,
    STANDARD_VERSION,
    Drops,
    Mapper,
    Record,
    any_concept,
    any_concepts,
    clinical_time,
    coded_fields,
    concept,
    convert_resource,
    date_time,
    leftovers,
    quantity,
    reference,
    screened,
    status_problem,
)

_CODE = ("code", "codings")
_MISSING = "missing-required"
_PERIOD_ENDS = ("start", "end")


def _start(kind: str, resource: dict[str, Any], record: Record, context: SourceContext,
           dropped: Drops, subject: str = "subject") -> Rejected | None:  # fmt: skip
    """The parts every entity of this module shares: subject, code (with all codings and the
    source's text), encounter; a rejection naming what is missing."""
    found = reference(resource.get(subject), context, subject, dropped)
    codes = coded_fields(resource.get("code"), "code", dropped, _CODE, text=True)
    if found is None or found["type"] != "Resident":
        return Rejected(_MISSING, f"a {kind} needs a Patient {subject}", subject)
    if not codes:
        return Rejected(_MISSING, f"a {kind} needs a code or text", "code")
    record.update(subject=found, **codes)
    _encounter(resource, "encounter", record, context, dropped)
    return None


def _encounter(resource: dict[str, Any], name: str, record: Record, context: SourceContext,
               dropped: Drops) -> None:  # fmt: skip
    target = reference(resource.get(name), context, name, dropped)
    if target is not None and target["type"] == "Encounter":
        record["encounter"] = target
    elif resource.get(name):
        dropped.append((name, "a reference to nothing the standard holds as an encounter"))


def _code(kind: str, path: str, value: Any) -> tuple[str | None, Rejected | None]:
    """A code of the element's code list taken from a code or a CodeableConcept's first coding
    (None when absent), or the rejection when it is not one."""
    if isinstance(value, dict):
        coded = concept(value)
        value = coded["code"] if coded else None
    if value is None:
        return None, None
    return value, status_problem(kind, path, value)


def _codes(kind: str, resource: dict[str, Any], record: Record, pairs: Any) -> Rejected | None:
    """Each (source element, record field) pair of coded elements; the first wrong one rejects."""
    for source, target in pairs:
        value, wrong = _code(kind, source, resource.get(source))
        if wrong is not None:
            return wrong
        if value is not None:
            record[target] = value
    return None


def _times(resource: dict[str, Any], record: Record, dropped: Drops, pairs: Any) -> None:
    for source, target in pairs:
        value = resource.get(source)
        if value in (None, ""):
            continue
        moment = clinical_time(value)
        if moment is None:
            dropped.append((source, "not a date or date-time"))
        else:
            record[target] = moment


def _period(value: Any, path: str, dropped: Drops) -> Record | None:
    """A FHIR Period whose ends may be partial dates (a ClinicalPeriod)."""
    if not isinstance(value, dict):
        return None
    found = {end: moment for end in _PERIOD_ENDS if (moment := clinical_time(value.get(end)))}
    leftovers(value, found.keys(), path, dropped, "not a date or date-time")
    return found or None


def notes(resource: dict[str, Any], record: Record, dropped: Drops, name: str = "note") -> None:
    """FHIR `note` (Annotations) as the record's `notes`: each text, in the source's order,
    pseudonymised like a name (it may name someone); an author and a time are not carried."""
    found = []
    for index, note in enumerate(resource.get(name) or []):
        path = f"{name}[{index}]"
        text = note.get("text") if isinstance(note, dict) else None
        if isinstance(text, str) and text.strip():
            found.append(text[:4000])
        else:
            dropped.append((path, "a note without text"))
        leftovers(note, ("text",), path, dropped, _NOTE_PARTS)
    if found:
        record["notes"] = found


_NOTE_PARTS = "only a note's text is carried: its author (often a name) and time are not"


def _allergy(
    resource: dict[str, Any], record: Record, context: SourceContext, dropped: Drops
) -> Rejected | None:
    kind = "AllergyIntolerance"
    problem = _start(kind, resource, record, context, dropped, "patient")
    pairs = (("clinicalStatus", "clinicalStatus"), ("verificationStatus", "verificationStatus"),
             ("type", "kind"), ("criticality", "criticality"))  # fmt: skip
    problem = problem or _codes(kind, resource, record, pairs)
    if problem is not None:
        return problem
    categories = list(dict.fromkeys(resource.get("category") or []))
    for category in categories:
        if (wrong := status_problem(kind, "category", category)) is not None:
            return wrong
    if categories:
        record["categories"] = categories
    _times(resource, record, dropped, (("onsetDateTime", "onsetAt"), ("recordedDate", "recordedAt"),
                                       ("lastOccurrence", "lastOccurrenceAt")))  # fmt: skip
    reactions = []
    for index, reaction in enumerate(resource.get("reaction") or []):
        found = _reaction(reaction, f"reaction[{index}]", dropped)
        if isinstance(found, Rejected):
            return found
        if found is not None:
            reactions.append(found)
    if reactions:
        record["reactions"] = reactions
    notes(resource, record, dropped)
    return None


def _reaction(reaction: dict[str, Any], path: str, dropped: Drops) -> Record | Rejected | None:
    manifestations = any_concepts(reaction.get("manifestation"), f"{path}.manifestation", dropped)
    if not manifestations:
        dropped.append((path, "a reaction without a manifestation"))
        return None
    found: Record = {"manifestations": manifestations}
    substance = any_concept(reaction.get("substance"), f"{path}.substance", dropped)
    if substance:
        found["substance"] = substance
    severity = reaction.get("severity")
    if severity is not None:
        wrong = status_problem("AllergyIntolerance", "reaction.severity", severity)
        if wrong is not None:
            return wrong
        found["severity"] = severity
    if onset := clinical_time(reaction.get("onset")):
        found["onsetAt"] = onset
    if reaction.get("description"):
        dropped.append((f"{path}.description", FREE_TEXT))
    carried = ("manifestation", "substance", "severity", "onset", "description")
    leftovers(reaction, carried, path, dropped)
    return found


def _medication_use(
    resource: dict[str, Any], record: Record, context: SourceContext, dropped: Drops
) -> Rejected | None:
    """MedicationRequest (kind prescribed, with its intent) or MedicationStatement (stated);
    the medicine from medicationCodeableConcept, a contained Medication or one the source
    holds elsewhere (`medication` in the context's facts, found by the adapter)."""
    kind = resource["resourceType"]
    medicine = _medicine(resource, context, dropped)
    found = reference(resource.get("subject"), context, "subject", dropped)
    if found is None or found["type"] != "Resident":
        return Rejected(_MISSING, f"a {kind} needs a Patient subject", "subject")
    if not medicine:
        message = f"{kind}: the medication is neither coded, nor named, nor found in the source"
        if any(why == NAMES_SOMEONE for _, why in dropped):
            message = f"{kind}: the medication is named only in text that names a person"
        return Rejected("unresolved-medication", message, "medication[x]")
    if resource.get("doNotPerform") is True:
        return Rejected("prohibition", _PROHIBITION, "doNotPerform")
    prescribed = kind == "MedicationRequest"
    record.update(subject=found, kind="prescribed" if prescribed else "stated", **medicine)
    pairs = (("status", "status"), ("intent", "intent")) if prescribed else (("status", "status"),)
    if (problem := _codes(kind, resource, record, pairs)) is not None:
        return problem
    if "status" not in record:
        return Rejected(_MISSING, f"a {kind} needs a status", "status")
    _encounter(resource, "encounter" if prescribed else "context", record, context, dropped)
    dosages = resource.get("dosageInstruction" if prescribed else "dosage") or []
    carried = [_dosage(d, f"{_DOSAGE[prescribed]}[{i}]", dropped) for i, d in enumerate(dosages)]
    if any(carried):
        record["dosages"] = [d for d in carried if d]
    _times(resource, record, dropped, _RECORDED)
    period = _period(resource.get("effectivePeriod"), "effectivePeriod", dropped)
    if moment := clinical_time(resource.get("effectiveDateTime")):
        period = {"start": moment, "end": moment}  # a point in time: a period of no length
    elif resource.get("effectiveDateTime"):
        dropped.append(("effectiveDateTime", "not a date or date-time"))
    if period:
        record["period"] = period
    reasons = any_concepts(resource.get("reasonCode"), "reasonCode", dropped)
    if reasons:
        record["reasons"] = reasons
    notes(resource, record, dropped)
    return None


_DOSAGE = {True: "dosageInstruction", False: "dosage"}
_PROHIBITION = (
    "MedicationRequest.doNotPerform: an order not to give the medicine; a MedicationUse "
    f"cannot say so (the standard {STANDARD_VERSION}), and without it would read as a prescription"
)
_RECORDED = (("authoredOn", "recordedAt"), ("dateAsserted", "recordedAt"))


def _medicine(resource: dict[str, Any], context: SourceContext, dropped: Drops) -> Record:
    """code/codings/text of the medicine, from wherever the source gives it; of a contained
    Medication only its code is carried, and other contained resources are reported dropped."""
    given = resource.get("medicationCodeableConcept")
    contained = resource.get("contained") or []
    pointer = resource.get("medicationReference") or {}
    target = pointer.get("reference") if isinstance(pointer, dict) else None
    inline = target[1:] if isinstance(target, str) and target.startswith("#") else None
    found: Any = None
    for index, part in enumerate(contained):
        if isinstance(part, dict) and inline and part.get("id") == inline and not given:
            found = part.get("code")
            carried = ("resourceType", "id", "code")
            leftovers(part, carried, f"contained[{index}]", dropped, _MEDICATION_ONLY)
        else:
            dropped.append((f"contained[{index}]", "a contained resource the mapping does not use"))
    if given:
        return coded_fields(given, "medicationCodeableConcept", dropped, _CODE, text=True)
    if inline is None and isinstance(target, str):
        found = context.facts.get("medication")
    path = "medicationReference"
    inner = Drops(dropped.people)  # the Medication's own values: not this item's paths
    if isinstance(found, dict) and (codes := coded_fields(found, path, inner, _CODE, True)):
        leftovers(pointer, ("reference",), path, dropped, "the medication's own code is carried")
        if any(why == NAMES_SOMEONE for _, why in inner):
            dropped.append((f"{path}.reference", f"of the Medication it names: {NAMES_SOMEONE}"))
        return codes
    display = pointer.get("display") if isinstance(pointer, dict) else None
    if isinstance(display, str) and display.strip():
        if target is not None:
            dropped.append((f"{path}.reference", "the Medication it names was not found"))
        display = screened(display, f"{path}.display", dropped)
        return {"text": display[:4000]} if display else {}
    return {}


_MEDICATION_ONLY = "only the Medication's code is carried"


def _dosage(dosage: Any, path: str, dropped: Drops) -> Record | None:
    """A FHIR Dosage: its text, first dose quantity, timing (frequency per period), route,
    asNeededBoolean; the rest reported dropped."""
    if not isinstance(dosage, dict):
        return None
    found: Record = {}
    before = len(dropped)
    given = dosage.get("text")
    if isinstance(given, str) and given.strip():
        found["textProtected"] = given[:4000]  # may name someone: pseudonymised
    dose = _dose(dosage.get("doseAndRate"), f"{path}.doseAndRate", dropped)
    if dose:
        found["doseQuantity"] = dose
    timing = _timing(dosage.get("timing"), f"{path}.timing", dropped)
    if timing:
        found["timing"] = timing
    route = any_concept(dosage.get("route"), f"{path}.route", dropped)
    if route:
        found["route"] = route
    if isinstance(dosage.get("asNeededBoolean"), bool):
        found["asNeeded"] = dosage["asNeededBoolean"]
    carried = ("text", "doseAndRate", "timing", "route", "asNeededBoolean")
    if dosage.get("patientInstruction"):
        dropped.append((f"{path}.patientInstruction", FREE_TEXT))
    leftovers(dosage, (*carried, "patientInstruction"), path, dropped)
    told = any(where.startswith(f"{path}.") for where, _ in dropped[before:])
    if not found and not told:  # else the ledger says why for each of its values
        dropped.append((path, "a dosage with nothing the standard carries"))
    return found or None


def _dose(values: Any, path: str, dropped: Drops) -> Record | None:
    """The first doseAndRate's doseQuantity (a positive value, its unit when it has one); a
    bound (a comparator) is not a dose."""
    if not isinstance(values, list) or not values:
        return None
    later = range(1, len(values))
    dropped.extend((f"{path}[{i}]", "only the first dose is carried") for i in later)
    first = values[0] if isinstance(values[0], dict) else {}
    amount = first.get("doseQuantity")
    leftovers(first, ("doseQuantity",), f"{path}[0]", dropped)
    if not isinstance(amount, dict) or not isinstance(amount.get("value"), int | float):
        return None
    if amount["value"] <= 0 or isinstance(amount["value"], bool):
        dropped.append((f"{path}[0].doseQuantity", "not a positive dose"))
        return None
    if amount.get("comparator"):
        dropped.append((f"{path}[0].doseQuantity", _BOUND))
        return None
    if not (amount.get("code") or amount.get("unit")):
        return {"value": amount["value"]}  # no unit is invented
    return {k: v for k, v in quantity(amount, f"{path}[0].doseQuantity", dropped).items()
            if k in ("value", "unit")}  # fmt: skip


_BOUND = "a dose with a comparator (< 5 mg) is a bound, and the record's dose has no comparator"


def _timing(timing: Any, path: str, dropped: Drops) -> Record | None:
    """Timing.repeat's frequency per period and unit, and the timing's code text."""
    if not isinstance(timing, dict):
        return None
    given = timing.get("repeat")
    repeat: dict[str, Any] = given if isinstance(given, dict) else {}
    found: Record = {}
    if isinstance(repeat.get("frequency"), int) and repeat["frequency"] >= 1:
        found["frequency"] = repeat["frequency"]
    period, unit = repeat.get("period"), repeat.get("periodUnit")
    if isinstance(period, int | float) and period > 0 and unit in _UNITS:
        found.update(period=period, periodUnit=unit)
    elif period is not None or unit is not None:
        why = "a period needs a positive length and a unit of s, min, h, d, wk, mo or a"
        dropped.extend((f"{path}.repeat.{k}", why) for k in ("period", "periodUnit") if k in repeat)
    code: dict[str, Any] = timing["code"] if isinstance(timing.get("code"), dict) else {}
    wording = code.get("text")
    if isinstance(wording, str) and wording.strip():
        found["textProtected"] = wording[:4000]  # may name someone: pseudonymised
    leftovers(code, ("text",), f"{path}.code", dropped, "only the timing's text is carried")
    leftovers(repeat, ("frequency", "period", "periodUnit"), f"{path}.repeat", dropped)
    leftovers(timing, ("repeat", "code"), path, dropped)
    return found or None


_UNITS = frozenset(("s", "min", "h", "d", "wk", "mo", "a"))


def _procedure(
    resource: dict[str, Any], record: Record, context: SourceContext, dropped: Drops
) -> Rejected | None:
    kind = "Procedure"
    problem = _start(kind, resource, record, context, dropped)
    problem = problem or _codes(kind, resource, record, (("status", "status"),))
    if problem is not None:
        return problem
    if "status" not in record:
        return Rejected(_MISSING, "a Procedure needs a status", "status")
    _times(resource, record, dropped, (("performedDateTime", "performedAt"),))
    period = _period(resource.get("performedPeriod"), "performedPeriod", dropped)
    if period:
        record["performedPeriod"] = period
    if resource.get("performedString"):
        dropped.append(("performedString", FREE_TEXT))
    for source, target in (("bodySite", "bodySites"), ("reasonCode", "reasons")):
        found = any_concepts(resource.get(source), source, dropped)
        if found:
            record[target] = found
    outcome = any_concept(resource.get("outcome"), "outcome", dropped)
    if outcome:
        record["outcome"] = outcome
    notes(resource, record, dropped)
    return None


def _report(
    resource: dict[str, Any], record: Record, context: SourceContext, dropped: Drops
) -> Rejected | None:
    """A DiagnosticReport; its results become references to the converted Observations."""
    kind = "DiagnosticReport"
    problem = _start(kind, resource, record, context, dropped)
    problem = problem or _codes(kind, resource, record, (("status", "status"),))
    if problem is not None:
        return problem
    categories = any_concepts(resource.get("category"), "category", dropped)
    if categories:
        record["categories"] = categories
    _times(resource, record, dropped, (("effectiveDateTime", "effectiveAt"),))
    start = (resource.get("effectivePeriod") or {}).get("start")
    if moment := clinical_time(start):
        record["effectiveAt"] = moment
        leftovers(resource["effectivePeriod"], ("start",), "effectivePeriod", dropped,
                  "only the start of a period is carried")  # fmt: skip
    if issued := date_time(resource.get("issued") or ""):
        record["issuedAt"] = issued
    results = _results(resource, record, context, dropped)
    if results:
        record["results"] = results
    conclusion = resource.get("conclusion")
    if isinstance(conclusion, str) and conclusion.strip():
        record["conclusionProtected"] = conclusion[:4000]  # may name someone: pseudonymised
    codes = any_concepts(resource.get("conclusionCode"), "conclusionCode", dropped)
    if codes:
        record["conclusionCodes"] = codes
    return None


def _results(
    resource: dict[str, Any], record: Record, context: SourceContext, dropped: Drops
) -> list[Record]:
    """Each result as a reference to its Observation record, once; a result contained in the
    report (`#id`) is converted here, as an Observation of the report's subject."""
    values = resource.get("result")
    inside = _contained_results(resource, record, context, dropped)
    found: dict[str, Record] = {}
    for index, value in enumerate(values if isinstance(values, list) else []):
        pointer = value.get("reference") if isinstance(value, dict) else None
        target = inside.get(pointer) if isinstance(pointer, str) else None
        target = target or reference(value, context, f"result[{index}]", dropped)
        if target is None or target["type"] != "Observation":
            dropped.append((f"result[{index}]", "not a reference to an Observation"))
        else:
            found.setdefault(target["id"], target)
    return list(found.values())


def _contained_results(
    resource: dict[str, Any], record: Record, context: SourceContext, dropped: Drops
) -> dict[str, Record]:
    """`#id` → the reference to the Observation record made from each contained Observation a
    result names (id: the report's id, a dot, its own); the others are reported dropped."""
    named = {v.get("reference") for v in resource.get("result") or [] if isinstance(v, dict)}
    found: dict[str, Record] = {}
    for index, part in enumerate(resource.get("contained") or []):
        path = f"contained[{index}]"
        if not isinstance(part, dict) or f"#{part.get('id')}" not in named:
            dropped.append((path, "a contained resource no result of the report names"))
            continue
        pointer = f"#{part['id']}"
        if part.get("resourceType") != "Observation":
            dropped.append((path, "a result that is not an Observation"))
            continue
        inherited = (
            {"subject": resource.get("subject")} | part | {"id": f"{record['id']}.{part['id']}"}
        )
        made = convert_resource(inherited, context, MAPPERS["Observation"])
        if isinstance(made, Rejected):
            dropped.append((path, f"a contained result that does not convert: {made.message}"))
            continue
        dropped.records.extend(made.records)
        dropped.extend((f"{path}.{where}", why) for where, why in made.dropped)
        found[pointer] = {"type": "Observation", "id": made.records[0]["id"]}
    return found


MAPPERS_ALL: dict[str, Mapper] = MAPPERS | {
    "AllergyIntolerance": _allergy,
    "MedicationRequest": _medication_use,
    "MedicationStatement": _medication_use,
    "Procedure": _procedure,
    "DiagnosticReport": _report,
}
