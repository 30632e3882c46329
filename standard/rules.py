"""The catalogue of finding codes: one declaration per kind of problem, source of the rules page."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from ccstd.standard.findings import Finding, Location, Severity

ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO


class Level(enum.Enum):
    """The conformance level a rule belongs to; each level presumes the ones before it."""

    SCHEMA = "schema"
    SEMANTIC = "semantic"
    QUALITY = "quality"
    ADAPTER = "adapter"

    @property
    def rank(self) -> int:
        """Position in the order schema < semantic < quality < adapter."""
        return _LEVEL_RANKS[self.value]


_LEVEL_RANKS = {"schema": 0, "semantic": 1, "quality": 2, "adapter": 3}


@dataclass(frozen=True)
class Rule:
    """A kind of problem: stable code, severity, the clause it enforces and a message template.

    Templates name only structural facts (field names, codes, limits), never instance values, so
    a message cannot leak personal data.
    """

    code: str
    severity: Severity
    title: str
    template: str
    clause: str
    description: str
    level: Level = Level.SCHEMA
    profiles: tuple[str, ...] = ()  # () = every profile

    def finding(
        self, location: Location, related: tuple[Location, ...] = (), **values: Any
    ) -> Finding:
        """A finding of this rule at `location`, its message rendered from the template."""
        return Finding(self.code, self.severity, self.template.format(**values), location, related)


RULES: dict[str, Rule] = {}


def declare(
    code: str,
    severity: Severity,
    title: str,
    template: str,
    clause: str,
    description: str,
    level: Level = Level.SCHEMA,
    profiles: tuple[str, ...] = (),
) -> Rule:
    """Add a rule to the catalogue; a code is declared once and never reused."""
    if code in RULES:
        raise ValueError(f"rule code declared twice: {code}")
    RULES[code] = rule = Rule(code, severity, title, template, clause, description, level, profiles)
    return rule


_rule = declare


# Reading input -----------------------------------------------------------------------------------
MALFORMED_JSON = _rule(
    "malformed-json",
    ERROR,
    "Malformed JSON",
    "not valid JSON: {detail}",
    "§3 Records (RFC 8259)",
    "The line or document cannot be parsed as JSON. Other lines of the same file are still read.",
)
INVALID_ENCODING = _rule(
    "invalid-encoding",
    ERROR,
    "Not UTF-8",
    "{detail}; records must be UTF-8 (convert GBK/GB18030 exports with iconv -f GB18030 -t UTF-8)",
    "§3 Records (RFC 8259 §8.1)",
    "The bytes are not valid UTF-8. Many legacy Chinese systems export GBK or GB18030.",
)
BYTE_ORDER_MARK = _rule(
    "byte-order-mark",
    WARNING,
    "Byte order mark",
    "file starts with a UTF-8 byte order mark",
    "§3 Records (RFC 8259 §8.1)",
    "JSON text must not begin with a byte order mark; it is ignored, but producers should drop it.",
)
EMPTY_INPUT = _rule(
    "empty-input",
    WARNING,
    "Empty input",
    "the input holds no records",
    "§3 Records",
    "A file or stream with nothing but white space.",
)
NON_STANDARD_NUMBER = _rule(
    "non-standard-number",
    ERROR,
    "NaN or Infinity",
    "NaN and Infinity are not JSON numbers",
    "§3 Records (RFC 8259 §6)",
    "Some exporters write NaN or Infinity, which JSON does not allow.",
)
NESTING_TOO_DEEP = _rule(
    "nesting-too-deep",
    ERROR,
    "Nesting too deep",
    "JSON nesting deeper than {limit} levels",
    "§3 Records",
    "Documents nested deeper than the parser's limit are refused rather than risk "
    "exhausting the stack.",
)
DUPLICATE_KEY = _rule(
    "duplicate-key",
    ERROR,
    "Duplicate key",
    "key '{key}' appears more than once in one object",
    "§3 Records (RFC 8259 §4)",
    "An object names the same member twice; readers disagree on which value wins.",
)
RECORD_TOO_LARGE = _rule(
    "record-too-large",
    ERROR,
    "Record too large",
    "a single record or document exceeds {limit} bytes",
    "§3 Records",
    "Oversized input is refused to keep memory bounded; split it into NDJSON lines.",
)
NOT_AN_OBJECT = _rule(
    "not-an-object",
    ERROR,
    "Record is not an object",
    "a record must be a JSON object, found {found}",
    "§3 Records",
    "Every record is a JSON object that names its type and standard version.",
)

# Identifying the schema --------------------------------------------------------------------------
RECORD_TYPE_MISSING = _rule(
    "record-type-missing",
    ERROR,
    "Record type missing",
    "the record has no 'type' naming its entity",
    "§3 Records",
    "Without `type` the record cannot be matched to a schema (or pass `--type`).",
)
UNKNOWN_RECORD_TYPE = _rule(
    "unknown-record-type",
    ERROR,
    "Unknown record type",
    "'{type}' is not an entity of standard {version}",
    "§3 Records",
    "`type` names no entity of the claimed standard version.",
)
STANDARD_VERSION_MISSING = _rule(
    "standard-version-missing",
    ERROR,
    "Standard version missing",
    "the record has no 'standardVersion'",
    "§3 Records",
    "Without `standardVersion` the record cannot be matched to a release (or pass `--standard`).",
)
UNKNOWN_STANDARD_VERSION = _rule(
    "unknown-standard-version",
    ERROR,
    "Unknown standard version",
    "standard version '{version}' is not known (known: {known})",
    "§4 Schemas",
    "The record claims a version of the standard that this ccstd does not ship.",
)

# Schema keywords ---------------------------------------------------------------------------------
REQUIRED_PROPERTY_MISSING = _rule(
    "required-property-missing",
    ERROR,
    "Required property missing",
    "required property '{property}' is missing",
    "§4 Schemas: required",
    "A property the entity requires is absent.",
)
UNKNOWN_PROPERTY = _rule(
    "unknown-property",
    ERROR,
    "Unknown property",
    "property '{property}' is not defined here; vendor data belongs in 'extensions'",
    "§4 Schemas: closed objects",
    "Objects are closed so that typos are caught.",
)
WRONG_TYPE = _rule(
    "wrong-type",
    ERROR,
    "Wrong type",
    "expected {expected}, found {found}",
    "§4 Schemas: type",
    "The value has the wrong JSON type.",
)
VALUE_NOT_ALLOWED = _rule(
    "value-not-allowed",
    ERROR,
    "Value not allowed",
    "value is not one of the allowed codes: {allowed}",
    "§4 Schemas: code lists",
    "The value is not in the code list or set of constants for the field.",
)
PATTERN_MISMATCH = _rule(
    "pattern-mismatch",
    ERROR,
    "Pattern mismatch",
    "value does not match the pattern {pattern}",
    "§4 Schemas: pattern",
    "A string does not have the required shape.",
)
OUT_OF_RANGE = _rule(
    "out-of-range",
    ERROR,
    "Out of range",
    "value must be {comparison} {limit}",
    "§4 Schemas: minimum/maximum",
    "A number lies outside its allowed range.",
)
LENGTH_OUT_OF_RANGE = _rule(
    "length-out-of-range",
    ERROR,
    "Length out of range",
    "length must be {comparison} {limit}",
    "§4 Schemas: minLength/maxLength",
    "A string is too short or too long.",
)
ITEM_COUNT_OUT_OF_RANGE = _rule(
    "item-count-out-of-range",
    ERROR,
    "Item count out of range",
    "number of items must be {comparison} {limit}",
    "§4 Schemas: minItems/maxItems",
    "An array has too few or too many items.",
)
DUPLICATE_ITEMS = _rule(
    "duplicate-items",
    ERROR,
    "Duplicate items",
    "array items must be unique",
    "§4 Schemas: uniqueItems",
    "An array that must hold distinct items repeats one.",
)
EMPTY_OBJECT = _rule(
    "empty-object",
    ERROR,
    "Empty object",
    "object must have at least {limit} member(s)",
    "§4 Schemas: minProperties",
    "An object that must say something is empty.",
)
CONFLICTING_PROPERTIES = _rule(
    "conflicting-properties",
    ERROR,
    "Conflicting properties",
    "properties that exclude each other are present together",
    "§4 Schemas: not",
    "For example an observation with both a quantity and a coded value.",
)
NO_MATCHING_ALTERNATIVE = _rule(
    "no-matching-alternative",
    ERROR,
    "No matching alternative",
    "value matches none of the allowed alternatives",
    "§4 Schemas: anyOf/oneOf",
    "The value fits none of the shapes the field allows.",
)
INVALID_EXTENSION_NAMESPACE = _rule(
    "invalid-extension-namespace",
    ERROR,
    "Invalid extension namespace",
    "extension namespace '{name}' must be reverse-domain, e.g. com.example.gate",
    "§4 Schemas: extensions",
    "Vendor extensions are grouped under reverse-domain namespaces.",
)
SCHEMA_VIOLATION = _rule(
    "schema-violation",
    ERROR,
    "Schema violation",
    "value violates the '{keyword}' constraint",
    "§4 Schemas",
    "A constraint without a more specific code failed.",
)

# Domain formats ----------------------------------------------------------------------------------
INVALID_DATE_TIME = _rule(
    "invalid-date-time",
    ERROR,
    "Invalid date-time",
    "not an RFC 3339 date-time with offset (e.g. 2024-05-01T08:30:00+08:00)",
    "§3 Records: times",
    "Times are RFC 3339 with a mandatory offset (Z or ±hh:mm); local times without offset are "
    "ambiguous.",
)
INVALID_DATE = _rule(
    "invalid-date",
    ERROR,
    "Invalid date",
    "not a calendar date (YYYY-MM-DD)",
    "§3 Records: times",
    "A full-date that does not exist or is not in RFC 3339 form.",
)
INVALID_RESIDENT_ID = _rule(
    "invalid-cn-resident-id",
    ERROR,
    "Invalid resident ID number",
    "not a valid resident identity card number (GB 11643)",
    "§4 Schemas: domain formats",
    "18 characters: a GB/T 2260 division code valid at the birth year, a real birth date, a "
    "sequence number and the ISO 7064 MOD 11-2 check character (X upper-case).",
)
INVALID_DIVISION_CODE = _rule(
    "invalid-cn-division-code",
    ERROR,
    "Unknown division code",
    "not a GB/T 2260 administrative division code",
    "§4 Schemas: domain formats",
    "Six digits that the shipped GB/T 2260 snapshot does not know, current or retired.",
)
RETIRED_DIVISION_CODE = _rule(
    "retired-division-code",
    WARNING,
    "Retired division code",
    "division code was retired in {year}; {successor}",
    "§4 Schemas: domain formats",
    "The code existed but has been withdrawn from GB/T 2260 (e.g. 110103 崇文区, merged in 2010). "
    "The message names the code in force that replaced it where the shipped snapshot knows one.",
    level=Level.SEMANTIC,
)
INVALID_USCC = _rule(
    "invalid-cn-uscc",
    ERROR,
    "Invalid unified social credit code",
    "not a valid unified social credit code (GB 32100)",
    "§4 Schemas: domain formats",
    "18 characters from the GB 32100 alphabet with a valid check character.",
)
INVALID_PHONE = _rule(
    "invalid-phone",
    ERROR,
    "Invalid phone number",
    "not a valid phone number",
    "§4 Schemas: domain formats",
    "An E.164 number (+8613812345678) or a valid Chinese national number.",
)
INVALID_CURRENCY = _rule(
    "invalid-iso4217",
    ERROR,
    "Invalid currency",
    "not an ISO 4217 currency code (e.g. CNY)",
    "§3 Records: money",
    "Money carries an upper-case ISO 4217 alphabetic code.",
)
INVALID_COUNTRY = _rule(
    "invalid-iso3166-alpha2",
    ERROR,
    "Invalid country",
    "not an ISO 3166-1 alpha-2 country code",
    "§4 Schemas: domain formats",
    "Countries are upper-case ISO 3166-1 alpha-2 codes (e.g. CN).",
)
INVALID_URI = _rule(
    "invalid-uri",
    ERROR,
    "Invalid URI",
    "not an absolute URI",
    "§4 Schemas: domain formats",
    "Links to media and documents are absolute URIs.",
)

# Within a record ---------------------------------------------------------------------------------
ORDER_TOTAL_MISMATCH = _rule(
    "order-total-mismatch",
    ERROR,
    "Order parts do not add up",
    "{formula} comes to {parts} {currency}, but the total is {total} (difference {difference})",
    "§3 Records: money",
    "An Order's subtotal - discount + shipping + tax equals its total, in exact decimal "
    "arithmetic; an absent part counts as zero, and tax is not added when `pricesIncludeTax` is "
    "true (the other amounts contain it). Checked when the order has a subtotal; the subtotal is "
    "the lines' value before order discounts. Amounts are not personal data: the message gives "
    "them so that the producer can find the missing part.",
    level=Level.SEMANTIC,
)
ORDER_LINES_EXCEED_SUBTOTAL = _rule(
    "order-lines-exceed-subtotal",
    ERROR,
    "Order lines come to more than the subtotal",
    "the lines' totals come to {lines} {currency}, more than the subtotal {subtotal} "
    "(difference {difference})",
    "§3 Records: money",
    "An Order's subtotal is the value of its lines before order discounts, so the sum of the "
    "lines' totals (each its quantity at its unit price, less the line's own discounts) is never "
    "more than the subtotal, in exact decimal arithmetic; a line total written per unit instead "
    "of for its quantity, or a subtotal that leaves lines out, is found here. Lines coming to "
    "less are not a finding: discounts on a line, a tip or a fee the standard has no line for "
    "are in the subtotal and not in the lines. Checked when the order has a subtotal and every "
    "line total is a well-formed amount in its currency.",
    level=Level.SEMANTIC,
)
ORDER_CURRENCY_MISMATCH = _rule(
    "order-currency-mismatch",
    ERROR,
    "Order amounts in more than one currency",
    "{field} is in {currency}, but the order's total is in {total_currency}",
    "§3 Records: money",
    "Every amount of an Order (subtotal, discount, shipping, tax, amount paid, each line's unit "
    "price and total) is in the currency of its total: the parts of one order are added up "
    "(`order-total-mismatch`), and amounts in two currencies cannot be. Each amount in another "
    "currency is a finding; the sum is then not checked.",
    level=Level.SEMANTIC,
)
AMOUNT_FINER_THAN_MINOR_UNIT = _rule(
    "amount-finer-than-minor-unit",
    WARNING,
    "Amount finer than the currency's minor unit",
    "amount has {decimals} decimal(s); {currency} totals carry {exponent} (ISO 4217 minor unit)",
    "§3 Records: money",
    "Totals (an order's subtotal, discount, shipping, tax, total, amount paid and line totals) "
    "carry the decimals of the currency's ISO 4217 minor unit: 2 for CNY and USD, 0 for JPY, 3 "
    "for BHD. More decimals are a unit price or an unrounded computation where a payable amount "
    "belongs. Unit prices may carry up to 4 decimals and are not checked; currencies without a "
    "minor unit (gold, test codes) are not either.",
    level=Level.SEMANTIC,
)
RESIDENT_ID_AS_RECORD_ID = _rule(
    "resident-id-number-as-id",
    WARNING,
    "Resident ID number used as an id",
    "'{field}' is a raw resident identity card number (GB 11643); use a pseudonym as the id",
    "§3 Records: identity; §7 privacy",
    "A record id, or the id in a reference, is a whole valid resident identity card number. Ids "
    "travel into every report, index and log, so a person's ID number must not be one: adapters "
    "write a keyed pseudonym (`ccstd convert`). The finding names the field, never the number, "
    "and reports redact the record id.",
    level=Level.QUALITY,
)

# Across a stream ---------------------------------------------------------------------------------
DUPLICATE_ID = _rule(
    "duplicate-id",
    ERROR,
    "Duplicate id",
    "{type} id '{id}' already used at {first}",
    "§3 Records: identity",
    "Within one validated set, `type` + `id` identify one record.",
    level=Level.SEMANTIC,
)
UNRESOLVED_REFERENCE = _rule(
    "unresolved-reference",
    ERROR,
    "Unresolved reference",
    "reference to {type} '{id}' does not resolve within the validated records",
    "§3 Records: references",
    "With `--check-references`, every typed reference must name a record in the validated set.",
    level=Level.SEMANTIC,
)
FINDINGS_TRUNCATED = _rule(
    "findings-truncated",
    INFO,
    "Findings truncated",
    "{omitted} more finding(s) not listed (--max-findings {limit}); counts include them",
    "§5 Findings",
    "The report lists at most `--max-findings` findings; the counts stay exact.",
)

FORMAT_RULES: dict[str, Rule] = {
    "date-time": INVALID_DATE_TIME,
    "date": INVALID_DATE,
    "cn-resident-id": INVALID_RESIDENT_ID,
    "cn-division-code": INVALID_DIVISION_CODE,
    "cn-uscc": INVALID_USCC,
    "phone": INVALID_PHONE,
    "iso4217": INVALID_CURRENCY,
    "iso3166-alpha2": INVALID_COUNTRY,
    "uri": INVALID_URI,
}
