"""node_os.drift - where the nodes' OS build, kernel, CRI-O and kubelet differ, and why.

Every pool gets the same OS image from the release payload, so the majority is taken per
architecture; the table is grouped by architecture and pool. A node whose value differs is an
outlier, explained by its MachineConfigPool: **expected** while the pool rolls out a config with
another OS image (the node's current config differs from its desired one, or from the pool's
target while the pool is Updating) or while the pool is paused (``spec.paused``) with the node
on an older config; **unexpected** otherwise (a manual rollback or rebase, an override, a failed
update). The configs' ``osImageURL`` are compared when the source holds the rendered configs.
Values come from the node (os-release, uname) and, when the node could not be read (a
must-gather without sos reports, a NotReady node), from nodeInfo; each row says which.

Examples:
    >>> from rhcos_helpers.sources import open_source
    >>> from rhcos_helpers.node_os.fleet import collect
    >>> rows = [r for r in drift(collect(open_source("demo"))) if r.drifts]
    >>> [(r.node, r.pool, r.expected) for r in rows]
    [('infra-0', 'infra', True)]
    >>> rows[0].explanation[:60]
    'expected: pool infra is paused (spec.paused), so the node st'
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import pandas as pd

from rhcos_helpers.findings import Finding, Severity
from rhcos_helpers.node_os.fleet import NodeFleet
from rhcos_helpers.node_os.versions import (
    build_from_os_image,
    os_frame,
    os_release_of,
    rpm_ostree_of,
    uname_of,
)
from rhcos_helpers.sources.base import Attempt

__all__ = [
    "DIMENSIONS",
    "DRIFT_COLUMNS",
    "MAJORITY_COLUMNS",
    "DriftRow",
    "drift",
    "drift_frame",
    "findings",
    "majority_frame",
]

COL_NODE = "node"
COL_POOL = "pool"
COL_ARCH = "arch"

#: What the drift table compares, with the column titles.
DIMENSIONS = {"os_build": "OS build", "kernel": "kernel", "crio": "CRI-O", "kubelet": "kubelet"}


@dataclass(frozen=True)
class DriftRow:
    """One node in the drift table.

    Attributes:
        node: node name.
        arch: ``nodeInfo.architecture`` (the majority is taken per architecture).
        pool: the node's MachineConfigPool.
        os_build: the OS build (os-release, else nodeInfo's osImage).
        kernel: the kernel release (uname, else nodeInfo's kernelVersion).
        crio: CRI-O version (nodeInfo's containerRuntimeVersion).
        kubelet: kubelet version (nodeInfo's kubeletVersion).
        source: where the values came from.
        drifts: the dimensions where the node differs from its architecture's majority.
        expected: True when its pool's state explains the drift, False when nothing does,
            None for nodes that do not drift or whose pool is unknown.
        explanation: why, in one or two sentences.
    """

    node: str
    arch: str
    pool: str
    os_build: str
    kernel: str
    crio: str
    kubelet: str
    source: str
    drifts: tuple[str, ...] = ()
    expected: bool | None = None
    explanation: str = ""


def _values(fleet: NodeFleet, node: str) -> DriftRow:
    info = fleet.node_info(node)
    osr, un = os_release_of(fleet, node), uname_of(fleet, node)
    from_node = [n for n, p in (("os-release", osr), ("uname", un)) if p.ok]
    if len(from_node) == 2:
        source = "node (os-release, uname); CRI-O and kubelet from nodeInfo"
    elif from_node:
        source = f"node ({from_node[0]}); the rest from nodeInfo"
    else:
        source = f"nodeInfo only (node facts {osr.status}: {osr.reason})"
    return DriftRow(
        node=node,
        arch=info.get("architecture", "") or (un.value.machine if un.value else ""),
        pool=fleet.pool_of(node),
        os_build=osr.value.build if osr.value else build_from_os_image(info.get("osImage", "")),
        kernel=un.value.release if un.value else info.get("kernelVersion", ""),
        crio=info.get("containerRuntimeVersion", "").removeprefix("cri-o://"),
        kubelet=info.get("kubeletVersion", ""),
        source=source,
    )


def _on_target(fleet: NodeFleet, node: str) -> bool:
    pool = fleet.pool(fleet.pool_of(node))
    return bool(pool and pool.target_config) and fleet.annotation(node, "currentConfig") == getattr(
        pool, "target_config", None
    )


def _majorities(fleet: NodeFleet, rows: list[DriftRow]) -> dict[tuple[str, str], str]:
    """(arch, dimension) -> majority value; ties go to nodes on their pool's target config."""
    out: dict[tuple[str, str], str] = {}
    for arch in sorted({r.arch for r in rows}):
        group = [r for r in rows if r.arch == arch]
        for dim in DIMENSIONS:
            counts = Counter(getattr(r, dim) for r in group if getattr(r, dim))
            if not counts:
                continue
            on_target = Counter(
                getattr(r, dim) for r in group if getattr(r, dim) and _on_target(fleet, r.node)
            )
            out[(arch, dim)] = max(counts, key=lambda v: (counts[v], on_target[v], v))
    return out


def _explain(fleet: NodeFleet, row: DriftRow) -> tuple[bool | None, str]:
    pool = fleet.pool(row.pool)
    if pool is None:
        why = fleet.pools_reason or f"node {row.node} matches no MachineConfigPool"
        return None, f"cannot tell: {why}"
    cur = fleet.annotation(row.node, "currentConfig")
    des = fleet.annotation(row.node, "desiredConfig")
    target = pool.target_config
    state = fleet.annotation(row.node, "state")

    def same_image(a: str, b: str) -> bool:
        return (
            a in fleet.os_images
            and b in fleet.os_images
            and fleet.os_images[a] == fleet.os_images[b]
        )

    os_dims = {"os_build", "kernel", "crio", "kubelet"} & set(row.drifts)
    if cur and des and cur != des:
        if os_dims and same_image(cur, des):
            return False, (
                f"unexpected: the node is updating from {cur} to {des}, but both configs carry "
                "the same OS image, so the update does not explain a different OS"
            )
        return True, (
            f"expected: the node is updating ({state or 'state unknown'}) from {cur} to {des}, "
            f"a config with another OS image; pool {pool.name} is rolling out"
        )
    if pool.paused and cur and target and cur != target:
        if same_image(cur, target):
            return False, (
                f"unexpected: pool {pool.name} is paused, but its target {target} carries the "
                f"same OS image as the node's {cur}"
            )
        return True, (
            f"expected: pool {pool.name} is paused (spec.paused), so the node stays on {cur} "
            f"while the pool's target {target} (another OS image) waits; unpausing releases it"
        )
    if pool.updating and cur and target and cur != target and not same_image(cur, target):
        return True, (
            f"expected: pool {pool.name} is rolling out {target} (another OS image) and the node "
            f"is still on {cur}, waiting its turn"
        )
    hints = []
    rpm = rpm_ostree_of(fleet, row.node).value
    booted = rpm.booted if rpm else None
    if booted is not None and booted.index > 0:
        hints.append(f"it booted deployment {booted.index} ({booted.version}), not the default")
    staged = rpm.with_role("staged") or rpm.with_role("pending") if rpm else None
    if staged is not None:
        hints.append(f"a {staged.role} deployment {staged.version} waits for a reboot")
    image = fleet.os_images.get(cur, "")
    if booted is not None and image and booted.digest and booted.digest not in image:
        hints.append(f"the booted image is not the osImageURL of {cur}")
    status = "paused" if pool.paused else ("updating" if pool.updating else "not updating")
    return False, (
        f"unexpected: pool {pool.name} is {status} and the node is on "
        f"{cur or 'an unknown config'}: a manual rollback or rebase, an override, or a failed "
        "update" + (f" ({'; '.join(hints)})" if hints else "")
    )


def drift(fleet: NodeFleet) -> list[DriftRow]:
    """Every node with its OS build, kernel, CRI-O and kubelet, outliers marked and explained.

    The majority is taken per architecture (every pool gets the same OS image from the release
    payload); the table is grouped by architecture and pool. A node drifts when one of its
    values differs from its architecture's majority (ties go to the value of nodes on their
    pool's target config). Nodes that could not be read are compared through nodeInfo.
    """
    rows = [_values(fleet, n) for n in fleet.nodes]
    majority = _majorities(fleet, rows)
    out = []
    for row in rows:
        drifts = tuple(
            d
            for d in DIMENSIONS
            if getattr(row, d) and getattr(row, d) != majority.get((row.arch, d), getattr(row, d))
        )
        if drifts:
            row = DriftRow(**{**row.__dict__, "drifts": drifts})
            expected, why = _explain(fleet, row)
            row = DriftRow(**{**row.__dict__, "expected": expected, "explanation": why})
        out.append(row)
    return sorted(out, key=lambda r: (r.arch, r.pool, r.node))


DRIFT_COLUMNS = [
    COL_ARCH, COL_POOL, COL_NODE, *DIMENSIONS.values(), "drifts", "expected", "explanation",
    "values from",
]  # fmt: skip


def drift_frame(fleet: NodeFleet) -> pd.DataFrame:
    """The drift table: one row per node, outlier values marked ``≠``, with the explanation."""
    rows = []
    for r in drift(fleet):
        row: dict[str, Any] = {COL_ARCH: r.arch, COL_POOL: r.pool, COL_NODE: r.node}
        for dim, title in DIMENSIONS.items():
            value = getattr(r, dim)
            row[title] = f"≠ {value}" if dim in r.drifts else value
        row["drifts"] = ", ".join(DIMENSIONS[d] for d in r.drifts)
        row["expected"] = {True: "yes", False: "NO", None: ""}[r.expected]
        row["explanation"] = r.explanation
        row["values from"] = r.source
        rows.append(row)
    return pd.DataFrame(rows, columns=DRIFT_COLUMNS)


MAJORITY_COLUMNS = [COL_ARCH, "what", "majority", "nodes on it", "outliers"]


def majority_frame(fleet: NodeFleet) -> pd.DataFrame:
    """Per architecture and dimension: the majority value and the outliers."""
    rows = drift(fleet)
    majority = _majorities(fleet, rows)
    out = []
    for (arch, dim), value in sorted(majority.items()):
        group = [r for r in rows if r.arch == arch and getattr(r, dim)]
        outliers = [f"{r.node}={getattr(r, dim)}" for r in group if getattr(r, dim) != value]
        out.append(
            {
                COL_ARCH: arch,
                "what": DIMENSIONS[dim],
                "majority": value,
                "nodes on it": f"{len(group) - len(outliers)}/{len(group)}",
                "outliers": ", ".join(outliers),
            }
        )
    return pd.DataFrame(out, columns=MAJORITY_COLUMNS)


# ---------------------------------------------------------------------- findings


def findings(fleet: NodeFleet | Attempt[NodeFleet]) -> list[Finding]:
    """OS drift, unreadable nodes, and nodeInfo disagreeing with what the node says."""
    if isinstance(fleet, Attempt):
        if fleet.value is None:
            return [
                Finding(
                    Severity.WARNING,
                    "Node facts could not be read",
                    fleet.reason or "no reason given",
                    "nodes",
                )
            ]
        fleet = fleet.value
    out: list[Finding] = []
    for row in drift(fleet):
        if not row.drifts:
            continue
        dims = ", ".join(f"{DIMENSIONS[d]} {getattr(row, d)}" for d in row.drifts)
        expected = row.expected is True
        out.append(
            Finding(
                Severity.INFO if expected else Severity.WARNING,
                f"Node {row.node} drifts from the {row.arch} majority ({', '.join(DIMENSIONS[d] for d in row.drifts)})"
                + ("" if expected else ", unexpected"),
                f"It runs {dims}. {row.explanation[0].upper()}{row.explanation[1:]}.",
                f"node/{row.node}, machineconfigpool/{row.pool}",
                "50-pool-rollout",
            )
        )
    unreadable = {}
    for node in fleet.nodes:
        outs = list(fleet.outputs.get(node, {}).values())
        if outs and all(o.status == "failed" for o in outs):
            unreadable[node] = outs[0].reason
    if unreadable:
        out.append(
            Finding(
                Severity.WARNING,
                f"{len(unreadable)} node(s) could not be read: {', '.join(unreadable)}",
                "Their rows use nodeInfo only. "
                + "; ".join(f"{n}: {r}" for n, r in unreadable.items()),
                ", ".join(f"node/{n}" for n in unreadable),
                "30-node-services",
            )
        )
    frame = os_frame(fleet)
    for rec in frame.to_dict("records"):
        for col, what in (("osImage = PRETTY_NAME", "OS image"), ("kernel matches", "kernel")):
            if rec[col] == "NO":
                out.append(
                    Finding(
                        Severity.WARNING,
                        f"Node {rec[COL_NODE]}: the kubelet reports another {what} than the node",
                        "nodeInfo is set when the kubelet starts; a difference means the node "
                        "changed underneath a running kubelet (or reports stale data).",
                        f"node/{rec[COL_NODE]}",
                        "30-node-services",
                    )
                )
    return out
