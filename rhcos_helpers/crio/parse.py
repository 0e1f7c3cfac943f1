"""parse - one parser per crictl command: ps, pods, images, stats, statsp and imagefsinfo.

Each parser takes one command's output and returns frozen records with converted types (ints,
aware datetimes, bytes). It reads ``-o json`` (protobuf JSON, decoded by
:mod:`rhcos_helpers.crio._protojson`; cri-tools 1.16's v1alpha2 field subset up to current)
and hands every other input to the table readers of :mod:`rhcos_helpers.crio.tables` (the
human tables a sos report holds); the format is told apart by the first character. The
kubelet Summary API (``stats/summary``) has its parser here too. ``_PARSERS`` maps each
catalogue fact to its parser for the collector.

Sample input (``crictl ps -a -o json`` on a 4.16 worker, cri-tools 1.29; the full samples of
every version live in ``tests/data/commands/crictl_*/``)::

    {"containers": [{"id": "3df4d26cbf27f7...", "podSandboxId": "3473084ef818a...",
      "metadata": {"name": "demo-app", "attempt": 3},
      "image": {"image": "8349abc06ee2e...", "annotations": {}, ...},
      "imageRef": "quay.io/example/demo-app@sha256:aaed8801...",
      "state": "CONTAINER_RUNNING", "createdAt": "1795159685000000000",
      "labels": {"io.kubernetes.pod.namespace": "demo-app", ...}, ...}]}
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from rhcos_helpers.crio._protojson import (
    _CONTAINER_STATES,
    _SANDBOX_STATES,
    _enum,
    _int,
    _is_json,
    _load,
    _ns_time,
    _obj,
    _str,
    _strmap,
)
from rhcos_helpers.crio.records import (
    Container,
    ContainerStats,
    FilesystemUsage,
    Image,
    KubeletSummary,
    PodSandbox,
    PodStats,
    SummaryContainer,
)
from rhcos_helpers.crio.tables import images_table, pods_table, ps_table, stats_table
from rhcos_helpers.errors import ParseError

__all__ = [
    "parse_imagefsinfo",
    "parse_images",
    "parse_kubelet_summary",
    "parse_pods",
    "parse_ps",
    "parse_stats",
    "parse_statsp",
]

_LABEL_NS = "io.kubernetes.pod.namespace"
_LABEL_POD = "io.kubernetes.pod.name"
_LABEL_UID = "io.kubernetes.pod.uid"
_ANN_RESTARTS = "io.kubernetes.container.restartCount"


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
        return ps_table(text)
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
        return pods_table(text)
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
        return images_table(text)
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
    return stats_table(text)


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


_PARSERS: dict[str, Any] = {
    "crictl_ps": parse_ps,
    "crictl_pods": parse_pods,
    "crictl_images": parse_images,
    "crictl_stats": parse_stats,
    "crictl_statsp": parse_statsp,
    "crictl_imagefsinfo": parse_imagefsinfo,
    "kubelet_stats_summary": parse_kubelet_summary,
}
