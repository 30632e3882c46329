"""A byte stream for lxml that refuses entity tricks and joins concatenated XML documents.

Legacy access-control exports are often many complete documents one after another (each with its
own `<?xml …?>` declaration), sometimes in GB2312/GBK. This stream removes the declarations and
plain DOCTYPEs, transcodes to UTF-8, and wraps everything in one synthetic root, so a single
`iterparse` reads it all. Any internal DTD subset (where entity declarations live: billion laughs,
quadratic blow-up, external entities) makes it stop with UnsafeXMLError before lxml sees it.
"""

from __future__ import annotations

import codecs
import functools
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


class EncodingMismatchError(UnsupportedEncodingError):
    """A document declares a legacy encoding (GB2312...) but its bytes are UTF-8, found only
    after part of it was read (a document whose first MiB is ASCII): the file is refused."""


# What stops the stream: raised once the records read before it are parsed.
_STOPS = (UnsafeXMLError, UnsupportedEncodingError, NotXMLError, UnicodeError, LookupError)
REFUSED = b"ccstd-refused"  # the element standing for a refused document in the stream
_HOLD = 9  # bytes kept back so that a byte-order mark + `<?xml ` never straddles a read


class _Document:
    """One document of the source, decoded in its own encoding (its byte-order mark, else its
    declaration, else the dialect's, else UTF-8). Bytes that are multibyte UTF-8 under a legacy
    declaration (UTF-8 text declared GB2312) are refused, not read garbled: the document becomes
    one REFUSED element (its newlines kept, so later line numbers stay right)."""

    def __init__(self, codec: str, label: str) -> None:
        self.label = label  # "declared GB2312", "in the dialect's encoding gb18030"
        self._decoder = None if codec == "utf-8" else codecs.getincrementaldecoder(codec)("strict")
        self._double_byte = codecs.lookup(codec).name in _DOUBLE_BYTE
        self._checked = self._decoder is None
        self._waiting = b""
        self._emitted = False
        self.refused = False

    def decode(self, data: bytes, final: bool) -> bytes:
        """`data` (the document's next bytes) as UTF-8."""
        if self.refused:
            return b"\n" * data.count(b"\n")
        if not self._checked:  # ASCII so far: held (up to 1 MiB) until the first other byte
            data, self._waiting = self._waiting + data, b""
            if data.isascii() and not final and len(data) < _CHUNK:
                self._waiting = data
                return b""
            self._checked = not data.isascii() or final
            if not data.isascii() and _reads_as_utf8(data, self._double_byte):
                return self._refuse(data)
        if self._decoder is not None:
            data = self._decoder.decode(data, final=final).encode("utf-8")
        self._emitted = self._emitted or bool(data)
        return data

    def _refuse(self, data: bytes) -> bytes:
        message = (
            f"a document {self.label} holds UTF-8 bytes (read so, every non-ASCII character "
            "would be garbled): correct its declaration or re-encode it"
        )
        if self._emitted:  # part of it is read already: the stream cannot drop the rest
            raise EncodingMismatchError(message)
        self.refused = True
        element = b'<%s reason="encoding-mismatch" message="%s"/>' % (REFUSED, message.encode())
        return element + b"\n" * data.count(b"\n")


# Legacy encodings of two bytes a character, whose text is often well-formed UTF-8 of two-byte
# sequences by chance (GBK 史小平 reads as Latin and Cyrillic letters, as do 930 of GB2312's
# 6,763 hanzi).
_DOUBLE_BYTE = {"gb18030", "gbk", "gb2312", "big5", "big5hkscs", "cp950", "cp932", "shift_jis",
                "euc_jp", "euc_kr", "cp949"}  # fmt: skip


def _reads_as_utf8(data: bytes, double_byte: bool) -> bool:
    """Whether non-ASCII `data` is well-formed UTF-8 (a sequence may be cut at its end); under a
    double-byte declaration, holding a character of three bytes or more (CJK and most scripts
    past U+07FF), since two-byte sequences arise there by chance."""
    try:
        text = codecs.getincrementaldecoder("utf-8")("strict").decode(data, final=False)
    except UnicodeDecodeError:
        return False
    return not double_byte or any(ord(char) >= 0x800 for char in text)


