"""Legacy XML access-control logs (lxml, streaming) → AccessEvent; dialects are TOML files."""

from ccstd.adapters.access_xml.adapter import (
    AcsV2,
    HikvisionIsapi,
    LegacyAccessLog,
    XmlAccessLogAdapter,
)

__all__ = ["AcsV2", "HikvisionIsapi", "LegacyAccessLog", "XmlAccessLogAdapter"]
