"""scc.runbook - the steps of runbook ``60-scc``, each returning a value or the reason it has none.

The notebook holds parameters and calls only; these functions turn its parameters (namespace,
service account, pod name or YAML, requesting user and groups, SCC to grant) into the records
and tables of :mod:`rhcos_helpers.scc.policies`, :mod:`~rhcos_helpers.scc.policy_tables`,
:mod:`~rhcos_helpers.scc.access`, :mod:`~rhcos_helpers.scc.admission_input`,
:mod:`~rhcos_helpers.scc.admission`, :mod:`~rhcos_helpers.scc.psa` and
:mod:`~rhcos_helpers.scc.grant`. Bad input (pod YAML that does not parse, an unknown namespace,
pod or SCC) becomes an :class:`~rhcos_helpers.sources.base.Attempt` reason of one line, so the
rest of the runbook still runs.

Examples:
    >>> from rhcos_helpers.sources import open_source
    >>> src = open_source("demo")
    >>> ctx = load(src)
    >>> rev = review_for(src, ctx, namespace="demo-app", service_account="runasanyuid")
    >>> rev.value.chosen
    'anyuid'
    >>> review_for(src, ctx, namespace="demo-app", service_account="x", pod_yaml="a: [").reason
    "pod yaml: invalid YAML at line 1: expected the node content, but found '<stream end>'"
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import pandas as pd

from rhcos_helpers.errors import ParseError, UsageError
from rhcos_helpers.findings import Finding, Severity
from rhcos_helpers.scc.access import (
    CLUSTER_ADMIN,
    CONTROLLER,
    INSPECT_RBAC,
    Grant,
    Rbac,
    Requester,
    all_grants,
    grants_frame,
    load_rbac,
    requester,
    service_account_identity,
    usable_frame,
)
from rhcos_helpers.scc.admission import Review, review
from rhcos_helpers.scc.admission_input import parse_pod_yaml, pod_from_source, seed_pod
from rhcos_helpers.scc.grant import GrantPlan, plan, plan_frame, plan_yaml, simulate
from rhcos_helpers.scc.grant import apply as apply_plan
from rhcos_helpers.scc.policies import Policies, load_policies
from rhcos_helpers.scc.policy_tables import describe_frame
from rhcos_helpers.scc.psa import psa_frame
from rhcos_helpers.scc.runtime import cluster_review, findings, pods_frame
from rhcos_helpers.sources.base import Attempt, Source, attempt

__all__ = [
    "SccContext",
    "apply_grant",
    "before_after_frame",
    "cluster_answer",
    "confirm_grant",
    "compare_frame",
    "describe_for",
    "findings_for",
    "plan_frame",
    "grant_for",
    "grant_yaml",
    "grants_table",
    "load",
    "pods_table",
    "psa_for",
    "rbac_facts",
    "review_for",
    "usable_table",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SccContext:
    """What the runbook reads once: the policies, the RBAC objects and every grant."""

    policies: Attempt[Policies]
    rbac: Rbac
    grants: tuple[Grant, ...]

    @property
    def scc_order(self) -> list[str]:
        """SCC names in admission order."""
        return [s.name for s in self.policies.value.sccs] if self.policies.value else []


def load(source: Source) -> SccContext:
    """Read SCCs and RBAC (grants invisible in a default must-gather: see ``rbac.reason``)."""
    policies = attempt(load_policies, source)
    rbac = load_rbac(source)
    grants = tuple(all_grants(policies.value, rbac)) if policies.value else ()
    return SccContext(policies, rbac, grants)


def _pod(
    source: Source, namespace: str, service_account: str, pod: str, pod_yaml: str
) -> dict[str, Any]:
    if pod_yaml.strip():
        return parse_pod_yaml(pod_yaml)
    if pod.strip():
        return pod_from_source(source, namespace, pod.strip())
    return seed_pod(service_account or "default")


def _namespace(source: Source, namespace: str) -> dict[str, Any]:
    obj = source.get("namespaces", namespace)
    if obj is None:
        raise UsageError(
            f"namespace {namespace!r} is not in this source (a default must-gather holds only "
            f"platform namespaces: add `oc adm inspect ns/{namespace}`)"
        )
    return obj


def review_for(
    source: Source,
    ctx: SccContext,
    *,
    namespace: str,
    service_account: str,
    pod: str = "",
    pod_yaml: str = "",
    user: str = "",
    groups: str = "",
) -> Attempt[Review]:
    """The admission review for the runbook's parameters, or why it cannot be made.

    The pod is ``pod_yaml`` when given, else the existing pod or workload ``pod`` names, else the
    seed's pod (UID 0). ``service_account`` overrides the pod's when given.
    """
    if not ctx.policies.ok or ctx.policies.value is None:
        return Attempt(None, ctx.policies.reason or "no SCCs")
    try:
        ns = _namespace(source, namespace)
        spec = _pod(source, namespace, service_account, pod, pod_yaml)
    except (ParseError, UsageError) as err:
        return Attempt(None, str(err))
    rev = review(
        ctx.policies.value,
        ctx.rbac,
        pod=spec,
        namespace=ns,
        requester=requester(user, groups),
        service_account=service_account or None,
    )
    return Attempt(rev)


def compare_frame(
    source: Source,
    ctx: SccContext,
    *,
    namespace: str,
    service_account: str,
    pod: str = "",
    pod_yaml: str = "",
) -> Attempt[pd.DataFrame]:
    """The same pod from a Deployment and by a cluster-admin, with the SA and with ``default``."""
    rows = []
    for sa in dict.fromkeys([service_account or "default", "default"]):
        for who in (CONTROLLER, CLUSTER_ADMIN):
            got = review_for(
                source, ctx, namespace=namespace, service_account=sa, pod=pod, pod_yaml=pod_yaml,
                user=who.user, groups=",".join(who.groups),
            )  # fmt: skip
            if got.value is None:
                return Attempt(None, got.reason)
            rev = got.value
            uids = [
                str((c.get("securityContext") or {}).get("runAsUser", "image USER"))
                for c in (rev.pod.get("spec") or {}).get("containers") or []
            ]
            rows.append(
                {
                    "SERVICE ACCOUNT": sa,
                    "CREATED BY": who.label,
                    "OUTCOME": rev.outcome,
                    "SCC": rev.chosen or "",
                    "UID": ",".join(uids) if rev.chosen else "",
                }
            )
    return Attempt(
        pd.DataFrame(rows, columns=["SERVICE ACCOUNT", "CREATED BY", "OUTCOME", "SCC", "UID"])
    )


def psa_for(source: Source, rev: Attempt[Review]) -> Attempt[pd.DataFrame]:
    """Pod Security Admission for the reviewed (admitted) pod in its namespace."""
    if rev.value is None:
        return Attempt(None, rev.reason)
    ns = source.get("namespaces", rev.value.namespace) or {}
    return Attempt(psa_frame(ns, rev.value.pod, version=source.identity.cluster_version))


def grant_for(
    source: Source,
    ctx: SccContext,
    *,
    scc: str,
    namespace: str,
    service_account: str,
    explicit_namespace: bool = False,
    revoke: bool = False,
) -> Attempt[GrantPlan]:
    """The grant (or revoke) plan for the parameters, or why there is none."""
    if not ctx.policies.ok or ctx.policies.value is None:
        return Attempt(None, ctx.policies.reason or "no SCCs")
    if not scc.strip():
        return Attempt(None, "GRANT_SCC is empty: nothing to grant")
    try:
        return Attempt(
            plan(
                source,
                ctx.policies.value,
                ctx.rbac,
                scc=scc.strip(),
                namespace=namespace,
                service_account=service_account,
                explicit_namespace=explicit_namespace,
                revoke=revoke,
            )  # fmt: skip
        )
    except UsageError as err:
        return Attempt(None, str(err))


def before_after_frame(
    source: Source,
    ctx: SccContext,
    grant: Attempt[GrantPlan],
    *,
    pod: str = "",
    pod_yaml: str = "",
    user: str = "",
    groups: str = "",
) -> Attempt[pd.DataFrame]:
    """The review of the pod before and after the grant, for the requester and a Deployment."""
    if grant.value is None or ctx.policies.value is None:
        return Attempt(None, grant.reason or ctx.policies.reason)
    p = grant.value
    try:
        ns = _namespace(source, p.namespace)
        spec = _pod(source, p.namespace, p.service_account, pod, pod_yaml)
    except (ParseError, UsageError) as err:
        return Attempt(None, str(err))
    after_policies, after_rbac = simulate(ctx.policies.value, ctx.rbac, p)
    rows = []
    who_list: list[Requester] = [CONTROLLER]
    if user.strip():
        who_list.append(requester(user, groups))
    for who in who_list:
        before = review(ctx.policies.value, ctx.rbac, pod=spec, namespace=ns, requester=who,
                        service_account=p.service_account)  # fmt: skip
        after = review(after_policies, after_rbac, pod=spec, namespace=ns, requester=who,
                       service_account=p.service_account)  # fmt: skip
        rows.append(
            {
                "CREATED BY": who.label,
                "BEFORE": before.outcome,
                "AFTER": after.outcome,
                "NOTE": "running pods keep their SCC: recreate them (oc rollout restart)"
                if before.chosen != after.chosen
                else "",
            }
        )
    return Attempt(pd.DataFrame(rows, columns=["CREATED BY", "BEFORE", "AFTER", "NOTE"]))


def describe_for(ctx: SccContext, name: str) -> Attempt[pd.DataFrame]:
    """``oc describe scc NAME``, or why not (an SCC the cluster does not have)."""
    if ctx.policies.value is None:
        return Attempt(None, ctx.policies.reason)
    found = ctx.policies.value.get(name.strip())
    if found is None:
        known = ", ".join(ctx.scc_order)
        return Attempt(None, f"no SCC {name!r} in this source; it has: {known}")
    return Attempt(describe_frame(found))


def grants_table(ctx: SccContext, *, by: str = "scc") -> Attempt[pd.DataFrame]:
    """Every grant per SCC (``by="scc"``) or per subject (``by="subject"``)."""
    if ctx.policies.value is None:
        return Attempt(None, ctx.policies.reason)
    return Attempt(grants_frame(ctx.grants, by=by, scc_order=ctx.scc_order))


def usable_table(
    ctx: SccContext, *, namespace: str, service_account: str, user: str = "", groups: str = ""
) -> Attempt[pd.DataFrame]:
    """Which SCCs the service account, and the requester, may use in the namespace, and how."""
    if ctx.policies.value is None:
        return Attempt(None, ctx.policies.reason)
    sa = usable_frame(
        ctx.policies.value, ctx.rbac, service_account_identity(namespace, service_account),
        namespace,
    )  # fmt: skip
    who = requester(user, groups)
    req = usable_frame(ctx.policies.value, ctx.rbac, who, namespace)
    frame = sa.rename(columns={"USABLE": "BY THE SERVICE ACCOUNT", "THROUGH": "SA THROUGH"})
    frame[f"BY {who.label.upper()}"] = req["USABLE"]
    frame["REQUESTER THROUGH"] = req["THROUGH"]
    return Attempt(frame)


def rbac_facts(ctx: SccContext) -> dict[str, object]:
    """Whether RBAC grants are visible, and the command that collects them when not."""
    facts: dict[str, object] = {
        "RBAC bindings in the source": "yes" if ctx.rbac.visible else "no",
        "Grants found": len(ctx.grants),
    }
    if not ctx.rbac.visible:
        facts["Why only SCC users/groups are shown"] = ctx.rbac.reason or ""
        facts["Collect them with"] = INSPECT_RBAC
    if ctx.rbac.assumed:
        facts["Built-in ClusterRoles assumed (not in the source)"] = ", ".join(ctx.rbac.assumed)
    return facts


def pods_table(source: Source, *, namespace: str = "") -> Attempt[pd.DataFrame]:
    """Pods as they run (one namespace, or all when ``namespace`` is empty)."""
    return attempt(pods_frame, source, namespace=namespace or None)


def findings_for(
    ctx: SccContext, *, pods: Attempt[pd.DataFrame], review_: Attempt[Review]
) -> list[Finding]:
    """The runbook's findings (see :func:`rhcos_helpers.scc.runtime.findings`)."""
    if ctx.policies.value is None:
        return [
            Finding(Severity.INFO, "No SCCs in this source", ctx.policies.reason or "",
                    "securitycontextconstraints")
        ]  # fmt: skip
    return findings(ctx.policies.value, ctx.rbac, ctx.grants, pods=pods.value, review=review_.value)


