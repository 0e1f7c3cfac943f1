"""scc.psa - Pod Security Admission (OpenShift 4.11+) beside the SCCs.

A namespace's labels ``pod-security.kubernetes.io/{enforce,audit,warn}`` (and ``-version``) set
the Pod Security Standard each mode checks; an unlabelled mode falls back to the cluster's
default (OpenShift: enforce ``privileged``, audit and warn ``restricted``). OpenShift's label
syncer sets audit/warn from the SCCs the namespace's service accounts may use, unless the
namespace carries ``security.openshift.io/scc.podSecurityLabelSync: "false"`` (it never manages
``openshift-*``, ``kube-*`` and ``default``). PSA validates the pod **after** SCC admission
changed it, so the pod checked here is the admitted one.

Checks implemented (Pod Security Standards, ``latest``): baseline - host namespaces, privileged,
capabilities beyond the baseline set, hostPath volumes, host ports, seccomp ``Unconfined``;
restricted adds volume types, ``allowPrivilegeEscalation=false``, ``capabilities.drop=["ALL"]``
(only ``NET_BIND_SERVICE`` added), ``runAsNonRoot=true``, ``runAsUser`` not 0 and a
``RuntimeDefault``/``Localhost`` seccomp profile.

Examples:
    >>> pod = {"spec": {"hostNetwork": True, "containers": [{"name": "c"}]}}
    >>> check(pod, "baseline")
    ['host namespaces (hostNetwork=true)']
    >>> check(pod, "privileged")
    []
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from rhcos_helpers.scc.policies import minor_version

__all__ = ["LEVELS", "PsaMode", "check", "modes", "psa_frame"]

LEVELS = ("privileged", "baseline", "restricted")
LABEL = "pod-security.kubernetes.io/"
SYNC_LABEL = "security.openshift.io/scc.podSecurityLabelSync"
#: OpenShift's cluster-wide PodSecurity defaults (4.11+).
CLUSTER_DEFAULTS = {"enforce": "privileged", "audit": "restricted", "warn": "restricted"}
_BASELINE_CAPS = frozenset(
    {"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
     "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"}
)  # fmt: skip
_RESTRICTED_VOLUMES = frozenset(
    {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim",
     "projected", "secret"}
)  # fmt: skip


def _containers(spec: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        c
        for key in ("initContainers", "containers", "ephemeralContainers")
        for c in spec.get(key) or []
        if isinstance(c, dict)
    ]


def check(pod: Mapping[str, Any], level: str) -> list[str]:
    """The Pod Security Standard ``level`` violations of ``pod``, worded as the API server does."""
    if level not in ("baseline", "restricted"):
        return []
    spec = pod.get("spec") or {}
    psc = spec.get("securityContext") or {}
    containers = _containers(spec)
    out: list[str] = []
    hosts = [f"{k}=true" for k in ("hostNetwork", "hostPID", "hostIPC") if spec.get(k)]
    if hosts:
        out.append(f"host namespaces ({', '.join(hosts)})")
    priv = [c["name"] for c in containers if (c.get("securityContext") or {}).get("privileged")]
    if priv:
        out.append(
            f"privileged (container {', '.join(repr(n) for n in priv)} must not set "
            "securityContext.privileged=true)".replace("'", '"')
        )
    bad_caps = sorted(
        {
            cap
            for c in containers
            for cap in ((c.get("securityContext") or {}).get("capabilities") or {}).get("add") or []
            if cap not in _BASELINE_CAPS
        }
    )
    if bad_caps:
        out.append(f"non-default capabilities (capabilities {', '.join(bad_caps)} not allowed)")
    host_paths = [v.get("name") for v in spec.get("volumes") or [] if "hostPath" in v]
    if host_paths:
        out.append(
            f"hostPath volumes ({', '.join(f'volume {n!r}' for n in host_paths)})".replace("'", '"')
        )
    ports = [
        str(p["hostPort"])
        for c in containers
        for p in c.get("ports") or []
        if isinstance(p, dict) and p.get("hostPort")
    ]
    if ports:
        out.append(f"hostPort (hostPorts {', '.join(ports)})")
    profiles = [psc.get("seccompProfile") or {}] + [
        (c.get("securityContext") or {}).get("seccompProfile") or {} for c in containers
    ]
    if any(p.get("type") == "Unconfined" for p in profiles):
        out.append('seccompProfile (type "Unconfined" is not allowed)')
    if level == "baseline":
        return out
    other_vols = sorted(
        {
            k
            for v in spec.get("volumes") or []
            for k in v
            if k != "name" and k != "hostPath" and k not in _RESTRICTED_VOLUMES
        }
    )
    if other_vols:
        out.append(f"restricted volume types (volume types {', '.join(other_vols)})")
    names = [c["name"] for c in containers]
    escal = [n for c, n in zip(containers, names, strict=True)
             if (c.get("securityContext") or {}).get("allowPrivilegeEscalation") is not False]  # fmt: skip
    if escal:
        out.append(
            f"allowPrivilegeEscalation != false (container {_q(escal)} must set "
            "securityContext.allowPrivilegeEscalation=false)"
        )
    caps_bad = []
    for c in containers:
        caps = (c.get("securityContext") or {}).get("capabilities") or {}
        if "ALL" not in (caps.get("drop") or []) or any(
            a != "NET_BIND_SERVICE" for a in caps.get("add") or []
        ):
            caps_bad.append(c["name"])
    if caps_bad:
        out.append(
            f"unrestricted capabilities (container {_q(caps_bad)} must set "
            'securityContext.capabilities.drop=["ALL"])'
        )
    pod_non_root = psc.get("runAsNonRoot") is True
    not_non_root = [
        c["name"]
        for c in containers
        if (c.get("securityContext") or {}).get("runAsNonRoot") is not True and not pod_non_root
    ]
    if not_non_root:
        out.append(
            f"runAsNonRoot != true (pod or container {_q(not_non_root)} must set "
            "securityContext.runAsNonRoot=true)"
        )
    root = [c["name"] for c in containers if (c.get("securityContext") or {}).get("runAsUser") == 0]
    if psc.get("runAsUser") == 0:
        out.append("runAsUser=0 (pod must not set runAsUser=0)")
    if root:
        out.append(f"runAsUser=0 (container {_q(root)} must not set runAsUser=0)")
    pod_seccomp = (psc.get("seccompProfile") or {}).get("type") in ("RuntimeDefault", "Localhost")
    no_seccomp = [
        c["name"]
        for c in containers
        if not pod_seccomp
        and ((c.get("securityContext") or {}).get("seccompProfile") or {}).get("type")
        not in ("RuntimeDefault", "Localhost")
    ]
    if no_seccomp:
        out.append(
            f"seccompProfile (pod or container {_q(no_seccomp)} must set "
            'securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")'
        )
    return out


def _q(names: list[str]) -> str:
    return ", ".join(f'"{n}"' for n in names)


@dataclass(frozen=True)
class PsaMode:
    """One Pod Security mode of a namespace.

    Attributes:
        mode: ``enforce``, ``audit`` or ``warn``.
        level: ``privileged``, ``baseline`` or ``restricted``.
        version: the ``-version`` label, or ``latest``.
        set_by: ``label`` or ``cluster default``.
    """

    mode: str
    level: str
    version: str
    set_by: str


def modes(namespace: Mapping[str, Any]) -> list[PsaMode]:
    """The three modes of a namespace (label, else the cluster default)."""
    labels = (namespace.get("metadata") or {}).get("labels") or {}
    out = []
    for mode, default in CLUSTER_DEFAULTS.items():
        level = labels.get(f"{LABEL}{mode}")
        version = str(labels.get(f"{LABEL}{mode}-version") or "latest")
        if level in LEVELS:
            out.append(PsaMode(mode, str(level), version, "label"))
        else:
            out.append(PsaMode(mode, default, "latest", "cluster default"))
    return out


def label_sync(namespace: Mapping[str, Any]) -> str:
    """Whether OpenShift's syncer manages the namespace's audit/warn labels, and why."""
    meta = namespace.get("metadata") or {}
    name = str(meta.get("name") or "")
    value = str((meta.get("labels") or {}).get(SYNC_LABEL, "")).lower()
    if value == "false":
        return f"off ({SYNC_LABEL}=false)"
    if name.startswith(("openshift", "kube-")) or name == "default":
        return "not managed (platform namespace)" + (
            " but labelled true" if value == "true" else ""
        )
    return "on (audit/warn follow the SCCs its service accounts may use)"


PSA_COLUMNS = ["MODE", "LEVEL", "VERSION", "SET BY", "RESULT", "VIOLATIONS"]


def psa_frame(
    namespace: Mapping[str, Any], pod: Mapping[str, Any], *, version: str | None
) -> pd.DataFrame:
    """Per mode: the level and whether the (admitted) pod is rejected, warned or audited."""
    mv = minor_version(version)
    if mv is not None and mv < (4, 11):
        return pd.DataFrame(
            [{"MODE": "-", "LEVEL": "-", "VERSION": "-", "SET BY": "-",
              "RESULT": "not applicable", "VIOLATIONS": f"Pod Security Admission runs from "
              f"OpenShift 4.11; this cluster runs {version}"}],
            columns=PSA_COLUMNS,
        )  # fmt: skip
    rows = []
    for m in modes(namespace):
        found = check(pod, m.level)
        verb = {"enforce": "rejected", "audit": "audited", "warn": "warned"}[m.mode]
        rows.append(
            {
                "MODE": m.mode,
                "LEVEL": m.level,
                "VERSION": m.version,
                "SET BY": m.set_by,
                "RESULT": verb if found else "ok",
                "VIOLATIONS": ", ".join(found),
            }
        )
    rows.append(
        {"MODE": "label sync", "LEVEL": "", "VERSION": "", "SET BY": "",
         "RESULT": label_sync(namespace), "VIOLATIONS": ""}
    )  # fmt: skip
    return pd.DataFrame(rows, columns=PSA_COLUMNS)
