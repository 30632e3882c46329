"""The page at `/`: drop a file, see the findings in a table with filters. One self-contained
file (no CDN, no external script), served with a Content-Security-Policy that allows exactly its
own inline style and script."""

from __future__ import annotations

import base64
import hashlib
import re
from importlib import resources


def _digest(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def _inline(tag: str) -> str:
    match = re.search(rf"<{tag}>(.*?)</{tag}>", HTML, re.DOTALL)
    assert match, f"page.html has no <{tag}>"
    return _digest(match.group(1))


HTML = resources.files("ccstd.service").joinpath("page.html").read_text(encoding="utf-8")
HEADERS = {
    "Content-Security-Policy": "; ".join(
        [
            "default-src 'none'",
            f"script-src {_inline('script')}",
            f"style-src {_inline('style')}",
            "connect-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
