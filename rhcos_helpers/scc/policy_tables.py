"""scc.policy_tables - the SCCs as ``oc`` shows them, what each allows, and findings.

* :func:`get_frame` is ``oc get scc`` (the CRD's printer columns NAME PRIV CAPS SELINUX RUNASUSER
  FSGROUP SUPGROUP PRIORITY READONLYROOTFS VOLUMES, as ``oc`` prints string columns: ``<no value>``
  for null, JSON for lists) and :func:`describe_frame` is ``oc describe scc NAME``;
* :func:`order_frame` is the admission order with each score and its parts
  (:mod:`rhcos_helpers.scc.policies`);
* :func:`beyond_frame` says what each SCC allows beyond ``restricted-v2`` (4.11+) or
  ``restricted``; :func:`create_only_frame` which default SCCs the CVO creates but never updates,
  so an upgraded cluster keeps their old ``users``/``groups`` (:data:`LEGACY_DEFAULTS`);
* :func:`policy_findings`: unreadable SCCs, ``restricted`` still open to every authenticated user,
  extra subjects on the legacy SCCs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pandas as pd

from rhcos_helpers.findings import Finding, Severity
from rhcos_helpers.scc.parse import Scc, Strategy
from rhcos_helpers.scc.policies import Policies, minor_version, score_parts

__all__ = [
    "COL_NAME",
    "COL_PRIORITY",
    "COL_SCORE",
    "LEGACY_DEFAULTS",
    "beyond_frame",
    "create_only_frame",
    "describe_frame",
    "get_frame",
    "order_frame",
    "policy_findings",
]

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
        >>> from rhcos_helpers.scc.parse import parse_scc
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
