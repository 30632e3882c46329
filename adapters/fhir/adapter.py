"""The FHIR R4 adapter: Bundles (collection, transaction, searchset, document), single resources
and Bulk Data NDJSON; each resource is validated with fhir.resources' R4B models first."""

from __future__ import annotations

import gc
import gzip
import hashlib
import itertools
import json
import re
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import unquote

import ijson  # type: ignore[import-untyped]
import orjson
import pydantic
from fhir.resources.R4B import get_fhir_model_class

from ccstd.adapters.base import (
    MAX_NESTING,
    Adapter,
    Converted,
    Outcome,
    Rejected,
    Skipped,
    SourceContext,
    SourceItem,
    encode_json,
    loads_json,
    too_deep,
)
from ccstd.adapters.compression import expansion_limit, is_gzip
from ccstd.adapters.fhir import care, elements, mapping
from ccstd.adapters.fhir.people import PERSON_ELEMENTS, People, shown_names_ahead, strings_of
from ccstd.adapters.json_lines import BOM, handle_holds_lines, without_bom
from ccstd.adapters.ledger import Coverage, forget_shapes_ahead


class FhirAdapter(Adapter):
    """FHIR R4 health records → Resident, Observation, Condition, Immunization, Encounter,
    AllergyIntolerance, MedicationUse, Procedure, DiagnosticReport (standard 1.2.0)."""

    name = "fhir-r4"
    version = "0.2.0"
    standard_version = mapping.STANDARD_VERSION
    formats = ("FHIR R4 Bundle (JSON)", "FHIR R4 resource (JSON)", "FHIR Bulk Data NDJSON")
    identifying_ids = True  # a payer's Patient.id embeds the member number

    def sniff(self, sample: bytes, filename: str) -> float:
        """Confident when the sample names a resourceType."""
        if b'"resourceType"' not in sample:
            return 0.0
        return 0.95 if b'"Bundle"' in sample or filename.endswith((".ndjson", ".jsonl")) else 0.9

    def mapping_digest(self) -> str:
        """SHA-256 of mapping.toml."""
        return "sha256:" + hashlib.sha256(mapping.MAPPING_FILE.read_bytes()).hexdigest()

    def coverage(self) -> dict[str, Coverage]:
        """Declared field coverage per resource type, from mapping.toml."""
        shared = mapping.TABLES["coverage"]["*"]["dropped"]
        return {
            kind: Coverage(frozenset(spec.get("mapped", [])), {**shared, **spec.get("dropped", {})})
            for kind, spec in mapping.TABLES["coverage"].items()
            if kind != "*"
        }

    def replay_context(self, item: SourceItem, context: SourceContext) -> dict[str, Any]:
        """The Bundle fullUrls this resource refers to, so it resolves when replayed alone."""
        full_urls = context.facts.get("fullUrls", {})
        refs = set(_references_in(item.value))
        used = {ref: full_urls[ref] for ref in sorted(refs) if ref in full_urls}
        shared = sorted(refs & set(context.facts.get("sharedFullUrls", ())))
        medicine = context.facts.get("medication")
        parts = context.facts.get("parts")
        people = context.facts.get("people")
        conflict = {k: context.facts[k] for k in _CONFLICT if context.facts.get("conflictsWith")}
        return (
            conflict  # a conflicting duplicate stays one on replay (read alone: not seen twice)
            | ({"fullUrls": used} if used else {})
            | ({"sharedFullUrls": shared} if shared else {})
            | ({"medication": medicine} if medicine is not None else {})
            | ({"parts": parts} if parts else {})
            | ({"people": people} if people else {})
        )

    def replay_problem(self, locator: str, context: dict[str, Any]) -> str | None:
        """A locator as `items` writes it (`Bundle.entry[3] Patient`, `line 12`), and a context
        as `replay_context` writes it: fullUrls to (resource type, id), shared fullUrls, the
        code of the Medication referred to (an object: the records made are validated)."""
        if not _LOCATOR.fullmatch(locator):
            return f"the locator is not one {self.name} writes"
        full_urls, shared = context.get("fullUrls", {}), context.get("sharedFullUrls", [])
        if (
            set(context) - _REPLAYED
            or not _is_conflict(context)
            or not isinstance(context.get("medication", {}), dict)
            or not _are_parts(context.get("parts", {}))
            or not _is_terms(context.get("people", []))
            or not isinstance(full_urls, dict)
            or not all(_is_target(target) for target in full_urls.values())
            or not isinstance(shared, list)
            or not all(isinstance(url, str) for url in shared)
        ):
            return "a context fhir-r4 does not write"
        return None

    def kind_of(self, item: SourceItem) -> str:
        """The resource type."""
        return str(item.value.get("resourceType", "?")) if isinstance(item.value, dict) else "?"

    people: People | None = None  # the run's people, once `items` has read them

    def __init__(self) -> None:
        # outcomes made ahead, by the id of the item (`_converted_ahead`)
        self._ahead: dict[int, tuple[SourceItem, dict[str, Any], Outcome]] = {}
        self._converts_here = False  # whether `convert` runs in this process (not in workers)

    def ledger_path(self, path: str) -> str:
        """A path with every key that is not a FHIR name (and the resource type, when it is not
        one) shown as a placeholder with a short digest: vendor junk keys can be names; so is
        an extension URL that holds an identifier (`_holds_identifier`)."""
        kind, referred, rest = path.partition(".=goal.")  # what a plan's Goal read elsewhere drops
        path = f"{kind}.goal.{rest}" if referred else path
        return elements.shown_path(path, self._holds_identifier)

    def _holds_identifier(self, url: str) -> bool:
        """Whether a URL holds a run of seven digits or more (a member number), the id of one of
        the run's people, or a term naming one of them (`people.People`)."""
        if _DIGIT_RUN.search(url):
            return True
        people = self.people
        return people is not None and (people.holds_id(url) or people.names_someone(url))

    def items(self, path: Path, context: SourceContext) -> Iterator[SourceItem]:
        """One item per resource: each Bundle entry, each NDJSON line (each entry of a line that
        is a Bundle), each element of a JSON array, or the single resource. NDJSON is told from
        JSON by its content, not the file name. A Bundle larger than `STREAM_ABOVE` bytes is
        streamed (`streamed_bundle`). A resource (type and id) read before in the same run is
        marked a duplicate of its first location (`convert` skips it)."""
        try:
            yield from self._source_items(path, context)
        finally:  # also when reading fails: nothing held past the file
            _thaw()  # the document read: left to the collector again
            forget_shapes_ahead()  # of its items the ledger did not observe

    def _source_items(self, path: Path, context: SourceContext) -> Iterator[SourceItem]:
        run = context.facts.pop("run", None)
        run = run if run is not None else {}
        seen: dict[tuple[str, str], tuple[str, str]] = run.setdefault("fhir-resources", {})
        medicines: Memory = run.setdefault("fhir-medications", Memory())
        self.people = medicines.people
        remembered: set[str] = run.setdefault("fhir-remembered", set())
        if "paths" in run and not run.get("fhir-scanned"):
            run["fhir-scanned"] = True  # every source's Medications and people, before any item
            for source in run["paths"]:
                document = scan_medications(source, medicines)
                if document is not None:  # every resource of it remembered: not again below
                    remembered.add(str(source))
                if document is not None and len(run["paths"]) == 1:  # read next: not parsed again
                    run["fhir-document"] = (context.file, document)
                else:  # not kept: left to the collector again, its shapes not taken
                    _thaw()
                    forget_shapes_ahead()
        parsed = run.pop("fhir-document", None)
        parsed = parsed[1] if parsed is not None and parsed[0] == context.file else None
        scan = not run.get("fhir-scanned")
        known = context.file in remembered
        found = self._items(path, context, None if known else medicines, scan, parsed)
        read = _with_facts(found, context, seen, medicines, known)
        self._ahead, self._converts_here = {}, False
        for item, facts, shown in self._converted_ahead(read, context) if known else read:
            context.facts = shown
            yield item
            context.facts = facts

    def _converted_ahead(self, read: Iterator[_Read], context: SourceContext) -> Iterator[_Read]:
        """The items, each converted `_AHEAD` items before the runner asks for it (`convert`
        then gives that outcome): one validation and mapping after another run markedly faster
        than each between the checks of the records made before. Only for a source whose people
        the run's look-ahead remembered (reading ahead changes nothing an earlier item finds),
        and once `convert` runs in this process (not when workers convert). An item is given
        the outcome made ahead only with the very facts it was made with."""
        while not self._converts_here:
            ready = next(read, None)
            if ready is None:
                return
            yield ready
        while chunk := list(itertools.islice(read, _AHEAD)):
            self._ahead = {}
            for item, _, shown in chunk:
                here = SourceContext(context.file, shown, context.options, context.digest,
                                     context.label)  # fmt: skip
                try:
                    self._ahead[id(item)] = (item, shown, self._convert(item, here))
                except Exception:
                    continue
            yield from chunk
        self._ahead = {}

    def _items(
        self,
        path: Path,
        context: SourceContext,
        medicines: dict[str, Any] | None,  # None: the run's look-ahead remembered this source
        scan: bool = True,
        parsed: Any = None,  # the document, parsed when the run looked ahead
    ) -> Iterator[SourceItem]:
        is_lines = is_ndjson(path)
        if not is_lines and path.stat().st_size > STREAM_ABOVE:
            streamed = self.streamed_bundle(path, context)
            if streamed is not None:
                if scan and medicines is not None:  # the run has not looked ahead
                    _stream_medications(path, medicines)
                yield from streamed
                return
        if is_lines:
            if scan and medicines is not None:
                _scan_medications(path, medicines)
            yield from self._lines(path, context, medicines)
            return
        data = without_bom(path.read_bytes())  # as Windows editors write (docs/convert.md)
        if not data.strip():
            return  # an empty file holds no item
        try:
            document = loads_json(data) if parsed is None else parsed
        except orjson.JSONDecodeError as exc:
            problem = f"not valid JSON: {exc.msg}" + (_CR_ONLY if _ends_in_cr(data) else "")
            yield SourceItem(str(path), "document", data, problem=problem)
            return
        if isinstance(document, list):
            if scan and medicines is not None:  # a Goal before its CarePlan is found named too
                _remember_in(document, medicines)
            for index, value in enumerate(document):
                locator = f"array[{index}]"
                yield from self._value(value, str(path), locator, context, medicines=medicines)
        elif isinstance(document, dict) and document.get("resourceType") == "Bundle":
            yield from self._entries(document, str(path), context, medicines=medicines)
        else:
            yield _item(str(path), "document", data, document)

    def _lines(
        self, path: Path, context: SourceContext, medicines: dict[str, Any] | None
    ) -> Iterator[SourceItem]:
        file = str(path)
        with _opened(path) as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                line = line.rstrip(b"\r\n")
                try:
                    value = loads_json(line)
                except orjson.JSONDecodeError as exc:
                    problem = f"not valid JSON: {exc.msg}"
                    yield SourceItem(file, f"line {number}", line, problem=problem, line=number)
                    continue
                locator = f"line {number}"
                yield from self._value(value, file, locator, context, line, number, medicines)

    def _value(
        self,
        value: Any,
        file: str,
        locator: str,
        context: SourceContext,
        raw: bytes | None = None,
        line: int | None = None,
        medicines: dict[str, Any] | None = None,
    ) -> Iterator[SourceItem]:
        """One line or array element: a Bundle's entries (with that Bundle's fullUrls as the
        facts of their items), or one resource."""
        if isinstance(value, dict) and value.get("resourceType") == "Bundle":
            context.facts = {}
            yield from self._entries(value, file, context, f"{locator} ", line, medicines)
            return
        if context.facts:
            context.facts = {}  # no Bundle's fullUrls
        yield _item(file, locator, encode_json(value) if raw is None else raw, value, line)

    def _entries(
        self,
        bundle: dict[str, Any],
        file: str,
        context: SourceContext,
        prefix: str = "",
        line: int | None = None,
        medicines: dict[str, Any] | None = None,
    ) -> Iterator[SourceItem]:
        entries = bundle.get("entry") or []
        if not isinstance(entries, list):
            problem = f"{prefix}Bundle.entry is not an array"
            yield SourceItem(file, f"{prefix}Bundle.entry", encode_json(entries), problem=problem,
                             line=line, reason="invalid-entry")  # fmt: skip
            return
        shared = _bundle_facts(entries, context)
        if medicines is not None:  # a Medication after the entry referring to it is found too
            for entry in entries:
                if isinstance(entry, dict):
                    _remember(entry.get("resource"), entry.get("fullUrl"), medicines)
        yield from _entry_items(file, entries, shared, prefix, line)

    def streamed_bundle(self, path: Path, context: SourceContext) -> Iterator[SourceItem] | None:
        """The entries of a Bundle read twice with ijson's C parser, one entry in memory at a
        time: first the fullUrls (what references need), then each entry. None when the file is
        not a plain Bundle with an array of entries (it is then read whole)."""
        try:
            with _opened(path) as handle:
                outline = _BundleOutline()
                shared = _bundle_facts(outline.skeletons(handle), context)
        except ijson.JSONError:
            return None
        if not outline.is_bundle():
            return None
        return self._streamed_entries(path, shared)

    def _streamed_entries(self, path: Path, shared: dict[str, list[int]]) -> Iterator[SourceItem]:
        with _opened(path) as handle:
            try:
                entries = _STREAMING.items(handle, "entry.item", use_float=True)
                yield from _entry_items(str(path), entries, shared)
            except ijson.JSONError as exc:
                problem = f"not valid JSON on a second reading: {str(exc)[:200]}"
                yield SourceItem(str(path), "document", b"", problem=problem)

    def convert(self, item: SourceItem, context: SourceContext) -> Outcome:
        """Validate the resource with its R4B model, then map it (or skip it, with the reason).
        Elements that fail validation but that the mapping does not use are left out (and
        reported dropped); a defect in a mapped element rejects the resource. The outcome may
        have been made ahead (`_converted_ahead`), with the same item and facts."""
        self._converts_here = True
        ahead = self._ahead.pop(id(item), None)
        if ahead is not None and ahead[0] is item and ahead[1] is context.facts:
            return ahead[2]
        return self._convert(item, context)

    def _convert(self, item: SourceItem, context: SourceContext) -> Outcome:
        resource = item.value
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            return Rejected("not-a-resource", "the item has no resourceType")
        kind = resource["resourceType"]
        skipped = _skipped(kind, item, context, self.standard_version)
        if skipped is not None:
            return skipped
        shared = _shared_reference(resource, context)
        if shared is not None:
            return shared
        resource, artefacts = _without_export_artefacts(resource)
        resource, filled = care.for_validation(resource)
        resource = care.as_r4(resource)
        why = "not FHIR: an exporter's own field (e.g. a database _id)"
        dropped = [(a, why) for a in artefacts]
        zone = context.options.timezone
        checked = validated(kind, resource, zone)
        if isinstance(checked, Rejected):
            return checked
        resource, invalid, model, local = checked
        if filled:  # given for validation only: never mapped
            resource = {k: v for k, v in resource.items() if k not in filled}
        dropped += invalid
        mapper = care.MAPPERS_ALL[kind]
        outcome = mapping.convert_resource(mapping.parsed_numbers(resource, model), context, mapper)
        if isinstance(outcome, Converted) and (dropped or local):
            notes = tuple((path, f"a time without a UTC offset: {zone} assumed "
                           "(meta.assumedTimeZone)") for path in local)  # fmt: skip
            for record in outcome.records if local else ():
                record["meta"]["assumedTimeZone"] = zone
            outcome = Converted(outcome.records, tuple(dropped) + outcome.dropped,
                                outcome.notes + notes)  # fmt: skip
        return outcome


