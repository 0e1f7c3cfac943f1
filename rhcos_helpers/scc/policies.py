"""scc.policies - SecurityContextConstraints: the policies, their admission order and what they allow.

An SCC is read from the API object (``security.openshift.io/v1``, cluster-scoped; a must-gather
holds them under ``cluster-scoped-resources/security.openshift.io/securitycontextconstraints``)
into a frozen :class:`Scc`. From there:

* :func:`get_frame` is ``oc get scc`` (the CRD's printer columns NAME PRIV CAPS SELINUX RUNASUSER
  FSGROUP SUPGROUP PRIORITY READONLYROOTFS VOLUMES, as ``oc`` prints string columns: ``<no value>``
  for null, JSON for lists) and :func:`describe_frame` is ``oc describe scc NAME``;
* :func:`score` is the admission plugin's restrictiveness (``pointValue``, lower is more
  restrictive) with the 4.3-4.8 or the 4.9+ weights, and :func:`order_frame` the order in which
  admission tries the SCCs: priority (higher first), then score, then name;
* :func:`beyond_frame` says what each SCC allows beyond ``restricted-v2`` (4.11+) or
  ``restricted``; :func:`create_only_frame` which default SCCs the CVO creates but never updates,
  so an upgraded cluster keeps their old ``users``/``groups``.

Who may use which SCC is :mod:`rhcos_helpers.scc.access`; which SCC admits a pod is
:mod:`rhcos_helpers.scc.admission`; granting one is :mod:`rhcos_helpers.scc.grant`.

Examples:
    >>> s = parse_scc(SAMPLE_SCC_ANYUID)
    >>> s.name, s.priority, s.run_as_user.type, s.groups
    ('anyuid', 10, 'RunAsAny', ('system:cluster-admins',))
    >>> score(s, version="4.16.21"), score(s, version="4.8.2")
    (154950, 104950)
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from rhcos_helpers.errors import ParseError
from rhcos_helpers.findings import Finding, Severity
from rhcos_helpers.sources.base import Source

__all__ = [
    "COL_NAME",
    "COL_PRIORITY",
    "COL_SCORE",
    "CREATE_ONLY_ANNOTATION",
    "LEGACY_DEFAULTS",
    "Policies",
    "Scc",
    "Strategy",
    "Weights",
    "admission_order",
    "beyond_frame",
    "create_only_frame",
    "describe_frame",
    "get_frame",
    "load_policies",
    "minor_version",
    "order_frame",
    "parse_scc",
    "policies_from_objects",
    "policy_findings",
    "score",
    "score_parts",
    "weights_for",
]

log = logging.getLogger(__name__)

SPEC = "securitycontextconstraints"
CREATE_ONLY_ANNOTATION = "release.openshift.io/create-only"
DESCRIPTION_ANNOTATION = "kubernetes.io/description"

COL_NAME = "NAME"
COL_PRIORITY = "PRIORITY"
COL_SCORE = "SCORE"
GET_COLUMNS = [
    "NAME",
    "PRIV",
    "CAPS",
    "SELINUX",
    "RUNASUSER",
    "FSGROUP",
    "SUPGROUP",
    "PRIORITY",
    "READONLYROOTFS",
    "VOLUMES",
]
ORDER_COLUMNS = [
    "ORDER",
    COL_NAME,
    COL_PRIORITY,
    COL_SCORE,
    "PRIVILEGED",
    "HOST PORTS",
    "HOST NETWORK",
    "VOLUMES",
    "SELINUX",
    "RUNASUSER",
    "CAPABILITIES",
    "WEIGHTS",
]

#: Volumes that do not count as "non-trivial" in the score.
TRIVIAL_VOLUMES = frozenset({"secret", "configMap", "emptyDir", "downwardAPI", "projected", "none"})

#: The legacy default SCCs (create-only) and the users/groups a fresh install gives them (HEAD).
LEGACY_DEFAULTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "anyuid": ((), ("system:cluster-admins",)),
    "hostaccess": ((), ()),
    "hostmount-anyuid": (("system:serviceaccount:openshift-infra:pv-recycler-controller",), ()),
    "hostnetwork": ((), ()),
    "nonroot": ((), ()),
    "privileged": (
        ("system:admin", "system:serviceaccount:openshift-infra:build-controller"),
        ("system:cluster-admins", "system:nodes", "system:masters"),
    ),
    "restricted": ((), ()),
}
#: What installs up to 4.10 gave ``restricted`` (kept on upgrade: the SCC is create-only).
RESTRICTED_GROUPS_UP_TO_410 = ("system:authenticated",)


@dataclass(frozen=True)
class Strategy:
    """One strategy of an SCC (runAsUser, seLinuxContext, fsGroup, supplementalGroups).

    Attributes:
        type: ``RunAsAny``, ``MustRunAs``, ``MustRunAsRange``, ``MustRunAsNonRoot``.
        ranges: ``(min, max)`` pairs (fsGroup/supplementalGroups ``ranges``, runAsUser
            ``uidRangeMin``/``uidRangeMax`` or ``ranges``); empty means "from the namespace".
        uid: runAsUser ``uid`` (MustRunAs).
        selinux: seLinuxOptions ``user``, ``role``, ``type``, ``level`` that are set.
    """

    type: str
    ranges: tuple[tuple[int, int], ...] = ()
    uid: int | None = None
    selinux: tuple[tuple[str, str], ...] = ()

    @property
    def selinux_options(self) -> dict[str, str]:
        """The seLinuxOptions as a dict."""
        return dict(self.selinux)


@dataclass(frozen=True)
class Scc:
    """One SecurityContextConstraints object.

    Attributes:
        name: the SCC's name.
        priority: ``priority`` (``None`` when unset; admission treats it as 0).
        allow_privileged: ``allowPrivilegedContainer``.
        allow_privilege_escalation: ``allowPrivilegeEscalation`` (unset means true).
        default_allow_privilege_escalation: ``defaultAllowPrivilegeEscalation``.
        host_network, host_ports, host_pid, host_ipc, host_dir: the ``allowHost*`` flags.
        read_only_root_fs: ``readOnlyRootFilesystem``.
        default_add_caps, required_drop_caps, allowed_caps: capability lists.
        volumes: allowed volume types (``*`` for all).
        run_as_user, selinux, fs_group, supplemental_groups: strategies.
        seccomp_profiles: ``seccompProfiles`` (e.g. ``runtime/default``, ``*``).
        user_namespace_level: ``userNamespaceLevel`` (``RequirePodLevel`` on restricted-v3).
        users, groups: subjects named in the SCC itself.
        create_only: carries ``release.openshift.io/create-only: "true"``.
        description: ``kubernetes.io/description``.
        raw: the API object.
    """

    name: str
    priority: int | None
    allow_privileged: bool
    allow_privilege_escalation: bool
    default_allow_privilege_escalation: bool | None
    host_network: bool
    host_ports: bool
    host_pid: bool
    host_ipc: bool
    host_dir: bool
    read_only_root_fs: bool
    default_add_caps: tuple[str, ...]
    required_drop_caps: tuple[str, ...]
    allowed_caps: tuple[str, ...]
    volumes: tuple[str, ...]
    run_as_user: Strategy
    selinux: Strategy
    fs_group: Strategy
    supplemental_groups: Strategy
    seccomp_profiles: tuple[str, ...]
    user_namespace_level: str
    users: tuple[str, ...]
    groups: tuple[str, ...]
    create_only: bool
    description: str
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def allows_volume(self, volume_type: str) -> bool:
        """Whether pods may use a volume of this type (``*`` allows every type)."""
        return "*" in self.volumes or volume_type in self.volumes


def _bool(obj: Mapping[str, Any], key: str, default: bool = False) -> bool:
    value = obj.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise ParseError(SPEC, f"{key} is {value!r}, not a boolean", excerpt=_excerpt(obj))
    return value


def _strings(obj: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = obj.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ParseError(SPEC, f"{key} is not a list of strings", excerpt=_excerpt(obj))
    return tuple(value)


def _int(value: Any, what: str, obj: Mapping[str, Any]) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ParseError(SPEC, f"{what} is {value!r}, not an integer", excerpt=_excerpt(obj))
    return value


def _excerpt(obj: Mapping[str, Any]) -> str:
    try:
        return json.dumps(obj, default=str)[:200]
    except (TypeError, ValueError):
        return repr(obj)[:200]


def _strategy(obj: Mapping[str, Any], key: str, default: str) -> Strategy:
    raw = obj.get(key)
    if raw is None:
        return Strategy(default)
    if not isinstance(raw, Mapping):
        raise ParseError(SPEC, f"{key} is not an object", excerpt=_excerpt(obj))
    kind = raw.get("type") or default
    if not isinstance(kind, str):
        raise ParseError(SPEC, f"{key}.type is not a string", excerpt=_excerpt(obj))
    ranges: list[tuple[int, int]] = []
    for item in raw.get("ranges") or []:
        if not isinstance(item, Mapping):
            raise ParseError(SPEC, f"{key}.ranges holds a non-object", excerpt=_excerpt(obj))
        ranges.append(
            (_int(item.get("min"), f"{key} min", obj), _int(item.get("max"), f"{key} max", obj))
        )
    if raw.get("uidRangeMin") is not None or raw.get("uidRangeMax") is not None:
        low = _int(raw.get("uidRangeMin"), f"{key}.uidRangeMin", obj)
        high = _int(raw.get("uidRangeMax", low), f"{key}.uidRangeMax", obj)
        ranges.append((low, high))
    uid = raw.get("uid")
    opts = raw.get("seLinuxOptions") or {}
    if not isinstance(opts, Mapping):
        raise ParseError(SPEC, f"{key}.seLinuxOptions is not an object", excerpt=_excerpt(obj))
    selinux = tuple((k, str(v)) for k, v in sorted(opts.items()) if v)
    return Strategy(
        kind,
        tuple(ranges),
        _int(uid, f"{key}.uid", obj) if uid is not None else None,
        selinux,
    )


def parse_scc(obj: Mapping[str, Any]) -> Scc:
    """Build an :class:`Scc` from the API object.

    Raises:
        ParseError: not an object, no ``metadata.name``, or a field of the wrong type.

    Examples:
        >>> parse_scc(SAMPLE_SCC_ANYUID).required_drop_caps
        ('MKNOD',)
        >>> parse_scc({"metadata": {}})
        Traceback (most recent call last):
        ...
        rhcos_helpers.errors.ParseError: securitycontextconstraints: no metadata.name (input starts: '{"metadata": {}}')
    """
    if not isinstance(obj, Mapping):
        raise ParseError(SPEC, "not an object", excerpt=repr(obj))
    meta = obj.get("metadata")
    if not isinstance(meta, Mapping) or not isinstance(meta.get("name"), str) or not meta["name"]:
        raise ParseError(SPEC, "no metadata.name", excerpt=_excerpt(obj))
    annotations = meta.get("annotations") or {}
    if not isinstance(annotations, Mapping):
        raise ParseError(SPEC, "metadata.annotations is not an object", excerpt=_excerpt(obj))
    priority = obj.get("priority")
    default_pe = obj.get("defaultAllowPrivilegeEscalation")
    ns_level = obj.get("userNamespaceLevel") or ""
    return Scc(
        name=str(meta["name"]),
        priority=_int(priority, "priority", obj) if priority is not None else None,
        allow_privileged=_bool(obj, "allowPrivilegedContainer"),
        allow_privilege_escalation=_bool(obj, "allowPrivilegeEscalation", True),
        default_allow_privilege_escalation=_bool(obj, "defaultAllowPrivilegeEscalation")
        if default_pe is not None
        else None,
        host_network=_bool(obj, "allowHostNetwork"),
        host_ports=_bool(obj, "allowHostPorts"),
        host_pid=_bool(obj, "allowHostPID"),
        host_ipc=_bool(obj, "allowHostIPC"),
        host_dir=_bool(obj, "allowHostDirVolumePlugin"),
        read_only_root_fs=_bool(obj, "readOnlyRootFilesystem"),
        default_add_caps=_strings(obj, "defaultAddCapabilities"),
        required_drop_caps=_strings(obj, "requiredDropCapabilities"),
        allowed_caps=_strings(obj, "allowedCapabilities"),
        volumes=_strings(obj, "volumes"),
        run_as_user=_strategy(obj, "runAsUser", "RunAsAny"),
        selinux=_strategy(obj, "seLinuxContext", "RunAsAny"),
        fs_group=_strategy(obj, "fsGroup", "RunAsAny"),
        supplemental_groups=_strategy(obj, "supplementalGroups", "RunAsAny"),
        seccomp_profiles=_strings(obj, "seccompProfiles"),
        user_namespace_level=str(ns_level),
        users=_strings(obj, "users"),
        groups=_strings(obj, "groups"),
        create_only=str(annotations.get(CREATE_ONLY_ANNOTATION, "")).lower() == "true",
        description=str(annotations.get(DESCRIPTION_ANNOTATION, "")),
        raw=obj,
    )


# ------------------------------------------------------------------------------- scoring


@dataclass(frozen=True)
class Weights:
    """The restrictiveness weights of one release range (apiserver-library-go ``pointValue``)."""

    label: str
    privileged: int
    host_ports: int
    host_network: int
    host_volume: int
    non_trivial_volume: int


WEIGHTS_49 = Weights("4.9+", 1_600_000, 800_000, 400_000, 200_000, 100_000)
WEIGHTS_43 = Weights("4.3-4.8", 1_000_000, 400_000, 200_000, 100_000, 50_000)
_RUN_AS_POINTS = {"RunAsAny": 40_000, "MustRunAsNonRoot": 30_000, "MustRunAsRange": 20_000}
_MUST_RUN_AS_POINTS = 10_000


def minor_version(version: str | None) -> tuple[int, int] | None:
    """``(major, minor)`` of a version string, or ``None``.

    Examples:
        >>> minor_version("4.16.21"), minor_version("4.3.5"), minor_version(None)
        ((4, 16), (4, 3), None)
    """
    if not version:
        return None
    parts = version.lstrip("v").split(".")
    try:
        return int(parts[0]), int(parts[1])
    except (ValueError, IndexError):
        return None


def weights_for(version: str | None) -> Weights:
    """The weights the cluster's release uses (4.9+ when the version is unknown).

    Examples:
        >>> weights_for("4.8.57").label, weights_for("4.9.0").label, weights_for(None).label
        ('4.3-4.8', '4.9+', '4.9+')
    """
    mv = minor_version(version)
    return WEIGHTS_43 if mv is not None and mv < (4, 9) else WEIGHTS_49


def _strategy_points(kind: str) -> int:
    return _RUN_AS_POINTS.get(kind, _MUST_RUN_AS_POINTS)


def score_parts(scc: Scc, *, version: str | None) -> dict[str, int]:
    """The parts of :func:`score`: privileged, hostPorts, hostNetwork, volumes, SELinux, user, caps."""
    w = weights_for(version)
    if "hostPath" in scc.volumes or "*" in scc.volumes:
        volumes = w.host_volume
    elif any(v not in TRIVIAL_VOLUMES for v in scc.volumes):
        volumes = w.non_trivial_volume
    else:
        volumes = 0
    caps = 5000 + 300 * len(scc.default_add_caps)
    if "*" in scc.allowed_caps or "ALL" in scc.allowed_caps:
        caps += 4000
    else:
        caps += 10 * len(scc.allowed_caps)
    if "ALL" in scc.required_drop_caps:
        caps -= 3000
    else:
        caps -= 50 * len(scc.required_drop_caps)
    return {
        "privileged": w.privileged if scc.allow_privileged else 0,
        "host_ports": w.host_ports if scc.host_ports else 0,
        "host_network": w.host_network if scc.host_network else 0,
        "volumes": volumes,
        "selinux": _strategy_points(scc.selinux.type),
        "run_as_user": _strategy_points(scc.run_as_user.type),
        "capabilities": max(0, min(caps, 9999)),
    }


def score(scc: Scc, *, version: str | None) -> int:
    """The restrictiveness score (lower is more restrictive) with the release's weights."""
    return sum(score_parts(scc, version=version).values())


