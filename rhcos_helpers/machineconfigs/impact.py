"""machineconfigs.impact - will a config change drain and reboot the nodes? (MCO post-config actions).

For each change of a :class:`~rhcos_helpers.machineconfigs.render.ConfigDiff`, the action the
machine-config daemon of the cluster's release takes, and why:

* **4.3–4.6**: every applied change drains and reboots the node (release-4.3 ``update()``
  always ends in ``updateOSAndReboot``; SSH keys are written first but the node still reboots).
* **4.7**: ``calculatePostConfigChangeAction``: a change to a unit, kernel arguments,
  extensions, FIPS, kernel type or the OS image reboots; files: ``/var/lib/kubelet/config.json``
  needs nothing, ``/etc/containers/registries.conf`` a ``systemctl reload crio``; any other
  path reboots. SSH keys need nothing. The node is still drained, even for "none".
* **4.8–4.13**: as 4.7, with ``/etc/kubernetes/kubelet-ca.crt`` also "none" and
  ``/etc/containers/policy.json`` and ``/etc/machine-config-daemon/no-reboot/containers-gpg.pub``
  also "reload crio" (added during these releases; the exact release is not pinned here);
  "none" skips the drain (4.8+); a reload of crio for ``registries.conf`` still drains unless
  the change only adds ``pull-from-mirror=digest-only`` mirrors or appends
  ``unqualified-search-registries`` (not evaluated here: predicted as a drain).
* **4.14–4.16** (release-4.14 ``pkg/daemon/update.go``, exact paths): none =
  ``/etc/kubernetes/kubelet-ca.crt``, ``/etc/mco/internal-registry-pull-secret.json``,
  ``/var/lib/kubelet/config.json``; reload crio = ``registries.conf``, ``containers-gpg.pub``,
  ``policy.json``; restart crio = ``/etc/pki/ca-trust/source/anchors/openshift-config-user-ca-bundle.crt``.
* **NodeDisruptionPolicy** (TechPreview in 4.16, GA in 4.17): the cluster's
  ``MachineConfiguration/cluster`` ``status.nodeDisruptionPolicyStatus.clusterPolicies`` (files
  by exact path or longest directory prefix, units by name, sshkey); without it (4.17+) the
  documented defaults. Only Reboot and Drain actions drain.

Always: a FIPS change after install makes the node **Unreconcilable** (the daemon refuses it),
and directories, links and users other than ``core`` are refused (node Degraded).

Single-node OpenShift (Infrastructure ``controlPlaneTopology: SingleReplica``, 4.8+): the daemon
never drains the node (MCO ``docs/SingleNodeOpenShift.md``), and while it reboots the API and
every workload are unavailable.

Versions: OpenShift 4.1 onwards; a release newer than the newest these rules were read from
(:data:`NEWEST_KNOWN`) is predicted with the newest rules, and the basis says so.

Examples:
    >>> from rhcos_helpers.machineconfigs.render import Change, ConfigDiff
    >>> d = ConfigDiff("a", "b", (Change("file", "/etc/containers/registries.conf", "changed"),))
    >>> [(i.action, i.drain) for i in predict(d, version="4.14.3").items]
    [('reload crio', True)]
    >>> predict(d, version="4.6.1").action
    'reboot'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from rhcos_helpers.cluster import SINGLE_REPLICA
from rhcos_helpers.errors import UsageError
from rhcos_helpers.machineconfigs.merge import minor_version
from rhcos_helpers.machineconfigs.render import Change, ConfigDiff

__all__ = [
    "DEFAULT_CLUSTER_POLICIES",
    "NEWEST_KNOWN",
    "Impact",
    "ItemImpact",
    "impact_frame",
    "policy_from_machineconfiguration",
    "predict",
]

#: The newest minor release whose post-config actions these rules were read from (4.N).
NEWEST_KNOWN = 21

KUBELET_CA = "/etc/kubernetes/kubelet-ca.crt"
PULL_SECRET = "/var/lib/kubelet/config.json"
INTERNAL_PULL_SECRET = "/etc/mco/internal-registry-pull-secret.json"
REGISTRIES = "/etc/containers/registries.conf"
POLICY_JSON = "/etc/containers/policy.json"
GPG = "/etc/machine-config-daemon/no-reboot/containers-gpg.pub"
USER_CA = "/etc/pki/ca-trust/source/anchors/openshift-config-user-ca-bundle.crt"

#: pkg/apihelpers/apihelpers.go ``defaultClusterPolicies`` (4.17+), as the status shows them
#: (the product docs' "Default node disruption policy" lists the internal registry pull secret
#: first).
DEFAULT_CLUSTER_POLICIES: dict[str, Any] = {
    "files": [
        {"path": INTERNAL_PULL_SECRET, "actions": [{"type": "None"}]},
        {"path": PULL_SECRET, "actions": [{"type": "None"}]},
        {"path": GPG, "actions": [{"type": "Reload", "reload": {"serviceName": "crio.service"}}]},
        {"path": POLICY_JSON,
         "actions": [{"type": "Reload", "reload": {"serviceName": "crio.service"}}]},
        {"path": "/etc/containers/registries.d",
         "actions": [{"type": "Reload", "reload": {"serviceName": "crio.service"}}]},
        {"path": "/etc/crio/policies",
         "actions": [{"type": "Reload", "reload": {"serviceName": "crio.service"}}]},
        {"path": REGISTRIES, "actions": [{"type": "Special"}]},
        {"path": "/etc/nmstate/openshift", "actions": [{"type": "None"}]},
        {"path": USER_CA, "actions": [
            {"type": "Restart", "restart": {"serviceName": "coreos-update-ca-trust.service"}},
            {"type": "Restart", "restart": {"serviceName": "crio.service"}},
        ]},
        {"path": "/etc/kubernetes/credential-providers",
         "actions": [{"type": "Restart", "restart": {"serviceName": "kubelet.service"}}]},
        {"path": "/etc/systemd/system/kubelet.service.d/40-kubelet-crio-image-credential-provider.conf",
         "actions": [{"type": "DaemonReload"},
                     {"type": "Restart", "restart": {"serviceName": "kubelet.service"}}]},
    ],
    "units": [],
    "sshkey": {"actions": [{"type": "None"}]},
}  # fmt: skip

_RANK = {"none": 0, "daemon-reload": 1, "reload": 2, "restart": 3, "drain": 4, "reboot": 5,
         "unreconcilable": 6}  # fmt: skip


def _rank(action: str) -> int:
    return max(_RANK.get(part.strip().split(" ")[0], 5) for part in action.split(","))


@dataclass(frozen=True)
class ItemImpact:
    """The daemon's action for one change, and why."""

    kind: str
    item: str
    change: str
    action: str
    drain: bool
    reason: str


