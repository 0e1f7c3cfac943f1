"""analysis - join containers to their pods, images and usage, and shape the tables runbooks show.

Every frame takes a :class:`~rhcos_helpers.crio.fleet.CrioFleet` (or an ``Attempt`` of one,
empty when it failed) and returns a DataFrame whose columns are the ``COL_*`` constants of
:mod:`rhcos_helpers.crio.records`: :func:`containers_frame` (every container joined to its pod,
image, CPU %, memory and writable layer), :func:`top_consumers_frame` and
:func:`plot_top_consumers`, :func:`restarts_frame`, :func:`untagged_images_frame` and
:func:`image_disk_frame` (what ``<none>`` images cost), and :func:`crosscheck_frame` (crictl
beside the kubelet Summary API). Joins match IDs by their 13-character prefix, as tables print
them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from rhcos_helpers.crio.fleet import CrioFleet, NodeCrio, _unwrap
from rhcos_helpers.crio.records import (
    _SHORT,
    COL_API_RESTARTS,
    COL_ATTEMPT,
    COL_CONTAINER,
    COL_CPU,
    COL_CREATED,
    COL_DISK,
    COL_ID,
    COL_IMAGE,
    COL_IMAGE_SIZE_MB,
    COL_MEMORY,
    COL_NAMESPACE,
    COL_NODE,
    COL_POD,
    COL_RESTARTS,
    COL_STATE,
    Container,
    ContainerStats,
    Image,
)
from rhcos_helpers.sources.base import Attempt

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "STATS_FRAME_COLUMNS",
    "Chart",
    "containers_frame",
    "crosscheck_frame",
    "image_disk_frame",
    "plot_top_consumers",
    "restarts_frame",
    "stats_frame",
    "top_consumers_frame",
    "untagged_images_frame",
]

_MIB = 1024 * 1024


# ------------------------------------------------------------------------------------ joins


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
        >>> from rhcos_helpers.crio.parse import parse_stats
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
