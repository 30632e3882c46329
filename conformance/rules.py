"""The rules of certification beyond the schema: semantic, quality and adapter levels."""

from __future__ import annotations

from ccstd.standard.rules import ERROR, INFO, WARNING, Level, declare

SEMANTIC, QUALITY, ADAPTER = Level.SEMANTIC, Level.QUALITY, Level.ADAPTER

# Semantic: what the records say must make sense together -------------------------------------
ILLEGAL_STATUS_TRANSITION = declare(
    "illegal-status-transition",
    ERROR,
    "Illegal status transition",
    "{entity} status may not change from '{before}' to '{after}'",
    "§3 Records: lifecycles",
    "A status history moves only along the transitions of its lifecycle in the rule set "
    "(e.g. a delivery that was `delivered` does not go back `in-transit`).",
    SEMANTIC,
    ("logistics", "governance"),
)
STATUS_CONTRADICTS_HISTORY = declare(
    "status-contradicts-history",
    ERROR,
    "Status contradicts its history",
    "status is '{status}' but the history ends with '{last}'",
    "§3 Records: lifecycles",
    "The current `status` of a record with a status history is the last status of that history.",
    SEMANTIC,
    ("logistics", "governance"),
)
TIME_NOT_MONOTONIC = declare(
    "time-not-monotonic",
    ERROR,
    "Time runs backwards",
    "'{later}' is earlier than '{earlier}'",
    "§3 Records: times",
    "Within a record, an end is not before its start and a history is in time order "
    "(times are compared as instants, whatever their offsets).",
    SEMANTIC,
)
PROFILE_WITHOUT_RECORDS = declare(
    "profile-without-records",
    ERROR,
    "Claimed profile without records",
    "profile '{profile}' is claimed but no submitted record is one of its entities ({entities})",
    "§5 Conformance: profiles",
    "A profile is certified on evidence: the submission holds records of its entities.",
    SEMANTIC,
)
ENTITY_OUTSIDE_PROFILES = declare(
    "entity-outside-profiles",
    WARNING,
    "Entity outside the claimed profiles",
    "{count} {entity} record(s) belong to no claimed profile",
    "§5 Conformance: profiles",
    "Records of entities that no claimed profile covers are checked against the schema only; "
    "claim the profile that covers them.",
    SEMANTIC,
)

# Quality: what a good producer does ---------------------------------------------------------
EXPECTED_FIELD_COVERAGE = declare(
    "expected-field-coverage",
    WARNING,
    "Expected field often missing",
    "'{field}' is present in {share:.0%} of {entity} records (expected at least {threshold:.0%})",
    "§5 Conformance: quality",
    "Each profile names optional fields that consumers rely on; a producer SHOULD fill them.",
    QUALITY,
)
RAW_IDENTIFIER_LEAK = declare(
    "raw-identifier-leak",
    ERROR,
    "Raw identifier outside its field",
    "text holds a raw {kind} outside a field meant for it",
    "§4 Schemas: sensitivity; privacy",
    "A valid resident ID number (GB 11643) or a raw mobile number appears in an id, a reference, "
    "a note or any other field that is not declared for it, where pseudonymisation cannot "
    "reach it. The value itself is never reported.",
    QUALITY,
)
UNKNOWN_FIELD_SHARE = declare(
    "unknown-field-share",
    WARNING,
    "Many unmapped source fields",
    "{share:.1%} of source field occurrences are unknown to the mapping (at most {threshold:.1%})",
    "§6 Adapters: field ledger",
    "The adapter's ledger classifies each source field as mapped, dropped with a reason, or "
    "unknown; unknown fields are data the mapping has not considered.",
    QUALITY,
)