def _content_digest(item: SourceItem) -> str:
    """The SHA-256 of a resource's canonical JSON (keys sorted): two readings with the same
    type and id are the same resource only when these agree."""
    try:
        data = orjson.dumps(item.value, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:  # an integer beyond 64 bits (streamed), a lone surrogate
        text = json.dumps(item.value, sort_keys=True, ensure_ascii=False, default=repr)
        data = text.encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()


def _skipped(
    kind: str, item: SourceItem, context: SourceContext, standard: str
) -> Skipped | Rejected | None:
    """A duplicate (read before in the run), an administrative or financial resource (the reason
    names its type, so summaries count them by type), or a type the standard has no entity for."""
    first = context.facts.get("duplicateOf")
    if first is not None:
        here = " ".join(filter(None, (context.label, context.digest, item.locator)))
        if context.facts.get("conflictsWith"):
            message = (
                f"a different {elements.shown_kind(kind)} with the same type and id was read at "
                f"{first}; converted there, not at {here} (content digests "
                f"{context.facts['conflictsWith'][:12]} and {_content_digest(item)[:12]} differ): "
                "one of the two versions would be lost"
            )
            return Rejected("conflicting-duplicate", message)
        message = (
            f"the same {elements.shown_kind(kind)} (type and id) was read at {first}; converted "
            f"there, not at {here}"
        )
        return Skipped("duplicate", message)
    if kind in mapping.ADMINISTRATIVE:
        message = f"{kind} is administrative or financial; the standard holds care data"
        return Skipped(f"administrative:{kind}", message)
    if kind == "Medication":
        message = (
            "a Medication is carried as the medicine (code, codings, text) of the MedicationUse "
            "records that refer to it, not as a record of its own"
        )
        return Skipped("carried-by-referrers", message)
    if kind == "Device" and not item.value.get("patient"):
        return Skipped("not-a-resident-device", _COMMUNITY_DEVICE)
    if kind == "Goal" and context.facts.get("namedByPlan"):
        return Skipped("carried-by-referrers", _GOAL)
    if kind == "Goal" and context.facts.get("missedByPlan"):
        return Skipped("not-carried-by-its-plan", _GOAL_MISSED)
    if kind == "Goal":
        return Skipped("not-named-by-a-plan", _GOAL_ALONE)
    if kind not in mapping.ENTITY_OF:
        return Skipped(
            "unsupported-resource-type",
            f"{elements.shown_kind(kind)} has no entity in the standard {standard}",
        )
    return None


_GOAL = (
    "a Goal is carried as one of the goals of the CarePlan that names it, not as a record of its "
    "own (a Goal no plan names has no entity in the standard)"
)
_GOAL_ALONE = (
    "a Goal no CarePlan of the run names: the standard carries a Goal only as one of a plan's "
    "goals (it has no entity of its own), so it is not converted"
)
_GOAL_MISSED = (
    "a Goal a CarePlan names, but read after that plan was converted without it (the run's "
    "look-ahead did not hold it: more Goals than it keeps), so no record carries it: it is lost"
)
_COMMUNITY_DEVICE = (
    "a Device without a patient is not a resident's device (a gate, camera or sensor is the "
    "community's Device entity, which needs a community): not converted"
)
_Validated = tuple[dict[str, Any], list[tuple[str, str]], Any, list[str]]
# items read, then converted, ahead of the runner's asking (`FhirAdapter._converted_ahead`): each
# of the three (reading, validating and mapping, finishing in the runner) runs for this many
# items in a row; a larger batch keeps each one's code and data in the processor's caches (1024:
# about 6% less CPU for a conversion than 64). Only for a document parsed whole (64 MB at most),
# whose items are in memory already.
_AHEAD = 1024
_Read = tuple[SourceItem, dict[str, Any], dict[str, Any]]  # item, facts read, facts shown


def _with_facts(
    found: Iterator[SourceItem],
    context: SourceContext,
    seen: dict[tuple[str, str], tuple[str, str]],
    medicines: Memory,
    known: bool,
) -> Iterator[_Read]:
    """Each item with the facts it was read with, and those the runner is to see with it: a
    duplicate's first location, the Medication it refers to, the terms naming people it holds.
    Its names are remembered first, unless the run's look-ahead did (`known`)."""
    for item in found:
        if not known:
            shows = b'"display"' in item.raw or b"\\u" in item.raw  # may show a name
            _remember(item.value, None, medicines, shows)
        extra: dict[str, Any] = _first_reading(item, context, seen)
        extra["medication"] = _medication_for(item.value, medicines)
        extra["parts"] = _parts_for(item.value, medicines.parts)
        if isinstance(medicines, Memory):
            extra |= _goal_facts(item.value, extra["parts"], medicines)
        extra["people"] = _people_in(item, medicines.people, extra["parts"]) or None
        extra = {k: v for k, v in extra.items() if v is not None}
        facts = context.facts
        yield item, facts, {**facts, **extra} if extra else facts


def validated(
    kind: str, resource: dict[str, Any], zone: str | None = None
) -> _Validated | Rejected:
    """(the resource, its invalid elements left out, its R4B model, the paths of its local times),
    validating at most three times. A dateTime or instant with a time of day but no UTC offset
    (`2015-03-01T10:00:00`, as converters write them) is given the offset of `zone` at that
    moment; without a zone, one in a mapped element rejects the resource, naming the field and
    --timezone. When every other error lies in an element the mapping does not use, those
    elements are left out and the rest validated again; otherwise the first error in a mapped
    element rejects it."""
    model_class = get_fhir_model_class(kind)
    try:
        return resource, [], model_class.model_validate(resource), []
    except pydantic.ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
    local = [e for e in errors if mapping.local_time_at(resource, e) is not None]
    if local and zone is None:
        mapped = [e for e in local if mapping.unused_element(kind, resource, e["loc"]) is None]
        if mapped:
            return _without_offset(kind, mapped[0])
    elif local:
        assert zone is not None
        resource = mapping.with_zone(resource, [e["loc"] for e in local], zone)
        errors = [e for e in errors if e not in local]
        if not errors:
            try:
                return resource, [], model_class.model_validate(resource), _paths(local)
            except pydantic.ValidationError as exc:
                errors = exc.errors(include_url=False, include_input=False)
    zoned = _paths(local) if zone is not None else []
    unused = [mapping.unused_element(kind, resource, error["loc"]) for error in errors]
    if any(element is None for element in unused):
        mapped_error = next(e for e, u in zip(errors, unused, strict=True) if u is None)
        return _invalid(kind, mapped_error, len(errors))
    repaired, dropped = mapping.without_elements(resource, unused, errors)
    try:
        return repaired, dropped, model_class.model_validate(repaired), zoned
    except pydantic.ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        return _invalid(kind, errors[0], len(errors))


def _paths(errors: list[Any]) -> list[str]:
    """The ledger paths (`effectivePeriod.start`, `component[0].valueDateTime`) of errors."""
    return [mapping.ledger_path(error["loc"]) for error in errors]


def _without_offset(kind: str, error: Any) -> Rejected:
    path = f"{kind}.{elements.element_path(error['loc'])}"
    message = (
        f"{path}: a time of day without a UTC offset; give --timezone ZONE (the IANA zone of the "
        "source's local times, e.g. Asia/Shanghai) to assume one"
    )
    return Rejected("missing-offset", message, path)


def _invalid(kind: str, error: Any, count: int) -> Rejected:
    """A rejection naming the path of the first error (a key that is not a FHIR name shown as
    its placeholder: it may be a name), never a value."""
    path = mapping.dotted(error["loc"])
    more = f" (and {count - 1} more)" if count > 1 else ""
    return Rejected("fhir-invalid", f"{kind}.{path}: {error['msg']}{more}", f"{kind}.{path}")


_ENTRY = r"Bundle\.entry(?:\[[0-9]+\](?: (?:[A-Za-z]{1,64}|\?))?)?"
_LOCATOR = re.compile(rf"document|(?:line [1-9][0-9]*|array\[[0-9]+\])(?: {_ENTRY})?|{_ENTRY}")
_TARGET_ID = re.compile(r"[!-~]{1,256}")  # printable ASCII: no space, no control character


_CONFLICT = ("duplicateOf", "conflictsWith")  # where it was first read, and that reading's digest
_REPLAYED = frozenset(("fullUrls", "sharedFullUrls", "medication", "people", "parts", *_CONFLICT))


def _is_conflict(context: dict[str, Any]) -> bool:
    """Whether a replayed context's conflict facts are both absent or as `_first_reading` gives."""
    place, digest = context.get("duplicateOf"), context.get("conflictsWith")
    if place is None and digest is None:
        return True
    return (
        isinstance(place, str) and 0 < len(place) <= 600 and place.isprintable()
        and isinstance(digest, str) and re.fullmatch(r"[0-9a-f]{64}", digest) is not None
    )  # fmt: skip


def _is_target(target: Any) -> bool:
    """A replayed fullUrl's (resource type, id): a type name and a printable id."""
    return (
        isinstance(target, list)
        and len(target) == 2
        and all(isinstance(part, str) for part in target)
        and target[0].isascii()
        and target[0].isalpha()
        and _TARGET_ID.fullmatch(target[1]) is not None
    )


def _is_terms(value: Any) -> bool:
    """A replayed list of the terms naming people that an item holds (`people.People`)."""
    return (
        isinstance(value, list)
        and len(value) <= 1000
        and all(
            isinstance(term, list)
            and 0 < len(term) <= 12
            and all(isinstance(t, str) and 0 < len(t) <= 200 for t in term)
            for term in value
        )
    )


class Memory(dict[str, Any]):
    """What a run has read that other items need: Medication codes by reference (the dict), and
    the names and identifiers of its people (`people`), kept out of copied free text."""

    def __init__(self) -> None:
        super().__init__()
        self.people = People()
        # Goals and Devices by reference, for the CarePlans and DeviceUseStatements naming them
        self.parts: dict[str, Any] = {}
        self.named: set[str] = set()  # the Goals CarePlans name, by reference and `Goal/<id>`
        # the Goals named by the CarePlans read so far, carried by one of them or not (by the
        # same keys as `named`)
        self.carried: set[str] = set()
        self.missed: set[str] = set()
        self.urls: dict[str, str] = {}  # a Goal's fullUrl by its `Goal/<id>`


def _people_in(item: SourceItem, people: People, parts: Any = None) -> list[list[str]]:
    """The terms naming the run's people that an item's free text holds, or the Goals or Device
    it names (`parts`: the mapping copies their text too). The mapping copies free text only
    from `text`, `display`, url, maker and extension `valueString` values, and screens it
    against these terms; a URL is read percent-decoded as well."""
    if not people or not isinstance(item.value, dict):
        return []
    if b"\\u" in item.raw:  # an escaped key or value: the parsed strings instead
        text = "\n".join(strings_of(item.value))
    else:
        found = _FREE_TEXT.findall(item.raw)
        text = "\n".join(_is_json(b'"' + t + b'"') or "" if b"\\" in t else t.decode(
            "utf-8", "replace") for t in found)  # fmt: skip
    if parts:
        text += "\n" + "\n".join(strings_of(parts))
    if "%" in text:
        text += "\n" + unquote(text)
    if not text:
        return []
    return [list(term) for term in people.found_in(text)]


_DIGIT_RUN = re.compile(r"\d{7}")  # not 21090 (ISO 21090) nor 113883 (HL7's OID)
_FREE_TEXT = re.compile(
    rb'"(?:text|display|url|uri|manufacturer|modelNumber|valueString)"\s*:\s*"((?:[^"\\]|\\.)*)"'
)


_CR_ONLY = (
    "; its lines end in a carriage return alone (old Mac line ends), which NDJSON does not "
    "allow: end them with LF or CRLF"
)


def _ends_in_cr(data: bytes) -> bool:
    """Whether a text's lines end in CR alone: a CR between two values, and no LF anywhere."""
    return b"\n" not in data and re.search(rb"[}\]]\s*\r\s*[{\[]", data) is not None


_FIRST_LINE = 64 << 20  # bytes read to tell NDJSON from a JSON document


def is_ndjson(path: Path) -> bool:
    """Whether a file holds one JSON value per line, by its content (`handle_holds_lines`, the
    rule the order adapters use too), its lines read up to `_FIRST_LINE` bytes at a time."""
    with path.open("rb") as handle:
        return handle_holds_lines(handle, _FIRST_LINE)


def _some_lines(handle: BinaryIO) -> Iterator[bytes]:
    while line := handle.readline(_FIRST_LINE):
        yield line


def _first_reading(
    item: SourceItem, context: SourceContext, seen: dict[tuple[str, str], tuple[str, str]]
) -> dict[str, Any]:
    """Where a resource of the same type and id was read before in this run, and whether it
    differs from this one (by the digest of its canonical JSON): no facts when it was not read
    before (it is remembered here)."""
    value = item.value
    if item.problem is not None or not isinstance(value, dict):
        return {}
    kind, key = value.get("resourceType"), value.get("id")
    if not isinstance(kind, str) or not isinstance(key, str) or not key:
        return {}
    here = " ".join(filter(None, (context.label, context.digest, item.locator)))
    digest = _content_digest(item)
    first = seen.get((kind, key))
    if first is None:
        seen[(kind, key)] = (here, digest)
        return {}
    return {"duplicateOf": first[0]} | ({"conflictsWith": first[1]} if first[1] != digest else {})


def _item(file: str, locator: str, raw: bytes, value: Any, line: int | None = None) -> SourceItem:
    """A parsed item, or a problem item when it nests too deep to be converted."""
    if raw.count(b"{") + raw.count(b"[") <= MAX_NESTING:  # cannot nest deeper: not walked
        return SourceItem(file, locator, raw, value, line=line)
    deep = too_deep(value)
    if deep is not None:
        return SourceItem(file, locator, raw, problem=deep, line=line, reason="nested-too-deep")
    return SourceItem(file, locator, raw, value, line=line)


def _bundle_facts(entries: Iterable[Any], context: SourceContext) -> dict[str, list[int]]:
    """Record in `context` the fullUrl → (resource type, id) of every well-formed entry whose
    fullUrl no other entry gives, and the fullUrls several entries share (bdl-7); return those
    with the indexes of their entries."""
    first: dict[str, int] = {}
    shared: dict[str, list[int]] = {}
    full_urls: dict[str, tuple[str, str]] = {}
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(url := entry.get("fullUrl"), str):
            continue
        if url in first:
            shared.setdefault(url, [first[url]]).append(index)
        first.setdefault(url, index)
        resource = entry.get("resource")
        if isinstance(resource, dict) and isinstance(resource.get("resourceType"), str):
            full_urls[url] = (resource["resourceType"], mapping.resource_id(resource, url))
    context.facts["fullUrls"] = {url: t for url, t in full_urls.items() if url not in shared}
    context.facts["sharedFullUrls"] = frozenset(shared)
    return shared


def _entry_items(
    file: str,
    entries: Iterable[Any],
    shared: dict[str, list[int]],
    prefix: str = "",
    line: int | None = None,
) -> Iterator[SourceItem]:
    for index, entry in enumerate(entries):
        item = _entry_item(file, index, entry, prefix, line)
        if item.problem is None and entry.get("fullUrl") in shared:
            yield _shared_entry_item(item, index, shared[entry["fullUrl"]])
        else:
            yield item


class _BundleOutline:
    """A first reading of a Bundle from ijson's events, by exact paths (a key may hold dots):
    each entry reduced to its fullUrl and its resource's type and id. `unusual` when reading
    again by ijson's prefix `entry.item` (keys joined by dots) or building entries from the
    outline could differ from reading the file whole: a root key with a dot or given twice, an
    id that is not a scalar."""

    def __init__(self) -> None:
        self.root: dict[str, Any] = {}  # resourceType, and the event that began `entry`
        self.unusual = False

    def is_bundle(self) -> bool:
        """A plain Bundle: its entries can be read again by the prefix `entry.item`."""
        return (
            self.root.get("resourceType") == "Bundle"
            and self.root.get("entry", "start_array") == "start_array"
            and not self.unusual
        )

    def skeletons(self, handle: BinaryIO) -> Iterator[dict[str, Any] | None]:
        """Each entry as {"fullUrl", "resource": {"resourceType", "id"}}, None if not an object."""
        path: list[Any] = []  # the key in each open map, _ITEM in each open array
        entry: dict[str, Any] | None = None
        for event, value in _STREAMING.basic_parse(handle, use_float=True):
            if event == "map_key":
                path[-1] = value
                if len(path) == 1:
                    self.unusual |= "." in value or value in self.root
                    self.root.setdefault(value, None)
            elif event in ("end_map", "end_array"):
                path.pop()
                if event == "end_map" and path == ["entry", _ITEM]:
                    yield entry
                    entry = None
            else:
                at = tuple(path)
                if at == ("entry", _ITEM):
                    entry = {} if event == "start_map" else None
                    if entry is None:
                        yield None
                else:
                    self._see(at, event, value, entry)
                if event in ("start_map", "start_array"):
                    path.append(None if event == "start_map" else _ITEM)

    def _see(
        self, at: tuple[Any, ...], event: str, value: Any, entry: dict[str, Any] | None
    ) -> None:
        scalar = event not in ("start_map", "start_array")
        if len(at) == 1 and at[0] in ("resourceType", "entry"):
            self.root[at[0]] = value if at[0] == "resourceType" and scalar else event
        elif entry is None or len(at) < 3 or at[:2] != ("entry", _ITEM):
            return
        elif at[2:] == ("fullUrl",):
            entry["fullUrl"] = value if scalar else _NOT_A_STRING
        elif at[2:] == ("resource",):
            entry["resource"] = {} if event == "start_map" else _NOT_A_STRING
        elif at[2] == "resource" and at[3:] in (("resourceType",), ("id",)):
            self.unusual |= at[3] == "id" and not scalar
            if isinstance(entry.get("resource"), dict):
                entry["resource"][at[3]] = value if scalar else _NOT_A_STRING


_ITEM = object()  # an array's place in a path
_NOT_A_STRING = object()
_STREAMING = ijson.get_backend("yajl2_c")
STREAM_ABOVE = 64 << 20  # bytes: a larger Bundle is read entry by entry


def _shared_entry_item(item: SourceItem, index: int, indexes: list[int]) -> SourceItem:
    """An entry whose fullUrl other entries repeat: which one a reference means is unknowable."""
    others = ", ".join(str(i) for i in indexes if i != index)
    problem = (
        f"Bundle.entry[{index}].fullUrl is also the fullUrl of entry {others}: "
        "fullUrls must be unique in a Bundle (bdl-7)"
    )
    return SourceItem(item.file, item.locator, item.raw, problem=problem,
                      reason="duplicate-full-url")  # fmt: skip


def _shared_reference(resource: dict[str, Any], context: SourceContext) -> Rejected | None:
    """A rejection when the resource refers to a fullUrl several entries share: it could mean
    either (both are rejected), so it is not guessed, nor read as a `Type/id` URL."""
    shared = context.facts.get("sharedFullUrls")
    if not shared or not isinstance(shared, frozenset | list):
        return None
    if not any(ref in shared for ref in _references_in(resource)):
        return None
    message = "a reference points at a fullUrl that several Bundle entries share (bdl-7)"
    return Rejected("duplicate-full-url", message)


def _entry_item(
    file: str, index: int, entry: Any, prefix: str = "", line: int | None = None
) -> SourceItem:
    """One Bundle entry as an item; an entry of the wrong shape is a problem naming the field."""
    locator = f"{prefix}Bundle.entry[{index}]"
    problem = None
    if not isinstance(entry, dict):
        problem = f"{locator} is not an object"
    elif "fullUrl" in entry and not isinstance(entry["fullUrl"], str):
        problem = f"{locator}.fullUrl is not a string"
    elif not isinstance(entry.get("resource"), dict):
        problem = f"{locator}.resource is missing or not an object"
    if problem is not None:
        return SourceItem(
            file, locator, encode_json(entry), problem=problem, line=line, reason="invalid-entry"
        )
    resource = entry["resource"]
    kind = resource.get("resourceType")  # not its id: ids may embed a member number
    known = isinstance(kind, str) and elements.is_resource_type(kind)  # else it may be a name
    locator += f" {kind if known else '?'}"
    return _item(file, locator, encode_json(resource), resource, line)


def _without_export_artefacts(resource: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Drop root keys like a database `_id` string (`_x` in FHIR JSON is an element object)."""
    artefacts = [
        k for k, v in resource.items() if k.startswith("_") and not isinstance(v, dict | list)
    ]
    if not artefacts:
        return resource, []
    return {k: v for k, v in resource.items() if k not in artefacts}, artefacts


def _references_in(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("reference"), str):
            yield node["reference"]
        for value in node.values():
            yield from _references_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from _references_in(value)


_MAX_MEDICATIONS = 100_000  # Medication codes remembered per run (each a few hundred bytes)
_MEDICATION_LINE = re.compile(
    rb'"resourceType"\s*:\s*"(?:Medication|Patient|Practitioner|RelatedPerson|Person|Goal|Device'
    rb'|CarePlan)"'
)
_DISPLAYED = re.compile(rb'(?:"(\w+)"\s*:\s*\[?\s*)?\{([^{}]*"display"[^{}]*)\}')
_PERSON_TARGET = re.compile(rb"(?:Patient|Practitioner|RelatedPerson|Person|PractitionerRole)[/\"]")


_DISPLAY = re.compile(rb'"display"\s*:\s*("(?:[^"\\]|\\.)*")')


def _remember_shown(line: bytes, medicines: dict[str, Any]) -> None:
    """The names that a line's references to people show (`people.shown_names`), found without
    parsing the line (the look-ahead parses only lines naming a Medication or a person)."""
    if b'"display"' not in line or not isinstance(medicines, Memory):
        return
    for key, body in _DISPLAYED.findall(line):
        if (key and key.decode() in PERSON_ELEMENTS) or _PERSON_TARGET.search(body):
            shown = _DISPLAY.search(body)
            text = _is_json(shown.group(1)) if shown else None
            if isinstance(text, str):
                medicines.people.remember_shown(text)


def _scan_medications(path: Path, medicines: dict[str, Any]) -> None:
    """Remember the Medications of an NDJSON file before its items are read, so that a
    MedicationStatement finds one given on a later line; only lines naming the type are parsed."""
    with _opened(path) as handle:
        for line in handle:
            if not _MEDICATION_LINE.search(line):
                _remember_shown(line, medicines)
                continue
            try:
                value = loads_json(line)
            except orjson.JSONDecodeError:
                continue
            _remember(value, None, medicines)


def scan_medications(path: Path, medicines: dict[str, Any]) -> Any:
    """Remember the Medications and people (Patients, Practitioners, …) of a source of the run
    (gzip or plain, NDJSON or a JSON Bundle, array or resource), so that a MedicationRequest read
    before the file that holds its Medication finds it, and free text naming a person read later
    is screened. Lines that do not name these types are not parsed; a document is parsed whole
    only when it names one and is no larger than `STREAM_ABOVE` (larger, it is streamed). A
    source that cannot be read is left to its own reading, which says so. Returns the document
    when it was parsed whole (its reading may reuse it; every resource in it is remembered, so
    its reading need not remember them again), else None. A line of `_FIRST_LINE` bytes or more
    (a compact one-line Bundle that large) is never parsed: the document is streamed."""
    try:
        limit, read, lines, value = expansion_limit(path), 0, 0, None
        with _opened(path) as handle:  # a gzip bomb is refused when the file is read
            whole = False
            for line in _some_lines(handle):
                read, lines = read + len(line), lines + 1
                if read > limit:
                    return None
                if len(line) >= _FIRST_LINE:  # a document over `STREAM_ABOVE`: streamed below
                    whole = True
                    break
                if _MEDICATION_LINE.search(line):
                    value = _parsed_whole(line)  # the whole document when on one line
                    whole = whole or value is None
                    _remember_in(value, medicines)
                else:
                    _remember_shown(line, medicines)
        if not whole:
            return value if lines == 1 else None
        with _opened(path) as handle:
            data = handle.read(STREAM_ABOVE + 1)
        if len(data) <= STREAM_ABOVE:
            document = _parsed_whole(data)
            _remember_in(document, medicines)
            return document
        _stream_medications(path, medicines)
    except (OSError, EOFError, zlib.error):
        return None
    return None


def _stream_medications(path: Path, medicines: dict[str, Any]) -> None:
    """The Medications of a document too large to parse whole (a Bundle's entries, or an array's
    resources and Bundles), one value at a time with ijson's C parser; what it cannot read is
    left to the reading of the file, which says so."""
    with _opened(path) as handle:
        start = handle.read(4096).lstrip()[:1]
    prefix = {b"{": "entry.item", b"[": "item"}.get(start)
    if prefix is None:
        return
    with _opened(path) as handle:
        try:
            for value in _STREAMING.items(handle, prefix, use_float=True):
                if prefix == "item":
                    _remember_in(value, medicines)
                elif isinstance(value, dict):
                    _remember(value.get("resource"), value.get("fullUrl"), medicines)
        except ijson.JSONError:
            return


def _opened(path: Path) -> BinaryIO:
    """A source's bytes, decompressed when it is gzip, after a UTF-8 byte order mark at the start
    (as Windows editors write it: ignored, as the order adapters do)."""
    plain = not is_gzip(path)
    handle: BinaryIO = path.open("rb") if plain else gzip.open(path, "rb")  # type: ignore[assignment]  # noqa: SIM115
    if handle.read(len(BOM)) != BOM:
        handle.seek(0)
    return handle


_LARGE = 1 << 20  # bytes of JSON parsed apart from the cyclic collector (`_parsed_whole`)
_frozen = [False]  # whether `_parsed_whole` froze the collector's objects (`_thaw` undoes it)


def _parsed_whole(data: bytes) -> Any:
    """A whole document (`_is_json`) parsed with the cyclic collector paused, then frozen out of
    its collections (`gc.freeze`) until `_thaw`: a parsed JSON value is a tree that reference
    counting frees, and its millions of objects otherwise set off full collections that walk
    them all (a tenth of a conversion). Nothing is frozen when something else froze first, nor
    for a text of under a megabyte (an NDJSON line)."""
    if len(data) < _LARGE:
        return _is_json(data)
    enabled = gc.isenabled()
    gc.disable()
    try:
        document = _is_json(data)
        if document is not None and not _frozen[0] and gc.get_freeze_count() == 0:
            gc.freeze()
            _frozen[0] = True
    finally:
        if enabled:
            gc.enable()
    return document


def _thaw() -> None:
    """Give what `_parsed_whole` froze back to the collector."""
    if _frozen[0]:
        _frozen[0] = False
        gc.unfreeze()


def _is_json(data: bytes) -> Any:
    try:
        return loads_json(data)
    except orjson.JSONDecodeError:
        return None


def _remember_in(value: Any, medicines: dict[str, Any]) -> None:
    """The Medications of a resource, a Bundle's entries or an array of either."""
    if isinstance(value, list):
        for part in value:
            _remember_in(part, medicines)
    elif isinstance(value, dict) and value.get("resourceType") == "Bundle":
        entries = value.get("entry")
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict):
                _remember(entry.get("resource"), entry.get("fullUrl"), medicines)
    else:
        _remember(value, None, medicines)


def _remember(value: Any, full_url: Any, medicines: dict[str, Any], displays: bool = True) -> None:
    """A Medication's code under its fullUrl and under `Medication/<id>`, unless a copy read
    before holds that key (the first reading is the one converted; later ones are duplicates);
    the names and identifiers of a Patient, Practitioner, RelatedPerson or Person."""
    if not isinstance(value, dict) or not isinstance(value.get("resourceType"), str):
        return
    if isinstance(medicines, Memory):
        shown = shown_names_ahead(value) if displays else None  # the ledger's shape with them
        medicines.people.remember(value, displays, shown)
        if value.get("resourceType") in _PARTS:
            _remember_part(value, full_url, medicines.parts)
            if isinstance(full_url, str) and len(medicines.urls) < _MAX_MEDICATIONS:
                medicines.urls.setdefault(f"{value['resourceType']}/{value.get('id')}", full_url)
        elif value.get("resourceType") == "CarePlan" and len(medicines.named) < _MAX_MEDICATIONS:
            medicines.named.update(_goals_named(value))
    if value.get("resourceType") != "Medication":
        return
    code = value.get("code")
    if not isinstance(code, dict) or len(medicines) >= _MAX_MEDICATIONS:
        return
    _remember_as(medicines, "Medication", value.get("id"), full_url, code)


def _medication_for(value: Any, medicines: dict[str, Any]) -> Any:
    """The code of the Medication a MedicationRequest or MedicationStatement refers to, when
    the run has read it (by the reference as written, else by its last `Medication/<id>`)."""
    if not isinstance(value, dict) or not medicines:
        return None
    pointer = value.get("medicationReference")
    target = pointer.get("reference") if isinstance(pointer, dict) else None
    if not isinstance(target, str) or target.startswith("#"):
        return None
    if target in medicines:
        return medicines[target]
    parts = target.split("/_history/")[0].split("/")
    return medicines.get("/".join(parts[-2:])) if len(parts) >= 2 else None


_PARTS = frozenset(("Goal", "Device"))
_NAMING = {"CarePlan": "goal", "DeviceUseStatement": "device"}  # the element naming the parts


def _remember_part(value: dict[str, Any], full_url: Any, parts: dict[str, Any]) -> None:
    """A Goal or Device under its fullUrl and `Type/<id>`, unless a copy read before holds the key
    (the first reading is the one converted)."""
    if len(parts) >= _MAX_MEDICATIONS:
        return
    _remember_as(parts, value["resourceType"], value.get("id"), full_url, value)


def _remember_as(held: dict[str, Any], kind: str, key: Any, full_url: Any, value: Any) -> None:
    """`value` under `Type/<id>` and its fullUrl, unless a reading before holds them. When a
    reading before holds `Type/<id>` (the one converted: this one is a duplicate, or a
    conflicting one rejected), the fullUrl is given that first reading too, so that what refers
    to it here carries what the run converted, never the version the rejects say is lost."""
    first = held.get(f"{kind}/{key}") if isinstance(key, str) else None
    if isinstance(full_url, str):
        held.setdefault(full_url, value if first is None else first)
    if isinstance(key, str):
        held.setdefault(f"{kind}/{key}", value)


def _goals_named(plan: dict[str, Any]) -> Iterator[str]:
    """The references (as written, and as `Goal/<id>`) of the Goals a CarePlan names."""
    named = plan.get("goal")
    for pointer in named if isinstance(named, list) else []:
        target = pointer.get("reference") if isinstance(pointer, dict) else None
        if isinstance(target, str) and not target.startswith("#"):
            yield target
            yield "/".join(target.split("/_history/")[0].split("/")[-2:])


def _goal_facts(value: Any, parts: Any, medicines: Memory) -> dict[str, bool]:
    """For a Goal, `namedByPlan` when a CarePlan carries it: one read before did (its Goal was
    then among the parts the plan found), or one the run's look-ahead found names it and the
    Goal is held for it (`Memory.parts`, where the plan will find it); `missedByPlan` when a
    plan names it but none carries it (read before it, or past what `Memory.parts` holds). For
    a CarePlan, its Goals are remembered as carried or missed. Nothing for other resources."""
    kind = value.get("resourceType") if isinstance(value, dict) else None
    if kind == "CarePlan":
        found = parts if isinstance(parts, dict) else {}
        for target in _goals_named(value):
            if len(medicines.carried) + len(medicines.missed) >= 2 * _MAX_MEDICATIONS:
                break
            full = next((v for k, v in found.items() if k == target or _tail(k) == target), None)
            (medicines.carried if full is not None else medicines.missed).add(target)
        return {}
    if kind != "Goal":
        return {}
    keys = {f"Goal/{value.get('id')}", medicines.urls.get(f"Goal/{value.get('id')}")} - {None}
    if keys & medicines.carried:
        return {"namedByPlan": True}
    if keys & medicines.named and keys & medicines.parts.keys() and not keys & medicines.missed:
        return {"namedByPlan": True}
    return {"missedByPlan": True} if keys & (medicines.missed | medicines.named) else {}


def _tail(target: str) -> str:
    """A reference's `Type/<id>` (its last two parts, without a version)."""
    return "/".join(target.split("/_history/")[0].split("/")[-2:])


def _parts_for(value: Any, parts: dict[str, Any]) -> dict[str, Any] | None:
    """The Goals a CarePlan names, or the Device a DeviceUseStatement names, that the run has read
    (by the reference as written, else by its last `Type/<id>`), by the reference as written."""
    if not isinstance(value, dict) or not parts or value.get("resourceType") not in _NAMING:
        return None
    named = value.get(_NAMING[value["resourceType"]])
    found = {}
    for pointer in named if isinstance(named, list) else [named]:
        target = pointer.get("reference") if isinstance(pointer, dict) else None
        if not isinstance(target, str) or target.startswith("#"):
            continue
        key = target if target in parts else "/".join(target.split("/_history/")[0].split("/")[-2:])
        if key in parts:
            found[target] = parts[key]
    return found or None


def _are_parts(value: Any) -> bool:
    """Whether a replayed context's parts are Goals or Devices by reference."""
    return isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, dict) and v.get("resourceType") in _PARTS
        for k, v in value.items()
    )
