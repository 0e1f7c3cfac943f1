"""scc.runtime - pods as they run (their SCC and user), the cluster's own review, and findings.

* :func:`running_pods` - each pod's ``openshift.io/scc`` annotation (the SCC it was admitted
  with; it keeps it until it is recreated), its effective UID (container ``runAsUser``, else the
  pod's, else the image's USER) and whether it runs as root, privileged or with host namespaces.
* :func:`cluster_review` - on a live cluster, ``PodSecurityPolicySubjectReview`` (POST
  ``/apis/security.openshift.io/v1/namespaces/<ns>/podsecuritypolicysubjectreviews``, what
  ``oc adm policy scc-subject-review`` sends) so the local walk can be compared with the cluster's.
* :func:`findings` - what needs attention across policies, grants, pods and the review.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from rhcos_helpers.errors import ClusterAccessError
from rhcos_helpers.findings import Finding, Severity
from rhcos_helpers.scc.access import Grant, Rbac, Requester
from rhcos_helpers.scc.admission import SCC_ANNOTATION, Review
from rhcos_helpers.scc.policies import Policies
from rhcos_helpers.scc.policy_tables import policy_findings
from rhcos_helpers.sources.base import Source

__all__ = ["POD_COLUMNS", "cluster_review", "findings", "is_platform", "pods_frame", "running_pods"]

log = logging.getLogger(__name__)

POD_COLUMNS = ["NAMESPACE", "POD", "SCC", "SERVICE ACCOUNT", "UID", "FLAGS", "OWNER", "CREATED"]
PSPSR = "/apis/security.openshift.io/v1/namespaces/{ns}/podsecuritypolicysubjectreviews"


def is_platform(namespace: str) -> bool:
    """Whether a namespace belongs to the platform (``openshift*``, ``kube-*``, ``default``)."""
    return namespace.startswith(("openshift", "kube-")) or namespace == "default"


def _uid(pod: Mapping[str, Any]) -> str:
    spec = pod.get("spec") or {}
    psc = spec.get("securityContext") or {}
    uids = []
    for c in spec.get("containers") or []:
        sc = c.get("securityContext") or {}
        uid = sc.get("runAsUser", psc.get("runAsUser"))
        uids.append("image USER" if uid is None else str(uid))
    return ",".join(dict.fromkeys(uids)) or "?"


def _flags(pod: Mapping[str, Any], uid: str) -> list[str]:
    spec = pod.get("spec") or {}
    flags = []
    if "0" in uid.split(","):
        flags.append("root")
    if any(
        (c.get("securityContext") or {}).get("privileged") for c in spec.get("containers") or []
    ):
        flags.append("privileged")
    flags += [k for k in ("hostNetwork", "hostPID", "hostIPC") if spec.get(k)]
    if any("hostPath" in v for v in spec.get("volumes") or []):
        flags.append("hostPath")
    return flags


def running_pods(pods: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One record per pod (sorted: root/privileged first, then namespace and name)."""
    rows = []
    for pod in pods:
        meta = pod.get("metadata") or {}
        spec = pod.get("spec") or {}
        uid = _uid(pod)
        owners = meta.get("ownerReferences") or []
        rows.append(
            {
                "NAMESPACE": str(meta.get("namespace") or ""),
                "POD": str(meta.get("name") or ""),
                "SCC": str((meta.get("annotations") or {}).get(SCC_ANNOTATION) or "<none>"),
                "SERVICE ACCOUNT": str(spec.get("serviceAccountName") or "default"),
                "UID": uid,
                "FLAGS": ", ".join(_flags(pod, uid)),
                "OWNER": f"{owners[0].get('kind')}/{owners[0].get('name')}" if owners else "",
                "CREATED": str(meta.get("creationTimestamp") or ""),
            }
        )
    rows.sort(key=lambda r: (r["FLAGS"] == "", r["NAMESPACE"], r["POD"]))
    return rows


