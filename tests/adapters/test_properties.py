"""Property tests: whatever an item holds, each adapter gives exactly one outcome, never raises,
and whatever it converts validates (hypothesis builds the items from realistic parts)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccstd.adapters.access_xml import LegacyAccessLog
from ccstd.adapters.base import Adapter, Converted, Rejected, Skipped, SourceContext, SourceItem
from ccstd.adapters.fhir import FhirAdapter
from ccstd.adapters.finishing import Finisher, Stamp
from ccstd.adapters.orders import TaobaoOrders
from ccstd.adapters.privacy import Protector
from ccstd.adapters.runner import _convert
from ccstd.standard.checker import RecordChecker
from ccstd.standard.reading import RawItem
from ccstd.standard.registry import StandardRegistry

STANDARD = StandardRegistry().get("1.0.0")
CHECKER = RecordChecker(StandardRegistry())
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 10**13), st.text(max_size=12),
    st.sampled_from(["Patient/p1", "urn:uuid:x", "2024-05-01", "2024-05-01T08:00:00+08:00", "final",
                     "male", "http://loinc.org", "12.50", "TRADE_FINISHED", "OK", "CARD", "进"]),
)  # fmt: skip
JSONISH = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(
        ["code", "coding", "system", "value", "valueQuantity", "subject", "reference", "status",
         "unit", "given", "family", "name", "price", "num", "title", "order", "oid"]), inner, max_size=4),
    max_leaves=12,
)  # fmt: skip


_STAMPS: dict[type[Adapter], Stamp] = {}
# The orders and XML adapters keep no state between items (their fields are set once, from their
# platform or dialect file, which each construction loads and compiles: 10-35 ms), so one of each
# serves every example.
TAOBAO, ACCESS_LOG = TaobaoOrders(), LegacyAccessLog()


def stamp(adapter: Adapter) -> Stamp:
    """The stamp of an adapter class, made once: it hashes the adapter's mapping (~20 ms), and
    holds only the adapter's name and digest and a memo of the schemas' fields."""
    if type(adapter) not in _STAMPS:
        _STAMPS[type(adapter)] = Stamp(adapter, "2024-01-01T00:00:00Z")
    return _STAMPS[type(adapter)]


def finished(adapter: Adapter, value: Any) -> Converted | Skipped | Rejected:
    finish = Finisher(stamp(adapter), Protector(STANDARD, b"prop-key-0123456789"),
                       RecordChecker(StandardRegistry()))  # fmt: skip
    item, context = SourceItem("prop.json", "item", b"{}", value), SourceContext("prop.json")
    return finish(_convert(adapter, item, context), item, context)


def assert_sound(outcome: Converted | Skipped | Rejected) -> None:
    assert isinstance(outcome, Converted | Skipped | Rejected)
    if isinstance(outcome, Rejected):  # bad data is a reason, never a crash
        assert outcome.reason != "adapter-error", outcome.message
    if isinstance(outcome, Converted):
        for record in outcome.records:
            findings = CHECKER.check(RawItem("prop.json", None, value=record)).findings
            assert not findings, findings


RESOURCES = st.fixed_dictionaries(
    {"resourceType": st.sampled_from(["Patient", "Observation", "Condition", "Immunization", "Encounter", "Claim"]),
     "id": st.from_regex(r"[a-z0-9]{1,8}", fullmatch=True)},
    optional={"status": SCALARS, "code": JSONISH, "subject": JSONISH, "patient": JSONISH, "name": JSONISH,
              "gender": SCALARS, "birthDate": SCALARS, "valueQuantity": JSONISH, "effectiveDateTime": SCALARS,
              "vaccineCode": JSONISH, "occurrenceDateTime": SCALARS, "class": JSONISH, "component": JSONISH},
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(RESOURCES)
def test_fhir_any_resource_is_one_sound_outcome(resource: dict[str, Any]) -> None:
    assert_sound(finished(FhirAdapter(), resource))


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries({}, optional={
    "tid": SCALARS, "status": SCALARS, "created": SCALARS, "payment": SCALARS, "total_fee": SCALARS,
    "orders": JSONISH, "receiver_mobile": SCALARS, "receiver_name": SCALARS, "consign_time": SCALARS}))  # fmt: skip
def test_orders_any_trade_is_one_sound_outcome(trade: dict[str, Any]) -> None:
    assert_sound(finished(TAOBAO, trade))


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries({}, optional={
    "@time": SCALARS, "@controller": SCALARS, "@door": SCALARS, "Result": st.fixed_dictionaries({"@code": SCALARS}),
    "Method": SCALARS, "Direction": SCALARS, "Card": SCALARS}))  # fmt: skip
def test_xml_any_event_is_one_sound_outcome(event: dict[str, Any]) -> None:
    assert_sound(finished(ACCESS_LOG, {k: v for k, v in event.items() if v is not None}))
