"""FHIR R4 care plans, consents, messages, documents and devices → the entities standard 1.3.0
adds (CarePlan with its Goals, Consent, Communication, ClinicalDocument, MedicalDevice). Free
text (titles, descriptions, payloads, notes) and device identifiers are written where the
standard offers the protected form, and pseudonymised like names."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from ccstd.adapters.base import Rejected, SourceContext
from ccstd.adapters.fhir.clinical import MAPPERS_ALL as _CLINICAL
from ccstd.adapters.fhir.clinical import _codes, _encounter, _period, notes
from ccstd.adapters.fhir.mapping import (
    STANDARD_VERSION,
    Drops,
    Mapper,
    Record,
    any_concept,
    any_concepts,
    clinical_time,
    concept,
    leftovers,
    partial_date,
    quantity,
    reference,
    screened,
)
from ccstd.standard.formats import is_uri

_MISSING = "missing-required"
_NOWHERE = "a reference to nothing the standard holds"
_MAX_TEXT = 4000


def _subject(
    kind: str, resource: dict[str, Any], name: str, record: Record, context: SourceContext,
    dropped: Drops,
) -> Rejected | None:  # fmt: skip
    """The Patient the resource is about, as the record's subject (a rejection without one)."""
    found = reference(resource.get(name), context, name, dropped)
    if found is None or found["type"] != "Resident":
        return Rejected(_MISSING, f"a {kind} needs a Patient {name}", f"{kind}.{name}")
    record["subject"] = found
    return None


_STATUS = (("status", "status"),)


def _subject_and_status(
    kind: str, resource: dict[str, Any], subject: str, record: Record, context: SourceContext,
    dropped: Drops, codes: tuple[tuple[str, str], ...] = _STATUS, needs: str | None = "a status",
) -> Rejected | None:  # fmt: skip
    """What every entity here starts with: the Patient as subject, the coded fields (the status
    first) and, unless `needs` is None, a rejection naming what `needs` says when a coded field
    is missing."""
    problem = _subject(kind, resource, subject, record, context, dropped)
    problem = problem or _codes(kind, resource, record, codes)
    if problem is None and needs is not None and any(name not in record for name, _ in codes):
        return Rejected(_MISSING, f"a {kind} needs {needs}", f"{kind}.{codes[0][0]}")
    return problem


def _text(value: Any) -> str | None:
    """Free text as the standard takes it (cut at its length), or None when empty."""
    return value[:_MAX_TEXT] if isinstance(value, str) and value.strip() else None


def _put(record: Record, name: str, value: Any) -> None:
    if value:
        record[name] = value


def _references(values: Any, path: str, context: SourceContext, dropped: Drops) -> list[Record]:
    """Each reference to a record of the standard, once, in order; the others reported."""
    found: dict[tuple[str, str], Record] = {}
    for index, value in enumerate(values if isinstance(values, list) else []):
        target = reference(value, context, f"{path}[{index}]", dropped)
        if target is None:
            dropped.append((f"{path}[{index}]", _NOWHERE))
        else:
            found.setdefault((target["type"], target["id"]), target)
    return list(found.values())


def _contained(
    resource: dict[str, Any], kind: str, named: set[str], dropped: Drops
) -> dict[str, Any]:
    """`#id` → each contained resource of `kind` that the resource names; others reported."""
    found = {}
    for index, part in enumerate(resource.get("contained") or []):
        pointer = f"#{part.get('id')}" if isinstance(part, dict) else None
        if pointer in named and part.get("resourceType") == kind:
            found[pointer] = part
        else:
            dropped.append((f"contained[{index}]", "a contained resource the mapping does not use"))
    return found


# CarePlan (and its Goals) ------------------------------------------------------------------------
def _care_plan(
    resource: dict[str, Any], record: Record, context: SourceContext, dropped: Drops
) -> Rejected | None:
    kind = "CarePlan"
    codes = (("status", "status"), ("intent", "intent"))
    problem = _subject_and_status(
        kind, resource, "subject", record, context, dropped, codes, "a status and an intent"
    )
    if problem is not None:
        return problem
    _encounter(resource, "encounter", record, context, dropped)
    _put(record, "categories", any_concepts(resource.get("category"), "category", dropped))
    _put(record, "title", _text(resource.get("title")))
    _put(record, "description", _text(resource.get("description")))
    _put(record, "period", _period(resource.get("period"), "period", dropped))
    _put(record, "createdAt", clinical_time(resource.get("created")))
    addresses = _references(resource.get("addresses"), "addresses", context, dropped)
    _put(record, "addresses", [a for a in addresses if a["type"] == "Condition"])
    if any(a["type"] != "Condition" for a in addresses):
        dropped.append(("addresses", "a reference to a record that is not a Condition"))
    activities = []
    for index, activity in enumerate(resource.get("activity") or []):
        found = _activity(activity, f"activity[{index}]", dropped)
        if isinstance(found, Rejected):
            return found
        if found:
            activities.append(found)
    _put(record, "activities", activities)
    _put(record, "goals", _goals(resource, context, dropped))
    notes(resource, record, dropped)
    return None


