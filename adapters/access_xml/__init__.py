"""Legacy XML access-control logs (lxml, streaming) → AccessEvent, Device, Community; every
vendor's shape is a dialect file (TOML, docs/dialects.md) read by one generic adapter."""

from functools import partial

from ccstd.adapters.access_xml.adapter import (
    XmlAccessLogAdapter,
    builtin,
    dialect_adapter,
    family,
)

# The built-in dialects' adapters, by the names the Python API has always had.
HikvisionIsapi = partial(builtin, "xml-hikvision-isapi")
LegacyAccessLog = partial(builtin, "xml-legacy-accesslog")
AcsV2 = partial(builtin, "xml-acs-v2")

__all__ = [
    "AcsV2",
    "HikvisionIsapi",
    "LegacyAccessLog",
    "XmlAccessLogAdapter",
    "builtin",
    "dialect_adapter",
    "family",
]
