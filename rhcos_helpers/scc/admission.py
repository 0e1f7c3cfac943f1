"""scc.admission - which SCC admits a pod, the security context it gets, and why others did not.

The walk follows the admission plugin (openshift/apiserver-library-go ``sccadmission``): the SCCs
in admission order (:func:`rhcos_helpers.scc.policies.admission_order`; only the one named by the pod
annotation ``openshift.io/required-scc`` when it is set), each checked for access first (the
pod's service account, then the requesting user: :func:`rhcos_helpers.scc.access.access_through`)
and then defaulted and validated against the pod (:mod:`rhcos_helpers.scc._matching`). On CREATE
the first SCC that validates wins, even when it changed the pod. The namespace's
``openshift.io/sa.scc.uid-range``, ``openshift.io/sa.scc.mcs`` and
``openshift.io/sa.scc.supplemental-groups`` fill what the SCC leaves open
(:func:`rhcos_helpers.scc.admission_input.allocation`); the pod itself comes from
:mod:`rhcos_helpers.scc.admission_input`.

Messages for SCCs passed over use the admission plugin's wording (``provider "anyuid":
Forbidden: not usable by user or serviceaccount``, ``provider restricted-v2: .containers[0]
.runAsUser: Invalid value: 0: must be in the ranges: [...]``). :func:`verdict_frame` and
:func:`security_context_frame` show a :class:`Review`.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from rhcos_helpers.scc._matching import _apply, _Fail, _seccomp_of
from rhcos_helpers.scc.access import Rbac, Requester, access_through, service_account_identity
from rhcos_helpers.scc.admission_input import allocation
from rhcos_helpers.scc.parse import Scc
from rhcos_helpers.scc.policies import Policies, score

__all__ = [
    "Review",
    "Verdict",
    "review",
    "security_context_frame",
    "verdict_frame",
]

log = logging.getLogger(__name__)

REQUIRED_SCC = "openshift.io/required-scc"
SCC_ANNOTATION = "openshift.io/scc"


# ------------------------------------------------------------------------------ the walk


@dataclass(frozen=True)
class Verdict:
    """What admission made of one SCC for the pod.

    Attributes:
        order: position in the admission order.
        scc: the SCC's name.
        priority: its priority.
        score: its restrictiveness score.
        access: how the pod may use it (``service account: ...`` / ``requester: ...``), or ``""``.
        result: ``chosen``, ``not usable``, ``fails``, ``cannot decide`` or ``not tried``.
        reasons: the admission messages (why it was passed over).
    """

    order: int
    scc: str
    priority: int
    score: int
    access: str
    result: str
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Review:
    """The admission review of one pod.

    Attributes:
        namespace: the pod's namespace.
        service_account: the pod's service account.
        requester: who creates the pod.
        chosen: the SCC that admits it, or ``None``.
        verdicts: one per SCC, in admission order.
        pod: the pod as admitted (mutated by the chosen SCC), or as given when rejected.
        message: the rejection as the API server words it, or ``""``.
        cannot_decide: why the review cannot decide (e.g. the namespace lacks its annotations).
        notes: other things to know (required-scc, Windows pods).
        given: the pod as given (its service account filled in), before any SCC changed it.
    """

    namespace: str
    service_account: str
    requester: Requester
    chosen: str | None
    verdicts: tuple[Verdict, ...]
    pod: dict[str, Any] = field(repr=False)
    message: str = ""
    cannot_decide: str = ""
    notes: tuple[str, ...] = ()
    given: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def outcome(self) -> str:
        """``admitted by X``, ``rejected`` or ``cannot decide``."""
        if self.chosen:
            return f"admitted by {self.chosen}"
        return "cannot decide" if self.cannot_decide else "rejected"


def review(
    policies: Policies,
    rbac: Rbac,
    *,
    pod: Mapping[str, Any],
    namespace: Mapping[str, Any],
    requester: Requester,
    service_account: str | None = None,
) -> Review:
    """Walk the SCCs for ``pod`` created by ``requester`` in ``namespace``, as admission does.

    Args:
        policies: the cluster's SCCs (:func:`rhcos_helpers.scc.policies.load_policies`).
        rbac: the RBAC objects (:func:`rhcos_helpers.scc.access.load_rbac`).
        pod: the pod (from :mod:`rhcos_helpers.scc.admission_input`: :func:`parse_pod_yaml`,
            :func:`pod_from_source` or :func:`seed_pod`).
        namespace: the Namespace object (its SCC annotations).
        requester: who creates the pod (a controller for workloads, a user by hand).
        service_account: overrides the pod's ``serviceAccountName`` (default ``default``).
    """
    ns_name = str((namespace.get("metadata") or {}).get("name") or "")
    alloc = allocation(namespace)
    given = copy.deepcopy(dict(pod))
    spec = given.setdefault("spec", {})
    sa = (
        service_account or spec.get("serviceAccountName") or spec.get("serviceAccount") or "default"
    )
    spec["serviceAccountName"] = sa
    sa_id = service_account_identity(ns_name, sa)
    notes: list[str] = []
    annotations = (given.get("metadata") or {}).get("annotations") or {}
    candidates = list(policies.sccs)
    required = annotations.get(REQUIRED_SCC)
    if required:
        candidates = [s for s in candidates if s.name == required]
        notes.append(f"annotation {REQUIRED_SCC}={required}: only that SCC is tried (4.14+)")
    if (spec.get("os") or {}).get("name") == "windows":
        notes.append("Windows pods are not subject to SCC admission")
    verdicts: list[Verdict] = []
    chosen: Scc | None = None
    admitted = given
    errors: list[str] = []
    undecided: list[str] = []
    order = {s.name: i for i, s in enumerate(policies.sccs, start=1)}
    for scc in candidates:
        base = (order[scc.name], scc.name, scc.priority or 0, score(scc, version=policies.version))
        if chosen is not None:
            verdicts.append(Verdict(*base, "", "not tried", ("an earlier SCC admitted the pod",)))
            continue
        how = access_through(scc, sa_id, ns_name, rbac)
        who = f"service account: {how}" if how else ""
        if how is None:
            how = access_through(scc, requester, ns_name, rbac)
            who = f"requester {requester.user}: {how}" if how else ""
        if how is None:
            msg = f'provider "{scc.name}": Forbidden: not usable by user or serviceaccount'
            errors.append(msg)
            verdicts.append(Verdict(*base, "", "not usable", (msg,)))
            continue
        attempt = copy.deepcopy(given)
        try:
            errs = _apply(scc, attempt, alloc)
        except _Fail as fail:
            undecided.extend(fail.messages)
            verdicts.append(Verdict(*base, who, "cannot decide", tuple(fail.messages)))
            continue
        if errs:
            msgs = tuple(f"provider {scc.name}: {e}" for e in errs)
            errors.extend(msgs)
            verdicts.append(Verdict(*base, who, "fails", msgs))
            continue
        chosen = scc
        attempt.setdefault("metadata", {}).setdefault("annotations", {})[SCC_ANNOTATION] = scc.name
        admitted = attempt
        verdicts.append(Verdict(*base, who, "chosen"))
    name = (given.get("metadata") or {}).get("name") or "<generated>"
    message = ""
    cannot = ""
    if chosen is None:
        if undecided:
            cannot = "; ".join(sorted(set(undecided)))
        message = (
            f'pods "{name}" is forbidden: unable to validate against any security context '
            f"constraint: [{', '.join(errors)}]"
        )
    return Review(
        ns_name,
        sa,
        requester,
        chosen.name if chosen else None,
        tuple(verdicts),
        admitted,
        message,
        cannot,
        tuple(notes + list(alloc.problems)),
        given,
    )


VERDICT_COLUMNS = ["ORDER", "SCC", "PRIORITY", "SCORE", "RESULT", "USABLE THROUGH", "WHY"]


def verdict_frame(rev: Review) -> pd.DataFrame:
    """One row per SCC: chosen, or why it was passed over."""
    rows = [
        {
            "ORDER": v.order,
            "SCC": v.scc,
            "PRIORITY": v.priority,
            "SCORE": v.score,
            "RESULT": v.result,
            "USABLE THROUGH": v.access,
            "WHY": " | ".join(v.reasons),
        }
        for v in rev.verdicts
    ]
    return pd.DataFrame(rows, columns=VERDICT_COLUMNS)


def security_context_frame(rev: Review) -> pd.DataFrame:
    """The outcome and the security context the pod runs with (per container)."""
    spec = rev.pod.get("spec") or {}
    psc = spec.get("securityContext") or {}
    sel = psc.get("seLinuxOptions") or {}
    pairs: list[tuple[str, str]] = [
        ("Outcome", rev.outcome),
        ("Namespace", rev.namespace),
        ("Service account", rev.service_account),
        ("Requested by", f"{rev.requester.user} ({', '.join(rev.requester.groups)})"),
        ("openshift.io/scc", rev.chosen or "<none>"),
    ]
    if rev.chosen:
        pairs += [
            ("fsGroup", str(psc.get("fsGroup", "<not set>"))),
            ("supplementalGroups", str(psc.get("supplementalGroups", "<not set>"))),
            ("SELinux level", str(sel.get("level", "<not set>"))),
            ("seccomp", _seccomp_of(psc) or "<not set>"),
        ]
        for c in spec.get("containers") or []:
            sc = c.get("securityContext") or {}
            uid = sc.get("runAsUser", psc.get("runAsUser"))
            uid_text = str(uid) if uid is not None else "the image's USER (RunAsAny)"
            if uid is None and sc.get("runAsNonRoot"):
                uid_text = "the image's USER, which must not be root (runAsNonRoot)"
            caps = sc.get("capabilities") or {}
            pairs.append(
                (
                    f"container {c['name']}",
                    f"UID {uid_text}; drop {','.join(caps.get('drop') or []) or '-'}; "
                    f"add {','.join(caps.get('add') or []) or '-'}; allowPrivilegeEscalation "
                    f"{sc.get('allowPrivilegeEscalation', 'unset')}",
                )
            )
    else:
        pairs.append(("Why", rev.cannot_decide or rev.message))
    pairs += [("Note", n) for n in rev.notes]
    return pd.DataFrame(pairs, columns=["FIELD", "VALUE"])