def admission_order(sccs: Iterable[Scc], *, version: str | None) -> list[Scc]:
    """SCCs in the order admission tries them: priority desc, score asc, name asc."""
    return sorted(sccs, key=lambda s: (-(s.priority or 0), score(s, version=version), s.name))


# ------------------------------------------------------------------------------- loading


@dataclass(frozen=True)
class Policies:
    """The SCCs of a cluster, in admission order, and the ones that could not be read.

    Attributes:
        sccs: the readable SCCs in admission order.
        errors: ``(name, reason)`` of SCC objects that do not parse (shown as marked rows).
        version: the cluster version (decides the score weights and restricted vs restricted-v2).
        installed_version: the version the cluster was installed at (ClusterVersion history).
    """

    sccs: tuple[Scc, ...]
    errors: tuple[tuple[str, str], ...] = ()
    version: str | None = None
    installed_version: str | None = None

    def get(self, name: str) -> Scc | None:
        """The SCC called ``name``."""
        return next((s for s in self.sccs if s.name == name), None)

    @property
    def baseline_name(self) -> str:
        """``restricted-v2`` when the cluster has it (4.11+), else ``restricted``."""
        return "restricted-v2" if self.get("restricted-v2") is not None else "restricted"

    @property
    def weights(self) -> Weights:
        """The score weights of the cluster's release."""
        return weights_for(self.version)


