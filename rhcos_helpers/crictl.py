"""crictl - what runs in CRI-O on each node: ``crictl ps|pods|images|stats|statsp|imagefsinfo``.

Parsers take one command's output and return frozen records with converted types (ints, aware
datetimes, bytes). They read ``-o json`` (protobuf JSON: 64-bit integers as strings, enums by
name, Unix nanosecond timestamps, ``null`` for unset messages; cri-tools 1.16's v1alpha2 field
subset up to current) and every human table a sos report holds, cut at its header offsets (see
:mod:`rhcos_helpers._crictl_tables`); the format is told apart by the first character. Table
rows carry 13-character IDs, relative ages and rounded sizes, so their records say
``truncated=True`` and joins match IDs by prefix.

Sample input (``crictl ps -a -o json`` on a 4.16 worker, cri-tools 1.29; the full samples of
every version live in ``tests/data/commands/crictl_*/``)::

    {"containers": [{"id": "3df4d26cbf27f7...", "podSandboxId": "3473084ef818a...",
      "metadata": {"name": "demo-app", "attempt": 3},
      "image": {"image": "8349abc06ee2e...", "annotations": {}, ...},
      "imageRef": "quay.io/example/demo-app@sha256:aaed8801...",
      "state": "CONTAINER_RUNNING", "createdAt": "1795159685000000000",
      "labels": {"io.kubernetes.pod.namespace": "demo-app", ...}, ...}]}

Examples:
    >>> containers = parse_ps(CRICTL_PS_129_JSON)
    >>> c = containers[0]
    >>> c.name, c.namespace, c.state, c.attempt, c.restart_count
    ('demo-app', 'demo-app', 'Running', 3, 3)
    >>> c.created_at.isoformat()
    '2026-11-20T07:48:05+00:00'
    >>> [c.state for c in parse_ps(CRICTL_PS_132_TXT)][:2]
    ['Running', 'Exited']
    >>> first, second = parse_stats(CRICTL_STATS_129_JSON), parse_stats(CRICTL_STATS_129_JSON_2)
    >>> cpu_percent(first, second)["3df4d26cbf27f"]
    6.2
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from rhcos_helpers._crictl_tables import (
    IMAGES_COLUMNS,
    PODS_COLUMNS,
    PS_COLUMNS,
    STATS_COLUMNS,
    human_size,
    split_table,
)
from rhcos_helpers.errors import NotApplicable, ParseError
from rhcos_helpers.findings import Finding, Severity
from rhcos_helpers.sources.base import Attempt, NodeOutput, Source

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "COL_CONTAINER",
    "COL_CPU",
    "COL_MEMORY",
    "COL_NAMESPACE",
    "COL_NODE",
    "COL_POD",
    "COL_STATE",
    "FACTS",
    "STATS_FRAME_COLUMNS",
    "Chart",
    "Container",
    "ContainerStats",
    "CrioFleet",
    "FactResult",
    "FilesystemUsage",
    "Image",
    "KubeletSummary",
    "NodeCrio",
    "PodSandbox",
    "PodStats",
    "SummaryContainer",
    "collect",
    "containers_frame",
    "cpu_percent",
    "crosscheck_frame",
    "findings",
    "image_disk_frame",
    "parse_imagefsinfo",
    "parse_images",
    "parse_kubelet_summary",
    "parse_pods",
    "parse_ps",
    "parse_stats",
    "parse_statsp",
    "plot_top_consumers",
    "restarts_frame",
    "split_nodes",
    "stats_frame",
    "status_frame",
    "top_consumers_frame",
    "untagged_images_frame",
]

log = logging.getLogger(__name__)

#: The node facts this module reads, in collection order (catalogue keys).
FACTS = (
    "crictl_ps",
    "crictl_pods",
    "crictl_images",
    "crictl_stats",
    "crictl_statsp",
    "crictl_imagefsinfo",
    "kubelet_stats_summary",
)
#: Facts every node should have; the others exist only on some versions or sources.
CORE_FACTS = ("crictl_ps", "crictl_pods", "crictl_images", "crictl_stats")

COL_NODE = "NODE"
COL_NAMESPACE = "NAMESPACE"
COL_POD = "POD"
COL_CONTAINER = "CONTAINER"
COL_STATE = "STATE"
COL_ATTEMPT = "ATTEMPT"
COL_RESTARTS = "RESTARTS"
COL_API_RESTARTS = "API RESTARTS"
COL_IMAGE = "IMAGE"
COL_IMAGE_SIZE_MB = "IMAGE SIZE (MB)"
COL_CPU = "CPU %"
COL_MEMORY = "MEM (MiB)"
COL_DISK = "WRITABLE LAYER (MiB)"
COL_CREATED = "CREATED"
COL_ID = "CONTAINER ID"
COL_STATUS = "STATUS"
COL_REASON = "REASON"

#: Thresholds of :func:`findings`.
RESTARTS_WARN = 3
EXITED_WARN = 50
UNUSED_UNTAGGED_WARN_BYTES = 2 * 10**9
IMAGEFS_WARN_PCT = 80.0
IMAGEFS_CRITICAL_PCT = 90.0

_MIB = 1024 * 1024
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SHORT = 13  # crictl's truncatedIDLen
_CONTAINER_STATES = {
    "CONTAINER_CREATED": "Created",
    "CONTAINER_RUNNING": "Running",
    "CONTAINER_EXITED": "Exited",
    "CONTAINER_UNKNOWN": "Unknown",
}
_SANDBOX_STATES = {"SANDBOX_READY": "Ready", "SANDBOX_NOTREADY": "NotReady"}
_LABEL_NS = "io.kubernetes.pod.namespace"
_LABEL_POD = "io.kubernetes.pod.name"
_LABEL_UID = "io.kubernetes.pod.uid"
_ANN_RESTARTS = "io.kubernetes.container.restartCount"


# ----------------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Container:
    """One container CRI-O knows (``crictl ps -a``).

    Attributes:
        id: container ID (13 characters when read from a table).
        pod_sandbox_id: the pod sandbox's ID ("" when the table has no POD ID column).
        name: container name.
        attempt: CRI attempt (how many times the kubelet recreated it).
        image: the image as CRI-O reports it (an image ID, or a reference in tables).
        image_ref: the resolved image reference (``repo@sha256:...``), when known.
        state: ``Created``, ``Running``, ``Exited`` or ``Unknown``.
        created_at: creation time (JSON only; tables print a relative age).
        created: the table's relative age (``2 days ago``), "" from JSON.
        pod_name: pod name (label, or the table's POD column).
        namespace: pod namespace (label, or the table's NAMESPACE column).
        pod_uid: pod UID (label).
        restart_count: the kubelet's ``restartCount`` annotation, when present.
        truncated: read from a table (short IDs, no timestamps).
        labels: every label.
        annotations: every annotation.
    """

    id: str
    pod_sandbox_id: str
    name: str
    attempt: int
    image: str
    image_ref: str
    state: str
    created_at: datetime | None
    created: str = ""
    pod_name: str = ""
    namespace: str = ""
    pod_uid: str = ""
    restart_count: int | None = None
    truncated: bool = False
    labels: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)
    annotations: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class PodSandbox:
    """One pod sandbox (``crictl pods``).

    Attributes:
        id: sandbox ID (13 characters from a table).
        name: pod name.
        namespace: pod namespace.
        uid: pod UID ("" from a table).
        attempt: sandbox attempt.
        state: ``Ready`` or ``NotReady``.
        created_at: creation time (JSON only).
        created: the table's relative age.
        runtime_handler: runtime handler ("" = default).
        truncated: read from a table.
    """

    id: str
    name: str
    namespace: str
    uid: str
    attempt: int
    state: str
    created_at: datetime | None
    created: str = ""
    runtime_handler: str = ""
    truncated: bool = False


@dataclass(frozen=True)
class Image:
    """One image in CRI-O's store (``crictl images``).

    Attributes:
        id: image ID without ``sha256:`` (13 characters from a table).
        repo_tags: ``repo:tag`` names; empty for a ``<none>`` image (pulled by digest).
        repo_digests: ``repo@sha256:...`` names (JSON only).
        repository: the repository shown for it ("" when crictl shows ``<none>``).
        size_bytes: size in bytes (rounded to 3 digits when read from a table).
        pinned: CRI ``pinned`` (the pause image on newer nodes), ``None`` when not reported.
        truncated: read from a table.
    """

    id: str
    repo_tags: tuple[str, ...]
    repo_digests: tuple[str, ...]
    repository: str
    size_bytes: int
    pinned: bool | None = None
    truncated: bool = False

    @property
    def untagged(self) -> bool:
        """True for an image crictl lists with TAG ``<none>``."""
        return not self.repo_tags


@dataclass(frozen=True)
class ContainerStats:
    """One sample of one container's usage (``crictl stats``).

    Attributes:
        id: container ID (13 characters from a table).
        name: container name ("" from a table before cri-tools 1.26.1).
        pod_name: pod name (label; JSON only).
        namespace: pod namespace (label; JSON only).
        timestamp_ns: the CPU sample's Unix time in nanoseconds (JSON only).
        cpu_usage_core_ns: cumulative CPU time in core-nanoseconds (JSON only).
        cpu_usage_nano_cores: CPU rate the runtime computed, when it fills it (JSON only).
        cpu_percent: the table's CPU % (crictl's two-sample figure), tables only.
        memory_working_set_bytes: memory working set.
        writable_layer_bytes: bytes used by the container's writable layer.
        writable_layer_inodes: inodes used by the writable layer.
        swap_bytes: swap in use, when reported.
        truncated: read from a table (short ID, rounded sizes).
    """

    id: str
    name: str
    pod_name: str = ""
    namespace: str = ""
    timestamp_ns: int | None = None
    cpu_usage_core_ns: int | None = None
    cpu_usage_nano_cores: int | None = None
    cpu_percent: float | None = None
    memory_working_set_bytes: int | None = None
    writable_layer_bytes: int | None = None
    writable_layer_inodes: int | None = None
    swap_bytes: int | None = None
    truncated: bool = False

    @property
    def timestamp(self) -> datetime | None:
        """The sample time as an aware datetime."""
        return _ns_time(self.timestamp_ns)


@dataclass(frozen=True)
class PodStats:
    """One sample of one pod's usage (``crictl statsp``, cri-tools 1.24+).

    Attributes:
        id: sandbox ID.
        name: pod name.
        namespace: pod namespace.
        uid: pod UID.
        timestamp_ns: the CPU sample's time in Unix nanoseconds.
        cpu_usage_core_ns: cumulative CPU time.
        cpu_usage_nano_cores: CPU rate, when the runtime fills it.
        memory_working_set_bytes: memory working set of the pod.
        process_count: processes in the pod, when reported.
        containers: the pod's containers' samples.
    """

    id: str
    name: str
    namespace: str
    uid: str
    timestamp_ns: int | None
    cpu_usage_core_ns: int | None
    cpu_usage_nano_cores: int | None
    memory_working_set_bytes: int | None
    process_count: int | None
    containers: tuple[ContainerStats, ...] = ()


@dataclass(frozen=True)
class FilesystemUsage:
    """One filesystem of ``crictl imagefsinfo``.

    Attributes:
        role: ``image`` or ``container`` (``containerFilesystems``, newer CRI only).
        mountpoint: ``fsId.mountpoint``.
        used_bytes: bytes used.
        inodes_used: inodes used.
        timestamp_ns: sample time in Unix nanoseconds.
    """

    role: str
    mountpoint: str
    used_bytes: int | None
    inodes_used: int | None
    timestamp_ns: int | None


@dataclass(frozen=True)
class SummaryContainer:
    """One container as the kubelet Summary API reports it.

    Attributes:
        namespace: pod namespace.
        pod: pod name.
        name: container name.
        cpu_usage_nano_cores: CPU rate.
        memory_working_set_bytes: memory working set.
        rootfs_used_bytes: writable layer use.
        logs_used_bytes: log files' use.
    """

    namespace: str
    pod: str
    name: str
    cpu_usage_nano_cores: int | None
    memory_working_set_bytes: int | None
    rootfs_used_bytes: int | None
    logs_used_bytes: int | None


@dataclass(frozen=True)
class KubeletSummary:
    """What this module reads from ``/api/v1/nodes/N/proxy/stats/summary``.

    Attributes:
        node: ``node.nodeName``.
        image_fs_capacity_bytes: ``node.runtime.imageFs.capacityBytes``.
        image_fs_used_bytes: ``node.runtime.imageFs.usedBytes``.
        image_fs_available_bytes: ``node.runtime.imageFs.availableBytes``.
        containers: every pod container.
    """

    node: str
    image_fs_capacity_bytes: int | None
    image_fs_used_bytes: int | None
    image_fs_available_bytes: int | None
    containers: tuple[SummaryContainer, ...] = ()

    @property
    def image_fs_used_pct(self) -> float | None:
        """Used share of the image filesystem, in percent."""
        if not self.image_fs_capacity_bytes or self.image_fs_used_bytes is None:
            return None
        return round(100 * self.image_fs_used_bytes / self.image_fs_capacity_bytes, 1)


# ----------------------------------------------------------------------------- JSON helpers


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


def _required(spec: str, row: Mapping[str, str], number: int, *names: str) -> None:
    for name in names:
        if name in row and not row[name]:
            raise ParseError(spec, f"row {number} has an empty {name} cell (cut short?)")


def _table_int(spec: str, text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError as err:
        raise ParseError(spec, f"{what} {text!r} is not a number", excerpt=text) from err


# ---------------------------------------------------------------------------------- parsers


def parse_ps(text: str) -> list[Container]:
    """Parse ``crictl ps -a -o json`` or any ``crictl ps`` table.

    Raises:
        ParseError: empty, truncated or garbled output, or an unknown table column.

    Examples:
        >>> [c.name for c in parse_ps(CRICTL_PS_116_JSON)]   # v1alpha2: no imageId
        ['router', 'registry', 'kube-multus']
        >>> c = parse_ps(CRICTL_PS_116_TXT)[0]
        >>> c.id, c.state, c.created, c.pod_sandbox_id, c.namespace
        ('fd90ad82deefa', 'Running', 'About a minute ago', '37f0cabf3f171', '')
        >>> parse_ps(CRICTL_PS_113_TXT)[0].id        # header CONTAINER ID
        'fd90ad82deefa'
        >>> parse_ps('{"containers": [')
        Traceback (most recent call last):
        ...
        rhcos_helpers.errors.ParseError: crictl_ps: not valid JSON (truncated?): Expecting value: line 1 column 17 (char 16) (input starts: '{"containers": [')
    """
    spec = "crictl_ps"
    if not _is_json(text):
        return _ps_table(text)
    out = []
    for item in _load(spec, text, "containers"):
        meta = _obj(spec, item.get("metadata"), "metadata")
        labels = _strmap(spec, item.get("labels"), "labels")
        annotations = _strmap(spec, item.get("annotations"), "annotations")
        cid = _str(spec, item.get("id"), "id")
        if not cid:
            raise ParseError(spec, "a container without an id", excerpt=json.dumps(item))
        out.append(
            Container(
                id=cid,
                pod_sandbox_id=_str(spec, item.get("podSandboxId"), "podSandboxId"),
                name=_str(spec, meta.get("name"), "metadata.name"),
                attempt=_int(spec, meta.get("attempt"), "metadata.attempt") or 0,
                image=_str(spec, _obj(spec, item.get("image"), "image").get("image"), "image"),
                image_ref=_str(spec, item.get("imageRef"), "imageRef"),
                state=_enum(spec, item.get("state"), _CONTAINER_STATES, "container state"),
                created_at=_ns_time(_int(spec, item.get("createdAt"), "createdAt")),
                pod_name=labels.get(_LABEL_POD, ""),
                namespace=labels.get(_LABEL_NS, ""),
                pod_uid=labels.get(_LABEL_UID, ""),
                restart_count=_int(spec, annotations.get(_ANN_RESTARTS), _ANN_RESTARTS),
                labels=labels,
                annotations=annotations,
            )
        )
    return out


def _ps_table(text: str) -> list[Container]:
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


def parse_pods(text: str) -> list[PodSandbox]:
    """Parse ``crictl pods -o json`` (key ``items``) or any ``crictl pods`` table.

    Raises:
        ParseError: empty, truncated or garbled output, or an unknown table column.

    Examples:
        >>> p = parse_pods(CRICTL_PODS_129_JSON)[0]
        >>> p.name, p.namespace, p.state, p.created_at.year
        ('demo-app-b226dfe58c-jpm48', 'demo-app', 'Ready', 2026)
        >>> [(p.namespace, p.runtime_handler) for p in parse_pods(CRICTL_PODS_129_TXT)][:1]
        [('openshift-image-registry', '(default)')]
        >>> parse_pods(CRICTL_PODS_116_TXT)[2].name
        'multus-6jxxj'
    """
    spec = "crictl_pods"
    if not _is_json(text):
        return _pods_table(text)
    out = []
    for item in _load(spec, text, "items"):
        meta = _obj(spec, item.get("metadata"), "metadata")
        pid = _str(spec, item.get("id"), "id")
        if not pid:
            raise ParseError(spec, "a pod sandbox without an id", excerpt=json.dumps(item))
        out.append(
            PodSandbox(
                id=pid,
                name=_str(spec, meta.get("name"), "metadata.name"),
                namespace=_str(spec, meta.get("namespace"), "metadata.namespace"),
                uid=_str(spec, meta.get("uid"), "metadata.uid"),
                attempt=_int(spec, meta.get("attempt"), "metadata.attempt") or 0,
                state=_enum(spec, item.get("state"), _SANDBOX_STATES, "sandbox state"),
                created_at=_ns_time(_int(spec, item.get("createdAt"), "createdAt")),
                runtime_handler=_str(spec, item.get("runtimeHandler"), "runtimeHandler"),
            )
        )
    return out


def _pods_table(text: str) -> list[PodSandbox]:
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


def parse_images(text: str) -> list[Image]:
    """Parse ``crictl images -o json`` or any ``crictl images`` table (one row per tag).

    Raises:
        ParseError: empty, truncated or garbled output, or an unknown table column.

    Examples:
        >>> [(i.untagged, i.size_bytes) for i in parse_images(CRICTL_IMAGES_116_TXT)][:2]
        [(True, 728000000), (True, 715000000)]
        >>> tools = parse_images(CRICTL_IMAGES_129_TXT)[-1]      # two tags, one image
        >>> tools.repo_tags, tools.id
        (('registry.redhat.io/rhel9/support-tools:latest', 'registry.redhat.io/rhel9/support-tools:9.4'), '3a8f2c5d1e0b7')
        >>> img = parse_images(CRICTL_IMAGES_129_JSON)[0]
        >>> img.repository, img.size_bytes, img.pinned
        ('quay.io/openshift-release-dev/ocp-v4.0-art-dev', 683900280, False)
    """
    spec = "crictl_images"
    if not _is_json(text):
        return _images_table(text)
    out = []
    for item in _load(spec, text, "images"):
        iid = _str(spec, item.get("id"), "id").removeprefix("sha256:")
        if not iid:
            raise ParseError(spec, "an image without an id", excerpt=json.dumps(item))
        tags = item.get("repoTags") or []
        digests = item.get("repoDigests") or []
        if not isinstance(tags, list) or not isinstance(digests, list):
            raise ParseError(spec, "repoTags/repoDigests are not lists", excerpt=json.dumps(item))
        tag_t = tuple(_str(spec, t, "repoTags") for t in tags)
        dig_t = tuple(_str(spec, d, "repoDigests") for d in digests)
        repo = (
            dig_t[0].split("@", 1)[0] if dig_t else (tag_t[0].rpartition(":")[0] if tag_t else "")
        )
        pinned = item.get("pinned")
        out.append(
            Image(
                id=iid,
                repo_tags=tag_t,
                repo_digests=dig_t,
                repository=repo,
                size_bytes=_int(spec, item.get("size"), "size") or 0,
                pinned=pinned if isinstance(pinned, bool) else None,
            )
        )
    return out


def _images_table(text: str) -> list[Image]:
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


def _stats_item(spec: str, item: Mapping[str, Any]) -> ContainerStats:
    attrs = _obj(spec, item.get("attributes"), "attributes")
    meta = _obj(spec, attrs.get("metadata"), "attributes.metadata")
    labels = _strmap(spec, attrs.get("labels"), "attributes.labels")
    cpu = _obj(spec, item.get("cpu"), "cpu")
    mem = _obj(spec, item.get("memory"), "memory")
    layer = _obj(spec, item.get("writableLayer"), "writableLayer")
    swap = _obj(spec, item.get("swap"), "swap")
    cid = _str(spec, attrs.get("id"), "attributes.id")
    if not cid:
        raise ParseError(spec, "a stats entry without attributes.id", excerpt=json.dumps(item))
    return ContainerStats(
        id=cid,
        name=_str(spec, meta.get("name"), "metadata.name"),
        pod_name=labels.get(_LABEL_POD, ""),
        namespace=labels.get(_LABEL_NS, ""),
        timestamp_ns=_int(spec, cpu.get("timestamp"), "cpu.timestamp"),
        cpu_usage_core_ns=_int(spec, cpu.get("usageCoreNanoSeconds"), "usageCoreNanoSeconds"),
        cpu_usage_nano_cores=_int(spec, cpu.get("usageNanoCores"), "usageNanoCores"),
        memory_working_set_bytes=_int(spec, mem.get("workingSetBytes"), "workingSetBytes"),
        writable_layer_bytes=_int(spec, layer.get("usedBytes"), "writableLayer.usedBytes"),
        writable_layer_inodes=_int(spec, layer.get("inodesUsed"), "writableLayer.inodesUsed"),
        swap_bytes=_int(spec, swap.get("swapUsageBytes"), "swap.swapUsageBytes"),
    )


def parse_stats(text: str) -> list[ContainerStats]:
    """Parse ``crictl stats -a -o json`` (one sample) or any ``crictl stats`` table.

    Raises:
        ParseError: empty, truncated or garbled output, or an unknown table column.

    Examples:
        >>> s = parse_stats(CRICTL_STATS_116_JSON)[0]      # v1alpha2: no usageNanoCores
        >>> s.name, s.cpu_usage_nano_cores, s.memory_working_set_bytes
        ('sdn', None, 148971949)
        >>> [(s.id, s.name, s.cpu_percent) for s in parse_stats(CRICTL_STATS_116_TXT)][:1]
        [('3df4d26cbf27f', '', 6.2)]
        >>> s = parse_stats(CRICTL_STATS_132_TXT)[0]       # starts with ESC[2J ESC[H
        >>> s.name, s.memory_working_set_bytes, s.swap_bytes
        ('demo-app', 223800000, 0)
    """
    spec = "crictl_stats"
    if _is_json(text):
        return [_stats_item(spec, item) for item in _load(spec, text, "stats")]
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


def parse_statsp(text: str) -> list[PodStats]:
    """Parse ``crictl statsp -o json`` (cri-tools 1.24+; sos reports do not collect it).

    Raises:
        ParseError: empty, truncated or garbled output.

    Examples:
        >>> p = parse_statsp(CRICTL_STATSP_129_JSON)[0]
        >>> p.namespace, p.process_count, len(p.containers), p.containers[0].namespace
        ('openshift-dns', 3, 2, 'openshift-dns')
    """
    spec = "crictl_statsp"
    if not text.strip():
        raise ParseError(spec, "empty output", excerpt=text)
    if not _is_json(text):
        raise ParseError(spec, "not JSON; run crictl statsp -o json", excerpt=text)
    out = []
    for item in _load(spec, text, "stats"):
        attrs = _obj(spec, item.get("attributes"), "attributes")
        meta = _obj(spec, attrs.get("metadata"), "attributes.metadata")
        linux = _obj(spec, item.get("linux"), "linux")
        cpu = _obj(spec, linux.get("cpu"), "linux.cpu")
        mem = _obj(spec, linux.get("memory"), "linux.memory")
        proc = _obj(spec, linux.get("process"), "linux.process")
        ctrs = linux.get("containers") or []
        if not isinstance(ctrs, list):
            raise ParseError(spec, "linux.containers is not a list")
        out.append(
            PodStats(
                id=_str(spec, attrs.get("id"), "attributes.id"),
                name=_str(spec, meta.get("name"), "metadata.name"),
                namespace=_str(spec, meta.get("namespace"), "metadata.namespace"),
                uid=_str(spec, meta.get("uid"), "metadata.uid"),
                timestamp_ns=_int(spec, cpu.get("timestamp"), "cpu.timestamp"),
                cpu_usage_core_ns=_int(spec, cpu.get("usageCoreNanoSeconds"), "cpu usage"),
                cpu_usage_nano_cores=_int(spec, cpu.get("usageNanoCores"), "usageNanoCores"),
                memory_working_set_bytes=_int(spec, mem.get("workingSetBytes"), "workingSet"),
                process_count=_int(spec, proc.get("processCount"), "processCount"),
                containers=tuple(_stats_item(spec, _obj(spec, c, "container")) for c in ctrs),
            )
        )
    return out


def parse_imagefsinfo(text: str) -> list[FilesystemUsage]:
    """Parse ``crictl imagefsinfo`` (JSON by default, wrapped in ``status``; cri-tools 1.24+).

    Raises:
        ParseError: empty, truncated or garbled output, or the table form.

    Examples:
        >>> [(f.role, f.used_bytes) for f in parse_imagefsinfo(CRICTL_IMAGEFSINFO_129_JSON)]
        [('image', 15773479457), ('container', 15773479457)]
        >>> [f.role for f in parse_imagefsinfo(CRICTL_IMAGEFSINFO_124_JSON)]
        ['image']
    """
    spec = "crictl_imagefsinfo"
    if not text.strip():
        raise ParseError(spec, "empty output", excerpt=text)
    if not _is_json(text):
        raise ParseError(
            spec, "not JSON; run crictl imagefsinfo (JSON is its default)", excerpt=text
        )
    try:
        doc = json.loads(text)
    except ValueError as err:
        raise ParseError(spec, f"not valid JSON (truncated?): {err}", excerpt=text) from err
    status = _obj(spec, doc.get("status") if isinstance(doc, dict) else doc, "status")
    if not status:
        raise ParseError(spec, "JSON without a 'status' object", excerpt=text)
    out = []
    for role, key in (("image", "imageFilesystems"), ("container", "containerFilesystems")):
        items = status.get(key) or []
        if not isinstance(items, list):
            raise ParseError(spec, f"{key} is not a list", excerpt=text)
        for fs in items:
            fs = _obj(spec, fs, key)
            out.append(
                FilesystemUsage(
                    role=role,
                    mountpoint=_str(
                        spec, _obj(spec, fs.get("fsId"), "fsId").get("mountpoint"), "mountpoint"
                    ),
                    used_bytes=_int(spec, fs.get("usedBytes"), "usedBytes"),
                    inodes_used=_int(spec, fs.get("inodesUsed"), "inodesUsed"),
                    timestamp_ns=_int(spec, fs.get("timestamp"), "timestamp"),
                )
            )
    if not out:
        raise ParseError(spec, "no imageFilesystems in the status", excerpt=text)
    return out


def parse_kubelet_summary(text: str) -> KubeletSummary:
    """Parse the kubelet Summary API (``stats/summary``; uint64 are JSON numbers here).

    Raises:
        ParseError: empty, truncated or garbled output.

    Examples:
        >>> s = parse_kubelet_summary(KUBELET_SUMMARY_129_JSON)
        >>> s.node, s.image_fs_used_pct, s.containers[0].namespace
        ('worker-2', 25.5, 'openshift-dns')
    """
    spec = "kubelet_stats_summary"
    if not text.strip():
        raise ParseError(spec, "empty output", excerpt=text)
    try:
        doc = json.loads(text)
    except ValueError as err:
        raise ParseError(spec, f"not valid JSON (truncated?): {err}", excerpt=text) from err
    if not isinstance(doc, dict) or not isinstance(doc.get("node"), dict):
        raise ParseError(spec, "JSON without a 'node' object", excerpt=text)
    node = doc["node"]
    image_fs = _obj(spec, _obj(spec, node.get("runtime"), "runtime").get("imageFs"), "imageFs")
    pods = doc.get("pods") or []
    if not isinstance(pods, list):
        raise ParseError(spec, "'pods' is not a list", excerpt=text)
    containers = []
    for pod in pods:
        pod = _obj(spec, pod, "pod")
        ref = _obj(spec, pod.get("podRef"), "podRef")
        for c in pod.get("containers") or []:
            c = _obj(spec, c, "container")
            containers.append(
                SummaryContainer(
                    namespace=_str(spec, ref.get("namespace"), "podRef.namespace"),
                    pod=_str(spec, ref.get("name"), "podRef.name"),
                    name=_str(spec, c.get("name"), "container name"),
                    cpu_usage_nano_cores=_int(
                        spec, _obj(spec, c.get("cpu"), "cpu").get("usageNanoCores"), "cpu"
                    ),
                    memory_working_set_bytes=_int(
                        spec, _obj(spec, c.get("memory"), "memory").get("workingSetBytes"), "mem"
                    ),
                    rootfs_used_bytes=_int(
                        spec, _obj(spec, c.get("rootfs"), "rootfs").get("usedBytes"), "rootfs"
                    ),
                    logs_used_bytes=_int(
                        spec, _obj(spec, c.get("logs"), "logs").get("usedBytes"), "logs"
                    ),
                )
            )
    return KubeletSummary(
        node=_str(spec, node.get("nodeName"), "nodeName"),
        image_fs_capacity_bytes=_int(spec, image_fs.get("capacityBytes"), "capacityBytes"),
        image_fs_used_bytes=_int(spec, image_fs.get("usedBytes"), "usedBytes"),
        image_fs_available_bytes=_int(spec, image_fs.get("availableBytes"), "availableBytes"),
        containers=tuple(containers),
    )


def cpu_percent(
    first: Iterable[ContainerStats], second: Iterable[ContainerStats]
) -> dict[str, float]:
    """CPU % per container from two samples, with crictl's own formula.

    ``(cpu2.usageCoreNanoSeconds - cpu1.usageCoreNanoSeconds) / (ts2 - ts1) * 100``, rounded to
    two decimals as crictl prints it (above 100 for more than one core). Containers missing from
    either sample, without CPU figures or whose timestamp did not move are left out.

    Returns:
        container ID (13 characters, as crictl shows it) -> CPU %.
    """
    old = {s.id: s for s in first}
    out: dict[str, float] = {}
    for s in second:
        o = old.get(s.id)
        if o is None or None in (
            s.cpu_usage_core_ns,
            o.cpu_usage_core_ns,
            s.timestamp_ns,
            o.timestamp_ns,
        ):
            continue
        assert s.timestamp_ns is not None and o.timestamp_ns is not None  # for mypy
        assert s.cpu_usage_core_ns is not None and o.cpu_usage_core_ns is not None
        duration = s.timestamp_ns - o.timestamp_ns
        if duration <= 0:
            continue
        out[s.id[:_SHORT]] = round((s.cpu_usage_core_ns - o.cpu_usage_core_ns) / duration * 100, 2)
    return out


def _single_sample_cpu(s: ContainerStats) -> float | None:
    """CPU % of one sample: the table's figure, else ``usageNanoCores`` as a percentage."""
    if s.cpu_percent is not None:
        return s.cpu_percent
    if s.cpu_usage_nano_cores is not None:
        return round(s.cpu_usage_nano_cores / 1e7, 2)
    return None


# ---------------------------------------------------------------------------------- collect

_PARSERS: dict[str, Any] = {
    "crictl_ps": parse_ps,
    "crictl_pods": parse_pods,
    "crictl_images": parse_images,
    "crictl_stats": parse_stats,
    "crictl_statsp": parse_statsp,
    "crictl_imagefsinfo": parse_imagefsinfo,
    "kubelet_stats_summary": parse_kubelet_summary,
}


@dataclass(frozen=True)
class FactResult:
    """How one fact went on one node.

    Attributes:
        fact: catalogue key.
        status: ``ok``, ``failed``, ``missing`` or ``parse-error``.
        format: ``json``, ``table``, ``text``.
        origin: where it came from (``debug-pod``, ``sos:<path>``, ``api:<path>``...).
        reason: why it is not ``ok``.
    """

    fact: str
    status: Literal["ok", "failed", "missing", "parse-error"]
    format: str = ""
    origin: str = ""
    reason: str = ""


@dataclass(frozen=True)
class NodeCrio:
    """Everything read about CRI-O on one node.

    Attributes:
        node: node name.
        facts: fact key -> how it went.
        containers: ``crictl ps -a``.
        pods: ``crictl pods``.
        images: ``crictl images``.
        stats: ``crictl stats`` (first sample).
        stats_second: the second sample (live only, ``stats_interval_s`` later), or ``None``.
        pod_stats: ``crictl statsp``.
        filesystems: ``crictl imagefsinfo``.
        summary: the kubelet Summary API, or ``None``.
    """

    node: str
    facts: Mapping[str, FactResult]
    containers: tuple[Container, ...] = ()
    pods: tuple[PodSandbox, ...] = ()
    images: tuple[Image, ...] = ()
    stats: tuple[ContainerStats, ...] = ()
    stats_second: tuple[ContainerStats, ...] | None = None
    pod_stats: tuple[PodStats, ...] = ()
    filesystems: tuple[FilesystemUsage, ...] = ()
    summary: KubeletSummary | None = None

    @property
    def status(self) -> str:
        """``ok`` (every core fact read), ``partial``, ``failed`` or ``missing``."""
        core = [self.facts[f].status for f in CORE_FACTS if f in self.facts]
        if core and all(s == "ok" for s in core):
            return "ok"
        if any(s == "ok" for s in core):
            return "partial"
        if core and all(s == "missing" for s in core):
            return "missing"
        return "failed"

    @property
    def reason(self) -> str:
        """The first reason a core fact was not read ("" when all were)."""
        for fact in (*CORE_FACTS, *FACTS):
            res = self.facts.get(fact)
            if res is not None and res.status != "ok":
                return f"{fact}: {res.reason}"
        return ""

    def cpu(self) -> dict[str, float]:
        """CPU % per container (13-character ID): two samples when taken, else one."""
        if self.stats_second is not None:
            two = cpu_percent(self.stats, self.stats_second)
            if two:
                return two
        return {
            s.id[:_SHORT]: pct for s in self.stats if (pct := _single_sample_cpu(s)) is not None
        }


@dataclass(frozen=True)
class CrioFleet:
    """What :func:`collect` read from every node.

    Attributes:
        nodes: node name -> :class:`NodeCrio`, sorted; failed and missing nodes included.
        api_pods: the API's Pod objects (for restart counts and the cross-check), or the reason
            they could not be read.
        capped: nodes left out by ``max_nodes``.
        stats_interval_s: seconds between the two stats samples (0 = one sample).
    """

    nodes: Mapping[str, NodeCrio]
    api_pods: Attempt[list[dict[str, Any]]] = field(default_factory=lambda: Attempt([]))
    capped: tuple[str, ...] = ()
    stats_interval_s: float = 0.0


def split_nodes(text: str) -> list[str] | None:
    """Node names from a comma-separated parameter; ``None`` for "" (every node).

    Examples:
        >>> split_nodes(" worker-0, worker-2 ,"), split_nodes("")
        (['worker-0', 'worker-2'], None)
    """
    names = [n.strip() for n in text.split(",") if n.strip()]
    return names or None


def _fact_result(out: NodeOutput) -> tuple[FactResult, Any]:
    """Parse one output; a parse error becomes a marked result, never an exception."""
    if out.status != "ok":
        return FactResult(out.fact, out.status, out.format, out.origin, out.reason), None
    try:
        value = _PARSERS[out.fact](out.stdout)
    except ParseError as err:
        log.warning("node %s, %s: %s", out.node, out.fact, err)
        reason = f"parse error: {err}"
        return FactResult(out.fact, "parse-error", out.format, out.origin, reason), None
    fmt = "table" if out.fact in CORE_FACTS and not _is_json(out.stdout) else out.format
    return FactResult(out.fact, "ok", fmt, out.origin), value


def _node_crio(node: str, outputs: Mapping[str, NodeOutput]) -> NodeCrio:
    facts: dict[str, FactResult] = {}
    parsed: dict[str, Any] = {}
    for fact in FACTS:
        out = outputs.get(fact)
        if out is None:
            facts[fact] = FactResult(fact, "missing", reason="not collected")
            continue
        facts[fact], parsed[fact] = _fact_result(out)
    return NodeCrio(
        node=node,
        facts=facts,
        containers=tuple(parsed.get("crictl_ps") or ()),
        pods=tuple(parsed.get("crictl_pods") or ()),
        images=tuple(parsed.get("crictl_images") or ()),
        stats=tuple(parsed.get("crictl_stats") or ()),
        pod_stats=tuple(parsed.get("crictl_statsp") or ()),
        filesystems=tuple(parsed.get("crictl_imagefsinfo") or ()),
        summary=parsed.get("kubelet_stats_summary"),
    )


def collect(
    source: Source,
    *,
    nodes: Sequence[str] | None = None,
    node_selector: str | None = None,
    max_nodes: int | None = None,
    stats_interval_s: float = 0.0,
    concurrency: int = 4,
    node_timeout: float = 120,
    progress: bool = True,
) -> CrioFleet:
    """Read and parse the CRI-O facts of many nodes through the fan-out.

    Every node asked for is in the result: a node that could not be read, or whose output did
    not parse, is marked with the reason, and the other nodes are still read.

    Args:
        source: any source.
        nodes: node names; ``None`` means every node (matching ``node_selector``).
        node_selector: label selector for the nodes when ``nodes`` is ``None``.
        max_nodes: read at most this many nodes (the rest are listed in ``capped``).
        stats_interval_s: on a live source, take a second ``crictl stats`` sample this many
            seconds later for crictl's two-sample CPU %; 0 (or a capture) keeps one sample.
        concurrency: nodes in flight at once.
        node_timeout: seconds all facts of one node may take.
        progress: show a progress bar.

    Raises:
        NotApplicable: the source cannot list nodes and none were given.
    """
    from rhcos_helpers.node_access.fanout import collect_facts

    if nodes is None:
        nodes = sorted(
            n["metadata"]["name"] for n in source.list("nodes", label_selector=node_selector)
        )
        if not nodes:
            raise NotApplicable(f"no node matches the selector {node_selector!r}")
    wanted = list(dict.fromkeys(nodes))
    capped: tuple[str, ...] = ()
    if max_nodes is not None and 0 < max_nodes < len(wanted):
        wanted, capped = wanted[:max_nodes], tuple(wanted[max_nodes:])
    result = collect_facts(
        source,
        nodes=wanted,
        facts=list(FACTS),
        concurrency=concurrency,
        node_timeout=node_timeout,
        progress=progress,
    )
    crio = {n: _node_crio(n, result.outputs[n]) for n in result.nodes}
    live = source.identity.kind == "live"
    if live and stats_interval_s > 0:
        readable = [n for n, c in crio.items() if c.facts["crictl_stats"].status == "ok"]
        time.sleep(stats_interval_s)
        again = collect_facts(
            source,
            nodes=readable,
            facts=["crictl_stats"],
            concurrency=concurrency,
            node_timeout=node_timeout,
            progress=progress,
        )
        for n in readable:
            res, value = _fact_result(again.outputs[n]["crictl_stats"])
            if res.status == "ok":
                crio[n] = _replace_second(crio[n], tuple(value))
    from rhcos_helpers.sources.base import attempt

    return CrioFleet(
        nodes=crio,
        api_pods=attempt(source.list, "pods"),
        capped=capped,
        stats_interval_s=stats_interval_s if live else 0.0,
    )


def _replace_second(node: NodeCrio, second: tuple[ContainerStats, ...]) -> NodeCrio:
    from dataclasses import replace

    return replace(node, stats_second=second)


# ------------------------------------------------------------------------------------ joins


def _unwrap(fleet: CrioFleet | Attempt[CrioFleet]) -> CrioFleet | None:
    if isinstance(fleet, Attempt):
        return fleet.value if fleet.ok else None
    return fleet


def _image_lookup(images: Sequence[Image]) -> dict[str, Image]:
    """Every name an image is known by: ID (and its 13-character prefix), tags, digests."""
    out: dict[str, Image] = {}
    for img in images:
        for key in (img.id, img.id[:_SHORT], *img.repo_tags, *img.repo_digests):
            out.setdefault(key, img)
    return out


def _find_image(lookup: Mapping[str, Image], c: Container) -> Image | None:
    for key in (c.image, c.image.removeprefix("sha256:"), c.image_ref):
        if key and (key in lookup or key[:_SHORT] in lookup):
            return lookup.get(key) or lookup[key[:_SHORT]]
    return None


def _image_label(img: Image | None, c: Container) -> str:
    if img is not None and img.repo_tags:
        return img.repo_tags[0]
    ref = c.image_ref or (img.repo_digests[0] if img and img.repo_digests else c.image)
    if "@sha256:" in ref:
        repo, _, digest = ref.partition("@sha256:")
        return f"{repo}@sha256:{digest[:12]}"
    return ref


def _api_restarts(fleet: CrioFleet) -> dict[tuple[str, str, str], int]:
    """(namespace, pod, container) -> restartCount from the API's Pod objects."""
    out: dict[tuple[str, str, str], int] = {}
    for pod in fleet.api_pods.value or []:
        meta = pod.get("metadata") or {}
        for cs in (pod.get("status") or {}).get("containerStatuses") or []:
            key = (str(meta.get("namespace", "")), str(meta.get("name", "")), str(cs.get("name")))
            out[key] = int(cs.get("restartCount") or 0)
    return out


def _joined(fleet: CrioFleet) -> list[dict[str, Any]]:
    api = _api_restarts(fleet)
    rows = []
    for node, nc in fleet.nodes.items():
        pods = {p.id[:_SHORT]: p for p in nc.pods}
        lookup = _image_lookup(nc.images)
        cpu = nc.cpu()
        stats = {s.id[:_SHORT]: s for s in (nc.stats_second or nc.stats)}
        kube = (
            {(k.namespace, k.pod, k.name): k for k in nc.summary.containers} if nc.summary else {}
        )
        for c in nc.containers:
            pod = pods.get(c.pod_sandbox_id[:_SHORT])
            ns = c.namespace or (pod.namespace if pod else "")
            pod_name = c.pod_name or (pod.name if pod else "")
            img = _find_image(lookup, c)
            s = stats.get(c.id[:_SHORT])
            mem = s.memory_working_set_bytes if s else None
            disk = s.writable_layer_bytes if s else None
            restarts = max(c.attempt, c.restart_count or 0)
            pct = cpu.get(c.id[:_SHORT])
            k = kube.get((ns, pod_name, c.name))
            if pct is None and k is not None and k.cpu_usage_nano_cores is not None:
                pct = round(k.cpu_usage_nano_cores / 1e7, 2)  # the kubelet's rate
            rows.append(
                {
                    COL_NODE: node,
                    COL_NAMESPACE: ns,
                    COL_POD: pod_name,
                    COL_CONTAINER: c.name,
                    COL_STATE: c.state,
                    COL_ATTEMPT: c.attempt,
                    COL_RESTARTS: restarts,
                    COL_API_RESTARTS: api.get((ns, pod_name, c.name)),
                    COL_IMAGE: _image_label(img, c),
                    COL_IMAGE_SIZE_MB: round(img.size_bytes / 1e6) if img else None,
                    COL_CPU: pct if c.state == "Running" else None,
                    COL_MEMORY: round(mem / _MIB, 1) if mem is not None else None,
                    COL_DISK: round(disk / _MIB, 2) if disk is not None else None,
                    COL_CREATED: (
                        c.created_at.strftime("%Y-%m-%d %H:%M:%S") if c.created_at else c.created
                    ),
                    COL_ID: c.id[:_SHORT],
                }
            )
    return rows


_CONTAINER_COLUMNS = [
    COL_NODE,
    COL_NAMESPACE,
    COL_POD,
    COL_CONTAINER,
    COL_STATE,
    COL_ATTEMPT,
    COL_RESTARTS,
    COL_API_RESTARTS,
    COL_IMAGE,
    COL_IMAGE_SIZE_MB,
    COL_CPU,
    COL_MEMORY,
    COL_DISK,
    COL_CREATED,
    COL_ID,
]


#: Columns of :func:`stats_frame` (the fields of :class:`ContainerStats`, in order).
STATS_FRAME_COLUMNS = [
    "id",
    "name",
    "pod_name",
    "namespace",
    "timestamp_ns",
    "cpu_usage_core_ns",
    "cpu_usage_nano_cores",
    "cpu_percent",
    "memory_working_set_bytes",
    "writable_layer_bytes",
    "writable_layer_inodes",
    "swap_bytes",
    "truncated",
]


def stats_frame(stats: Iterable[ContainerStats]) -> pd.DataFrame:
    """One row per :class:`ContainerStats`, columns :data:`STATS_FRAME_COLUMNS`.

    Examples:
        >>> frame = stats_frame(parse_stats(CRICTL_STATS_129_JSON))
        >>> frame.loc[0, "name"], int(frame.loc[0, "memory_working_set_bytes"])
        ('demo-app', 223774794)
    """
    rows = [
        (
            s.id,
            s.name,
            s.pod_name,
            s.namespace,
            s.timestamp_ns,
            s.cpu_usage_core_ns,
            s.cpu_usage_nano_cores,
            s.cpu_percent,
            s.memory_working_set_bytes,
            s.writable_layer_bytes,
            s.writable_layer_inodes,
            s.swap_bytes,
            s.truncated,
        )
        for s in stats
    ]
    return pd.DataFrame.from_records(rows, columns=STATS_FRAME_COLUMNS)


def containers_frame(fleet: CrioFleet | Attempt[CrioFleet]) -> pd.DataFrame:
    """Every container of every node, joined to its pod (namespace, name) and image (tag, size).

    CPU % comes from two ``crictl stats`` samples when taken (live), else from the runtime's
    ``usageNanoCores``, else from the table's own figure, else from the kubelet Summary API's
    ``usageNanoCores`` (cri-tools 1.16 JSON has no rate); empty when none is known.
    """
    data = _unwrap(fleet)
    rows = _joined(data) if data else []
    return pd.DataFrame(rows, columns=_CONTAINER_COLUMNS)


def status_frame(fleet: CrioFleet | Attempt[CrioFleet]) -> pd.DataFrame:
    """One row per node: overall status, each fact's status and format, and the first reason."""
    data = _unwrap(fleet)
    rows = []
    for node, nc in (data.nodes if data else {}).items():
        row: dict[str, Any] = {COL_NODE: node, COL_STATUS: nc.status}
        for fact in FACTS:
            res = nc.facts[fact]
            row[fact] = f"{res.status} ({res.format})" if res.status == "ok" else res.status
        origins = sorted({r.origin.split(":", 1)[0] for r in nc.facts.values() if r.origin})
        row["ORIGIN"] = ", ".join(origins)
        row[COL_REASON] = nc.reason
        rows.append(row)
    for node in data.capped if data else ():
        rows.append({COL_NODE: node, COL_STATUS: "skipped", COL_REASON: "over MAX_NODES"})
    return pd.DataFrame(rows, columns=[COL_NODE, COL_STATUS, *FACTS, "ORIGIN", COL_REASON])


def top_consumers_frame(fleet: CrioFleet | Attempt[CrioFleet], *, n: int = 10) -> pd.DataFrame:
    """The ``n`` running containers using the most CPU, memory or writable layer (union)."""
    frame = containers_frame(fleet)
    frame = frame[frame[COL_STATE] == "Running"]
    if frame.empty:
        return frame
    keys = [COL_CPU, COL_MEMORY, COL_DISK]
    frame = frame.astype({k: "float64" for k in keys})
    parts = [frame.nlargest(n, k) for k in keys if frame[k].notna().any()]
    cols = [COL_NODE, COL_NAMESPACE, COL_POD, COL_CONTAINER, COL_CPU, COL_MEMORY, COL_DISK]
    if not parts:  # tables without stats (a sos report with crictl ps only)
        return frame.iloc[0:0][cols]
    picked = pd.concat(parts)
    picked = picked.drop_duplicates(subset=[COL_NODE, COL_ID])
    return picked.sort_values([COL_CPU, COL_MEMORY], ascending=False, na_position="last")[
        cols
    ].reset_index(drop=True)


@dataclass(frozen=True)
class Chart:
    """A matplotlib figure that notebooks show as PNG (``_repr_png_``) without pyplot.

    Attributes:
        figure: the figure, for saving or further styling.
    """

    figure: Figure

    def _repr_png_(self) -> bytes:
        import io

        buf = io.BytesIO()
        self.figure.savefig(buf, format="png", dpi=96, bbox_inches="tight")
        return buf.getvalue()


def plot_top_consumers(fleet: CrioFleet | Attempt[CrioFleet], *, n: int = 10) -> Chart | None:
    """Bar charts of the top ``n`` running containers by CPU % and by memory.

    Returns:
        A :class:`Chart` (shown as a PNG in notebooks), or ``None`` when there is no data.
    """
    frame = containers_frame(fleet)
    frame = frame[frame[COL_STATE] == "Running"]
    if frame.empty:
        return None
    frame = frame.astype({COL_CPU: "float64", COL_MEMORY: "float64"})
    if frame[[COL_CPU, COL_MEMORY]].isna().all().all():
        return None
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12, 0.35 * n + 1.5))
    axes = fig.subplots(1, 2)
    for ax, col in zip(axes, (COL_CPU, COL_MEMORY), strict=True):
        top = frame.dropna(subset=[col]).nlargest(n, col).iloc[::-1]
        labels = top[COL_NODE] + " " + top[COL_NAMESPACE] + "/" + top[COL_CONTAINER]
        ax.barh(labels, top[col].astype(float), color="#2a6ebb")
        ax.set_title(f"Top {n} running containers by {col}")
        ax.tick_params(axis="y", labelsize=7)
    fig.tight_layout()
    return Chart(fig)