def _activity(activity: Any, path: str, dropped: Drops) -> Record | Rejected | None:
    """An activity's detail: its code, status, scheduled period, description."""
    detail = activity.get("detail") if isinstance(activity, dict) else None
    leftovers(activity, ("detail",), path, dropped)
    if not isinstance(detail, dict):
        return None
    at = f"{path}.detail"
    found: Record = {}
    _put(found, "code", any_concept(detail.get("code"), f"{at}.code", dropped))
    status = detail.get("status")
    if status is not None:
        problem = _codes("CarePlan", {"activity.detail.status": status}, found,
                         (("activity.detail.status", "status"),))  # fmt: skip
        if problem is not None:
            return problem
    _put(found, "scheduledPeriod", _period(detail.get("scheduledPeriod"), f"{at}.scheduledPeriod",
                                           dropped))  # fmt: skip
    _put(found, "description", _text(detail.get("description")))
    leftovers(detail, ("code", "status", "scheduledPeriod", "description"), at, dropped)
    if not found:
        dropped.append((path, "an activity with nothing the standard carries"))
    return found or None


def _goals(resource: dict[str, Any], context: SourceContext, dropped: Drops) -> list[Record]:
    """Each Goal the plan names (`goal`): contained, or read elsewhere in the run (`parts` in
    the context's facts, found by the adapter); one found nowhere is reported dropped. What a
    contained Goal leaves out is reported at its place (`contained[i]…`); what a Goal read
    elsewhere leaves out, under `goal.…` (`=goal` paths: the plan holds no such element)."""
    pointers = [g.get("reference") for g in resource.get("goal") or [] if isinstance(g, dict)]
    inside = _contained(resource, "Goal", {p for p in pointers if isinstance(p, str)}, dropped)
    where = {id(part): i for i, part in enumerate(resource.get("contained") or [])}
    elsewhere = context.facts.get("parts") or {}
    found = []
    for index, pointer in enumerate(pointers):
        at = f"goal[{index}]"
        if pointer in pointers[:index]:
            dropped.append((at, "the same Goal named again: carried once"))
            continue
        goal = inside.get(pointer) if isinstance(pointer, str) else None
        if isinstance(goal, dict):
            made = _goal(goal, f"contained[{where[id(goal)]}]", dropped)
        elif isinstance(goal := elsewhere.get(pointer) if isinstance(pointer, str) else None, dict):
            own = Drops(dropped.people)
            made = _goal(goal, "goal", own)
            dropped.extend(("=" + _INDEX.sub("", p), why) for p, why in own)
        else:
            dropped.append((at, "a Goal found neither contained nor in the run"))
            continue
        if made:
            found.append(made)
        else:
            dropped.append((at, _NO_GOAL))
    return found


_INDEX = re.compile(r"\[\d+\]")
_NO_GOAL = "the Goal it names is not carried: it has no description the standard can hold"


def _goal(goal: dict[str, Any], path: str, dropped: Drops) -> Record | None:
    """A FHIR Goal as one of a plan's goals (its own elements reported under `path`)."""
    description = any_concept(goal.get("description"), f"{path}.description", dropped)
    if description is None:
        if not any(p.startswith(f"{path}.description") for p, _ in dropped):
            dropped.append((f"{path}.description", "a Goal without a description"))
        why = "a Goal whose description is left out is not carried"
        leftovers(goal, ("description", "resourceType", "id"), path, dropped, why)
        return None
    found: Record = {"description": description}
    status = goal.get("lifecycleStatus")
    if status is not None and _codes("Goal", {"lifecycleStatus": status}, found,
                                     (("lifecycleStatus", "lifecycleStatus"),)):  # fmt: skip
        dropped.append((f"{path}.lifecycleStatus", "not a Goal lifecycle status"))
    achieved = any_concept(goal.get("achievementStatus"), f"{path}.achievementStatus", dropped)
    _put(found, "achievement", achieved)
    _put(found, "startDate", partial_date(goal.get("startDate")))
    given = enumerate(goal.get("target") or [])
    targets = [made for i, t in given if (made := _target(t, f"{path}.target[{i}]", dropped))]
    _put(found, "targets", targets)
    carried = ("resourceType", "id", "description", "lifecycleStatus", "achievementStatus",
               "startDate", "target", "subject", "meta", "text")  # fmt: skip
    leftovers(goal, carried, path, dropped)
    return found


