"""The hostile corpus every submitted adapter must reject cleanly: attacks and broken input."""

from __future__ import annotations

from collections.abc import Iterator

_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10)
        for n in range(1, 10)
    )
    + b"]>\n<AccessLog><Event><Card>&lol9;</Card></Event></AccessLog>\n"
)
_EXTERNAL = (
    b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    b"<AccessLog><Event><Card>&xxe;</Card></Event></AccessLog>\n"
)
_PARAMETER = (
    b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/x.dtd">'
    b"%remote;]>\n<AccessLog/>\n"
)
_FHIR_TRUNCATED = b'{"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {"reso'


def corpus() -> Iterator[tuple[str, bytes]]:
    """(file name, content) of each hostile document; none holds a record worth converting."""
    yield "billion-laughs.xml", _LAUGHS
    yield "external-entity.xml", _EXTERNAL
    yield "parameter-entity.xml", _PARAMETER
    yield "deep-nesting.xml", b"<a>" * 100_000 + b"</a>" * 100_000
    yield "truncated.xml", b'<?xml version="1.0"?>\n<AccessLog><Event><Card>12'
    yield "deep-nesting.json", b"[" * 100_000 + b"]" * 100_000
    yield "truncated.json", _FHIR_TRUNCATED
    yield (
        "not-utf8.json",
        '{"resourceType": "Patient", "name": "张三"}'.encode("gbk")[:-3] + b"\xff",
    )
    yield "nan.ndjson", b'{"resourceType": "Observation", "valueQuantity": {"value": NaN}}\n'
    yield "binary.json", bytes(range(256)) * 16
