"""The names and identifiers of the people an export describes, to keep them out of free text.

The standard's clinical free-text fields (a medicine or dosage as written, a concept's text or
display) have no protected form, so a text naming a person the export knows (a Patient's or
Practitioner's name, identifier or phone number, a street line, a name a reference shows) is not
copied: the mapping drops it, with the reason, in the ledger. Texts and terms are compared as
sequences of tokens, after NFKC normalisation and case folding (a decomposed "Zoé" or a
full-width name is the same name): case-folded letter runs, digit runs, and each CJK character on
its own (Chinese names are not written with spaces). A number is also compared by its digits
alone ("999-12-3456" is "999123456"), and a phone number without its country code.
"""

from __future__ import annotations

import contextlib
import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any

from ccstd.adapters.ledger import shape_ahead
from ccstd.standard.redaction import redact

PERSON_TYPES = frozenset({"Patient", "Practitioner", "RelatedPerson", "Person"})
_SHOWN_PERSON = (*PERSON_TYPES, "PractitionerRole")  # a reference to one shows a person's name
_PERSON_REFERENCE = re.compile(rf"(?:^|/)(?:{'|'.join(_SHOWN_PERSON)})/[^/]+(?:/_history/.*)?$")
# Elements whose Reference is to a person (or to a role or organisation: only a reference whose
# target or type is a person counts, or one that names no target at all)
PERSON_ELEMENTS = frozenset({
    "requester", "performer", "recorder", "asserter", "actor", "author", "informationSource",
    "individual", "practitioner", "who", "enterer", "verifier", "collector", "orderedBy",
    "sender", "recipient", "attester", "party", "responsible", "resultsInterpreter", "patient",
    "subject", "informant", "onBehalfOf", "participant",
})  # fmt: skip
_TITLES = frozenset({  # titles and placeholders, never a name alone (a display "Unknown patient")
    "dr", "mr", "mrs", "ms", "miss", "mx", "prof", "doctor", "nurse", "md", "rn", "np", "pa",
    "phd", "dds", "jr", "sr", "the", "and", "patient", "unknown", "anonymous", "practitioner",
    "person", "provider", "physician", "self",
})  # fmt: skip
_NUMBER = re.compile(r"\d+(?:[-\s./]\d+)*")  # a number, perhaps grouped
_MIN_DIGITS = 6
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef"
_TOKEN = re.compile(rf"[{_CJK}]|[0-9]+|[^\W\d_{_CJK}]+")
_MAX_TERMS = 500_000  # per run: a few hundred bytes each
_MAX_TOKENS = 12  # a longer name or identifier is matched by its first 12 tokens
_MAX_FOUND = 4096  # texts whose terms `found_in` remembers, each of up to _MAX_FOUND_TEXT chars
_MAX_FOUND_TEXT = 4096
Term = tuple[str, ...]


def tokens(text: str) -> list[str]:
    """The tokens of a text: `Wilhelmina123 Doe` → wilhelmina, 123, doe; `张三` → 张, 三;
    `Ｚｏé` (full-width, decomposed) → zoé."""
    return _TOKEN.findall(normalised(text))


def normalised(text: str) -> str:
    """NFKC-normalised and case-folded: how texts and terms are compared."""
    return unicodedata.normalize("NFKC", text).casefold()


def numbers(text: str) -> list[str]:
    """The numbers of a text by their digits alone (grouping left out), six digits or more:
    `SSN 999-12-3456` → 999123456."""
    found = (re.sub(r"\D", "", n) for n in _NUMBER.findall(normalised(text)))
    return [n for n in found if len(n) >= _MIN_DIGITS]


def _alone(token: str) -> bool:
    """Whether one token is specific enough to be a term by itself: three letters or more, six
    digits or more; never one CJK character (a family name alone: 王, 李)."""
    if token.isdigit():
        return len(token) >= _MIN_DIGITS
    return len(token) >= 3 and token not in _TITLES and not re.fullmatch(f"[{_CJK}]", token)