def _target(target: Any, path: str, dropped: Drops) -> Record | None:
    if not isinstance(target, dict):
        return None
    found: Record = {}
    _put(found, "measure", any_concept(target.get("measure"), f"{path}.measure", dropped))
    amount = target.get("detailQuantity")
    if isinstance(amount, dict) and isinstance(amount.get("value"), int | float):
        if amount.get("code") or amount.get("unit"):
            found["quantity"] = quantity(amount, f"{path}.detailQuantity", dropped)
        else:
            dropped.append((f"{path}.detailQuantity", "a quantity without a unit"))
    _put(found, "dueDate", partial_date(target.get("dueDate")))
    leftovers(target, ("measure", "detailQuantity", "dueDate"), path, dropped)
    return found or None


# Consent -----------------------------------------------------------------------------------------
def _consent(
    resource: dict[str, Any], record: Record, context: SourceContext, dropped: Drops
) -> Rejected | None:
    """A Consent (R5's spelling made R4's by `as_r4` before validation)."""
    kind = "Consent"
    problem = _subject_and_status(kind, resource, "patient", record, context, dropped)
    if problem is not None:
        return problem
    given = resource.get("provision")
    provision: dict[str, Any] = given if isinstance(given, dict) else {}
    decision = provision.get("type")
    if decision == "permit" and (denied := _denial_within(provision, "provision")):
        why = (
            f"a permit with a denial nested in it ({denied}): the standard {STANDARD_VERSION} "
            "holds one decision, and a blanket permit would share what the patient denied"
        )
        return Rejected("unsupported-consent", why, f"Consent.{denied}")
    if decision is not None:
        problem = _codes(
            kind, {"provision.type": decision}, record, (("provision.type", "decision"),)
        )
        if problem is not None:
            return problem
    _put(record, "scope", any_concept(resource.get("scope"), "scope", dropped))
    _put(record, "categories", any_concepts(resource.get("category"), "category", dropped))
    _put(record, "period", _period(provision.get("period"), "provision.period", dropped))
    _put(record, "recordedAt", clinical_time(resource.get("dateTime")))
    _put(record, "actions", any_concepts(provision.get("action"), "provision.action", dropped))
    purposes = [c for i, p in enumerate(provision.get("purpose") or [])
                if (c := concept(p, f"provision.purpose[{i}]", dropped))]  # fmt: skip
    _put(record, "purposes", purposes)
    policies = [p.get("uri") for p in resource.get("policy") or [] if isinstance(p, dict)]
    uris = [u for i, p in enumerate(policies) if (u := _uri(p, f"policy[{i}].uri", dropped))]
    _put(record, "policyUri", uris[0] if uris else None)
    if len(uris) > 1:
        dropped.append(("policy", "only the first policy's uri is carried"))
    leftovers(provision, ("type", "period", "action", "purpose"), "provision", dropped)
    return None


def _denial_within(provision: dict[str, Any], path: str) -> str | None:
    """The path of the first provision nested in `provision` (at any depth) that denies."""
    stack = [(provision, path)]
    while stack:
        node, at = stack.pop(0)
        for index, inner in enumerate(node.get("provision") or []):
            if isinstance(inner, dict):
                if inner.get("type") == "deny":
                    return f"{at}.provision[{index}]"
                stack.append((inner, f"{at}.provision[{index}]"))
    return None


_R5_CONSENT = {"subject": "patient", "date": "dateTime"}
# What R4 requires of a Consent and R5 does not (R5 has no scope; its category is optional):
# given only for R4's validation when an R5 Consent lacks it, and removed before mapping
_R4_REQUIRED = {"scope": {"text": "-"}, "category": [{"text": "-"}]}


def for_validation(resource: dict[str, Any]) -> tuple[dict[str, Any], frozenset[str]]:
    """An R5 Consent (one with `decision`, `subject`, `date` or `period`) with what R4 requires
    and it lacks filled in for validation only, and the names filled (the mapping must not see
    them: no value is invented); any other resource as it is."""
    if resource.get("resourceType") != "Consent" or not (_R5_ONLY & resource.keys()):
        return resource, frozenset()
    missing = frozenset(k for k in _R4_REQUIRED if k not in resource)
    return resource | {k: _R4_REQUIRED[k] for k in missing}, missing


