"""scc.parse - one SecurityContextConstraints object, read into a frozen :class:`Scc`.

An SCC is read from the API object (``security.openshift.io/v1``, cluster-scoped; a must-gather
holds them under ``cluster-scoped-resources/security.openshift.io/securitycontextconstraints``)
into a frozen :class:`Scc`: its flags, capability lists and volume types, its four
:class:`Strategy` objects (runAsUser, seLinuxContext, fsGroup, supplementalGroups), the users and
groups it names itself, and whether the CVO creates it but never updates it (create-only).
:func:`parse_scc` raises :class:`~rhcos_helpers.errors.ParseError` for a field of the wrong type.

The cluster's SCCs in admission order are :mod:`rhcos_helpers.scc.policies`; ``oc get scc``,
``oc describe scc`` and what each allows are :mod:`rhcos_helpers.scc.policy_tables`.

Examples:
    >>> s = parse_scc(SAMPLE_SCC_ANYUID)
    >>> s.name, s.priority, s.run_as_user.type, s.groups
    ('anyuid', 10, 'RunAsAny', ('system:cluster-admins',))
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rhcos_helpers.errors import ParseError

__all__ = [
    "CREATE_ONLY_ANNOTATION",
    "Scc",
    "Strategy",
    "parse_scc",
]

SPEC = "securitycontextconstraints"
CREATE_ONLY_ANNOTATION = "release.openshift.io/create-only"
DESCRIPTION_ANNOTATION = "kubernetes.io/description"


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