class People:
    """Terms (token sequences) naming the people of a run, and a quick test of a text for them."""

    def __init__(self, terms: Iterable[Iterable[str]] = ()) -> None:
        self.terms: set[Term] = set()
        self.firsts: set[str] = set()
        self.longest = 0
        self.ids: set[str] = set()  # the resource ids of the people (`holds_id`)
        self._read: set[tuple[str, bool]] = set()  # texts whose terms are in
        self._found: dict[str, list[Term]] = {}  # `found_in` by text, for `_found_with` terms
        self._found_with = 0
        for term in terms:
            self._add(tuple(term))

    def __bool__(self) -> bool:
        return bool(self.terms)

    def remember(
        self, resource: Any, displays: bool = True, shown: Iterable[str] | None = None
    ) -> None:
        """The names, identifiers, phone numbers and street lines of a Patient, Practitioner,
        RelatedPerson or Person, its contacts' names (not its id: references repeat it in every
        item, and it is pseudonymised), and in any resource the names its references to people
        show (`requester.display`; not looked for when `displays` is false; `shown`: those
        names, found already)."""
        kind = resource.get("resourceType") if isinstance(resource, dict) else None
        if not isinstance(kind, str):
            return
        key = resource.get("id") if kind in PERSON_TYPES else None
        if isinstance(key, str) and len(key) >= 4 and len(self.ids) < _MAX_TERMS:
            self.ids.add(normalised(key))
        people = [resource, *_dicts(resource.get("contained"))]
        for person in people if kind in PERSON_TYPES or "contained" in resource else ():
            if person.get("resourceType") in PERSON_TYPES:
                for text, whole_only in _personal_texts(person):
                    self._remember_text(text, whole_only)
        if shown is None:
            shown = shown_names(resource) if displays else ()
        for display in shown:
            self._remember_text(display, False)

    def remember_shown(self, text: str) -> None:
        """A name a reference to a person shows (`shown_names`)."""
        self._remember_text(text, False)

    def _remember_text(self, text: str, whole_only: bool) -> None:
        if (text, whole_only) in self._read:
            return  # the same name shown by every item: its terms are in already
        if len(self._read) < _MAX_TERMS:
            self._read.add((text, whole_only))
        found = tokens(text)[:_MAX_TOKENS]
        if len(found) > 1 or (found and _alone(found[0])):
            self._add(tuple(found))
        if not whole_only:
            for token in found:
                if _alone(token):
                    self._add((token,))
        for number in numbers(text):
            self._add((number,))

    def _add(self, term: Term) -> None:
        if term and len(self.terms) < _MAX_TERMS and all(isinstance(t, str) for t in term):
            self.terms.add(term)
            self.firsts.add(term[0])
            self.longest = max(self.longest, len(term))

    def found_in(self, text: str) -> list[Term]:
        """The terms a text holds (token for token), in the order found. Remembered per text
        while the terms stay the same (item after item shows the same code displays)."""
        if not self.terms:
            return []
        if len(text) > _MAX_FOUND_TEXT:
            return self._terms_in(text)
        if self._found_with != len(self.terms) or len(self._found) >= _MAX_FOUND:
            self._found, self._found_with = {}, len(self.terms)  # terms are only ever added
        found = self._found.get(text)
        if found is None:
            found = self._found[text] = self._terms_in(text)
        return list(found)

    def _terms_in(self, text: str) -> list[Term]:
        found_tokens = tokens(text) + numbers(text)
        hits = self.firsts.intersection(found_tokens)
        if not hits:
            return []
        found: dict[Term, None] = {}
        for start in [i for i, token in enumerate(found_tokens) if token in hits]:
            for length in range(1, self.longest + 1):
                candidate = tuple(found_tokens[start : start + length])
                if len(candidate) < length:
                    break
                if candidate in self.terms:
                    found[candidate] = None
        return list(found)

    def holds_id(self, text: str) -> bool:
        """Whether a text (a URL) holds the resource id of one of the people, between slashes or
        other punctuation (`/member/MBR99887766/plan`)."""
        if not self.ids:
            return False
        return any(part in self.ids for part in re.split(r"[/?#=&:;,]", normalised(text)))

    def names_someone(self, text: str) -> bool:
        """Whether a text holds a term."""
        return bool(self.terms) and bool(self.found_in(text))