def as_r4(resource: dict[str, Any]) -> dict[str, Any]:
    """A Consent written with R5's elements (`decision`, `subject`, `date`, `period`) spelt as
    R4's (`provision.type`, `patient`, `dateTime`, `provision.period`), so that it validates
    as R4 and maps the same; any other resource as it is."""
    if resource.get("resourceType") != "Consent" or not (_R5_ONLY & resource.keys()):
        return resource
    renamed = {k: v for k, v in _R5_CONSENT.items() if v not in resource}  # R4's name wins
    found = {renamed.get(k, k): v for k, v in resource.items() if k not in _R5_MOVED}
    given = resource.get("provision")
    if isinstance(given, list):  # R5's provisions: exceptions to its decision, R4's nested ones
        decision = resource.get("decision")
        opposite = _OPPOSITE.get(decision) if isinstance(decision, str) else None
        exceptions = [p | {"type": opposite} if isinstance(p, dict) and opposite else p
                      for p in given]  # fmt: skip
        given = {"provision": exceptions} if exceptions else {}
    provision = dict(given) if isinstance(given, dict) else {}
    for name, inside in (("decision", "type"), ("period", "period")):
        if name in resource:
            provision.setdefault(inside, resource[name])
    if provision:
        found["provision"] = provision
    return found


_OPPOSITE = {"permit": "deny", "deny": "permit"}
_R5_MOVED = frozenset(("decision", "period"))
_R5_ONLY = frozenset(("decision", "subject", "date", "period"))


def _uri(value: Any, path: str, dropped: Drops) -> str | None:
    """An absolute URI the standard takes, unless it names someone the export describes or holds
    a phone-shaped or ID-shaped number (a portal's link can hold a name or a record number), as
    written or percent-decoded; else None, the reason reported."""
    if not isinstance(value, str) or not value:
        return None
    if not is_uri(value):
        dropped.append((path, "not an absolute URI"))
        return None
    decoded = unquote(value)
    return value if screened(decoded, path, dropped) and screened(value, path, dropped) else None


_MEDIA_TYPE = re.compile(r"[a-z]+/[A-Za-z0-9.+-]+")


# Communication -----------------------------------------------------------------------------------
def _communication(
    resource: dict[str, Any], record: Record, context: SourceContext, dropped: Drops
) -> Rejected | None:
    kind = "Communication"
    problem = _subject_and_status(kind, resource, "subject", record, context, dropped)
    if problem is not None:
        return problem
    _encounter(resource, "encounter", record, context, dropped)
    _put(record, "categories", any_concepts(resource.get("category"), "category", dropped))
    _put(record, "media", any_concepts(resource.get("medium"), "medium", dropped))
    _put(record, "topic", any_concept(resource.get("topic"), "topic", dropped))
    _put(record, "sentAt", clinical_time(resource.get("sent")))
    _put(record, "receivedAt", clinical_time(resource.get("received")))
    _put(record, "about", _references(resource.get("about"), "about", context, dropped))
    _put(record, "reasons", any_concepts(resource.get("reasonCode"), "reasonCode", dropped))
    payloads: list[Record] = []
    for index, payload in enumerate(resource.get("payload") or []):
        path = f"payload[{index}]"
        text = _text(payload.get("contentString")) if isinstance(payload, dict) else None
        target = payload.get("contentReference") if isinstance(payload, dict) else None
        if text:
            payloads.append({"text": text})
        elif target and (found := reference(target, context, f"{path}.contentReference", dropped)):
            payloads.append({"reference": found})
        elif isinstance(payload, dict) and payload.get("contentAttachment"):
            dropped.append((f"{path}.contentAttachment", _ATTACHMENT))
        else:
            dropped.append((path, _NOWHERE))
    _put(record, "payloads", payloads)
    notes(resource, record, dropped)
    return None


_ATTACHMENT = "an attachment's content is not carried (it may name anyone)"


# ClinicalDocument --------------------------------------------------------------------------------
_DOCUMENT_KIND = {"Composition": "composition", "DocumentReference": "reference",
                  "DocumentManifest": "manifest"}  # fmt: skip