def policies_from_objects(
    objects: Iterable[Mapping[str, Any]],
    *,
    version: str | None,
    installed_version: str | None = None,
) -> Policies:
    """Parse SCC objects; the ones that do not parse become ``errors``, the rest are ordered."""
    good: list[Scc] = []
    bad: list[tuple[str, str]] = []
    for obj in objects:
        try:
            good.append(parse_scc(obj))
        except ParseError as err:
            meta = obj.get("metadata") if isinstance(obj, Mapping) else None
            name = str(meta.get("name") or "?") if isinstance(meta, Mapping) else "?"
            log.warning("SCC %s does not parse: %s", name, err)
            bad.append((name, str(err)))
    return Policies(
        tuple(admission_order(good, version=version)),
        tuple(bad),
        version,
        installed_version,
    )


def load_policies(source: Source) -> Policies:
    """Read every SCC and the cluster version from a source.

    Raises:
        NotApplicable: the source holds no SCCs (not collected, or not OpenShift).
        ClusterAccessError: the API refused the list.
    """
    objects = source.list("securitycontextconstraints")
    version = source.identity.cluster_version
    installed = None
    cv = source.get("clusterversions", "version")
    if cv is not None:
        history = (cv.get("status") or {}).get("history") or []
        if history:
            installed = str(history[-1].get("version") or "") or None
    return policies_from_objects(objects, version=version, installed_version=installed)


