"""machineconfigs.channels - the ways nodes get configured besides MachineConfigs.

Three channels, read from API objects:

* **Tuned** (``tuned.openshift.io/v1``, namespace ``openshift-cluster-node-tuning-operator``):
  the Tuned CRs (their TuneD profiles and recommend rules) and the Profile each node got
  (``status.tunedProfile`` and the Applied/Degraded conditions the TuneD operand sets). The
  containerized TuneD daemon applies sysctls and more at runtime, without MCO; a recommend rule
  with ``machineConfigLabels`` makes the operator write a MachineConfig (kernel arguments) that
  reboots the pool.
* **Privileged DaemonSets**: a pod template that runs privileged, mounts the host's ``/`` or
  ``/etc`` or shares the host's PID or network namespace can change every node it lands on.
  Outside ``openshift-*`` namespaces that is a configuration channel that bypasses MCO.
* **Day-1 ignition**: what the installer wrote (``99-<role>-ssh`` and any MachineConfig manifest
  given to ``openshift-install``) appears as MachineConfigs without the controller annotation,
  created at install time; nodes first boot from a pointer Ignition config that fetches the
  rest from the Machine Config Server.

Sample (a 4.16 Profile, fields as in the CRD ``profiles.tuned.openshift.io``)::

    metadata: {name: worker-0, namespace: openshift-cluster-node-tuning-operator}
    spec: {config: {tunedProfile: openshift-node}}
    status:
      tunedProfile: openshift-node
      conditions:
      - {type: Applied, status: "True", reason: AsExpected, message: TuneD profile applied.}
      - {type: Degraded, status: "False", reason: AsExpected, message: No warning or ...}

Examples:
    >>> p = parse_profile({"metadata": {"name": "worker-0"},
    ...     "spec": {"config": {"tunedProfile": "openshift-node"}},
    ...     "status": {"tunedProfile": "openshift-node", "conditions": [
    ...         {"type": "Applied", "status": "True", "reason": "AsExpected",
    ...          "message": "TuneD profile applied."}]}})
    >>> p.node, p.tuned_profile, p.applied, p.degraded
    ('worker-0', 'openshift-node', 'True', '')
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from rhcos_helpers._time import parse_time
from rhcos_helpers.errors import ClusterAccessError, NotApplicable, ParseError, UsageError
from rhcos_helpers.findings import Finding, Severity
from rhcos_helpers.machineconfigs.merge import minor_version
from rhcos_helpers.machineconfigs.parse import McSet
from rhcos_helpers.sources.base import Attempt, Source, attempt

__all__ = [
    "DAY1_WINDOW",
    "NTO_NAMESPACE",
    "DaemonSetAccess",
    "Day1Config",
    "NodeConfig",
    "NodeTuning",
    "TunedInfo",
    "TunedProfileDef",
    "TunedRule",
    "collect",
    "daemonsets_table",
    "day1_facts",
    "day1_table",
    "findings",
    "host_access",
    "node_daemonsets_table",
    "node_profiles_table",
    "parse_profile",
    "parse_tuned",
    "tuned_recommend_table",
    "tuned_table",
]

log = logging.getLogger(__name__)

NTO_NAMESPACE = "openshift-cluster-node-tuning-operator"
#: Tuned CRs the operator owns (``rendered`` existed until 4.16, and 4.14/4.15 z-streams).
OPERATOR_TUNEDS = ("default", "rendered")
#: How far from the install time a MachineConfig may be created and still count as Day-1.
DAY1_WINDOW = timedelta(minutes=30)
_HOST_WRITE_PATHS = ("/", "/etc")


# --- Tuned ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TunedProfileDef:
    """One TuneD profile a Tuned CR defines (``spec.profile[]``)."""

    tuned: str
    name: str
    data: str

    @property
    def summary(self) -> str:
        """The ``summary=`` line of its ``[main]`` section."""
        return _main_key(self.data, "summary")

    @property
    def include(self) -> str:
        """The ``include=`` line: the profile(s) it builds on."""
        return _main_key(self.data, "include")


@dataclass(frozen=True)
class TunedRule:
    """One recommend rule: which nodes get ``profile`` (lower priority number wins)."""

    tuned: str
    profile: str
    priority: int | None
    match: str
    machine_config_labels: str


@dataclass(frozen=True)
class TunedInfo:
    """One Tuned CR: its profiles and recommend rules."""

    name: str
    created: str
    owner: str
    profiles: tuple[TunedProfileDef, ...]
    rules: tuple[TunedRule, ...]


def _or_empty(value: Any, empty: Any) -> Any:
    """``value``, or ``empty`` when it is absent (``None``); other falsy values stay."""
    return empty if value is None else value


def _main_key(data: str, key: str) -> str:
    section = ""
    for raw in data.splitlines():
        line = raw.strip()
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
        elif section == "main" and line.startswith(f"{key}="):
            return line.split("=", 1)[1].strip()
    return ""


def _match_text(matches: Any, spec: str) -> str:
    """``match[]`` as text: entries are OR-ed, nested ``match`` AND-ed with their parent.

    Examples:
        >>> _match_text([{"label": "node-role.kubernetes.io/master"},
        ...              {"label": "tuned.openshift.io/elasticsearch", "type": "pod",
        ...               "match": [{"label": "node-role.kubernetes.io/infra"}]}], "tuned")
        'node node-role.kubernetes.io/master OR (pod tuned.openshift.io/elasticsearch AND node node-role.kubernetes.io/infra)'
    """
    if matches is None:
        return ""
    if not isinstance(matches, list):
        raise ParseError(spec, "recommend match is not a list", excerpt=repr(matches))
    parts = []
    for m in matches:
        if not isinstance(m, dict) or not isinstance(m.get("label"), str):
            raise ParseError(spec, "a match entry has no label", excerpt=repr(m))
        text = f"{m.get('type') or 'node'} {m['label']}"
        if m.get("value") not in (None, ""):
            text += f"={m['value']}"
        inner = _match_text(m.get("match"), spec)
        if " OR " in inner:
            inner = f"({inner})"
        parts.append(f"({text} AND {inner})" if inner else text)
    return " OR ".join(parts)


def parse_tuned(obj: Mapping[str, Any]) -> TunedInfo:
    r"""One Tuned object into its profiles and rules.

    Raises:
        ParseError: not a Tuned object (no name, ``spec.profile``/``recommend`` not lists).

    Examples:
        >>> t = parse_tuned({"metadata": {"name": "default"}, "spec": {
        ...     "profile": [{"name": "openshift", "data": "[main]\nsummary=Parent\n"}],
        ...     "recommend": [{"profile": "openshift-node", "priority": 40}]}})
        >>> t.owner, t.profiles[0].summary, t.rules[0].priority, t.rules[0].match
        ('operator', 'Parent', 40, '')
    """
    meta = obj.get("metadata") if isinstance(obj, Mapping) else None
    name = meta.get("name") if isinstance(meta, Mapping) else None
    if not isinstance(meta, Mapping) or not isinstance(name, str) or not name:
        raise ParseError("tuned", "object has no metadata.name", excerpt=repr(obj))
    spec_name = f"tuned/{name}"
    spec = _or_empty(obj.get("spec"), {})
    if not isinstance(spec, Mapping):
        raise ParseError(spec_name, "spec is not a mapping", excerpt=repr(spec))
    raw_profiles = _or_empty(spec.get("profile"), [])
    raw_rules = _or_empty(spec.get("recommend"), [])
    if not isinstance(raw_profiles, list) or not isinstance(raw_rules, list):
        raise ParseError(spec_name, "spec.profile or spec.recommend is not a list")
    profiles = []
    for p in raw_profiles:
        if not isinstance(p, Mapping) or not isinstance(p.get("name"), str):
            raise ParseError(spec_name, "a profile has no name", excerpt=repr(p))
        profiles.append(TunedProfileDef(name, p["name"], str(p.get("data") or "")))
    rules = []
    for r in raw_rules:
        if not isinstance(r, Mapping):
            raise ParseError(spec_name, "a recommend rule is not a mapping", excerpt=repr(r))
        prio = r.get("priority")
        mcl = r.get("machineConfigLabels") or {}
        rules.append(TunedRule(
            tuned=name, profile=str(r.get("profile") or ""),
            priority=prio if isinstance(prio, int) and not isinstance(prio, bool) else None,
            match=_match_text(r.get("match"), spec_name),
            machine_config_labels=", ".join(f"{k}={v}" for k, v in sorted(dict(mcl).items()))
            if isinstance(mcl, Mapping) else str(mcl),
        ))  # fmt: skip
    owner = "operator" if name in OPERATOR_TUNEDS else "user"
    return TunedInfo(name, str(meta.get("creationTimestamp") or ""), owner, tuple(profiles),
                     tuple(rules))  # fmt: skip


@dataclass(frozen=True)
class NodeTuning:
    """The Profile of one node: the TuneD profile it got and whether it applied.

    ``applied``/``degraded`` hold the condition status (``True``/``False``/``Unknown``), or
    ``""`` when the Profile has no such condition (releases before the conditions existed).
    """

    node: str
    requested: str
    tuned_profile: str
    applied: str = ""
    applied_reason: str = ""
    applied_message: str = ""
    degraded: str = ""
    degraded_reason: str = ""
    degraded_message: str = ""


def parse_profile(obj: Mapping[str, Any]) -> NodeTuning:
    """One Profile object (named after its node).

    Raises:
        ParseError: no name, or conditions that are not a list of mappings.
    """
    meta = obj.get("metadata") if isinstance(obj, Mapping) else None
    name = meta.get("name") if isinstance(meta, Mapping) else None
    if not isinstance(meta, Mapping) or not isinstance(name, str) or not name:
        raise ParseError("profile", "object has no metadata.name", excerpt=repr(obj))
    spec = _or_empty(obj.get("spec"), {})
    status = _or_empty(obj.get("status"), {})
    if not isinstance(spec, Mapping) or not isinstance(status, Mapping):
        raise ParseError(f"profile/{name}", "spec or status is not a mapping")
    config = spec.get("config") or {}
    conds = _or_empty(status.get("conditions"), [])
    if not isinstance(conds, list) or not all(isinstance(c, Mapping) for c in conds):
        raise ParseError(f"profile/{name}", "status.conditions is not a list of mappings")
    by_type = {str(c.get("type")): c for c in conds}
    applied, degraded = by_type.get("Applied", {}), by_type.get("Degraded", {})
    return NodeTuning(
        node=name,
        requested=str(config.get("tunedProfile") or "") if isinstance(config, Mapping) else "",
        tuned_profile=str(status.get("tunedProfile") or ""),
        applied=str(applied.get("status") or ""), applied_reason=str(applied.get("reason") or ""),
        applied_message=str(applied.get("message") or ""),
        degraded=str(degraded.get("status") or ""),
        degraded_reason=str(degraded.get("reason") or ""),
        degraded_message=str(degraded.get("message") or ""),
    )  # fmt: skip


# --- privileged DaemonSets --------------------------------------------------------------------


@dataclass(frozen=True)
class DaemonSetAccess:
    """A DaemonSet whose pods can change the node they run on."""

    namespace: str
    name: str
    access: tuple[str, ...]
    host_paths: tuple[str, ...]
    nodes: tuple[str, ...]
    from_pods: bool

    @property
    def platform(self) -> bool:
        """True in ``openshift-*`` namespaces (the platform's own operands)."""
        return self.namespace.startswith("openshift-")


def host_access(pod_spec: Mapping[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What in a pod spec reaches into the node: (access kinds, written host paths).

    Raises:
        ParseError: containers or volumes that are not lists of mappings.

    Examples:
        >>> host_access({"hostPID": True, "containers": [
        ...     {"name": "c", "securityContext": {"privileged": True}}],
        ...     "volumes": [{"name": "h", "hostPath": {"path": "/etc/sysctl.d"}}]})
        (('privileged', 'hostPath /etc/sysctl.d', 'hostPID'), ('/etc/sysctl.d',))
        >>> host_access({"containers": [{"name": "c"}]})
        ((), ())
    """
    if not isinstance(pod_spec, Mapping):
        raise ParseError("daemonset", "pod spec is not a mapping", excerpt=repr(pod_spec))
    lists = [_or_empty(pod_spec.get(k), []) for k in ("containers", "initContainers", "volumes")]
    if not all(isinstance(x, list) for x in lists):
        raise ParseError("daemonset", "containers or volumes are not lists")
    containers, volumes = lists[0] + lists[1], lists[2]
    if not all(isinstance(c, Mapping) for c in containers):
        raise ParseError("daemonset", "a container is not a mapping")
    access: list[str] = []
    contexts = [c.get("securityContext") for c in containers]
    if any(isinstance(sc, Mapping) and sc.get("privileged") is True for sc in contexts):
        access.append("privileged")
    paths: list[str] = []
    for v in volumes:
        hp = v.get("hostPath") if isinstance(v, Mapping) else None
        path = str(hp.get("path") or "") if isinstance(hp, Mapping) else ""
        norm = path.rstrip("/") or "/"
        if path and (norm in _HOST_WRITE_PATHS or norm.startswith("/etc/")):
            paths.append(norm)
            access.append(f"hostPath {norm}")
    for key in ("hostPID", "hostNetwork"):
        if pod_spec.get(key) is True:
            access.append(key)
    return tuple(access), tuple(paths)


def _daemonsets(source: Source) -> tuple[list[DaemonSetAccess], list[str]]:
    """Privileged DaemonSets from the DaemonSet objects, or from their pods when not collected."""
    pods = attempt(source.list, "pods")
    by_ds: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for pod in pods.value or []:
        for ref in pod["metadata"].get("ownerReferences") or []:
            if ref.get("kind") == "DaemonSet":
                by_ds.setdefault((pod["metadata"].get("namespace", ""), ref.get("name", "")),
                                 []).append(pod)  # fmt: skip
    dsets = attempt(source.list, "daemonsets")
    templates: dict[tuple[str, str], Mapping[str, Any]] = {}
    for ds in dsets.value or []:
        key = (ds["metadata"].get("namespace", ""), ds["metadata"]["name"])
        templates[key] = ((ds.get("spec") or {}).get("template") or {}).get("spec") or {}
    from_pods = dsets.value is None
    for key, members in by_ds.items():
        templates.setdefault(key, members[0].get("spec") or {})
    if pods.value is None and dsets.value is None:
        raise NotApplicable(pods.reason or dsets.reason or "neither pods nor daemonsets read")
    out: list[DaemonSetAccess] = []
    errors: list[str] = []
    for (ns, name), tmpl in sorted(templates.items()):
        try:
            acc, paths = host_access(tmpl)
        except ParseError as exc:
            errors.append(f"daemonset {ns}/{name}: {exc}")
            continue
        if not acc:
            continue
        nodes = sorted({str((p.get("spec") or {}).get("nodeName") or "")
                        for p in by_ds.get((ns, name), [])} - {""})  # fmt: skip
        out.append(DaemonSetAccess(ns, name, acc, paths, tuple(nodes), from_pods))
    return out, errors


# --- Day-1 ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Day1Config:
    """A MachineConfig without the controller annotation, and whether install time made it."""

    name: str
    role: str
    origin: str
    created: str
    day: str


def _install_time(cv: Mapping[str, Any] | None) -> tuple[datetime | None, str, str]:
    """(install time, version, reason) from ClusterVersion: the oldest history entry."""
    if not cv:
        return None, "", "no ClusterVersion in this source: the install time is unknown"
    status = cv.get("status") or {}
    version = str((status.get("desired") or {}).get("version") or "")
    history = [h for h in status.get("history") or [] if isinstance(h, Mapping)]
    if not history:
        return None, version, "ClusterVersion has no history: the install time is unknown"
    oldest = history[-1]  # newest first
    when = parse_time(str(oldest.get("startedTime") or "")) if oldest.get("startedTime") else None
    if when is None:
        return None, version, "the oldest ClusterVersion history entry has no startedTime"
    return when, version, ""


# --- collect ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NodeConfig:
    """Everything the "other ways nodes get configured" section shows."""

    version: str
    nodes: tuple[str, ...]
    tuneds: Attempt[list[TunedInfo]]
    profiles: Attempt[list[NodeTuning]]
    daemonsets: Attempt[list[DaemonSetAccess]]
    day1: Attempt[list[Day1Config]]
    install_time: datetime | None
    errors: tuple[str, ...] = ()


def _parsed(source: Source, resource: str, parser: Any, errors: list[str]) -> Attempt[list[Any]]:
    try:
        got = attempt(source.list, resource, namespace=NTO_NAMESPACE)
    except ClusterAccessError as exc:
        if exc.status != 404:
            raise
        return Attempt(None, f"the API serves no {resource}.tuned.openshift.io: the Node Tuning "
                       "Operator is absent (the NodeTuning capability is disabled, 4.13+)")  # fmt: skip
    if got.value is None:
        return Attempt(None, got.reason)
    out = []
    for obj in got.value:
        try:
            out.append(parser(obj))
        except ParseError as exc:
            errors.append(str(exc))
    return Attempt(out)


def collect(source: Source, *, machineconfigs: Attempt[McSet] | None = None) -> NodeConfig:
    """Read the Tuned CRs, Profiles, privileged DaemonSets and Day-1 MachineConfigs.

    Args:
        source: where to read.
        machineconfigs: the MachineConfigs already read (runbook 40's ``rb.mcs``).
    """
    errors: list[str] = []
    cv = attempt(source.get, "clusterversions", "version").value
    installed, version, install_reason = _install_time(cv)
    version = version or source.identity.cluster_version or ""
    names = attempt(source.node_names)
    tuneds = _parsed(source, "tuneds", parse_tuned, errors)
    profiles = _parsed(source, "profiles", parse_profile, errors)
    if tuneds.value == [] and (profiles.value or []) == []:
        tuneds = Attempt(None, "no Tuned objects in this source: a capture may have left out "
                         f"tuned.openshift.io; `oc adm inspect ns/{NTO_NAMESPACE}` collects them")  # fmt: skip
    if not profiles.value and profiles.ok:
        profiles = Attempt(None, _no_profiles_reason(version))
    elif profiles.value is None:
        profiles = Attempt(None, _no_profiles_reason(version) if _before_profiles(version)
                           else profiles.reason)  # fmt: skip
    ds_errors: list[str] = []

    def read_ds() -> list[DaemonSetAccess]:
        found, errs = _daemonsets(source)
        ds_errors.extend(errs)
        return found

    daemonsets = attempt(read_ds)
    errors.extend(ds_errors)
    mcs = machineconfigs if machineconfigs is not None else Attempt(None, "not read")
    if mcs.value is None:
        day1: Attempt[list[Day1Config]] = Attempt(None, mcs.reason or "no MachineConfigs")
    elif installed is None:
        day1 = Attempt(None, install_reason)
    else:
        rows = []
        for mc in mcs.value.sources():
            if mc.generated_by:
                continue
            created = parse_time(mc.created) if mc.created else None
            day = "unknown"
            if created is not None:
                day = "Day-1" if abs(created - installed) <= DAY1_WINDOW else "Day-2"
            rows.append(Day1Config(mc.name, mc.role, mc.origin, mc.created, day))
        day1 = Attempt(rows)
    return NodeConfig(version, tuple(names.value or ()), tuneds, profiles, daemonsets, day1,
                      installed, tuple(errors))  # fmt: skip


def _before_profiles(version: str) -> bool:
    try:
        return bool(version) and minor_version(version) < (4, 6)
    except UsageError:
        return False


def _no_profiles_reason(version: str) -> str:
    if _before_profiles(version):
        return (f"OpenShift {version} predates the per-node Profile objects (they came with the "
                "Node Tuning Operator of 4.6): its tuned pods read the ConfigMaps tuned-profiles "
                "and tuned-recommend, and each pod's log says which profile it applied")  # fmt: skip
    return ("no Profile objects in this source: a capture may have left out tuned.openshift.io; "
            f"`oc adm inspect ns/{NTO_NAMESPACE}` collects them")  # fmt: skip


# --- tables -----------------------------------------------------------------------------------

TUNED_COLS = ["TUNED", "OWNER", "CREATED", "PROFILE", "SUMMARY", "INCLUDE", "DATA"]
RULE_COLS = ["TUNED", "PROFILE", "PRIORITY", "MATCH", "MACHINECONFIG LABELS"]
PROFILE_COLS = ["NODE", "TUNED PROFILE", "REQUESTED", "APPLIED", "DEGRADED", "REASON", "MESSAGE"]
DS_COLS = ["NAMESPACE", "DAEMONSET", "HOST ACCESS", "CHANNEL", "NODES"]
NODE_DS_COLS = ["NODE", "HOST-ACCESS DAEMONSET PODS", "OUTSIDE openshift-*"]
DAY1_COLS = ["MACHINECONFIG", "ROLE", "ORIGIN", "CREATED", "DAY", "NOTE"]


def tuned_table(nc: NodeConfig) -> Attempt[pd.DataFrame]:
    """One row per TuneD profile a Tuned CR defines (a CR without profiles: one row)."""

    def rows(ts: list[TunedInfo]) -> pd.DataFrame:
        out = []
        for t in ts:
            for p in t.profiles or (TunedProfileDef(t.name, "", ""),):
                out.append([t.name, t.owner, t.created, p.name, p.summary, p.include, p.data])
        return pd.DataFrame(out, columns=TUNED_COLS)

    return nc.tuneds.map(rows)


def tuned_recommend_table(nc: NodeConfig) -> Attempt[pd.DataFrame]:
    """Every recommend rule, by priority (the lowest number that matches a node wins)."""

    def rows(ts: list[TunedInfo]) -> pd.DataFrame:
        rules = sorted((r for t in ts for r in t.rules),
                       key=lambda r: (r.priority is None, r.priority or 0, r.tuned))  # fmt: skip
        return pd.DataFrame(
            [[r.tuned, r.profile, "" if r.priority is None else r.priority,
              r.match or "(every node)", r.machine_config_labels] for r in rules],
            columns=RULE_COLS)  # fmt: skip

    return nc.tuneds.map(rows)


def node_profiles_table(nc: NodeConfig) -> Attempt[pd.DataFrame]:
    """Per node, the TuneD profile it got; a node without a Profile is a marked row."""

    def rows(ps: list[NodeTuning]) -> pd.DataFrame:
        by_node = {p.node: p for p in ps}
        out = []
        for node in sorted(set(nc.nodes) | set(by_node)):
            p = by_node.get(node)
            if p is None:
                out.append([node, "", "", "", "", "NoProfile",
                            "no Profile object for this node: TuneD settings unknown"])  # fmt: skip
                continue
            bad = p.degraded == "True" or p.applied not in ("True", "")
            reason = (p.degraded_reason if p.degraded == "True" else p.applied_reason) or ""
            msg = p.degraded_message if p.degraded == "True" else p.applied_message
            if node not in nc.nodes and nc.nodes:
                msg = f"no such node (stale Profile). {msg}"
            out.append([node, p.tuned_profile, p.requested, p.applied, p.degraded,
                        reason if bad or reason else "", msg])  # fmt: skip
        return pd.DataFrame(out, columns=PROFILE_COLS)

    return nc.profiles.map(rows)


def daemonsets_table(nc: NodeConfig) -> Attempt[pd.DataFrame]:
    """DaemonSets whose pods can change their node; outside ``openshift-*`` they bypass MCO."""

    def rows(ds: list[DaemonSetAccess]) -> pd.DataFrame:
        return pd.DataFrame(
            [[d.namespace, d.name, ", ".join(d.access),
              "platform operand" if d.platform else "user: changes nodes outside MCO",
              f"{len(d.nodes)}: {', '.join(d.nodes)}"] for d in ds],
            columns=DS_COLS)  # fmt: skip

    return nc.daemonsets.map(rows)


def node_daemonsets_table(nc: NodeConfig) -> Attempt[pd.DataFrame]:
    """Per node, the privileged DaemonSet pods that run there (every node a row)."""

    def rows(ds: list[DaemonSetAccess]) -> pd.DataFrame:
        out = []
        for node in sorted(set(nc.nodes) | {n for d in ds for n in d.nodes}):
            here = [d for d in ds if node in d.nodes]
            users = [f"{d.namespace}/{d.name}" for d in here if not d.platform]
            out.append([node, ", ".join(f"{d.namespace}/{d.name}" for d in here)
                        or "none running (pods not scheduled, or the node is down)",
                        ", ".join(users) or "none"])  # fmt: skip
        return pd.DataFrame(out, columns=NODE_DS_COLS)

    return nc.daemonsets.map(rows)


def day1_table(nc: NodeConfig) -> Attempt[pd.DataFrame]:
    """MachineConfigs without the controller annotation, Day-1 (install time) or Day-2."""
    note = {
        "Day-1": "written at install; changing it now is a Day-2 MachineConfig change that "
        "rolls out through the pool",
        "Day-2": "added after install",
        "unknown": "no creationTimestamp",
    }
    return nc.day1.map(lambda rows: pd.DataFrame(
        [[d.name, d.role, d.origin, d.created, d.day, note[d.day]] for d in rows],
        columns=DAY1_COLS))  # fmt: skip


def day1_facts(nc: NodeConfig) -> Attempt[dict[str, object]]:
    """How the install time was found and what Day-1 configuration is."""
    if nc.install_time is None:
        return Attempt(None, nc.day1.reason or "the install time is unknown")
    return Attempt({
        "Install time (UTC)": nc.install_time.strftime("%Y-%m-%d %H:%M:%S"),
        "From": "ClusterVersion status.history, oldest entry's startedTime",
        "Day-1 window": f"created within {int(DAY1_WINDOW.total_seconds() // 60)} minutes of it",
        "Pointer Ignition": "each node first boots a small Ignition config (the installer's "
        "<role>.ign, kept in the <role>-user-data secret of openshift-machine-api) that only "
        "points at the Machine Config Server (https://api-int.<cluster>:22623/config/<pool>); "
        "the MCS serves the pool's rendered config. It is not a MachineConfig.",
        "Changing Day-1 config": "edit or add a MachineConfig: a Day-2 change, rolled out by "
        "the pool (drain and reboot as section 4 predicts); the pointer config is not re-read",
    })  # fmt: skip


# --- findings ---------------------------------------------------------------------------------


def findings(nc: NodeConfig) -> list[Finding]:
    """Degraded or unapplied TuneD profiles, nodes without a Profile, user DaemonSets, MCs."""
    out: list[Finding] = []
    profiles = nc.profiles.value or []
    have = {p.node for p in profiles}
    for p in profiles:
        where = f"profile/{p.node} (namespace {NTO_NAMESPACE})"
        if p.degraded == "True":
            out.append(Finding(Severity.WARNING, f"TuneD profile on node {p.node} is Degraded",
                               f"{p.tuned_profile}: {p.degraded_reason}: {p.degraded_message}",
                               where))  # fmt: skip
        elif p.applied in ("False", "Unknown"):
            out.append(Finding(Severity.WARNING,
                               f"TuneD profile on node {p.node} is not applied",
                               f"{p.tuned_profile}: {p.applied_reason}: {p.applied_message}",
                               where))  # fmt: skip
    if profiles:
        for node in nc.nodes:
            if node not in have:
                out.append(Finding(Severity.WARNING, f"Node {node} has no TuneD Profile",
                                   "The Node Tuning Operator made no Profile for it: its TuneD "
                                   "settings are unknown (is the tuned pod running there?).",
                                   f"node/{node}"))  # fmt: skip
    for d in nc.daemonsets.value or []:
        if not d.platform:
            out.append(Finding(
                Severity.WARNING,
                f"DaemonSet {d.namespace}/{d.name} can change nodes outside MCO",
                f"Its pods run with {', '.join(d.access)} on {len(d.nodes)} node(s). What it "
                "writes is not in any MachineConfig: MCO neither renders nor checks it, and a "
                "reboot or a node replacement may lose it.",
                f"daemonset/{d.name} (namespace {d.namespace})"))  # fmt: skip
    for t in nc.tuneds.value or []:
        for r in t.rules:
            if r.machine_config_labels:
                out.append(Finding(
                    Severity.INFO, f"Tuned {t.name} writes a MachineConfig for {r.profile}",
                    f"Its rule selects pools by MachineConfig labels {r.machine_config_labels}: "
                    "the operator renders the profile's kernel arguments into a MachineConfig, "
                    "so changing it reboots that pool.", f"tuned/{t.name}"))  # fmt: skip
    for e in nc.errors:
        out.append(Finding(Severity.WARNING, "An object could not be read", e, NTO_NAMESPACE))
    return out
