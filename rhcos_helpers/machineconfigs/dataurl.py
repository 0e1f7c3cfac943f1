"""machineconfigs.dataurl - decode the data URLs MachineConfig files carry (the three forms, and gzip).

Sample sources: ``data:,%5Bcrio%5D%0A...`` (MCO templates, percent-escaped),
``data:text/plain;charset=utf-8;base64,c2VydmVy...`` (controllers and the seed's chrony example),
``data:;base64,H4sI...`` with ``compression: gzip`` (Butane, when gzip+base64 is shorter).

Examples:
    >>> decode_data_url("data:,a%20b")
    b'a b'
"""

from __future__ import annotations

import base64
import binascii
import gzip
import re
import zlib
from urllib.parse import unquote_to_bytes

from rhcos_helpers.errors import ParseError

__all__ = ["as_text", "decode_data_url"]

_SPEC = "machineconfig"
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def decode_data_url(source: str, *, compression: str | None = None) -> bytes:
    r"""Decode an Ignition ``contents.source`` data URL (then gunzip when ``compression: gzip``).

    The three forms MCO, its controllers and Butane write: ``data:,<percent-escaped>``,
    ``data:text/plain;charset=utf-8;base64,<b64>`` and ``data:;base64,<b64>`` (with
    ``compression: gzip`` when Butane found gzip shorter). Base64 applies iff the last
    parameter before the comma is ``base64``; otherwise the data is percent-decoded.

    Args:
        source: the URL.
        compression: the file's ``contents.compression``: ``None``, ``""`` or ``"gzip"``.

    Raises:
        ParseError: not a data URL, bad base64, a bad ``%`` escape, bad gzip, or an unknown
            compression.

    Examples:
        >>> decode_data_url("data:,server%20a%0A")
        b'server a\n'
        >>> decode_data_url("data:text/plain;charset=utf-8;base64,c2VydmVyIGEK")
        b'server a\n'
        >>> decode_data_url("data:;base64,H4sIAAAAAAACAytOLSpLLVJI5AIAjQ86JQkAAAA=",
        ...                 compression="gzip")
        b'server a\n'
        >>> decode_data_url("data:,50%")
        Traceback (most recent call last):
        ...
        rhcos_helpers.errors.ParseError: machineconfig: bad %-escape at offset 2 of a data URL (input starts: 'data:,50%')
    """
    if not source.startswith("data:"):
        raise ParseError(
            _SPEC,
            "not a data URL (remote sources are not supported by the machine-config daemon)",
            excerpt=source,
        )
    comma = source.find(",")
    if comma < 0:
        raise ParseError(_SPEC, "data URL without a comma", excerpt=source)
    params = source[5:comma].split(";")
    payload = source[comma + 1 :]
    if params[-1].strip().lower() == "base64":
        cleaned = payload.replace("\n", "").replace("\r", "")
        try:
            data = base64.b64decode(cleaned, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ParseError(_SPEC, f"bad base64 in data URL ({exc})", excerpt=source) from exc
    else:
        bad = _BAD_ESCAPE.search(payload)
        if bad:
            raise ParseError(
                _SPEC, f"bad %-escape at offset {bad.start()} of a data URL", excerpt=source
            )
        data = unquote_to_bytes(payload)
    if compression in (None, ""):
        return data
    if compression != "gzip":
        raise ParseError(_SPEC, f"unknown compression {compression!r}", excerpt=source)
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:
        raise ParseError(_SPEC, f"bad gzip data in data URL ({exc})", excerpt=source) from exc


def as_text(data: bytes) -> str | None:
    """Bytes as UTF-8 text; ``None`` for binary (a NUL byte) or non-UTF-8 contents."""
    if b"\x00" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None