# Adapter: the converter itself --------------------------------------------------------------
ADAPTER_UNAVAILABLE = declare(
    "adapter-unavailable",
    ERROR,
    "Adapter unavailable",
    "the adapter could not be loaded or run: {detail}",
    "§6 Adapters",
    "The manifest names an adapter that is not installed or fails to start.",
    ADAPTER,
)
ADAPTER_COUNTS_MISMATCH = declare(
    "adapter-counts-mismatch",
    ERROR,
    "Counts do not add up",
    "items read != converted + skipped + rejected ({detail})",
    "§6 Adapters: accounting",
    "Every source item ends converted, skipped with a reason, or rejected with a reason.",
    ADAPTER,
)
SAMPLE_ITEMS_REJECTED = declare(
    "sample-items-rejected",
    INFO,
    "Sample items rejected",
    "{count} sample item(s) rejected: {reasons}",
    "§6 Adapters: accounting",
    "Rejections of the submitted samples, by reason; expected when the samples hold bad records.",
    ADAPTER,
)
SAMPLES_NOT_CONVERTED = declare(
    "samples-not-converted",
    ERROR,
    "A sample gave no records",
    "the sample gave no records ({why})",
    "§6 Adapters: accounting",
    "The adapter level certifies a conversion: every sample source must give at least one record. "
    "A sample file that gives none (every item rejected or skipped, or no item read) proves "
    "nothing and fails the level, even when the other samples convert; the finding names the "
    "file.",
    ADAPTER,
)
ADAPTER_CRASHED = declare(
    "adapter-crashed",
    ERROR,
    "Adapter crashed",
    "the adapter failed instead of rejecting the input: {error}",
    "§6 Adapters: bad input",
    "Input the adapter cannot read is rejected with a reason; it never raises out of the adapter.",
    ADAPTER,
)
ADAPTER_TIMEOUT = declare(
    "adapter-timeout",
    ERROR,
    "Adapter ran out of time",
    "the adapter was stopped: {detail}",
    "§6 Adapters: bounded work",
    "Vendor code runs in a confined process with a wall-clock limit (`--adapter-timeout`); an "
    "adapter that hangs or loops is stopped and the rest of its checks are not attempted.",
    ADAPTER,
)
ADAPTER_RESOURCES = declare(
    "adapter-resource-limit",
    ERROR,
    "Adapter exceeded its resources",
    "the adapter was stopped: {detail}",
    "§6 Adapters: bounded work",
    "Vendor code runs with limits on CPU time and memory (`--adapter-memory`); an adapter that "
    "exceeds them is stopped and the rest of its checks are not attempted.",
    ADAPTER,
)
HOSTILE_INPUT_ACCEPTED = declare(
    "hostile-input-accepted",
    ERROR,
    "Hostile input not rejected",
    "hostile input '{case}' gave {records} record(s) and {rejected} rejection(s)",
    "§6 Adapters: bad input",
    "Each document of ccstd's hostile corpus (entity expansion, external entities, deep "
    "nesting, malformed and mis-encoded input) must end as rejections and no records.",
    ADAPTER,
)
GOLDEN_RECORD_MISMATCH = declare(
    "golden-record-mismatch",
    ERROR,
    "Golden record not reproduced",
    "record {index} differs from the golden record at '{at}'",
    "§6 Adapters: golden files",
    "Converting the samples reproduces the vendor's golden records exactly (with the "
    "certification key and time; `ccstd certify golden` writes them).",
    ADAPTER,
)
GOLDEN_COUNT_MISMATCH = declare(
    "golden-count-mismatch",
    ERROR,
    "Golden record count differs",
    "the conversion gave {actual} record(s), the golden file holds {expected}",
    "§6 Adapters: golden files",
    "The samples convert to exactly as many records as the golden file holds.",
    ADAPTER,
)
NONDETERMINISTIC_OUTPUT = declare(
    "nondeterministic-output",
    ERROR,
    "Output not deterministic",
    "two conversions of the same samples differ (first at record {index})",
    "§6 Adapters: provenance",
    "The same input, key and conversion time give byte-identical output.",
    ADAPTER,
)