def _document(
    resource: dict[str, Any], record: Record, context: SourceContext, dropped: Drops
) -> Rejected | None:
    """Composition (sections), DocumentReference (attachments) or DocumentManifest (contents)."""
    kind = resource["resourceType"]
    problem = _subject_and_status(kind, resource, "subject", record, context, dropped)
    if problem is not None:
        return problem
    record["kind"] = _DOCUMENT_KIND[kind]
    encounter = resource.get("encounter")
    if kind == "DocumentReference":
        context_part = resource.get("context") or {}
        encounters = context_part.get("encounter") or []
        encounter = encounters[0] if encounters else None
        if len(encounters) > 1:
            dropped.append(("context.encounter", "only the first encounter is carried"))
    _encounter({"encounter": encounter}, "encounter", record, context, dropped)
    _put(record, "documentType", any_concept(resource.get("type"), "type", dropped))
    _put(record, "categories", any_concepts(resource.get("category"), "category", dropped))
    moment = resource.get("created") if kind == "DocumentManifest" else resource.get("date")
    _put(record, "authoredAt", clinical_time(moment))
    _put(record, "title", _text(resource.get("title")))
    _put(record, "description", _text(resource.get("description")))
    if kind == "Composition":
        _put(record, "sections", _sections(resource.get("section"), "section", context, dropped))
    if kind == "DocumentManifest":
        _put(record, "contents", _references(resource.get("content"), "content", context, dropped))
    elif kind == "DocumentReference":
        _put(record, "attachments", _attachments(resource.get("content"), dropped))
    return None


def _sections(values: Any, path: str, context: SourceContext, dropped: Drops) -> list[Record]:
    """Each section (nested ones after their parent, in document order): its title, code and
    entries as references to records; its narrative is not carried."""
    found: list[Record] = []
    for index, section in enumerate(values if isinstance(values, list) else []):
        at = f"{path}[{index}]"
        if not isinstance(section, dict):
            continue
        made: Record = {}
        _put(made, "title", _text(section.get("title")))
        _put(made, "code", any_concept(section.get("code"), f"{at}.code", dropped))
        _put(made, "entries", _references(section.get("entry"), f"{at}.entry", context, dropped))
        if section.get("text"):
            dropped.append((f"{at}.text", "a section's narrative may name anyone; not carried"))
        leftovers(section, ("title", "code", "entry", "text", "section"), at, dropped)
        if made:
            found.append(made)
        found += _sections(section.get("section"), f"{at}.section", context, dropped)
    return found


def _attachments(values: Any, dropped: Drops) -> list[Record]:
    """A DocumentReference's attachments given by URL with a media type; inline data is not
    carried (it may name anyone), nor is an attachment's title."""
    found = []
    for index, content in enumerate(values if isinstance(values, list) else []):
        at = f"content[{index}].attachment"
        attachment = content.get("attachment") if isinstance(content, dict) else None
        if not isinstance(attachment, dict):
            continue
        url, media = (
            _uri(attachment.get("url"), f"{at}.url", dropped),
            attachment.get("contentType"),
        )
        kind = media.split(";")[0].strip().lower() if isinstance(media, str) else ""
        if url and _MEDIA_TYPE.fullmatch(kind):
            found.append({"url": url, "mediaType": kind})
        elif url:
            dropped.append((f"{at}.url", "an attachment without a media type (type/subtype)"))
        if not url and media is not None:
            why = (
                _ATTACHMENT if attachment.get("data") else "an attachment whose url is not carried"
            )
            dropped.append((f"{at}.contentType", why))
        if attachment.get("data"):
            dropped.append((f"{at}.data", _ATTACHMENT))
        leftovers(attachment, ("url", "contentType", "data"), at, dropped)
    return found


# MedicalDevice -----------------------------------------------------------------------------------
def _device(
    resource: dict[str, Any], record: Record, context: SourceContext, dropped: Drops
) -> Rejected | None:
    """A Device with its patient (one without is skipped by the adapter)."""
    problem = _subject("Device", resource, "patient", record, context, dropped)
    if problem is not None:
        return problem
    status = resource.get("status")
    if status is not None and (
        wrong := _codes("Device", resource, record, (("status", "status"),))
    ):
        return wrong
    return _device_parts(resource, "", record, dropped)