def restarts_frame(fleet: CrioFleet | Attempt[CrioFleet], *, minimum: int = 1) -> pd.DataFrame:
    """Containers restarted at least ``minimum`` times (CRI attempt, annotation or API)."""
    frame = containers_frame(fleet)
    most = frame[[COL_RESTARTS, COL_API_RESTARTS]].max(axis=1)
    frame = frame[most >= minimum]
    frame = frame.sort_values(COL_RESTARTS, ascending=False)
    latest = frame.drop_duplicates(subset=[COL_NODE, COL_NAMESPACE, COL_POD, COL_CONTAINER])
    cols = [
        COL_NODE,
        COL_NAMESPACE,
        COL_POD,
        COL_CONTAINER,
        COL_STATE,
        COL_RESTARTS,
        COL_API_RESTARTS,
        COL_CREATED,
    ]
    return latest[cols].reset_index(drop=True)


def _used_image_ids(nc: NodeCrio) -> set[str]:
    lookup = _image_lookup(nc.images)
    return {img.id for c in nc.containers if (img := _find_image(lookup, c)) is not None}


def untagged_images_frame(fleet: CrioFleet | Attempt[CrioFleet]) -> pd.DataFrame:
    """Every ``<none>``-tagged image of every node, with its size and whether a container uses it.

    OpenShift's release images are pulled by digest, so most of a node's images are ``<none>``;
    only those no container (running or exited) uses and that are not pinned are reclaimable.
    """
    data = _unwrap(fleet)
    rows = []
    for node, nc in (data.nodes if data else {}).items():
        used = _used_image_ids(nc)
        for img in nc.images:
            if img.untagged:
                rows.append(
                    {
                        COL_NODE: node,
                        "REPOSITORY": img.repository or "<none>",
                        "DIGEST": (
                            img.repo_digests[0].partition("@")[2][:19] if img.repo_digests else ""
                        ),
                        "IMAGE ID": img.id[:_SHORT],
                        "SIZE (MB)": round(img.size_bytes / 1e6),
                        "IN USE": img.id in used,
                        "PINNED": img.pinned,
                    }
                )
    cols = [COL_NODE, "REPOSITORY", "DIGEST", "IMAGE ID", "SIZE (MB)", "IN USE", "PINNED"]
    return pd.DataFrame(rows, columns=cols)


