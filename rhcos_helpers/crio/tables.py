r"""tables - read crictl's human tables (as sos reports store them) by header positions.

crictl prints its tables through Go's ``text/tabwriter`` (minimum cell width 20, padding 3,
padded with spaces), so every cell of a column starts at the offset of its header, cells are
at least three spaces apart, and a cell may itself hold single spaces (``About a minute ago``)
or be empty. Splitting on whitespace is therefore wrong; these helpers cut each row at the
header offsets instead, and refuse rows that do not line up (garbled or truncated input).

Column sets by cri-tools version (kubernetes-sigs/cri-tools ``cmd/crictl``):

=========  ===========================================================================
command    header
=========  ===========================================================================
ps         ``CONTAINER ID  IMAGE  CREATED  STATE  NAME  ATTEMPT`` (before 1.16);
           ``CONTAINER  IMAGE  CREATED  STATE  NAME  ATTEMPT  POD ID`` (1.16-1.24);
           ``+ POD`` (1.25-1.31); ``+ NAMESPACE`` (1.32+)
stats      ``CONTAINER  CPU %  MEM  DISK  INODES`` (up to 1.26.0); ``+ NAME`` after
           CONTAINER (1.26.1+); ``+ SWAP`` (1.32+). The file may start with ESC[2J ESC[H.
pods       ``POD ID  CREATED  STATE  NAME  NAMESPACE  ATTEMPT`` (+ ``RUNTIME`` since ~1.20)
images     ``IMAGE  TAG  IMAGE ID  SIZE`` (``DIGEST`` with --digests, ``PINNED`` with --pinned)
=========  ===========================================================================

The ``*_table`` functions turn the rows into the records of :mod:`rhcos_helpers.crio.records`
(``truncated=True``); :mod:`rhcos_helpers.crio.parse` calls them for input that is not JSON.

Examples:
    >>> table = split_table("crictl_ps", "CONTAINER           STATE     NAME      POD ID              POD\n"
    ...                     "93b10093a8263       Running   api       19d971fe5c478       api-7cd97\n", PS_COLUMNS)
    >>> table.columns
    ('CONTAINER', 'STATE', 'NAME', 'POD ID', 'POD')
    >>> table.rows[0]["POD ID"]
    '19d971fe5c478'
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rhcos_helpers.crio._protojson import _CONTAINER_STATES, _SANDBOX_STATES, _enum
from rhcos_helpers.crio.records import Container, ContainerStats, Image, PodSandbox
from rhcos_helpers.errors import ParseError

__all__ = [
    "IMAGES_COLUMNS",
    "PODS_COLUMNS",
    "PS_COLUMNS",
    "STATS_COLUMNS",
    "Table",
    "human_size",
    "images_table",
    "pods_table",
    "ps_table",
    "split_table",
    "stats_table",
    "strip_terminal_escapes",
]

#: Every column ``crictl ps`` has printed, old ``CONTAINER ID`` included.
PS_COLUMNS = (
    "CONTAINER ID",
    "CONTAINER",
    "IMAGE",
    "CREATED",
    "STATE",
    "NAME",
    "ATTEMPT",
    "POD ID",
    "POD",
    "NAMESPACE",
)
#: Every column ``crictl stats`` has printed.
STATS_COLUMNS = ("CONTAINER", "NAME", "CPU %", "MEM", "DISK", "INODES", "SWAP")
#: Every column ``crictl pods`` has printed.
PODS_COLUMNS = ("POD ID", "CREATED", "STATE", "NAME", "NAMESPACE", "ATTEMPT", "RUNTIME")
#: Every column ``crictl images`` has printed.
IMAGES_COLUMNS = ("IMAGE ID", "IMAGE", "TAG", "DIGEST", "SIZE", "PINNED")

_REQUIRED = {
    "ps": (("CONTAINER", "CONTAINER ID"), ("STATE",), ("NAME",)),
    "stats": (("CONTAINER",), ("CPU %",), ("MEM",)),
    "pods": (("POD ID",), ("STATE",), ("NAME",)),
    "images": (("IMAGE",), ("TAG",), ("IMAGE ID",), ("SIZE",)),
}

_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_SIZE = re.compile(r"^([0-9]+(?:\.[0-9]*)?(?:e[+-]?[0-9]+)?)\s*([kMGTPEZY]?)i?B$")
_DECIMAL = {"": 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15}
_DECIMAL.update({"E": 10**18, "Z": 10**21, "Y": 10**24})


@dataclass(frozen=True)
class Table:
    """A crictl table cut at its header offsets.

    Attributes:
        columns: header names in order, as printed.
        rows: one mapping per data row, column name -> stripped cell text.
    """

    columns: tuple[str, ...]
    rows: tuple[dict[str, str], ...]


def strip_terminal_escapes(text: str) -> str:
    r"""Remove terminal control sequences (``crictl stats`` clears the screen before its table).

    Examples:
        >>> strip_terminal_escapes("\x1b[2J\x1b[HCONTAINER   CPU %")
        'CONTAINER   CPU %'
    """
    return _ESCAPE.sub("", text)


def human_size(text: str, *, spec: str = "crictl") -> int:
    """Bytes from a go-units human size (decimal units, as crictl prints MEM, DISK and SIZE).

    crictl rounds (``HumanSizeWithPrecision(size, 3)`` for images, 4 digits for stats), so the
    result is as exact as the table: ``728MB`` is 728,000,000 give or take 0.5 MB.

    Raises:
        ParseError: for text that is not a size.

    Examples:
        >>> human_size("728MB"), human_size("317kB"), human_size("0B"), human_size("1.5GB")
        (728000000, 317000, 0, 1500000000)
        >>> human_size("1e+03MB")   # %g turns 999.6 into 1e+03
        1000000000
        >>> human_size("lots")
        Traceback (most recent call last):
        ...
        rhcos_helpers.errors.ParseError: crictl: not a size: 'lots' (input starts: 'lots')
    """
    match = _SIZE.match(text.strip())
    if not match:
        raise ParseError(spec, f"not a size: {text!r}", excerpt=text)
    return round(float(match.group(1)) * _DECIMAL[match.group(2)])


def _header(spec: str, line: str, known: Sequence[str]) -> list[tuple[str, int]]:
    """(name, offset) of each header cell, matching known names longest first."""
    names = sorted(known, key=len, reverse=True)
    found: list[tuple[str, int]] = []
    i = 0
    while i < len(line):
        if line[i] == " ":
            i += 1
            continue
        for name in names:
            end = i + len(name)
            if line.startswith(name, i) and (end == len(line) or line[end] == " "):
                found.append((name, i))
                i = end
                break
        else:
            word = re.split(r"\s{2,}", line[i:].strip(), maxsplit=1)[0]
            raise ParseError(
                spec,
                f"unknown column {word!r} in the table header; known columns: {', '.join(known)}",
                excerpt=line,
            )
    return found


def split_table(spec: str, text: str, known: Sequence[str]) -> Table:
    """Cut a crictl table into rows of cells by the offsets of its header.

    Args:
        spec: the catalogue fact, for error messages (``crictl_ps``...).
        text: the command's output; leading terminal escapes and blank lines are ignored.
        known: every column name the command prints in any version.

    Raises:
        ParseError: empty input, a header without the command's key columns or with a column
            not in ``known``, or a row that does not line up with the header (garbled, wrapped
            or cut short).
    """
    lines = [ln.rstrip("\r\n ") for ln in strip_terminal_escapes(text).splitlines()]
    lines = [ln for ln in lines if ln.strip()]
    if not lines:
        raise ParseError(spec, "empty output (no table header)", excerpt=text)
    header = _header(spec, lines[0], known)
    names = [n for n, _ in header]
    kind = spec.removeprefix("crictl_")
    for alternatives in _REQUIRED.get(kind, ()):
        if not any(a in names for a in alternatives):
            raise ParseError(
                spec,
                f"table header has no {' or '.join(alternatives)} column; is this crictl "
                f"{kind} output?",
                excerpt=lines[0],
            )
    if len(set(names)) != len(names):
        raise ParseError(spec, "a column appears twice in the header", excerpt=lines[0])
    rows: list[dict[str, str]] = []
    for number, line in enumerate(lines[1:], start=2):
        row: dict[str, str] = {}
        for k, (name, start) in enumerate(header):
            last = k == len(header) - 1
            stop = None if last else header[k + 1][1]
            if start > 0 and len(line) > start and line[start - 1] != " ":
                raise ParseError(
                    spec,
                    f"line {number} does not line up with the header at column {name!r}",
                    excerpt=line,
                )
            row[name] = line[start:stop].strip()
        rows.append(row)
    return Table(columns=tuple(names), rows=tuple(rows))


# ------------------------------------------------------------------------- rows -> records


def _required(spec: str, row: Mapping[str, str], number: int, *names: str) -> None:
    for name in names:
        if name in row and not row[name]:
            raise ParseError(spec, f"row {number} has an empty {name} cell (cut short?)")


def _table_int(spec: str, text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError as err:
        raise ParseError(spec, f"{what} {text!r} is not a number", excerpt=text) from err


def ps_table(text: str) -> list[Container]:
    """Containers from any ``crictl ps`` table (every cri-tools layout)."""
    spec = "crictl_ps"
    table = split_table(spec, text, PS_COLUMNS)
    out = []
    for n, row in enumerate(table.rows, start=2):
        cid = row.get("CONTAINER", row.get("CONTAINER ID", ""))
        _required(spec, row, n, "STATE", "NAME", "ATTEMPT")
        if not cid:
            raise ParseError(spec, f"row {n} has no container ID")
        out.append(
            Container(
                id=cid,
                pod_sandbox_id=row.get("POD ID", ""),
                name=row["NAME"],
                attempt=_table_int(spec, row.get("ATTEMPT") or "0", "ATTEMPT"),
                image=row.get("IMAGE", ""),
                image_ref=row.get("IMAGE", "") if "@" in row.get("IMAGE", "") else "",
                state=_enum(spec, row["STATE"], _CONTAINER_STATES, "container state"),
                created_at=None,
                created=row.get("CREATED", ""),
                pod_name=row.get("POD", ""),
                namespace=row.get("NAMESPACE", ""),
                truncated=True,
            )
        )
    return out


def pods_table(text: str) -> list[PodSandbox]:
    """Pod sandboxes from any ``crictl pods`` table (with or without RUNTIME)."""
    spec = "crictl_pods"
    out = []
    for n, row in enumerate(split_table(spec, text, PODS_COLUMNS).rows, start=2):
        _required(spec, row, n, "POD ID", "STATE", "NAME", "NAMESPACE", "ATTEMPT")
        out.append(
            PodSandbox(
                id=row["POD ID"],
                name=row["NAME"],
                namespace=row.get("NAMESPACE", ""),
                uid="",
                attempt=_table_int(spec, row.get("ATTEMPT") or "0", "ATTEMPT"),
                state=_enum(spec, row["STATE"], _SANDBOX_STATES, "sandbox state"),
                created_at=None,
                created=row.get("CREATED", ""),
                runtime_handler=row.get("RUNTIME", ""),
                truncated=True,
            )
        )
    return out


def images_table(text: str) -> list[Image]:
    """Images from any ``crictl images`` table, one record per image ID (its tags grouped)."""
    spec = "crictl_images"
    by_id: dict[str, dict[str, Any]] = {}
    for n, row in enumerate(split_table(spec, text, IMAGES_COLUMNS).rows, start=2):
        _required(spec, row, n, "IMAGE", "TAG", "IMAGE ID", "SIZE")
        entry = by_id.setdefault(
            row["IMAGE ID"],
            {"tags": [], "repo": "", "size": human_size(row["SIZE"], spec=spec), "pinned": None},
        )
        repo = "" if row["IMAGE"] == "<none>" else row["IMAGE"]
        entry["repo"] = entry["repo"] or repo
        if row["TAG"] != "<none>":
            entry["tags"].append(f"{repo or '<none>'}:{row['TAG']}")
        if row.get("PINNED") in ("true", "false"):
            entry["pinned"] = row["PINNED"] == "true"
    return [
        Image(
            id=iid,
            repo_tags=tuple(e["tags"]),
            repo_digests=(),
            repository=e["repo"],
            size_bytes=e["size"],
            pinned=e["pinned"],
            truncated=True,
        )
        for iid, e in by_id.items()
    ]


def stats_table(text: str) -> list[ContainerStats]:
    """One sample per container from any ``crictl stats`` table (CPU % as crictl computed it)."""
    spec = "crictl_stats"
    out = []
    for n, row in enumerate(split_table(spec, text, STATS_COLUMNS).rows, start=2):
        _required(spec, row, n, "CONTAINER", "CPU %", "MEM", "DISK", "INODES")
        try:
            cpu = float(row["CPU %"])
        except ValueError as err:
            raise ParseError(spec, f"row {n}: CPU % {row['CPU %']!r} is not a number") from err
        out.append(
            ContainerStats(
                id=row["CONTAINER"],
                name=row.get("NAME", ""),
                cpu_percent=cpu,
                memory_working_set_bytes=human_size(row["MEM"], spec=spec),
                writable_layer_bytes=human_size(row["DISK"], spec=spec) if "DISK" in row else None,
                writable_layer_inodes=(
                    _table_int(spec, row["INODES"], "INODES") if "INODES" in row else None
                ),
                swap_bytes=human_size(row["SWAP"], spec=spec) if row.get("SWAP") else None,
                truncated=True,
            )
        )
    return out