# ------------------------------------------------------------------------------- frames


def _no_value(value: Any) -> str:
    """A string printer column as ``oc`` prints it (``<no value>`` for null, JSON for lists).

    Examples:
        >>> _no_value(None), _no_value(["a", "b"]), _no_value(False), _no_value(10)
        ('<no value>', '["a","b"]', 'false', '10')
    """
    if value is None:
        return "<no value>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def get_frame(policies: Policies) -> pd.DataFrame:
    """``oc get scc``: one row per SCC (sorted by name) plus a marked row per unreadable one."""
    rows: list[dict[str, str]] = []
    for scc in sorted(policies.sccs, key=lambda s: s.name):
        raw = scc.raw
        rows.append(
            {
                "NAME": scc.name,
                "PRIV": _no_value(raw.get("allowPrivilegedContainer")),
                "CAPS": _no_value(raw.get("allowedCapabilities")),
                "SELINUX": _no_value((raw.get("seLinuxContext") or {}).get("type")),
                "RUNASUSER": _no_value((raw.get("runAsUser") or {}).get("type")),
                "FSGROUP": _no_value((raw.get("fsGroup") or {}).get("type")),
                "SUPGROUP": _no_value((raw.get("supplementalGroups") or {}).get("type")),
                "PRIORITY": _no_value(raw.get("priority")),
                "READONLYROOTFS": _no_value(raw.get("readOnlyRootFilesystem")),
                "VOLUMES": _no_value(raw.get("volumes")),
            }
        )
    for name, reason in policies.errors:
        rows.append(
            {c: "" for c in GET_COLUMNS} | {"NAME": f"{name} (unreadable)", "VOLUMES": reason}
        )
    return pd.DataFrame(rows, columns=GET_COLUMNS)