def image_disk_frame(fleet: CrioFleet | Attempt[CrioFleet]) -> pd.DataFrame:
    """Per node: images, ``<none>`` images and their cost, and the image filesystem's use."""
    data = _unwrap(fleet)
    rows = []
    for node, nc in (data.nodes if data else {}).items():
        if nc.facts["crictl_images"].status != "ok":
            continue
        used = _used_image_ids(nc)
        untagged = [i for i in nc.images if i.untagged]
        waste = [i for i in untagged if i.id not in used and not i.pinned]
        fs = next((f for f in nc.filesystems if f.role == "image"), None)
        summ = nc.summary
        rows.append(
            {
                COL_NODE: node,
                "IMAGES": len(nc.images),
                "IMAGES (GB)": round(sum(i.size_bytes for i in nc.images) / 1e9, 2),
                "<none> IMAGES": len(untagged),
                "<none> (GB)": round(sum(i.size_bytes for i in untagged) / 1e9, 2),
                "<none> UNUSED": len(waste),
                "<none> UNUSED (GB)": round(sum(i.size_bytes for i in waste) / 1e9, 2),
                "IMAGEFS USED (GB)": (
                    round(fs.used_bytes / 1e9, 2) if fs and fs.used_bytes is not None else None
                ),
                "IMAGEFS USE %": summ.image_fs_used_pct if summ else None,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            COL_NODE,
            "IMAGES",
            "IMAGES (GB)",
            "<none> IMAGES",
            "<none> (GB)",
            "<none> UNUSED",
            "<none> UNUSED (GB)",
            "IMAGEFS USED (GB)",
            "IMAGEFS USE %",
        ],
    )


