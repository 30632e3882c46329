"""A byte stream for lxml that refuses entity tricks and joins concatenated XML documents.

Legacy access-control exports are often many complete documents one after another (each with its
own `<?xml …?>` declaration), sometimes in GB2312/GBK. This stream removes the declarations and
plain DOCTYPEs, transcodes to UTF-8, and wraps everything in one synthetic root, so a single
`iterparse` reads it all. Any internal DTD subset (where entity declarations live: billion laughs,
quadratic blow-up, external entities) makes it stop with UnsafeXMLError before lxml sees it.
"""

from __future__ import annotations

import codecs
import re
from typing import BinaryIO

WRAPPER = b"ccstd-documents"
_CHUNK = 1 << 20
_MAX_CARRY = 1 << 20
_DECLARATION = re.compile(rb"<\?xml[^>]*\?>")
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_DOCTYPE = re.compile(rb"<!DOCTYPE[^>\[]*(\[)?")


class UnsafeXMLError(ValueError):
    """The input declares a DTD subset or entities; it is refused, not parsed."""


class NotXMLError(ValueError):
    """The input does not begin with markup (JSON, CSV, binary...): it is not an XML export."""


class UnsupportedEncodingError(ValueError):
    """The input declares an encoding that is not a text encoding (`hex`, `base64`, `zlib`...),
    or is UTF-16/UTF-32 without a byte-order mark."""


_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))  # fmt: skip


class SafeXMLStream:
    """`read(n)` for lxml: the source's documents as one UTF-8 document under WRAPPER."""

    def __init__(self, raw: BinaryIO, encoding: str | None = None) -> None:
        self._raw = raw
        self._default = encoding or "utf-8"  # of a source that declares none
        self._pending = b"<" + WRAPPER + b">"
        self._carry = b""
        self._decoder: codecs.IncrementalDecoder | None = None
        self._first = True
        self._done = False

    def read(self, size: int = -1) -> bytes:
        """Up to `size` bytes (lxml asks for a few KiB at a time)."""
        while not self._done and (size < 0 or len(self._pending) < size):
            self._fill()
        if size < 0:
            size = len(self._pending)
        out, self._pending = self._pending[:size], self._pending[size:]
        return out

    def _fill(self) -> None:
        chunk = self._raw.read(_CHUNK)
        if self._first:
            chunk = self._start(chunk)
        if self._decoder is not None:
            chunk = self._decoder.decode(chunk, final=not chunk).encode("utf-8")
        text = self._carry + chunk
        if not chunk:
            self._pending += self._clean(text) + b"</" + WRAPPER + b">"
            self._carry, self._done = b"", True
            return
        cut = _safe_cut(text)
        self._pending += self._clean(text[:cut])
        self._carry = text[cut:]
        if len(self._carry) > _MAX_CARRY:
            raise UnsafeXMLError("a markup declaration longer than 1 MiB")

    def _start(self, chunk: bytes) -> bytes:
        self._first = False
        if chunk.startswith(codecs.BOM_UTF8):
            chunk = chunk[len(codecs.BOM_UTF8) :]
        wide = next((name for bom, name in _BOMS if chunk.startswith(bom)), None)
        if wide is not None:  # the decoder reads (and drops) the byte-order mark
            self._decoder = codecs.getincrementaldecoder(wide)(errors="strict")
            return chunk
        if chunk[:2] in (b"<\x00", b"\x00<") or chunk.startswith(b"\x00\x00"):
            raise UnsupportedEncodingError("UTF-16 or UTF-32 without a byte-order mark")
        start = chunk.lstrip()[:1]
        if start and start != b"<":
            raise NotXMLError("the content does not begin with markup")
        codec = text_codec(source_encoding(chunk, self._default))
        if codec != "utf-8":
            self._decoder = codecs.getincrementaldecoder(codec)(errors="strict")
        return chunk

    @staticmethod
    def _clean(text: bytes) -> bytes:
        if b"<!ENTITY" in text:
            raise UnsafeXMLError(
                "entity declarations are refused (entity expansion, external entities)"
            )
        for match in _DOCTYPE.finditer(text):
            if match.group(1):
                raise UnsafeXMLError(
                    "a DOCTYPE with an internal subset is refused (entity declarations)"
                )
        return _DOCTYPE_WHOLE.sub(b"", _DECLARATION.sub(b"", text))


_DOCTYPE_WHOLE = re.compile(rb"<!DOCTYPE[^>\[]*>")


# Labels the WHATWG encoding standard reads with the GB18030 decoder: exports declared GB2312
# or GBK routinely hold characters only GBK/GB18030 have (喆, 镕...).
_GB18030_LABELS = frozenset({
    "chinese", "csgb2312", "csiso58gb231280", "gb2312", "gb_2312", "gb_2312-80", "gbk",
    "iso-ir-58", "x-gbk", "gb18030",
})  # fmt: skip


def source_encoding(head: bytes, default: str | None = None) -> str:
    """The encoding a source is read in, from its first bytes: the `<?xml … encoding=…?>`
    declaration, else `default` (the dialect's), else UTF-8; GB2312/GBK labels mean GB18030."""
    head = head.removeprefix(codecs.BOM_UTF8)
    declared = _ENCODING.search(head[:200]) if head.startswith(b"<?xml") else None
    encoding = declared.group(1).decode("ascii") if declared else default or "utf-8"
    return "gb18030" if encoding.lower() in _GB18030_LABELS else encoding


def text_codec(encoding: str) -> str:
    """The codec's name if `encoding` is a text encoding that writes markup as ASCII does (the
    declaration was read as ASCII), else UnsupportedEncodingError."""
    shown = encoding[:40]
    try:
        info = codecs.lookup(encoding)
        compatible = info._is_text_encoding and "<?xml >".encode(info.name) == b"<?xml >"
    except (LookupError, UnicodeError):
        raise UnsupportedEncodingError(f"unknown encoding '{shown}'") from None
    if not compatible:
        raise UnsupportedEncodingError(f"'{shown}' is not a text encoding XML can be in")
    return info.name


def _safe_cut(text: bytes) -> int:
    """Where to split so that no declaration or DOCTYPE straddles the cut."""
    last_open = text.rfind(b"<")
    if last_open == -1 or text.find(b">", last_open) != -1:
        return len(text)
    return last_open