def _none(values: Sequence[str] | str | None, sep: str = ",") -> str:
    if not values:
        return "<none>"
    return values if isinstance(values, str) else sep.join(values)


def _ranges(strategy: Strategy) -> str:
    return ",".join(f"{lo}-{hi}" for lo, hi in strategy.ranges) or "<none>"


def describe_frame(scc: Scc) -> pd.DataFrame:
    """``oc describe scc NAME`` as a two-column table (FIELD, VALUE)."""
    sel = scc.selinux.selinux_options
    uid_range = scc.run_as_user.ranges[0] if scc.run_as_user.ranges else None
    pairs: list[tuple[str, str]] = [
        ("Name", scc.name),
        ("Priority", str(scc.priority) if scc.priority is not None else "<none>"),
        ("Access: Users", _none(scc.users)),
        ("Access: Groups", _none(scc.groups)),
        ("Allow Privileged", str(scc.allow_privileged).lower()),
        ("Allow Privilege Escalation", str(scc.allow_privilege_escalation).lower()),
        ("Default Add Capabilities", _none(scc.default_add_caps)),
        ("Required Drop Capabilities", _none(scc.required_drop_caps)),
        ("Allowed Capabilities", _none(scc.allowed_caps)),
        ("Allowed Seccomp Profiles", _none(scc.seccomp_profiles)),
        ("Allowed Volume Types", _none(scc.volumes)),
        ("Allow Host Network", str(scc.host_network).lower()),
        ("Allow Host Ports", str(scc.host_ports).lower()),
        ("Allow Host PID", str(scc.host_pid).lower()),
        ("Allow Host IPC", str(scc.host_ipc).lower()),
        ("Read Only Root Filesystem", str(scc.read_only_root_fs).lower()),
        ("Run As User Strategy", scc.run_as_user.type),
        ("  UID", str(scc.run_as_user.uid) if scc.run_as_user.uid is not None else "<none>"),
        ("  UID Range Min", str(uid_range[0]) if uid_range else "<none>"),
        ("  UID Range Max", str(uid_range[1]) if uid_range else "<none>"),
        ("SELinux Context Strategy", scc.selinux.type),
        ("  User", sel.get("user", "<none>")),
        ("  Role", sel.get("role", "<none>")),
        ("  Type", sel.get("type", "<none>")),
        ("  Level", sel.get("level", "<none>")),
        ("FSGroup Strategy", scc.fs_group.type),
        ("  Ranges", _ranges(scc.fs_group)),
        ("Supplemental Groups Strategy", scc.supplemental_groups.type),
        ("  Ranges", _ranges(scc.supplemental_groups)),
        ("Create-only (kept across upgrades)", "yes" if scc.create_only else "no"),
        ("Description", scc.description or "<none>"),
    ]
    return pd.DataFrame(pairs, columns=["FIELD", "VALUE"])