def crosscheck_frame(fleet: CrioFleet | Attempt[CrioFleet]) -> pd.DataFrame:
    """Memory working set per running container: crictl stats beside the kubelet Summary API.

    The kubelet reads the same cgroups through CRI or cAdvisor at another moment, so a few
    percent apart is normal; a container only one side reports is marked.
    """
    data = _unwrap(fleet)
    rows = []
    for node, nc in (data.nodes if data else {}).items():
        if nc.summary is None:
            continue
        kube = {(c.namespace, c.pod, c.name): c for c in nc.summary.containers}
        seen = set()
        for row in _joined(CrioFleet(nodes={node: nc})):
            if row[COL_STATE] != "Running":
                continue
            key = (row[COL_NAMESPACE], row[COL_POD], row[COL_CONTAINER])
            seen.add(key)
            k = kube.get(key)
            kmem = (
                round(k.memory_working_set_bytes / _MIB, 1)
                if k and k.memory_working_set_bytes is not None
                else None
            )
            cmem = row[COL_MEMORY]
            diff = round(100 * (cmem - kmem) / kmem, 1) if cmem is not None and kmem else None
            rows.append([node, *key, cmem, kmem, diff, "" if k else "not in the kubelet summary"])
        for key in sorted(set(kube) - seen):
            k = kube[key]
            kmem = (
                round(k.memory_working_set_bytes / _MIB, 1)
                if k.memory_working_set_bytes is not None
                else None
            )
            rows.append([node, *key, None, kmem, None, "not in crictl ps/stats"])
    cols = [
        COL_NODE,
        COL_NAMESPACE,
        COL_POD,
        COL_CONTAINER,
        "CRICTL MEM (MiB)",
        "KUBELET MEM (MiB)",
        "DIFF %",
        "NOTE",
    ]
    return pd.DataFrame(rows, columns=cols)


