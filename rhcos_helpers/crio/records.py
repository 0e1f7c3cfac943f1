"""records - what CRI-O reports about one node, as frozen records, and the column names.

One record per thing ``crictl`` lists: :class:`Container` (``ps -a``), :class:`PodSandbox`
(``pods``), :class:`Image` (``images``), :class:`ContainerStats` (``stats``),
:class:`PodStats` (``statsp``), :class:`FilesystemUsage` (``imagefsinfo``), and the kubelet
Summary API's :class:`KubeletSummary`. Fields hold converted types (ints, aware datetimes,
bytes); records read from a sos report's human table say ``truncated=True`` (13-character IDs,
relative ages, rounded sizes). ``FACTS`` names the catalogue facts the package reads and the
``COL_*`` constants the columns of its DataFrames, so notebooks and tests never repeat them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from rhcos_helpers.crio._protojson import _ns_time

__all__ = [
    "COL_API_RESTARTS",
    "COL_ATTEMPT",
    "COL_CONTAINER",
    "COL_CPU",
    "COL_CREATED",
    "COL_DISK",
    "COL_ID",
    "COL_IMAGE",
    "COL_IMAGE_SIZE_MB",
    "COL_MEMORY",
    "COL_NAMESPACE",
    "COL_NODE",
    "COL_POD",
    "COL_REASON",
    "COL_RESTARTS",
    "COL_STATE",
    "COL_STATUS",
    "CORE_FACTS",
    "FACTS",
    "Container",
    "ContainerStats",
    "FilesystemUsage",
    "Image",
    "KubeletSummary",
    "PodSandbox",
    "PodStats",
    "SummaryContainer",
]

#: The node facts this package reads, in collection order (catalogue keys).
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

_SHORT = 13  # crictl's truncatedIDLen

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
