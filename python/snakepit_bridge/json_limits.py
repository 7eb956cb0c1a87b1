"""Bounds on what a worker receives: the nesting of JSON, checked before
``json.loads``, and the size of messages.

``json.loads`` recurses once per level of nesting: deep enough input raises
``RecursionError`` (or exhausts the stack of a thread with a raised recursion
limit). ``nesting_overflow`` finds the first bracket deeper than the limit
without recursion, so that such input is refused as ``invalid_arguments``.
The host applies the same limit (its pool key ``max_json_depth``) and passes
it to the worker as ``--max-json-depth``.
"""

from __future__ import annotations

import re

#: Deepest nesting of objects and arrays accepted (``{}`` is 1); the host's
#: default ``max_json_depth``.
DEFAULT_MAX_JSON_DEPTH = 128

#: Largest message either transport sends or receives, in bytes: the host's
#: default ``max_message_mb`` (64), passed as ``--max-message-bytes``.
DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024

#: A whole string (escapes included) or one bracket. Strings are matched as
#: one token so that brackets inside them do not count.
_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)


def nesting_overflow(data: bytes, max_depth: int) -> int | None:
    """Offset of the first ``[`` or ``{`` nested deeper than ``max_depth``
    in the JSON text ``data``; None when there is none.

    Iterative, and fast when ``data`` holds few brackets (the common case
    of large values: long strings, flat arrays of numbers)."""
    if data.count(b"[") + data.count(b"{") <= max_depth:
        return None
    depth = 0
    for token in _TOKEN.finditer(data):
        first = token.group()[:1]
        if first in (b"[", b"{"):
            depth += 1
            if depth > max_depth:
                return token.start()
        elif first in (b"]", b"}"):
            depth -= 1
    return None
