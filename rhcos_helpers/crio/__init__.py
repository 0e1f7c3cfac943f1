"""crio - what runs in CRI-O on each node: ``crictl ps|pods|images|stats|statsp|imagefsinfo``.

Parsers take one command's output and return frozen records with converted types (ints, aware
datetimes, bytes). They read ``-o json`` (protobuf JSON: 64-bit integers as strings, enums by
name, Unix nanosecond timestamps, ``null`` for unset messages; cri-tools 1.16's v1alpha2 field
subset up to current) and every human table a sos report holds, cut at its header offsets; the
format is told apart by the first character. Table rows carry 13-character IDs, relative ages
and rounded sizes, so their records say ``truncated=True`` and joins match IDs by prefix.

The package, by layer (each module imports only the ones above it):

=======================  =====================================================================
``records``              the frozen records, ``FACTS`` and the ``COL_*`` column names
``_protojson``           protobuf-JSON value decoding shared by the parsers
``tables``               crictl's human tables (sos reports), cut at header offsets, to records
``parse``                one parser per command (JSON, else the table), kubelet Summary API
``fleet``                :func:`collect` through the fan-out, per-node results, CPU %, status
``analysis``             joins and the DataFrames runbooks show, the top-consumers chart
``checks``               :func:`findings`
=======================  =====================================================================

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

from rhcos_helpers.crio.analysis import (
    STATS_FRAME_COLUMNS,
    Chart,
    containers_frame,
    crosscheck_frame,
    image_disk_frame,
    plot_top_consumers,
    restarts_frame,
    stats_frame,
    top_consumers_frame,
    untagged_images_frame,
)
from rhcos_helpers.crio.checks import findings
from rhcos_helpers.crio.fleet import (
    CrioFleet,
    FactResult,
    NodeCrio,
    collect,
    cpu_percent,
    split_nodes,
    status_frame,
)
from rhcos_helpers.crio.parse import (
    parse_imagefsinfo,
    parse_images,
    parse_kubelet_summary,
    parse_pods,
    parse_ps,
    parse_stats,
    parse_statsp,
)
from rhcos_helpers.crio.records import (
    COL_CONTAINER,
    COL_CPU,
    COL_MEMORY,
    COL_NAMESPACE,
    COL_NODE,
    COL_POD,
    COL_STATE,
    FACTS,
    Container,
    ContainerStats,
    FilesystemUsage,
    Image,
    KubeletSummary,
    PodSandbox,
    PodStats,
    SummaryContainer,
)

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
