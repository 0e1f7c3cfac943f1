"""scc._matching - one SCC applied to a pod: defaults filled in, then validated.

What the admission plugin's provider (openshift/apiserver-library-go ``sccmatching``) does for
one SCC: :func:`_apply` fills in what the SCC and the namespace's allocation
(:class:`~rhcos_helpers.scc.admission_input.NamespaceAllocation`) leave open (MustRunAsRange
gives the first UID of the block, MustRunAs SELinux the level, fsGroup the first GID,
supplemental groups the first GID of the blocks; the SCC's required drop and default add
capabilities, privilege escalation, a read-only root filesystem, the first allowed seccomp
profile) and returns the validation errors in the plugin's wording
(``.containers[0].runAsUser: Invalid value: 0: must be in the ranges: [...]``). When the SCC needs
an annotation the namespace lacks it raises :class:`_Fail` (the review cannot decide).

The walk over the SCCs in admission order is :mod:`rhcos_helpers.scc.admission`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rhcos_helpers.scc.admission_input import MCS, SUPPLEMENTAL, UID_RANGE, NamespaceAllocation
from rhcos_helpers.scc.parse import Scc

_VOLUME_SOURCES_SKIP = {"name"}


class _Fail(Exception):
    """An SCC that cannot be applied: its messages."""

    def __init__(self, messages: list[str], *, undecided: bool = False) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages
        self.undecided = undecided


def _seccomp_of(sc: Mapping[str, Any]) -> str | None:
    prof = sc.get("seccompProfile") or {}
    kind = prof.get("type")
    if kind == "RuntimeDefault":
        return "runtime/default"
    if kind == "Localhost":
        return f"localhost/{prof.get('localhostProfile', '')}"
    if kind == "Unconfined":
        return "unconfined"
    return None


def _in_ranges(value: int, ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(lo <= value <= hi for lo, hi in ranges)


def _apply(scc: Scc, pod: dict[str, Any], alloc: NamespaceAllocation) -> list[str]:
    """Default and validate ``pod`` (mutated in place) against ``scc``; the error messages."""
    spec = pod["spec"]
    psc: dict[str, Any] = spec.setdefault("securityContext", {}) or {}
    spec["securityContext"] = psc
    errs: list[str] = []
    undecided: list[str] = []

    def need_uid_range() -> tuple[tuple[int, int], ...]:
        if scc.run_as_user.ranges:
            return scc.run_as_user.ranges
        if alloc.uid_range is None:
            undecided.append(f"namespace {alloc.namespace} has no annotation {UID_RANGE}")
            return ()
        return (alloc.uid_range,)

    # host namespaces and ports
    for key, allowed, label in (
        ("hostNetwork", scc.host_network, "Host network"),
        ("hostPID", scc.host_pid, "Host PID"),
        ("hostIPC", scc.host_ipc, "Host IPC"),
    ):
        if spec.get(key) and not allowed:
            errs.append(
                f".spec.securityContext.{key}: Invalid value: true: {label} is not allowed to be used"
            )
    # volumes
    for i, vol in enumerate(spec.get("volumes") or []):
        types = [k for k in vol if k not in _VOLUME_SOURCES_SKIP] if isinstance(vol, dict) else []
        for vtype in types or ["none"]:
            ok = scc.allows_volume(vtype) and (vtype != "hostPath" or scc.host_dir)
            if not ok:
                errs.append(
                    f'spec.volumes[{i}]: Invalid value: "{vtype}": {vtype} volumes are not '
                    "allowed to be used"
                )
    # fsGroup
    if scc.fs_group.type == "MustRunAs":
        ranges = scc.fs_group.ranges or alloc.groups[:1]
        if not ranges:
            undecided.append(f"namespace {alloc.namespace} has no annotation {SUPPLEMENTAL}")
        elif psc.get("fsGroup") is None:
            psc["fsGroup"] = ranges[0][0]
        elif not _in_ranges(int(psc["fsGroup"]), ranges):
            g = psc["fsGroup"]
            errs.append(
                f".spec.securityContext.fsGroup: Invalid value: []int64{{{g}}}: {g} is not an "
                "allowed group"
            )
    # supplemental groups
    if scc.supplemental_groups.type == "MustRunAs":
        ranges = scc.supplemental_groups.ranges or alloc.groups
        if not ranges:
            undecided.append(f"namespace {alloc.namespace} has no annotation {SUPPLEMENTAL}")
        elif not psc.get("supplementalGroups"):
            psc["supplementalGroups"] = [ranges[0][0]]
        else:
            for g in psc["supplementalGroups"]:
                if not _in_ranges(int(g), ranges):
                    errs.append(
                        f".spec.securityContext.supplementalGroups: Invalid value: []int64{{{g}}}: "
                        f"{g} is not an allowed group"
                    )
    # SELinux
    wanted: dict[str, str] = {}
    if scc.selinux.type == "MustRunAs":
        wanted = scc.selinux.selinux_options
        if "level" not in wanted:
            if alloc.mcs is None:
                undecided.append(f"namespace {alloc.namespace} has no annotation {MCS}")
            else:
                wanted = {**wanted, "level": alloc.mcs}
        given = psc.get("seLinuxOptions")
        if not given:
            if wanted:
                psc["seLinuxOptions"] = dict(wanted)
        else:
            errs.extend(_selinux_errors(".spec.securityContext.seLinuxOptions", given, wanted))
    # seccomp
    errs.extend(_seccomp(scc, pod, psc))
    # user namespaces
    if scc.user_namespace_level == "RequirePodLevel" and spec.get("hostUsers", True) is not False:
        errs.append(".spec.hostUsers: Invalid value: true: must be false to use a user namespace")
    # run as user, pod level
    pod_uid = psc.get("runAsUser")
    errs.extend(_uid_errors(scc, ".spec.securityContext", pod_uid, psc, need_uid_range))
    # containers
    for prefix, containers in (
        (".initContainers", spec.get("initContainers") or []),
        (".containers", spec.get("containers") or []),
    ):
        for i, c in enumerate(containers):
            errs.extend(_container(scc, c, f"{prefix}[{i}]", psc, wanted, need_uid_range))
    if undecided:
        raise _Fail(sorted(set(undecided)), undecided=True)
    return errs


def _selinux_errors(path: str, given: Mapping[str, Any], wanted: Mapping[str, str]) -> list[str]:
    return [
        f'{path}.{k}: Invalid value: "{given[k]}": must be {v}'
        for k, v in wanted.items()
        if given.get(k) and given[k] != v
    ]


def _seccomp(scc: Scc, pod: dict[str, Any], psc: dict[str, Any]) -> list[str]:
    errs: list[str] = []
    allowed = scc.seccomp_profiles
    if "*" in allowed:
        return errs
    targets = [(".spec.securityContext.seccompProfile", psc)] + [
        (f".containers[{i}].securityContext.seccompProfile", c.get("securityContext") or {})
        for i, c in enumerate(pod["spec"].get("containers") or [])
    ]
    for path, sc in targets:
        prof = _seccomp_of(sc)
        if prof is None:
            continue
        if not allowed:
            errs.append(f"{path}: Forbidden: seccomp may not be set")
        elif prof not in allowed:
            errs.append(
                f"{path}: Forbidden: {prof} is not an allowed seccomp profile. Valid values are "
                f"{', '.join(allowed)}"
            )
    if allowed and _seccomp_of(psc) is None:
        first = allowed[0]
        if first == "runtime/default":
            psc["seccompProfile"] = {"type": "RuntimeDefault"}
        elif first.startswith("localhost/"):
            psc["seccompProfile"] = {"type": "Localhost", "localhostProfile": first[10:]}
    return errs


def _uid_errors(scc: Scc, path: str, uid: Any, sc: dict[str, Any], need_range: Any) -> list[str]:
    kind = scc.run_as_user.type
    if uid is None:
        return []
    if kind == "MustRunAsRange":
        ranges = need_range()
        if ranges and not _in_ranges(int(uid), ranges):
            shown = ", ".join(f"[{lo}, {hi}]" for lo, hi in ranges)
            return [f"{path}.runAsUser: Invalid value: {uid}: must be in the ranges: {shown}"]
    elif kind == "MustRunAs" and scc.run_as_user.uid is not None and uid != scc.run_as_user.uid:
        return [f"{path}.runAsUser: Invalid value: {uid}: must be: {scc.run_as_user.uid}"]
    elif kind == "MustRunAsNonRoot" and int(uid) == 0:
        return [f"{path}.runAsUser: Invalid value: 0: running with the root UID is forbidden"]
    return []


def _container(
    scc: Scc,
    c: dict[str, Any],
    path: str,
    psc: Mapping[str, Any],
    selinux: Mapping[str, str],
    need_range: Any,
) -> list[str]:
    sc: dict[str, Any] = c.setdefault("securityContext", {}) or {}
    c["securityContext"] = sc
    errs: list[str] = []
    if sc.get("privileged") and not scc.allow_privileged:
        errs.append(
            f"{path}.privileged: Invalid value: true: Privileged containers are not allowed"
        )
    caps: dict[str, Any] = sc.get("capabilities") or {}
    for cap in caps.get("add") or []:
        allowed = "*" in scc.allowed_caps or cap in scc.allowed_caps or cap in scc.default_add_caps
        if not allowed or cap in scc.required_drop_caps:
            errs.append(
                f'{path}.capabilities.add: Invalid value: "{cap}": capability may not be added'
            )
    if scc.required_drop_caps or scc.default_add_caps:
        drop = list(caps.get("drop") or [])
        drop += [d for d in scc.required_drop_caps if d not in drop]
        add = list(caps.get("add") or [])
        add += [a for a in scc.default_add_caps if a not in add]
        sc["capabilities"] = {k: v for k, v in (("add", add), ("drop", drop)) if v}
    for port in c.get("ports") or []:
        if isinstance(port, dict) and port.get("hostPort") and not scc.host_ports:
            errs.append(
                f"{path}.hostPort: Invalid value: {port['hostPort']}: Host ports are not allowed "
                "to be used"
            )
    if sc.get("allowPrivilegeEscalation") and not scc.allow_privilege_escalation:
        errs.append(
            f"{path}.allowPrivilegeEscalation: Invalid value: true: Allowing privilege escalation "
            "for containers is not allowed"
        )
    elif sc.get("allowPrivilegeEscalation") is None:
        if scc.default_allow_privilege_escalation is not None:
            sc["allowPrivilegeEscalation"] = scc.default_allow_privilege_escalation
        elif not scc.allow_privilege_escalation:
            sc["allowPrivilegeEscalation"] = False
    if scc.read_only_root_fs:
        if sc.get("readOnlyRootFilesystem") is False:
            errs.append(
                f"{path}.readOnlyRootFilesystem: Invalid value: false: ReadOnlyRootFilesystem "
                "must be set to true"
            )
        sc.setdefault("readOnlyRootFilesystem", True)
    if sc.get("seLinuxOptions"):
        errs.extend(_selinux_errors(f"{path}.seLinuxOptions", sc["seLinuxOptions"], selinux))
    uid = sc.get("runAsUser")
    errs.extend(_uid_errors(scc, path, uid, sc, need_range))
    effective = uid if uid is not None else psc.get("runAsUser")
    kind = scc.run_as_user.type
    if kind == "MustRunAsRange" and effective is None:
        ranges = need_range()
        if ranges:
            sc["runAsUser"] = ranges[0][0]
    elif kind == "MustRunAs" and effective is None and scc.run_as_user.uid is not None:
        sc["runAsUser"] = scc.run_as_user.uid
    elif kind == "MustRunAsNonRoot":
        non_root = sc.get("runAsNonRoot", psc.get("runAsNonRoot"))
        if non_root is False:
            errs.append(f"{path}.runAsNonRoot: Invalid value: false: must be true")
        elif effective is None and non_root is None:
            sc["runAsNonRoot"] = True
    return errs