def order_frame(policies: Policies) -> pd.DataFrame:
    """The SCCs in admission order with the score and its parts (weights of the release)."""
    rows = []
    for i, scc in enumerate(policies.sccs, start=1):
        parts = score_parts(scc, version=policies.version)
        rows.append(
            {
                "ORDER": i,
                COL_NAME: scc.name,
                COL_PRIORITY: scc.priority or 0,
                COL_SCORE: sum(parts.values()),
                "PRIVILEGED": parts["privileged"],
                "HOST PORTS": parts["host_ports"],
                "HOST NETWORK": parts["host_network"],
                "VOLUMES": parts["volumes"],
                "SELINUX": parts["selinux"],
                "RUNASUSER": parts["run_as_user"],
                "CAPABILITIES": parts["capabilities"],
                "WEIGHTS": policies.weights.label,
            }
        )
    return pd.DataFrame(rows, columns=ORDER_COLUMNS)


def allowances(scc: Scc, base: Scc) -> list[str]:
    """What ``scc`` allows that ``base`` does not, one short phrase each.

    Examples:
        >>> allowances(parse_scc(SAMPLE_SCC_ANYUID), parse_scc(SAMPLE_SCC_RESTRICTED_V2))[:2]
        ['any UID (runAsUser RunAsAny, root included)', 'any fsGroup (RunAsAny)']
    """
    out: list[str] = []
    if scc.allow_privileged and not base.allow_privileged:
        out.append("privileged containers")
    for flag, label in (
        ("host_network", "host network"),
        ("host_ports", "host ports"),
        ("host_pid", "host PID"),
        ("host_ipc", "host IPC"),
    ):
        if getattr(scc, flag) and not getattr(base, flag):
            out.append(label)
    if scc.host_dir and not base.host_dir:
        out.append("hostPath volumes")
    extra_vols = [v for v in scc.volumes if not base.allows_volume(v)]
    if "*" in scc.volumes and "*" not in base.volumes:
        out.append("every volume type")
    elif extra_vols:
        out.append("volumes " + ", ".join(extra_vols))
    rank = {"MustRunAs": 0, "MustRunAsRange": 1, "MustRunAsNonRoot": 2, "RunAsAny": 3}
    if rank.get(scc.run_as_user.type, 0) > rank.get(base.run_as_user.type, 0):
        out.append(
            "any UID (runAsUser RunAsAny, root included)"
            if scc.run_as_user.type == "RunAsAny"
            else f"any non-root UID ({scc.run_as_user.type})"
        )
    if scc.selinux.type == "RunAsAny" and base.selinux.type != "RunAsAny":
        out.append("any SELinux context")
    if scc.fs_group.type == "RunAsAny" and base.fs_group.type != "RunAsAny":
        out.append("any fsGroup (RunAsAny)")
    if scc.supplemental_groups.type == "RunAsAny" and base.supplemental_groups.type != "RunAsAny":
        out.append("any supplemental group")
    kept = [c for c in base.required_drop_caps if c not in scc.required_drop_caps]
    if kept:
        out.append("keeps capabilities " + ", ".join(kept))
    added = [c for c in scc.allowed_caps if c not in base.allowed_caps]
    if added:
        out.append("may add capabilities " + ", ".join(added))
    if scc.allow_privilege_escalation and not base.allow_privilege_escalation:
        out.append("privilege escalation (setuid binaries)")
    if not scc.seccomp_profiles and base.seccomp_profiles:
        out.append("no seccomp profile required (but may not set one)")
    elif "*" in scc.seccomp_profiles and "*" not in base.seccomp_profiles:
        out.append("any seccomp profile")
    return out


