"""node_os.versions - what each node runs (OS, deployments, kernel), beside what nodeInfo says.

The per-node tables of runbook 10 over the parsed node output
(:mod:`~rhcos_helpers.node_os.os_release`, :mod:`~rhcos_helpers.node_os.rpm_ostree`,
:mod:`~rhcos_helpers.node_os.uname`): the OS and its classification, the ostree deployments and
the kernel, each beside nodeInfo's ``osImage``/``kernelVersion``, and the findings on
deployments (a non-default boot, a staged update, unlocked, layered packages). Accounts and sudo
live in :mod:`~rhcos_helpers.node_os.accounts`, the cross-node comparison in
:mod:`~rhcos_helpers.node_os.drift`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import pandas as pd

from rhcos_helpers.findings import Finding, Severity
from rhcos_helpers.node_os.fleet import NodeFleet, Parsed, parse_output
from rhcos_helpers.node_os.os_release import OsRelease, parse_os_release
from rhcos_helpers.node_os.rpm_ostree import RpmOstreeStatus, parse_rpm_ostree_status
from rhcos_helpers.node_os.uname import Uname, parse_uname
from rhcos_helpers.sources.base import Attempt

__all__ = [
    "NOT_COREOS",
    "build_from_os_image",
    "deployments_frame",
    "findings",
    "is_coreos",
    "kernel_frame",
    "os_frame",
    "os_release_of",
    "rpm_ostree_of",
    "uname_of",
]


NOT_COREOS = "not a CoreOS node (a RHEL worker has no rpm-ostree deployments)"


COL_NODE = "node"
COL_POOL = "pool"
COL_ARCH = "arch"
COL_NOTE = "node output"


def os_release_of(fleet: NodeFleet, node: str) -> Parsed[OsRelease]:
    """The node's ``/etc/os-release``, parsed, or why not."""
    return parse_output(fleet.output(node, "os_release"), parse_os_release)


def uname_of(fleet: NodeFleet, node: str) -> Parsed[Uname]:
    """The node's ``uname -a``, parsed, or why not."""
    return parse_output(fleet.output(node, "uname"), parse_uname)


def is_coreos(fleet: NodeFleet, node: str) -> bool | None:
    """CoreOS per the node's os-release (the MCO's rule), else per nodeInfo's osImage; or None."""
    osr = os_release_of(fleet, node)
    if osr.ok and osr.value is not None:
        return osr.value.is_coreos
    image = fleet.node_info(node).get("osImage", "")
    if not image:
        return None
    return "CoreOS" in image


def rpm_ostree_of(fleet: NodeFleet, node: str) -> Parsed[RpmOstreeStatus]:
    """The node's ``rpm-ostree status``, parsed; ``not applicable`` on a non-CoreOS node."""
    if is_coreos(fleet, node) is False:
        return Parsed(node, "rpm_ostree_status", None, "not applicable", NOT_COREOS)
    return parse_output(fleet.output(node, "rpm_ostree_status"), parse_rpm_ostree_status)


_BUILD_IN_IMAGE = re.compile(r"\b(\d+\.\d+\.\d{8,12}[-.]\d+)\b")


def build_from_os_image(os_image: str) -> str:
    """The OS build inside nodeInfo's ``osImage`` (the os-release PRETTY_NAME).

    Examples:
        >>> build_from_os_image("Red Hat Enterprise Linux CoreOS 416.94.202409191851-0 (Plow)")
        '416.94.202409191851-0'
        >>> build_from_os_image("Red Hat Enterprise Linux 8.6 (Ootpa)")
        'Red Hat Enterprise Linux 8.6'
    """
    match = _BUILD_IN_IMAGE.search(os_image)
    return match.group(1) if match else os_image.split(" (", 1)[0]


def _same(a: str, b: str) -> str:
    if not a or not b:
        return ""
    return "yes" if a == b else "NO"


OS_COLUMNS = [
    COL_NODE, COL_POOL, COL_ARCH, "flavour", "CoreOS (MCO rule)", "OpenShift", "base OS",
    "OS build", "PRETTY_NAME", "nodeInfo osImage", "osImage = PRETTY_NAME", "kernel (uname -r)",
    "nodeInfo kernelVersion", "kernel matches", "nodeInfo containerRuntimeVersion",
    "nodeInfo kubeletVersion", COL_NOTE,
]  # fmt: skip


def os_frame(fleet: NodeFleet) -> pd.DataFrame:
    """One row per node: os-release and its classification beside what nodeInfo says."""
    rows = []
    for node in fleet.nodes:
        info = fleet.node_info(node)
        osr, un = os_release_of(fleet, node), uname_of(fleet, node)
        o, u = osr.value, un.value
        coreos = is_coreos(fleet, node)
        if o is not None:
            kind = f"yes ({o.flavour})" if o.is_coreos else "no"
        else:
            kind = {True: "yes (nodeInfo)", False: "no (nodeInfo)", None: ""}[coreos]
        notes = [p.note.replace(": ", f" {p.fact}: ", 1) for p in (osr, un) if not p.ok]
        rows.append(
            {
                COL_NODE: node,
                COL_POOL: fleet.pool_of(node),
                COL_ARCH: info.get("architecture", u.machine if u else ""),
                "flavour": o.flavour if o else "",
                "CoreOS (MCO rule)": kind,
                "OpenShift": o.openshift_version if o else "",
                "base OS": o.base_version if o else "",
                "OS build": o.build if o else "",
                "PRETTY_NAME": o.pretty_name if o else "",
                "nodeInfo osImage": info.get("osImage", ""),
                "osImage = PRETTY_NAME": _same(o.pretty_name if o else "", info.get("osImage", "")),
                "kernel (uname -r)": u.release if u else "",
                "nodeInfo kernelVersion": info.get("kernelVersion", ""),
                "kernel matches": _same(u.release if u else "", info.get("kernelVersion", "")),
                "nodeInfo containerRuntimeVersion": info.get("containerRuntimeVersion", ""),
                "nodeInfo kubeletVersion": info.get("kubeletVersion", ""),
                COL_NOTE: "; ".join(notes) or osr.origin,
            }
        )
    return pd.DataFrame(rows, columns=OS_COLUMNS)


