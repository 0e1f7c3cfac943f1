"""_protojson - decode the values crictl prints as protobuf JSON (``-o json``).

CRI messages come out of crictl through protojson: 64-bit integers as JSON strings, 32-bit ones
as numbers, wrapped values as ``{"value": ...}``, enums by name (or by number), Unix nanosecond
timestamps, and ``null`` for unset messages and empty lists. These helpers turn such values into
Python types and raise :class:`~rhcos_helpers.errors.ParseError` naming the fact and the field
when a value has the wrong type, so a parser never lets a ``TypeError`` through. The CRI enums
are mapped to the short names crictl's tables print, which the table parsers share.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from rhcos_helpers.errors import ParseError

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CONTAINER_STATES = {
    "CONTAINER_CREATED": "Created",
    "CONTAINER_RUNNING": "Running",
    "CONTAINER_EXITED": "Exited",
    "CONTAINER_UNKNOWN": "Unknown",
}
_SANDBOX_STATES = {"SANDBOX_READY": "Ready", "SANDBOX_NOTREADY": "NotReady"}


def _load(spec: str, text: str, key: str) -> list[Any]:
    """The list under ``key`` of a protobuf-JSON document."""
    if not text.strip():
        raise ParseError(spec, "empty output", excerpt=text)
    try:
        doc = json.loads(text)
    except ValueError as err:
        raise ParseError(spec, f"not valid JSON (truncated?): {err}", excerpt=text) from err
    if not isinstance(doc, dict) or key not in doc:
        raise ParseError(spec, f"JSON without a {key!r} key", excerpt=text)
    items = doc[key]
    if items is None:
        return []
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ParseError(spec, f"{key!r} is not a list of objects", excerpt=text)
    return items


def _obj(spec: str, value: Any, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ParseError(spec, f"{what} is not an object: {value!r}"[:160])
    return value


def _str(spec: str, value: Any, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ParseError(spec, f"{what} is not a string: {value!r}"[:160])
    return value


def _int(spec: str, value: Any, what: str) -> int | None:
    """An int64 (a JSON string under protojson), a uint32 (a number) or a ``{"value": }``."""
    if isinstance(value, dict):
        value = value.get("value")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ParseError(spec, f"{what} is not an integer: {value!r}"[:160])
    try:
        return int(value)
    except ValueError as err:
        raise ParseError(spec, f"{what} is not an integer: {value!r}"[:160]) from err


def _strmap(spec: str, value: Any, what: str) -> dict[str, str]:
    return {str(k): _str(spec, v, what) for k, v in _obj(spec, value, what).items()}


def _ns_time(ns: int | None) -> datetime | None:
    if not ns:
        return None
    return _EPOCH + timedelta(microseconds=ns // 1000)


def _enum(spec: str, value: Any, names: Mapping[str, str], what: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        keys = list(names)
        return names[keys[value]] if 0 <= value < len(keys) else "Unknown"
    text = _str(spec, value, what)
    if text in names:
        return names[text]
    if text in names.values():
        return text
    raise ParseError(spec, f"unknown {what} {text!r}")


def _is_json(text: str) -> bool:
    return text.lstrip()[:1] in ("{", "[")