@dataclass(frozen=True)
class Impact:
    """The post-config action of a whole diff.

    Attributes:
        version: the release the prediction is for.
        basis: which rules were used (``always reboot (4.3-4.6)``, ``release-4.14 paths``,
            ``NodeDisruptionPolicy status``, ``NodeDisruptionPolicy defaults`` ...).
        items: one per change.
        action: the strongest action (``none`` < reload < restart < drain < ``reboot`` <
            ``unreconcilable``); ``no change`` for an empty diff.
        drain: whether the node is drained first.
        single_node: a single-node cluster (never drained; no API while the node reboots).
    """

    version: str
    basis: str
    items: tuple[ItemImpact, ...]
    action: str
    drain: bool
    single_node: bool = False

    @property
    def reboot(self) -> bool:
        """True when the nodes reboot."""
        return self.action == "reboot"

    @property
    def unreconcilable(self) -> bool:
        """True when the daemon refuses the change (node Degraded/Unreconcilable)."""
        return self.action == "unreconcilable"

    @property
    def summary(self) -> str:
        """One line for a report."""
        if not self.items:
            return "No change: the nodes keep running as they are."
        if self.unreconcilable:
            return (
                "The machine-config daemon refuses this change: nodes go Degraded "
                "(Unreconcilable) and the pool stops updating."
            )
        what = {"reboot": "rebooted", "none": "left running (no service touched)"}.get(
            self.action, f"left running ({self.action})"
        )
        if self.single_node:
            text = f"The single node is not drained (the daemon never drains one) and {what}"
            if self.reboot:
                return text + ": the API and every workload are down until it is back."
            return text + "."
        drain = "drained, then " if self.drain else "not drained; "
        return f"Each node is {drain}{what}, one pool node at a time (maxUnavailable)."