# --------------------------------------------------------------------------------- findings


def _api_pods_by_node(fleet: CrioFleet) -> dict[str, set[tuple[str, str]]]:
    out: dict[str, set[tuple[str, str]]] = {}
    for pod in fleet.api_pods.value or []:
        node = (pod.get("spec") or {}).get("nodeName")
        phase = (pod.get("status") or {}).get("phase")
        if not node or phase in ("Succeeded", "Failed"):
            continue
        meta = pod.get("metadata") or {}
        out.setdefault(node, set()).add((str(meta.get("namespace")), str(meta.get("name"))))
    return out


def _api_findings(fleet: CrioFleet) -> list[Finding]:
    """Pods CRI-O runs that the API does not know on that node, and the reverse.

    Only namespaces the API source holds are compared (a must-gather collects few).
    """
    if not fleet.api_pods.ok or not fleet.api_pods.value:
        return []
    by_node = _api_pods_by_node(fleet)
    known_ns = {ns for pods in by_node.values() for ns, _ in pods}
    out = []
    for node, nc in fleet.nodes.items():
        if nc.facts["crictl_pods"].status != "ok":
            continue
        crio = {(p.namespace, p.name) for p in nc.pods if p.state == "Ready" and p.namespace}
        api = by_node.get(node, set())
        extra = sorted(k for k in crio - api if k[0] in known_ns)
        gone = sorted(api - crio)
        if extra:
            out.append(
                Finding(
                    Severity.WARNING,
                    f"{len(extra)} pod(s) run in CRI-O on {node} that the API does not place there",
                    "Ready sandboxes the kubelet should have removed (or static pods): "
                    + ", ".join(f"{ns}/{n}" for ns, n in extra[:8]),
                    f"node/{node}",
                    "30-node-services",
                )
            )
        if gone:
            out.append(
                Finding(
                    Severity.WARNING,
                    f"{len(gone)} pod(s) the API places on {node} have no Ready sandbox in CRI-O",
                    "The kubelet has not started them or they died: "
                    + ", ".join(f"{ns}/{n}" for ns, n in gone[:8]),
                    f"node/{node}",
                    "30-node-services",
                )
            )
    return out


