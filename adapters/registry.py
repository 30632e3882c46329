"""Installed adapters, discovered through the `ccstd.adapters` entry-point group (built-ins too).

An entry point names an adapter class, or a family of data-file adapters (an object with
`members()`, e.g. every XML access-log dialect). A plugin or a data file that fails to load is
listed with its error (`catalogue`), never silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path

from ccstd.adapters.base import Adapter
from ccstd.adapters.compression import CompressedInputError, plain_name, sample

GROUP = "ccstd.adapters"
_SNIFF_BYTES = 64 * 1024


class UnknownAdapterError(LookupError):
    """No installed adapter has that name, or none recognises an input."""


class AmbiguousAdapterError(UnknownAdapterError):
    """Several adapters recognise an input equally well: the user must choose."""


@dataclass(frozen=True)
class Listing:
    """One adapter as installed: working (`adapter`), or the error that keeps it out."""

    name: str
    origin: str
    adapter: Adapter | None = None
    error: str | None = None


def catalogue() -> list[Listing]:
    """Every adapter of every entry point, working or not, by name."""
    listings: list[Listing] = []
    members: list[Listing] = []  # of families: data files, after the adapter classes
    families: set[str] = set()
    for entry in entry_points(group=GROUP):
        origin = f"plugin {entry.dist.name}" if entry.dist is not None else "plugin"
        if entry.value.startswith("ccstd."):  # entry points into this package are its own
            origin = "built-in"
        try:
            found = entry.load()()
            if hasattr(found, "members"):
                members += found.members()
                families.add(str(getattr(found, "name", "")))
            elif isinstance(found, Adapter):
                listings.append(Listing(found.name, origin, found))
            else:
                listings.append(Listing(entry.name, origin, error="not an adapter"))
        except Exception as exc:
            problem = f"{type(exc).__name__} while loading {entry.value}: {str(exc)[:200]}"
            listings.append(Listing(entry.name, origin, error=problem))
    members += _orphans(families)
    return sorted(_unique(listings + members), key=lambda listing: listing.name)


def _orphans(families: set[str]) -> list[Listing]:
    """Data files (in `$CCSTD_DIALECT_PATH`, shipped through `ccstd.dialects`) of a family no
    installed adapter reads: listed with that error, never silently left out."""
    from ccstd.adapters.dialect_files import DataFileError, folders, read_toml

    found = []
    for folder, origin in folders():
        for path in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
            try:
                spec, _ = read_toml(path)
            except DataFileError:
                continue  # listed by the family it falls to, with this error
            family = spec.get("family", "access-xml")
            if isinstance(family, str) and family not in families:
                name = spec.get("name") if isinstance(spec.get("name"), str) else path.stem
                error = (
                    f"{path}: family {family!r} is not installed ({', '.join(sorted(families))})"
                )
                found.append(Listing(str(name)[:64], f"{origin}: {path}", None, error))
    return found


def _unique(listings: list[Listing]) -> list[Listing]:
    """A name taken by an earlier working adapter makes a later one an error, never a silent
    replacement (a dialect file called `fhir-r4`)."""
    taken: dict[str, str] = {}
    unique = []
    for listing in listings:
        if listing.adapter is not None and listing.name in taken:
            problem = f"the name {listing.name} is taken by {taken[listing.name]}"
            listing = Listing(listing.name, listing.origin, None, problem)
        elif listing.adapter is not None:
            taken[listing.name] = listing.origin
        unique.append(listing)
    return unique


def installed(listings: list[Listing] | None = None) -> dict[str, Adapter]:
    """Every working adapter by name (the first of a name wins)."""
    adapters: dict[str, Adapter] = {}
    for listing in catalogue() if listings is None else listings:
        if listing.adapter is not None:
            adapters.setdefault(listing.name, listing.adapter)
    return adapters


def skipped(listings: list[Listing] | None = None) -> list[str]:
    """Why each adapter that is not built-in is left out: a dialect or platform file that
    cannot be used (`file:line: key: message`), a `$CCSTD_DIALECT_PATH` folder that does not
    exist, a plugin that fails to load."""
    found = catalogue() if listings is None else listings
    return [x.error for x in found if x.adapter is None and x.error and x.origin != "built-in"]


def by_name(name: str) -> Adapter:
    """The adapter called `name`; one that is broken says why."""
    listings = catalogue()
    for listing in listings:
        if listing.name == name and listing.adapter is not None:
            return listing.adapter
    for listing in listings:
        if listing.name == name:
            raise UnknownAdapterError(f"adapter '{name}' cannot be used: {listing.error}")
    known = ", ".join(sorted({lst.name for lst in listings if lst.adapter is not None}))
    raise UnknownAdapterError(f"no adapter '{name}' (installed: {known})")


def detect(path: Path, adapters: dict[str, Adapter] | None = None) -> Adapter:
    """The adapter most confident that `path` is in its format; adapters equally confident are
    an AmbiguousAdapterError naming them (never settled by name order)."""
    try:
        head = sample(path, _SNIFF_BYTES)  # decompressed when the file is gzip
    except CompressedInputError as exc:
        raise UnknownAdapterError(str(exc)) from None
    name = plain_name(path.name)
    listings = catalogue() if adapters is None else []
    candidates = installed(listings) if adapters is None else adapters
    scored = sorted(
        ((a.sniff(head, name), key, a) for key, a in candidates.items()),
        key=lambda s: -s[0],
    )
    if not scored or scored[0][0] < 0.5:
        broken = skipped(listings)
        unusable = f" (left out, as they cannot be used: {'; '.join(broken)})" if broken else ""
        raise UnknownAdapterError(
            f"{path}: no installed adapter recognises this input; use --from{unusable}"
        )
    tied = [name for score, name, _ in scored if score == scored[0][0]]
    if len(tied) > 1:
        raise AmbiguousAdapterError(
            f"{path}: several adapters recognise this input equally ({', '.join(tied)}); "
            "choose one with --from NAME or --dialect FILE"
        )
    return scored[0][2]


def file_adapter(path: Path) -> Adapter:
    """The adapter for one data file (`--dialect FILE`): the family the file declares reads it.
    A DataFileError names the file, line and key of what is wrong."""
    from ccstd.adapters.dialect_files import DataFileError
    from ccstd.adapters.table_adapter import family_of

    family = family_of(path)
    known = []
    for entry in entry_points(group=GROUP):
        try:
            found = entry.load()()
        except Exception:  # listed with its error by `ccstd adapters list`
            continue
        if hasattr(found, "from_file") and isinstance(getattr(found, "name", None), str):
            if found.name == family:
                adapter: Adapter = found.from_file(path)
                return adapter
            known.append(found.name)
    names = ", ".join(sorted(known))
    raise DataFileError(f"{path}: family {family!r} is not installed (installed: {names})")