def cluster_answer(
    source: Source, rev: Attempt[Review], *, user: str = "", groups: str = ""
) -> dict[str, str]:
    """The live cluster's own review next to the local one (captures and demos: not asked)."""
    if rev.value is None:
        return {"Cluster's answer": f"not asked: {rev.reason}"}
    local = {"Local walk": rev.value.outcome}
    return local | cluster_review(
        source, pod=rev.value.given, namespace=rev.value.namespace,
        requester=requester(user, groups),
    )  # fmt: skip


def apply_grant(source: Source, grant: Attempt[GrantPlan], *, apply: bool) -> Attempt[pd.DataFrame]:
    """Apply the plan when APPLY is set and allowed; else the one-line reason it was not."""
    if grant.value is None:
        return Attempt(None, grant.reason)
    return Attempt(apply_plan(source, grant.value, apply=apply))


def confirm_grant(
    source: Source, grant: Attempt[GrantPlan], *, apply: bool, interactive: bool | None = None
) -> Any:
    """The interactive confirmation of the plan (type the service account's name, press Apply).

    Apply sends exactly the plan's steps as shown (:func:`rhcos_helpers.scc.grant.apply`).
    Under papermill, in reports, with APPLY set, against a demo or a capture, or in a scheduled
    run: one static line (:func:`rhcos_helpers.safety.confirmation_refusal`).
    """
    from rhcos_helpers import widgets

    if grant.value is None:
        return widgets.note(f"Nothing to confirm: {grant.reason or 'no plan'}")
    p = grant.value
    if not p.changes:
        return widgets.note("Nothing to confirm: every step is already so.")
    verb = "Revoke" if p.revoke else "Grant"
    steps = [f"{s.action} {s.kind} {s.namespace + '/' if s.namespace else ''}{s.name}: "
             f"{s.command}" for s in p.steps if s.action != "none"]  # fmt: skip
    return widgets.apply_confirmation(
        source,
        apply=apply,
        expected=p.service_account,
        action=f"{verb} SCC {p.scc} {'from' if p.revoke else 'to'} service account "
        f"{p.namespace}/{p.service_account}",
        details=[
            *steps,
            "Running pods keep the SCC they were admitted with until they are recreated.",
        ],
        send=lambda: apply_plan(source, p, apply=True),
        interactive=interactive,
    )


def grant_yaml(grant: Attempt[GrantPlan]) -> str:
    """The plan's objects as a YAML code block (Markdown), or the reason there is none."""
    if grant.value is None:
        return f"*No plan: {grant.reason}*"
    return "```yaml\n" + plan_yaml(grant.value) + "```"