class SafeXMLStream:
    """`read(n)` for lxml: the source's documents as one UTF-8 document under WRAPPER, each
    document decoded by its own byte-order mark or declaration."""

    def __init__(self, raw: BinaryIO, encoding: str | None = None) -> None:
        self._raw = raw
        self._default = encoding or "utf-8"  # of a source that declares none
        self._pending = b"<" + WRAPPER + b">"
        self._carry = b""  # decoded text a markup declaration may straddle
        self._held = b""  # source bytes a document's start may straddle
        self._document: _Document | None = None
        self._before = b""  # the last byte read before `_held` that is not whitespace
        self._wide: codecs.IncrementalDecoder | None = None  # a UTF-16/UTF-32 source
        self._first = True
        self._done = False
        self._skipping: _Skipped | None = None  # markup too long to pass on, being skipped
        self.oversized = 0  # start tags replaced so far (see _OversizedTag)
        self._error: Exception | None = None  # raised once what was read before it is parsed
        self._lines = 0  # newlines passed on to the parser
        self.error_line: int | None = None  # the line of what made the stream stop

    def read(self, size: int = -1) -> bytes:
        """Up to `size` bytes (lxml asks for a few KiB at a time)."""
        while not self._done and (size < 0 or len(self._pending) < size):
            try:
                self._fill()
            except _STOPS as exc:  # the records before it are parsed first, then it is raised
                self._error, self._done = exc, True
                self.error_line = self._lines + self._pending.count(b"\n") + 1
        if size < 0:
            size = len(self._pending)
        out, self._pending = self._pending[:size], self._pending[size:]
        if not out and self._error is not None:
            raise self._error
        self._lines += out.count(b"\n")
        return out

    def _fill(self) -> None:
        chunk = self._raw.read(_CHUNK)
        end = not chunk
        if self._first:
            chunk = self._start(chunk)
        if self._wide is not None:
            chunk = self._wide.decode(chunk, final=end).encode("utf-8")
        else:
            chunk = self._documents(chunk, end)
        for at in range(0, max(len(chunk), 1), _CHUNK):  # 1 MiB at a time, however it grew
            self._take(chunk[at : at + _CHUNK], end and at + _CHUNK >= len(chunk))

    def _take(self, piece: bytes, end: bool) -> None:
        """Pass on the carry and `piece` (at most 1 MiB), but for markup they cut short (held
        as the next carry), or markup over 1 MiB (skipped: see _skipping)."""
        if self._skipping is not None:
            piece = self._skip(piece)
        text, self._carry = self._carry + piece, b""
        if len(text) > _MAX_CARRY and len(text) > len(piece) and _START_TAG.match(text):
            end_of_tag = _tag_end(text)  # a start tag begun in the carry: its exact length
            if end_of_tag is None or end_of_tag > _MAX_CARRY:
                text = self._begin_skip(text)
        if end:
            tail = self._skipping.replacement(closed=False) if self._skipping else b""
            self._pending += self._clean(text) + tail + b"</" + WRAPPER + b">"
            self._done = True
            return
        cut = _safe_cut(text)
        self._pending += self._clean(text[:cut])
        self._carry = text[cut:]
        if len(self._carry) > _MAX_CARRY:
            self._carry = self._begin_skip(self._carry)

    def _begin_skip(self, text: bytes) -> bytes:
        """Skip the markup over 1 MiB `text` begins with: a start tag (_OversizedTag), an end
        tag, a comment or processing instruction (_Skipped); what follows it (after what
        stands for it) if it ends in `text`. A CDATA section, DOCTYPE or other declaration
        that long is refused (UnsafeXMLError)."""
        skipping: _Skipped
        if text.startswith(b"<!--"):
            skipping = _SkippedComment(b"-->", 4)
        elif text.startswith(b"<?"):
            skipping = _SkippedComment(b"?>", 2)
        elif text.startswith(b"</"):
            skipping = _LongEndTag(text)
        elif _START_TAG.match(text):
            skipping = _OversizedTag(text)
            self.oversized += 1
        else:
            what = "a CDATA section" if text.startswith(b"<![CDATA[") else "a markup declaration"
            raise UnsafeXMLError(f"{what} longer than 1 MiB")
        self._skipping = skipping
        return self._skip(text[skipping.start :])

    def _skip(self, chunk: bytes) -> bytes:
        """What follows the end of the markup being skipped (the markup, replaced, first);
        nothing while it lasts."""
        assert self._skipping is not None
        rest = self._skipping.feed(chunk)
        if rest is None:
            return b""
        replaced, self._skipping = self._skipping.replacement(closed=True), None
        return replaced + rest

    def _documents(self, chunk: bytes, end: bool) -> bytes:
        """The source's next bytes as UTF-8, each document in its own encoding (offsets into
        the buffer, never a copy of its rest per document: many small alerts stay linear)."""
        data, out, at = self._held + chunk, [], 0
        while at < len(data):
            search = at
            if self._document is None:
                if not end and len(data) - at < 300 and data.find(b"?>", at) == -1:
                    break  # the declaration is not all here yet
                self._document = self._open(data[at : at + 300])
                at += len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8, at) else 0
                search = at + 1
            found = self._next_document(data, search)
            if found == -1:
                keep = len(data) if end else max(len(data) - _HOLD, at)
                out.append(self._consume(data[at:keep], end))
                at = keep
                break
            out.append(self._consume(data[at:found], True))
            at, self._document = found, None
        if end and self._document is not None:  # a sequence cut by the end of the file
            out.append(self._document.decode(b"", final=True))
        self._held = data[at:]
        return b"".join(out)

    def _next_document(self, data: bytes, start: int) -> int:
        """Where the next document starts (its `<?xml `, or the UTF-8 byte-order mark before
        it), -1 if not in `data`: a declaration after the end of a tag (whitespace between),
        not one inside a comment or CDATA section."""
        at = data.find(b"<?xml", start)
        while at != -1 and at + 5 < len(data):
            begin = at - 3 if at - 3 >= start and data.startswith(codecs.BOM_UTF8, at - 3) else at
            before = data[max(0, begin - 1024) : begin].rstrip(b" \t\r\n")
            if data[at + 5 : at + 6].isspace() and (before[-1:] or self._before) == b">":
                return begin
            at = data.find(b"<?xml", at + 5)
        return -1

    def _consume(self, data: bytes, final: bool) -> bytes:
        assert self._document is not None
        self._before = data.rstrip(b" \t\r\n")[-1:] or self._before
        return self._document.decode(data, final)

    def _open(self, data: bytes) -> _Document:
        """The document starting at `data`: its byte-order mark, else its declaration, else the
        dialect's encoding."""
        if data.startswith(codecs.BOM_UTF8):
            return _Document("utf-8", "UTF-8")
        declared = declared_encoding(data)
        encoding = declared or self._default
        codec = text_codec("gb18030" if encoding.lower() in _GB18030_LABELS else encoding)
        label = f"declared {declared}" if declared else f"read in the dialect's encoding {codec}"
        return _Document(codec, label)

    def _start(self, chunk: bytes) -> bytes:
        self._first = False
        wide = next((name for bom, name in _BOMS if chunk.startswith(bom)), None)
        if wide is not None:  # the decoder reads (and drops) the byte-order mark
            self._wide = codecs.getincrementaldecoder(wide)(errors="strict")
            return chunk
        head = chunk.removeprefix(codecs.BOM_UTF8)
        if head[:2] in (b"<\x00", b"\x00<") or head.startswith(b"\x00\x00"):
            raise UnsupportedEncodingError("UTF-16 or UTF-32 without a byte-order mark")
        start = head.lstrip()[:1]
        if start and start != b"<":
            raise NotXMLError("the content does not begin with markup")
        return chunk

    def _clean(self, text: bytes) -> bytes:
        """`text` without declarations and plain DOCTYPEs; at an entity declaration or internal
        DTD subset, what comes before it is passed on, then UnsafeXMLError."""
        entity = text.find(b"<!ENTITY")
        subset = next((m.start() for m in _DOCTYPE.finditer(text) if m.group(1)), -1)
        if entity != -1 and (subset == -1 or entity < subset):
            self._pending += _plain(text[:entity])
            raise UnsafeXMLError(
                "entity declarations are refused (entity expansion, external entities)"
            )
        if subset != -1:
            self._pending += _plain(text[:subset])
            raise UnsafeXMLError(
                "a DOCTYPE with an internal subset is refused (entity declarations)"
            )
        return _plain(text)