def _personal_texts(resource: dict[str, Any]) -> Iterator[tuple[str, bool]]:
    """(text, whole only) of each name part, identifier value and street line: each token of a
    name counts alone too; an identifier or a line only as a whole."""
    for name in _dicts(resource.get("name")):
        for part in (name.get("text"), name.get("family"), *_strings(name.get("given"))):
            if isinstance(part, str):
                yield part, False
    for contact in _dicts(resource.get("contact")):
        for name in _dicts([contact.get("name")]):
            for part in (name.get("text"), name.get("family"), *_strings(name.get("given"))):
                if isinstance(part, str):
                    yield part, False
    for identifier in _dicts(resource.get("identifier")):
        if isinstance(identifier.get("value"), str):
            yield identifier["value"], True
    for owner in (resource, *_dicts(resource.get("contact"))):
        for telecom in _dicts(owner.get("telecom")):
            if isinstance(telecom.get("value"), str):
                yield from ((number, True) for number in _phone_forms(telecom["value"]))
    for address in _dicts(resource.get("address")):
        for line in _strings(address.get("line")):
            yield line, True


_PHONE_SHAPED = re.compile(r"(?<![\d.])\+?\(?\d{1,4}\)?(?:[-\s.]?\(?\d{2,4}\)?){2,4}(?![\d.])")
_SSN_SHAPED = re.compile(r"(?<!\d)\d{3}-\d{2}-\d{4}(?!\d)")
_NOT_A_PHONE = re.compile(  # a date; an NDC product code (5-4-2, 4-4-2, 5-3-2, 5-4-1)
    r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./]\d{1,2}[./]\d{2,4}|^\d{4,5}-\d{3,4}-\d{1,2}$"
)


def holds_phone_or_id(text: str) -> bool:
    """Whether a text holds a phone-shaped number (ten to fifteen digits, perhaps grouped; a
    date is not one), a US SSN-shaped one, or what `redaction.redact` hides (a Chinese resident
    ID number, ID-shaped or not valid, or a mobile number), known to the run or not."""
    if len(text) > _MAX_FOUND_TEXT:
        return _holds_phone_or_id(text)
    return _short_holds_phone_or_id(text)


def _holds_phone_or_id(text: str) -> bool:
    if not any(c.isdigit() for c in text):
        return False
    text = unicodedata.normalize("NFKC", text)
    if redact(text) != text or _SSN_SHAPED.search(text):
        return True
    for match in _PHONE_SHAPED.finditer(text):
        digits = sum(c.isdigit() for c in match.group())
        if 10 <= digits <= 15 and not _NOT_A_PHONE.search(match.group()):
            return True
    return False


# the same code displays and texts, item after item: remembered (a pure function of the text)
_short_holds_phone_or_id = functools.lru_cache(maxsize=_MAX_FOUND)(_holds_phone_or_id)


def _phone_forms(value: str) -> list[str]:
    """A telecom value, and when it is an international phone number, its national number too
    (text seldom writes the country code)."""
    forms = [value]
    if value.lstrip().startswith("+"):
        import phonenumbers

        with contextlib.suppress(phonenumbers.NumberParseException):
            forms.append(str(phonenumbers.parse(value, None).national_number))
    return forms


def shown_names(resource: Any) -> Iterator[str]:
    """The `display` of each Reference in a resource that points at a person (by its target or
    type), or that names no target and sits in an element that refers to people."""
    stack: list[tuple[str, Any]] = [("", resource)]
    while stack:
        key, node = stack.pop()
        if isinstance(node, dict):
            display = node.get("display")
            if isinstance(display, str) and _is_person_reference(key, node):
                yield display
            for name, value in node.items():
                if isinstance(value, dict):
                    stack.append((name, value))
                elif isinstance(value, list):
                    stack.extend((name, part) for part in value if isinstance(part, dict))
        elif isinstance(node, list):
            stack.extend((key, part) for part in node)


def shown_names_ahead(resource: Any) -> list[str]:
    """`shown_names`, found in the walk that takes the resource's shape for the ledger
    (`ledger.shape_ahead`): one walk of the resource serves both."""
    found: list[str] = []

    def visit(key: str, node: dict[str, Any]) -> None:
        display = node.get("display")
        if isinstance(display, str) and _is_person_reference(key, node):
            found.append(display)

    if isinstance(resource, dict) and shape_ahead(resource, visit):
        return found
    return list(shown_names(resource))


def _is_person_reference(key: str, node: dict[str, Any]) -> bool:
    target, kind = node.get("reference"), node.get("type")
    if isinstance(target, str) and target:
        return _PERSON_REFERENCE.search(target) is not None
    if isinstance(kind, str) and kind:
        return kind in _SHOWN_PERSON
    return key in PERSON_ELEMENTS


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def strings_of(value: Any) -> Iterator[str]:
    """Every string (values, not keys) of a parsed JSON value, without recursion."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            yield node
        elif isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
