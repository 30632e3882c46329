"""The names and identifiers of the people an export describes, to keep them out of free text.

The standard's clinical free-text fields (a medicine or dosage as written, a concept's text or
display) have no protected form, so a text naming a person the export knows (a Patient's or
Practitioner's name or identifier, a street line) is not copied: the mapping drops it, with
the reason, in the ledger. Texts and terms are compared as sequences of tokens: lower-case letter
runs, digit runs, and each CJK character on its own (Chinese names are not written with spaces).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

PERSON_TYPES = frozenset({"Patient", "Practitioner", "RelatedPerson", "Person"})
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef"
_TOKEN = re.compile(rf"[{_CJK}]|[0-9]+|[^\W\d_{_CJK}]+")
_MAX_TERMS = 500_000  # per run: a few hundred bytes each
_MAX_TOKENS = 12  # a longer name or identifier is matched by its first 12 tokens
Term = tuple[str, ...]


def tokens(text: str) -> list[str]:
    """The tokens of a text: `Wilhelmina123 Doe` → wilhelmina, 123, doe; `张三` → 张, 三."""
    return _TOKEN.findall(text.lower())


def _alone(token: str) -> bool:
    """Whether one token is specific enough to be a term by itself: three letters or more, six
    digits or more; never one CJK character (a family name alone: 王, 李)."""
    if token.isdigit():
        return len(token) >= 6
    return len(token) >= 3 and not re.fullmatch(f"[{_CJK}]", token)


class People:
    """Terms (token sequences) naming the people of a run, and a quick test of a text for them."""

    def __init__(self, terms: Iterable[Iterable[str]] = ()) -> None:
        self.terms: set[Term] = set()
        self.firsts: set[str] = set()
        self.longest = 0
        for term in terms:
            self._add(tuple(term))

    def __bool__(self) -> bool:
        return bool(self.terms)

    def remember(self, resource: Any) -> None:
        """The names, identifiers and street lines of a Patient, Practitioner, RelatedPerson or
        Person (not its id: references repeat it in every item, and it is pseudonymised)."""
        kind = resource.get("resourceType") if isinstance(resource, dict) else None
        if not isinstance(kind, str) or kind not in PERSON_TYPES:
            return
        for text, whole_only in _personal_texts(resource):
            found = tokens(text)[:_MAX_TOKENS]
            if len(found) > 1 or (found and _alone(found[0])):
                self._add(tuple(found))
            if not whole_only:
                for token in found:
                    if _alone(token):
                        self._add((token,))

    def _add(self, term: Term) -> None:
        if term and len(self.terms) < _MAX_TERMS and all(isinstance(t, str) for t in term):
            self.terms.add(term)
            self.firsts.add(term[0])
            self.longest = max(self.longest, len(term))

    def found_in(self, text: str) -> list[Term]:
        """The terms a text holds (token for token), in the order found."""
        if not self.terms:
            return []
        found_tokens = tokens(text)
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
    for identifier in _dicts(resource.get("identifier")):
        if isinstance(identifier.get("value"), str):
            yield identifier["value"], True
    for address in _dicts(resource.get("address")):
        for line in _strings(address.get("line")):
            yield line, True


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