def pods_frame(source: Source, *, namespace: str | None = None) -> pd.DataFrame:
    """:func:`running_pods` of the source (one namespace or all) as a table.

    Raises:
        NotApplicable: the source holds no pods (there or at all).
    """
    return pd.DataFrame(running_pods(source.list("pods", namespace=namespace)), columns=POD_COLUMNS)


def cluster_review(
    source: Source, *, pod: Mapping[str, Any], namespace: str, requester: Requester
) -> dict[str, str]:
    """Ask a live cluster which SCC admits ``pod`` (``PodSecurityPolicySubjectReview``).

    Captures and demos cannot be asked: the answer says so. A cluster that does not serve the
    review, or refuses it, is reported in one line.
    """
    post = getattr(source, "post", None)
    if source.identity.kind != "live" or post is None:
        return {"Cluster's answer": f"not asked: a {source.identity.kind} source cannot review"}
    template = {"metadata": dict(pod.get("metadata") or {}), "spec": dict(pod.get("spec") or {})}
    body = {
        "apiVersion": "security.openshift.io/v1",
        "kind": "PodSecurityPolicySubjectReview",
        "spec": {"template": template, "user": requester.user, "groups": list(requester.groups)},
    }
    try:
        answer = post(PSPSR.format(ns=namespace), body)
    except ClusterAccessError as err:
        return {"Cluster's answer": f"not available: {err}"}
    status = answer.get("status") or {}
    allowed = (status.get("allowedBy") or {}).get("name")
    return {
        "Cluster's answer": f"allowed by {allowed}" if allowed else "no SCC admits the pod",
        "Reason": str(status.get("reason") or ""),
    }


def findings(
    policies: Policies,
    rbac: Rbac,
    grants: Iterable[Grant],
    *,
    pods: pd.DataFrame | None = None,
    review: Review | None = None,
) -> list[Finding]:
    """What needs attention: policies, invisible grants, grants, pods, the review's outcome.

    Policies come from :func:`rhcos_helpers.scc.policy_tables.policy_findings`; grants of
    anyuid/privileged and friends to workload service accounts, root or privileged workload pods
    and a pod the review rejects are added.
    """
    out = policy_findings(policies)
    if not rbac.visible:
        out.append(
            Finding(Severity.INFO, "RBAC grants of SCCs are not in this source",
                    rbac.reason or "", "clusterrolebindings,rolebindings")
        )  # fmt: skip
    for g in grants:
        if g.scc in ("anyuid", "privileged", "hostaccess", "hostmount-anyuid") and (
            g.subject.startswith("system:serviceaccount:")
            and not is_platform(g.subject.split(":")[2])
        ):
            out.append(
                Finding(
                    Severity.INFO,
                    f"{g.subject} may use SCC {g.scc}",
                    f"Through {g.through}. Its pods may run as any UID"
                    + (" and privileged." if g.scc == "privileged" else ", root included."),
                    f"securitycontextconstraints/{g.scc}",
                    "60-scc",
                )
            )
    if pods is not None and not pods.empty:
        flagged = pods[(pods["FLAGS"] != "") & ~pods["NAMESPACE"].map(is_platform)]
        for _, row in flagged.iterrows():
            out.append(
                Finding(
                    Severity.WARNING,
                    f"Pod {row['NAMESPACE']}/{row['POD']} runs {row['FLAGS']}",
                    f"Admitted with SCC {row['SCC']} (UID {row['UID']}). It keeps that SCC until "
                    "it is recreated.",
                    f"pod/{row['POD']} -n {row['NAMESPACE']}",
                )
            )
        platform = int((pods["FLAGS"] != "").sum()) - len(flagged)
        if platform:
            out.append(
                Finding(Severity.INFO, f"{platform} platform pod(s) run as root or privileged",
                        "Expected for node-level platform components (networking, monitoring).",
                        "openshift-* namespaces")
            )  # fmt: skip
    if review is not None and review.chosen is None:
        out.append(
            Finding(
                Severity.WARNING,
                f"The reviewed pod would be {review.outcome} in {review.namespace}",
                review.cannot_decide or review.message[:400],
                f"namespace/{review.namespace}",
            )
        )
    return out