def policy_from_machineconfiguration(obj: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """``status.nodeDisruptionPolicyStatus.clusterPolicies`` of ``MachineConfiguration/cluster``."""
    if not obj:
        return None
    status = (obj.get("status") or {}).get("nodeDisruptionPolicyStatus") or {}
    policies = status.get("clusterPolicies")
    return dict(policies) if isinstance(policies, Mapping) else None


def _describe(actions: Sequence[Mapping[str, Any]]) -> tuple[str, bool]:
    parts: list[str] = []
    drain = False
    for a in actions:
        kind = str(a.get("type", ""))
        if kind == "Reboot":
            return "reboot", True
        if kind == "Drain":
            drain = True
            parts.append("drain")
        elif kind == "Reload":
            parts.append(f"reload {(a.get('reload') or {}).get('serviceName', '?')}")
        elif kind == "Restart":
            parts.append(f"restart {(a.get('restart') or {}).get('serviceName', '?')}")
        elif kind == "DaemonReload":
            parts.append("daemon-reload")
        elif kind == "Special":
            parts.append("reload crio.service")
            drain = True
        elif kind == "None":
            continue
    return (", ".join(parts) or "none"), drain


def _policy_match(
    path: str, files: Sequence[Mapping[str, Any]]
) -> Sequence[Mapping[str, Any]] | None:
    """FindClosestFilePolicyPathMatch: exact path, or the longest directory containing it."""
    best: Sequence[Mapping[str, Any]] | None = None
    length = -1
    for policy in files:
        ppath = str(policy.get("path", "")).rstrip("/")
        if path == ppath or path.startswith(ppath + "/"):
            if len(ppath) > length:
                best, length = policy.get("actions") or [], len(ppath)
    return best


def _legacy_file(path: str, minor: int) -> tuple[str, bool, str]:
    restart: set[str] = set()
    if minor == 7:
        none, reload = {PULL_SECRET}, {REGISTRIES}
    elif minor < 14:
        none, reload = {KUBELET_CA, PULL_SECRET}, {REGISTRIES, POLICY_JSON, GPG}
    else:
        none = {KUBELET_CA, INTERNAL_PULL_SECRET, PULL_SECRET}
        reload, restart = {REGISTRIES, POLICY_JSON, GPG}, {USER_CA}
    drain_for_none = minor == 7
    if path in none:
        return "none", drain_for_none, f"4.{minor} applies {path} without a reboot"
    if path in reload:
        drain = True if path == REGISTRIES or minor == 7 else False
        why = f"4.{minor} reloads crio for {path}"
        if path == REGISTRIES and minor >= 8:
            why += (" (drained unless the change only adds digest-only mirrors or appends "
                    "unqualified-search-registries)")  # fmt: skip
        return "reload crio", drain, why
    if path in restart:
        return "restart crio", False, f"4.{minor} updates the CA trust and restarts crio"
    return "reboot", True, f"{path} is not on 4.{minor}'s list of files applied without a reboot"


_REBOOT_KINDS = {
    "kernel-argument": "kernel arguments change only at boot",
    "extension": "extensions are layered into the OS image (rpm-ostree) and need a reboot",
    "os-image": "a new OS image is staged by rpm-ostree and booted",
    "kernel-type": "a kernel type switch needs a reboot",
}


def predict(
    diff: ConfigDiff,
    *,
    version: str,
    policy: Mapping[str, Any] | None = None,
    tech_preview: bool = False,
    topology: str = "",
) -> Impact:
    """The post-config action of a diff on a release.

    Args:
        diff: what changes (:func:`~rhcos_helpers.machineconfigs.render.diff_configs`).
        version: the cluster's OpenShift version (``4.N`` or ``4.N.z``).
        policy: ``clusterPolicies`` from ``MachineConfiguration/cluster`` status, when present.
        tech_preview: the cluster runs the TechPreviewNoUpgrade feature set (4.16 policies).
        topology: Infrastructure ``controlPlaneTopology``; ``SingleReplica`` means no drain.

    Raises:
        UsageError: an unknown version (not ``4.N``, or before 4.1), named, with the form to use.
    """
    _, minor = minor_version(version)
    if minor < 1:
        raise UsageError(
            f"unknown OpenShift version {version!r}: OpenShift 4 releases start at 4.1; give "
            "the cluster's version as 4.N or 4.N.z (e.g. 4.16)"
        )
    items: list[ItemImpact] = []
    use_policy: Mapping[str, Any] | None = None
    if minor >= 17 or (minor == 16 and (tech_preview or policy)):
        use_policy = policy or DEFAULT_CLUSTER_POLICIES
        basis = (
            "NodeDisruptionPolicy status (MachineConfiguration/cluster)"
            if policy
            else "NodeDisruptionPolicy defaults (no MachineConfiguration status read)"
        )
    elif minor < 7:
        basis = "always drain and reboot (4.3-4.6)"
    elif minor == 7:
        basis = "release-4.7 post-config actions"
    elif minor < 14:
        basis = "release-4.8..4.13 post-config actions"
    else:
        basis = "release-4.14 post-config action paths"
    if minor > NEWEST_KNOWN:
        basis += (f" (4.{minor} is newer than 4.{NEWEST_KNOWN}, the newest release these rules "
                  "were read from: assumed unchanged)")  # fmt: skip
    single = topology == SINGLE_REPLICA
    if single:
        basis += "; single-node: never drained"
    for c in diff.changes:
        item = _item(c, minor, use_policy)
        if single and item.drain:
            item = ItemImpact(item.kind, item.item, item.change, item.action, False,
                              item.reason + " (single-node: not drained)")  # fmt: skip
        items.append(item)
    if not items:
        return Impact(version, basis, (), "no change", False, single)
    top = max(items, key=lambda i: _rank(i.action))
    action = top.action
    if _rank(action) < 5 and any(i.action.startswith("drain") for i in items):
        action = "drain"
    return Impact(version, basis, tuple(items), action, any(i.drain for i in items), single)


def _item(c: Change, minor: int, policy: Mapping[str, Any] | None) -> ItemImpact:
    def out(action: str, drain: bool, reason: str) -> ItemImpact:
        return ItemImpact(c.kind, c.item, c.change, action, drain, reason)

    if c.kind == "fips":
        return out("unreconcilable", False,
                   "FIPS can only be set at install; the daemon refuses to change it "
                   "(node Unreconcilable)")  # fmt: skip
    if c.kind == "unsupported":
        return out("unreconcilable", False,
                   f"the machine-config daemon does not support {c.item}: node Degraded")  # fmt: skip
    if minor < 7:
        return out("reboot", True, f"4.{minor} drains and reboots for every change")
    if c.kind in _REBOOT_KINDS:
        return out("reboot", True, _REBOOT_KINDS[c.kind])
    if c.kind == "ssh-keys":
        if policy is not None:
            action, drain = _describe((policy.get("sshkey") or {}).get("actions") or [])
            return out(action, drain, "sshkey node disruption policy")
        return out("none", minor == 7, "SSH keys are written without a reboot (4.7+)")
    if c.kind == "unit":
        if policy is not None:
            for unit in policy.get("units") or []:
                if unit.get("name") == c.item:
                    action, drain = _describe(unit.get("actions") or [])
                    return out(action, drain, f"unit policy for {c.item}")
            return out("reboot", True, f"no node disruption policy for unit {c.item}")
        return out("reboot", True, "any systemd unit change reboots (before NodeDisruptionPolicy)")
    if c.kind == "file":
        if policy is not None:
            actions = _policy_match(c.item, policy.get("files") or [])
            if actions is None:
                return out("reboot", True, f"no node disruption policy covers {c.item}")
            action, drain = _describe(actions)
            return out(action, drain, f"file policy for {c.item}")
        action, drain, why = _legacy_file(c.item, minor)
        return out(action, drain, why)
    return out("reboot", True, f"{c.kind} change")


def impact_frame(impact: Impact) -> pd.DataFrame:
    """One row per change: action, drain, reason (the basis is in the caption)."""
    rows = [
        {
            "KIND": i.kind,
            "ITEM": i.item,
            "CHANGE": i.change,
            "ACTION": i.action,
            "DRAIN": i.drain,
            "REASON": i.reason,
        }  # fmt: skip
        for i in impact.items
    ]
    return pd.DataFrame(rows, columns=["KIND", "ITEM", "CHANGE", "ACTION", "DRAIN", "REASON"])