DEPLOYMENT_COLUMNS = [
    COL_NODE, "role", "version", "timestamp (UTC)", "image", "digest", "origin", "stateroot",
    "pinned", "layered packages", COL_NOTE,
]  # fmt: skip


def deployments_frame(fleet: NodeFleet) -> pd.DataFrame:
    """Booted, staged, pending and rollback deployments of every node (marked rows otherwise)."""
    rows: list[dict[str, Any]] = []
    for node in fleet.nodes:
        rpm = rpm_ostree_of(fleet, node)
        if rpm.value is None:
            rows.append({COL_NODE: node, COL_NOTE: rpm.note})
            continue
        for d in rpm.value.deployments:
            rows.append(
                {
                    COL_NODE: node,
                    "role": d.role,
                    "version": d.version,
                    "timestamp (UTC)": d.timestamp.strftime("%Y-%m-%d %H:%M:%S")
                    if d.timestamp
                    else "",
                    "image": d.image,
                    "digest": d.digest,
                    "origin": d.origin_description,
                    "stateroot": d.osname,
                    "pinned": d.pinned,
                    "layered packages": " ".join(d.layered_packages),
                    COL_NOTE: f"{rpm.origin} ({rpm.format})",
                }
            )
    return pd.DataFrame(rows, columns=DEPLOYMENT_COLUMNS, dtype=object).fillna("")


KERNEL_COLUMNS = [
    COL_NODE, COL_ARCH, "release", "variant", "build", "nodeInfo kernelVersion", "matches",
    COL_NOTE,
]  # fmt: skip


def kernel_frame(fleet: NodeFleet) -> pd.DataFrame:
    """The running kernel of every node (``uname -a``), beside nodeInfo's kernelVersion."""
    rows = []
    for node in fleet.nodes:
        un, info = uname_of(fleet, node), fleet.node_info(node)
        u = un.value
        rows.append(
            {
                COL_NODE: node,
                COL_ARCH: u.machine if u else info.get("architecture", ""),
                "release": u.release if u else "",
                "variant": u.variant if u else "",
                "build": u.version if u else "",
                "nodeInfo kernelVersion": info.get("kernelVersion", ""),
                "matches": _same(u.release if u else "", info.get("kernelVersion", "")),
                COL_NOTE: un.note or un.origin,
            }
        )
    return pd.DataFrame(rows, columns=KERNEL_COLUMNS)


# ---------------------------------------------------------------------- findings


def findings(fleet: NodeFleet | Attempt[NodeFleet]) -> list[Finding]:
    """Deployments needing attention: a non-default boot, a staged update, unlocked, layered."""
    if isinstance(fleet, Attempt):
        if fleet.value is None:
            return []
        fleet = fleet.value
    out: list[Finding] = []
    for node in fleet.nodes:
        rpm = rpm_ostree_of(fleet, node).value
        if rpm is not None:
            out.extend(_deployment_findings(node, rpm))
    return out


def _deployment_findings(node: str, rpm: RpmOstreeStatus) -> Iterable[Finding]:
    where = f"node/{node}"
    booted = rpm.booted
    if booted is not None and booted.index > 0 and rpm.deployments[0].role != "staged":
        yield Finding(
            Severity.WARNING,
            f"Node {node} booted a non-default deployment ({booted.version})",
            f"The default is {rpm.deployments[0].version}; someone rolled back or a boot failed.",
            where,
            "50-pool-rollout",
        )
    staged = rpm.with_role("staged") or rpm.with_role("pending")
    if staged is not None:
        yield Finding(
            Severity.INFO,
            f"Node {node} has a {staged.role} deployment {staged.version}",
            "It becomes the booted OS at the next reboot (the MCD reboots after staging).",
            where,
            "50-pool-rollout",
        )
    for d in rpm.deployments:
        if d.unlocked not in ("", "none"):
            yield Finding(
                Severity.WARNING,
                f"Node {node}: deployment {d.version} is unlocked ({d.unlocked})",
                "ostree admin unlock makes /usr writable; the MCO does not expect it.",
                where,
            )
        if d.layered_packages and d.booted:
            yield Finding(
                Severity.INFO,
                f"Node {node} has layered packages: {' '.join(d.layered_packages)}",
                "Client-side layering outside the MCO's extensions survives until the next OS "
                "update rebases the node.",
                where,
                "40-machineconfigs",
            )