def _device_parts(
    device: dict[str, Any], path: str, record: Record, dropped: Drops
) -> Rejected | None:
    """What a Device says of itself: type, UDI, names, serial number, maker, model, notes."""
    _put(record, "deviceType", any_concept(device.get("type"), f"{path}type", dropped))
    carriers = [u for u in device.get("udiCarrier") or [] if isinstance(u, dict)]
    first = carriers[0] if carriers else {}
    system = first.get("issuer") or first.get("jurisdiction")
    if first.get("deviceIdentifier") and isinstance(system, str) and system:
        record["udi"] = {"system": system[:_MAX_TEXT], "value": first["deviceIdentifier"]}
    elif first.get("deviceIdentifier"):  # the standard's Identifier needs its system
        dropped.append((f"{path}udiCarrier[0].deviceIdentifier", _NO_ISSUER))
    for index, carrier in enumerate(carriers):
        why = "the UDI carrier's full string holds the serial and lot: not carried"
        for part in ("carrierHRF", "carrierAIDC"):
            if carrier.get(part):
                dropped.append((f"{path}udiCarrier[{index}].{part}", why))
    names = [n.get("name") for n in device.get("deviceName") or [] if isinstance(n, dict)]
    _put(record, "deviceName", _text(next((n for n in names if _text(n)), None)))
    _put(record, "serialNumber", _text(device.get("serialNumber")))
    maker = screened(_text(device.get("manufacturer")), f"{path}manufacturer", dropped)
    _put(record, "manufacturer", maker)  # plain text, not protected: screened for names
    _put(record, "model", screened(_text(device.get("modelNumber")), f"{path}modelNumber", dropped))
    if not any(k in record for k in ("deviceType", "udi", "deviceName")):
        return Rejected(_MISSING, "a medical device needs a type, a UDI or a name", "Device.type")
    notes(device, record, dropped)
    return None


def _device_use(
    resource: dict[str, Any], record: Record, context: SourceContext, dropped: Drops
) -> Rejected | None:
    """A DeviceUseStatement with the Device it names (contained, or read elsewhere in the run:
    `parts` in the context's facts, found by the adapter) as one MedicalDevice."""
    kind = "DeviceUseStatement"
    problem = _subject_and_status(kind, resource, "subject", record, context, dropped, needs=None)
    if problem is not None:
        return problem
    pointer = (resource.get("device") or {}).get("reference")
    inside = _contained(
        resource, "Device", {pointer} if isinstance(pointer, str) else set(), dropped
    )
    key = pointer if isinstance(pointer, str) else ""
    device = inside.get(key) or (context.facts.get("parts") or {}).get(key)
    if not isinstance(device, dict):  # named elsewhere: its display, at most, names it here
        shown = (resource.get("device") or {}).get("display")
        device = {"deviceName": [{"name": shown}]} if _text(shown) else {}
        if pointer:
            dropped.append(("device.reference", "the Device it names is not contained: only "
                            "its display is carried, as the device's name"))  # fmt: skip
    where = next((f"contained[{i}]" for i, part in enumerate(resource.get("contained") or [])
                  if part is device), "device")  # fmt: skip
    problem = _device_parts(device, f"{where}.", record, dropped)
    if problem is not None:
        return problem
    if where != "device":  # the contained Device's own elements the record does not carry
        leftovers(device, _DEVICE_PARTS, where, dropped)
    _put(record, "bodySite", any_concept(resource.get("bodySite"), "bodySite", dropped))
    period = _period(resource.get("timingPeriod"), "timingPeriod", dropped)
    if moment := clinical_time(resource.get("timingDateTime")):
        period = {"start": moment, "end": moment}
    _put(record, "usePeriod", period)
    _put(record, "recordedAt", clinical_time(resource.get("recordedOn")))
    _put(record, "reasons", any_concepts(resource.get("reasonCode"), "reasonCode", dropped))
    own = list(record.pop("notes", []))
    notes(resource, record, dropped)
    _put(record, "notes", own + list(record.pop("notes", [])))
    return None


_NO_ISSUER = (
    "a UDI without its issuer (or jurisdiction): the standard's identifier needs the system "
    "that issued it, and none is invented"
)
_DEVICE_PARTS = ("resourceType", "id", "type", "udiCarrier", "deviceName", "serialNumber",
                 "manufacturer", "modelNumber", "note", "status", "patient")  # fmt: skip

MAPPERS_CARE: dict[str, Mapper] = {
    "CarePlan": _care_plan,
    "Consent": _consent,
    "Communication": _communication,
    "Composition": _document,
    "DocumentReference": _document,
    "DocumentManifest": _document,
    "Device": _device,
    "DeviceUseStatement": _device_use,
}
MAPPERS_ALL: dict[str, Mapper] = _CLINICAL | MAPPERS_CARE