def _plain(text: bytes) -> bytes:
    return _DOCTYPE_WHOLE.sub(b"", _DECLARATION.sub(b"", text))


_DOCTYPE_WHOLE = re.compile(rb"<!DOCTYPE[^>\[]*>")


# Labels the WHATWG encoding standard reads with the GB18030 decoder: exports declared GB2312
# or GBK routinely hold characters only GBK/GB18030 have (喆, 镕...).
_GB18030_LABELS = frozenset({
    "chinese", "csgb2312", "csiso58gb231280", "gb2312", "gb_2312", "gb_2312-80", "gbk",
    "iso-ir-58", "x-gbk", "gb18030",
})  # fmt: skip


def declared_encoding(head: bytes) -> str | None:
    """The encoding a document's `<?xml … encoding=…?>` declaration names, as written."""
    head = head.removeprefix(codecs.BOM_UTF8)
    if not head.startswith(b"<?xml"):
        return None
    close = head.find(b"?>", 0, 300)
    declared = _ENCODING.search(head[: close if close != -1 else 300])
    return declared.group(1).decode("ascii") if declared else None


def source_encoding(head: bytes, default: str | None = None) -> str:
    """The encoding a source is read in, from its first bytes: the `<?xml … encoding=…?>`
    declaration, else `default` (the dialect's), else UTF-8; GB2312/GBK labels mean GB18030."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8"
    encoding = declared_encoding(head) or default or "utf-8"
    return "gb18030" if encoding.lower() in _GB18030_LABELS else encoding


@functools.lru_cache(maxsize=64)  # one lookup per label, however many documents declare it
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


OVERSIZED = "ccstd-oversized"  # the attribute of a start tag the stream replaced
_START_TAG = re.compile(rb"<([A-Za-z_:\x80-\xff][^\s/>]*)")
# Within a start tag: anything but quotes and `>`, and quoted values (which may hold `>`).
_IN_TAG = re.compile(rb"""[^"'>]*(?:(?:"[^"]*"|'[^']*')[^"'>]*)*""")


class _Skipped:
    """Markup over 1 MiB, skipped as it is read, standing for it what the parser reads in its
    place; `start`: where in the markup's first bytes its feed begins."""

    start = 0

    def feed(self, data: bytes) -> bytes | None:
        """Take the markup's next bytes; what follows its end, or None if it goes on."""
        raise NotImplementedError

    def replacement(self, closed: bool) -> bytes:
        """What the parser reads in its place (`closed`: the markup ended before the file)."""
        raise NotImplementedError