def beyond_frame(policies: Policies) -> pd.DataFrame:
    """Per SCC, what it allows beyond ``restricted-v2`` (4.11+) or ``restricted`` (older)."""
    base = policies.get(policies.baseline_name)
    columns = [COL_NAME, "COMPARED WITH", "ALLOWS BEYOND IT"]
    if base is None:
        return pd.DataFrame(
            [{COL_NAME: "(none)", "COMPARED WITH": policies.baseline_name,
              "ALLOWS BEYOND IT": "the cluster has no restricted SCC to compare with"}],
            columns=columns,
        )  # fmt: skip
    rows = [
        {
            COL_NAME: scc.name,
            "COMPARED WITH": base.name,
            "ALLOWS BEYOND IT": "; ".join(allowances(scc, base)) or "nothing more",
        }
        for scc in policies.sccs
        if scc.name != base.name
    ]
    return pd.DataFrame(rows, columns=columns)


def create_only_frame(policies: Policies) -> pd.DataFrame:
    """The legacy default SCCs: create-only, and their subjects against a fresh install's."""
    installed = minor_version(policies.installed_version)
    rows = []
    for name, (users, groups) in LEGACY_DEFAULTS.items():
        scc = policies.get(name)
        if scc is None:
            rows.append({COL_NAME: name, "CREATE-ONLY": "", "USERS": "", "GROUPS": "",
                         "BEYOND A FRESH INSTALL": "", "NOTE": "not in this source"})  # fmt: skip
            continue
        expected_groups = groups
        if name == "restricted" and installed is not None and installed <= (4, 10):
            expected_groups = RESTRICTED_GROUPS_UP_TO_410
        extra = [u for u in scc.users if u not in users] + [
            g for g in scc.groups if g not in expected_groups
        ]
        note = ""
        current = minor_version(policies.version)
        if name == "restricted" and "system:authenticated" in scc.groups:
            note = (
                "open to every authenticated user: the default up to 4.10"
                if current is not None and current <= (4, 10)
                else "open to every authenticated user: kept from an install at 4.10 or older "
                "(create-only), or granted by hand"
            )
        elif extra:
            note = "subjects added to the SCC itself (add-scc-to-user on 4.3/4.4, or by hand)"
        rows.append(
            {
                COL_NAME: name,
                "CREATE-ONLY": "yes" if scc.create_only else "no annotation",
                "USERS": ", ".join(scc.users) or "<none>",
                "GROUPS": ", ".join(scc.groups) or "<none>",
                "BEYOND A FRESH INSTALL": ", ".join(extra) or "",
                "NOTE": note,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[COL_NAME, "CREATE-ONLY", "USERS", "GROUPS", "BEYOND A FRESH INSTALL", "NOTE"],
    )


def policy_findings(policies: Policies) -> list[Finding]:
    """Unreadable SCCs, ``restricted`` open to everyone, extra subjects on legacy SCCs."""
    out: list[Finding] = []
    for name, reason in policies.errors:
        out.append(
            Finding(Severity.WARNING, f"SCC {name} cannot be read", reason,
                    f"securitycontextconstraints/{name}")
        )  # fmt: skip
    restricted = policies.get("restricted")
    mv = minor_version(policies.version)
    if (
        restricted is not None
        and "system:authenticated" in restricted.groups
        and mv is not None
        and mv >= (4, 11)
    ):
        out.append(
            Finding(
                Severity.WARNING,
                "SCC restricted is still open to system:authenticated",
                "The cluster was installed at 4.10 or older and restricted is create-only, so "
                "every user and service account may still use it (and its KILL/SETUID drop "
                "list, privilege escalation allowed) next to restricted-v2.",
                "securitycontextconstraints/restricted",
            )
        )
    for name in ("anyuid", "privileged", "hostaccess", "hostmount-anyuid"):
        scc = policies.get(name)
        if scc is None:
            continue
        users, groups = LEGACY_DEFAULTS[name]
        extra = [u for u in scc.users if u not in users] + [
            g for g in scc.groups if g not in groups
        ]
        if extra:
            out.append(
                Finding(
                    Severity.INFO,
                    f"SCC {name} names extra subjects: {', '.join(extra)}",
                    "Added to the SCC itself (oc adm policy add-scc-to-user on 4.3/4.4, or an "
                    "edit). A create-only SCC keeps them across upgrades.",
                    f"securitycontextconstraints/{name}",
                )
            )
    return out