def findings(fleet: CrioFleet | Attempt[CrioFleet]) -> list[Finding]:
    """What needs attention: unread nodes, restarts, exited piles, image waste, full imagefs."""
    if isinstance(fleet, Attempt) and not fleet.ok:
        return [
            Finding(
                Severity.WARNING,
                "CRI-O facts could not be collected",
                fleet.reason or "no reason given",
                "nodes",
            )
        ]
    data = _unwrap(fleet)
    if data is None:
        return []
    out: list[Finding] = []
    unread = {n: nc.reason for n, nc in data.nodes.items() if nc.status in ("failed", "missing")}
    if unread:
        out.append(
            Finding(
                Severity.WARNING,
                f"CRI-O facts could not be read on {len(unread)} node(s)",
                "; ".join(f"{n}: {r}" for n, r in unread.items())[:600],
                ", ".join(f"node/{n}" for n in unread),
                "30-node-services",
            )
        )
    broken = {
        n: r.reason
        for n, nc in data.nodes.items()
        for r in nc.facts.values()
        if r.status == "parse-error"
    }
    if broken:
        out.append(
            Finding(
                Severity.WARNING,
                f"crictl output that does not parse on {len(broken)} node(s)",
                "; ".join(f"{n}: {r}" for n, r in broken.items())[:600],
                ", ".join(f"node/{n}" for n in broken),
            )
        )
    for row in restarts_frame(data, minimum=RESTARTS_WARN).to_dict("records"):
        count = max(int(row[COL_RESTARTS]), int(row[COL_API_RESTARTS] or 0))
        where = f"{row[COL_NAMESPACE]}/{row[COL_POD]}"
        out.append(
            Finding(
                Severity.WARNING,
                f"Container {row[COL_CONTAINER]} of {where} restarted {count} times",
                f"On node {row[COL_NODE]}, state {row[COL_STATE]}. Check its logs and the pod's "
                "events (OOMKilled, failing probes, CrashLoopBackOff).",
                f"pod/{where}",
            )
        )
    for node, nc in data.nodes.items():
        exited = sum(1 for c in nc.containers if c.state == "Exited")
        if exited >= EXITED_WARN:
            out.append(
                Finding(
                    Severity.INFO,
                    f"{exited} exited containers pile up on {node}",
                    "The kubelet's container garbage collection keeps exited containers of "
                    "restarting and deleted pods; many of them point to crash loops or churn.",
                    f"node/{node}",
                )
            )
    disk = image_disk_frame(data)
    waste = disk[disk["<none> UNUSED (GB)"] > 0]
    if not waste.empty:
        worst = float(waste["<none> UNUSED (GB)"].max())
        sev = Severity.WARNING if worst * 1e9 >= UNUSED_UNTAGGED_WARN_BYTES else Severity.INFO
        per_node = ", ".join(
            f"{r[COL_NODE]} {r['<none> UNUSED (GB)']:.1f} GB ({r['<none> UNUSED']} images)"
            for r in waste.to_dict("records")
        )
        out.append(
            Finding(
                sev,
                f"<none> images no container uses take up to {worst:.1f} GB per node",
                f"Untagged images (pulled by digest, e.g. a previous release's payload) that no "
                f"container uses: {per_node}. The kubelet's image garbage collection removes them "
                "only above its high threshold.",
                ", ".join(f"node/{n}" for n in waste[COL_NODE]),
            )
        )
    for node, nc in data.nodes.items():
        pct = nc.summary.image_fs_used_pct if nc.summary else None
        if pct is not None and pct >= IMAGEFS_WARN_PCT:
            sev = Severity.CRITICAL if pct >= IMAGEFS_CRITICAL_PCT else Severity.WARNING
            out.append(
                Finding(
                    sev,
                    f"Image filesystem {pct:.0f}% full on {node}",
                    "Above the kubelet's image GC high threshold (85% by default) images are "
                    "removed; at the eviction threshold pods are evicted (DiskPressure).",
                    f"node/{node}",
                )
            )
    out.extend(_api_findings(data))
    return out