class _SkippedComment(_Skipped):
    """A comment or processing instruction over 1 MiB (`<!-- 3 MiB -->`, `<?pi 3 MiB?>`):
    the parser, which drops both, reads an empty comment holding its newlines instead, so
    the records around it convert and later line numbers stay right."""

    def __init__(self, terminator: bytes, start: int) -> None:
        self.start = start
        self._terminator = terminator
        self._kept = b""  # the last bytes read, which the terminator may begin in
        self._newlines = 0

    def feed(self, data: bytes) -> bytes | None:
        seen = self._kept + data
        end = seen.find(self._terminator)
        if end == -1:
            self._newlines += data.count(b"\n")
            self._kept = seen[1 - len(self._terminator) :]
            return None
        self._newlines += seen.count(b"\n", len(self._kept), end)
        return seen[end + len(self._terminator) :]

    def replacement(self, closed: bool) -> bytes:
        return b"<!--" + b"\n" * self._newlines + (b"-->" if closed else b"")


_END_TAG = re.compile(rb"</([^\s>]*)")


class _LongEndTag(_Skipped):
    """An end tag over 1 MiB (`</Event` and megabytes of spaces): passed on as the end tag
    alone, its newlines after it; with anything but whitespace after its name, as an end tag
    the parser refuses, as it would have."""

    def __init__(self, text: bytes) -> None:
        name = _END_TAG.match(text)
        assert name is not None
        self._name, self.start = name.group(1), name.end()
        self._newlines, self._other = 0, False

    def feed(self, data: bytes) -> bytes | None:
        end = data.find(b">")
        inside = data if end == -1 else data[:end]
        self._newlines += inside.count(b"\n")
        self._other = self._other or bool(inside.translate(None, b" \t\r\n"))
        return None if end == -1 else data[end + 1 :]

    def replacement(self, closed: bool) -> bytes:
        name = b"</" + self._name + (b" !" if self._other else b"")
        return name + (b">" if closed else b"") + b"\n" * self._newlines


class _OversizedTag(_Skipped):
    """A start tag longer than 1 MiB (a 12 MB attribute), passed to the parser as the same
    element without its attributes, marked `ccstd-oversized` with the bytes it held, so
    that the record holding it is rejected alone and the rest of the log is read (libxml2
    refuses such a value, and everything after it, without huge_tree). Its newlines are
    kept, so later line numbers stay right. Quoted values may hold `>`; `<` they cannot."""

    def __init__(self, start: bytes) -> None:
        name = _START_TAG.match(start)
        assert name is not None
        self._name, self.start = name.group(1), name.end()
        self._size, self._newlines = name.end(), 0
        self._quote = b""  # the quote of a value the tag is inside, if any
        self._last = b""  # the byte before the closing `>` (`/` for an empty element)

    def feed(self, data: bytes) -> bytes | None:
        at = 0
        if self._quote:
            close = data.find(self._quote)
            if close == -1:
                self._count(data)
                return None
            at, self._quote = close + 1, b""
        inside = _IN_TAG.match(data, at)
        assert inside is not None  # matches the empty string at least
        end = inside.end()
        if end < len(data) and data[end : end + 1] in (b'"', b"'"):  # a value not closed yet
            self._quote = data[end : end + 1]
            self._count(data)
            return None
        if end == len(data):
            self._count(data)
            self._last = data[-1:] or self._last
            return None
        self._count(data[:end])
        self._last = data[end - 1 : end] if end else self._last
        return data[end + 1 :]

    def _count(self, data: bytes) -> None:
        self._size += len(data)
        self._newlines += data.count(b"\n")

    def replacement(self, closed: bool) -> bytes:
        """The tag as the parser reads it: the element, marked, its newlines kept (after it,
        so that the element keeps the line it starts on); not closed if the file ends in it."""
        close = (b"/>" if self._last == b"/" else b">") if closed else b""
        marked = b'<%s %s="%d"' % (self._name, OVERSIZED.encode(), self._size + 1)
        return marked + close + b"\n" * self._newlines


def _tag_end(text: bytes) -> int | None:
    """Where the start tag `text` begins with ends (past its `>`); None if not in `text`."""
    inside = _IN_TAG.match(text, 1)
    assert inside is not None  # matches the empty string at least
    return inside.end() + 1 if text[inside.end() : inside.end() + 1] == b">" else None


_CONSTRUCT = re.compile(rb"<!--|<\?|<!\[CDATA\[")
_CLOSES = {b"<!--": b"-->", b"<?": b"?>", b"<![CDATA[": b"]]>"}


def _constructs(text: bytes) -> tuple[int, int]:
    """The comments, processing instructions and CDATA sections of `text`, in order (a `<`
    inside one is not markup): where one begins that does not end in `text` (-1: none), and
    where the last that does ends."""
    if b"<!" not in text and b"<?" not in text:
        return -1, 0
    at = after = 0
    while (found := _CONSTRUCT.search(text, at)) is not None:
        close = _CLOSES[found.group()]
        end = text.find(close, found.end())
        if end == -1:
            return found.start(), after
        at = after = end + len(close)
    return -1, after


def _safe_cut(text: bytes) -> int:
    """Where to split so that no declaration, DOCTYPE, start tag, comment, processing
    instruction or CDATA section straddles the cut (markup over 1 MiB is then skipped:
    SafeXMLStream._begin_skip)."""
    unclosed, after = _constructs(text)
    if unclosed != -1:
        return unclosed
    last_open = text.rfind(b"<", after)
    if last_open == -1:
        return len(text)
    if _START_TAG.match(text, last_open):  # a start tag: closed by a `>` outside its values
        inside = _IN_TAG.match(text, last_open + 1)
        closed = inside is not None and text[inside.end() : inside.end() + 1] == b">"
        return len(text) if closed else last_open
    return len(text) if text.find(b">", last_open) != -1 else last_open
