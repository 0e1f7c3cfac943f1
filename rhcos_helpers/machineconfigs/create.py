r"""machineconfigs.create - create an authored MachineConfig: a dry run first, applied only by hand.

What ``oc create -f 50-worker-chrony.yaml`` does, done safely. :func:`plan_create` gathers
the object (from :mod:`rhcos_helpers.machineconfigs.author`), the reboot impact predicted for
the pool (:mod:`rhcos_helpers.machineconfigs.impact`) and the warnings that matter:

* a server-side dry run (``dryRun=All``) validates the object and your rights only: the
  machine-config controller does not render it, so it predicts neither a render failure (the
  pool going ``RenderDegraded``) nor whether the nodes reboot;
* once created, every pool selecting the role renders a new config and rolls it out,
  ``maxUnavailable`` nodes at a time; a paused pool queues it.

:func:`create_machineconfig` sends ``POST .../machineconfigs?dryRun=All``, then (only with
``apply=True`` on a live source run by hand, :func:`rhcos_helpers.safety.apply_refusal`) the
create itself, with the official ``kubernetes`` client. A plan with a problem (no impact could
be predicted, a pool that does not select the role, a change the daemon refuses) is never sent.

Examples:
    >>> from rhcos_helpers.machineconfigs.author import FileSpec, author_machineconfig
    >>> from rhcos_helpers.sources import open_source
    >>> from rhcos_helpers.machineconfigs.impact import predict
    >>> from rhcos_helpers.machineconfigs.render import Change, ConfigDiff
    >>> mc = author_machineconfig(name="50-worker-chrony", role="worker", target_version="4.16",
    ...     files=[FileSpec("/etc/chrony.conf", "server a iburst\n")])
    >>> plan_create(mc, pool="worker", impact=None, problem="").problem
    'the reboot impact could not be predicted, so nothing is applied'
    >>> diff = ConfigDiff("rendered-a", "rendered-b", (Change("file", "/etc/chrony.conf", "added"),))
    >>> plan = plan_create(mc, pool="worker", impact=predict(diff, version="4.16.21"), problem="")
    >>> plan.request, plan.impact.action
    ('POST /apis/machineconfiguration.openshift.io/v1/machineconfigs', 'reboot')
    >>> create_machineconfig(open_source("demo"), plan, apply=True)["RESULT"][0][:30]
    'APPLY refused: the demo source'
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from rhcos_helpers.machineconfigs.author import AuthoredMachineConfig
from rhcos_helpers.machineconfigs.impact import Impact
from rhcos_helpers.safety import apply_refusal, is_scheduled
from rhcos_helpers.sources.base import Source

__all__ = [
    "DRY_RUN_WARNING",
    "MC_GROUP",
    "MC_PLURAL",
    "MC_VERSION",
    "CreatePlan",
    "create_frame",
    "create_machineconfig",
    "plan_create",
]

log = logging.getLogger(__name__)

MC_GROUP = "machineconfiguration.openshift.io"
MC_VERSION = "v1"
MC_PLURAL = "machineconfigs"
_COLUMNS = ["STEP", "REQUEST", "RESULT"]

#: What a server-side dry run cannot tell (the issue's words: render failures, reboots).
DRY_RUN_WARNING = (
    "A server-side dry run (dryRun=All) checks the object's schema and your rights only: the "
    "machine-config controller does not render it, so it predicts neither a render failure "
    "(the pool going RenderDegraded) nor whether the nodes reboot."
)


@dataclass(frozen=True)
class CreatePlan:
    """What creating an authored MachineConfig would do.

    Attributes:
        authored: the object, exactly as it will be sent.
        pool: the pool the impact was predicted for.
        impact: the predicted post-config action on that pool's nodes (``None``: unknown).
        problem: why it must not be sent ("" = it may be).
        warnings: what the reader must know before applying.
    """

    authored: AuthoredMachineConfig
    pool: str
    impact: Impact | None
    problem: str
    warnings: tuple[str, ...]

    @property
    def name(self) -> str:
        """The MachineConfig's name (what a confirmation asks to type)."""
        return self.authored.name

    @property
    def request(self) -> str:
        """The create request (the dry run adds ``?dryRun=All``)."""
        return f"POST /apis/{MC_GROUP}/{MC_VERSION}/{MC_PLURAL}"


def plan_create(
    authored: AuthoredMachineConfig,
    *,
    pool: str,
    impact: Impact | None,
    problem: str,
    pool_obj: Mapping[str, Any] | None = None,
) -> CreatePlan:
    """The dry run of ``oc create -f <name>.yaml``: the object, its impact, the warnings.

    Args:
        authored: the MachineConfig to create.
        pool: the pool whose nodes the impact is predicted for.
        impact: that prediction; ``None`` makes the plan refuse to send (nothing is applied
            without the reboot impact shown first).
        problem: an authoring problem (the pool does not select the role ...): refuse too.
        pool_obj: the pool object, for ``spec.paused`` and ``maxUnavailable`` in the warnings.
    """
    role = str(authored.obj["metadata"].get("labels", {}).get(
        "machineconfiguration.openshift.io/role", ""))  # fmt: skip
    spec = (pool_obj or {}).get("spec") or {}
    warnings = [DRY_RUN_WARNING]
    if impact is not None:
        warnings.append(
            f"Predicted for each node of pool {pool} (this runbook's local merge, not the "
            f"server): {impact.action}. {impact.summary}"
        )
    warnings.append(
        f"Once created, every pool selecting role {role!r} renders a new config and rolls it "
        f"out {spec.get('maxUnavailable') or 1} node(s) at a time; follow it in 50-pool-rollout."
    )
    if spec.get("paused"):
        warnings.append(
            f"Pool {pool} is paused: the change is queued and lands, with every other queued "
            "change, when the pool is unpaused."
        )
    warnings.append(
        f"Undoing it is another rollout: oc delete machineconfig {authored.name} (the nodes "
        "go through the same drain and reboot)."
    )
    if not problem and impact is None:
        problem = "the reboot impact could not be predicted, so nothing is applied"
    if not problem and impact is not None and impact.unreconcilable:
        problem = "the machine-config daemon would refuse this change (nodes Unreconcilable)"
    return CreatePlan(authored, pool, impact, problem, tuple(warnings))


def create_frame(plan: CreatePlan) -> pd.DataFrame:
    """The plan as FIELD/VALUE rows: the object, the requests, the impact, the warnings."""
    rows: list[tuple[str, str]] = [
        ("MachineConfig", plan.name),
        ("oc equivalent", plan.authored.create_command()),
        ("Requests", f"{plan.request}?dryRun=All, then {plan.request}"),
        ("Predicted action", plan.impact.action if plan.impact else "unknown"),
    ]
    rows += [(f"Warning {i}", w) for i, w in enumerate(plan.warnings, start=1)]
    if plan.problem:
        rows.append(("Not applied because", plan.problem))
    return pd.DataFrame(rows, columns=["FIELD", "VALUE"])


def _api_message(err: Any) -> str:
    """``<status> <message>`` of an ``ApiException`` (the Status body's message when JSON)."""
    message = str(getattr(err, "reason", "") or "")
    try:
        body = json.loads(getattr(err, "body", None) or "{}")
    except ValueError:
        body = None  # not JSON: keep the reason
    if isinstance(body, dict) and body.get("message"):
        message = str(body["message"])
    return f"{getattr(err, 'status', '?')} {message}".strip()


def create_machineconfig(source: Source, plan: CreatePlan, *, apply: bool = False) -> pd.DataFrame:
    """Send the plan: the server-side dry run first, then (only if allowed) the create.

    Demos, captures and scheduled runs get no request at all (one line: a dry run, or APPLY
    refused); nor does a plan with a problem. A live source gets ``POST ...?dryRun=All``; the create follows only
    when ``apply`` is True and :func:`rhcos_helpers.safety.apply_refusal` allows it. The body
    sent is a copy of :attr:`CreatePlan.authored`'s object, unchanged.

    Returns:
        One row per request (STEP, REQUEST, RESULT).
    """
    if plan.problem:
        return pd.DataFrame([(0, "-", f"not applied: {plan.problem}")], columns=_COLUMNS)
    refusal = apply_refusal(source, apply=apply)
    if is_scheduled(source):  # a scheduled run's rights are read-only: not even a dry run
        msg = (
            refusal if apply else "dry run: a scheduled run sends nothing (no server-side dry run)"
        )
        return pd.DataFrame([(0, "-", msg)], columns=_COLUMNS)
    if source.identity.kind != "live" or not hasattr(source, "api_client"):
        msg = refusal or "dry run"
        if not apply:
            msg += f" ({source.identity.kind} source: no server-side dry run)"
        return pd.DataFrame([(0, "-", msg)], columns=_COLUMNS)
    import urllib3
    from kubernetes import client as k8s
    from kubernetes.client.exceptions import ApiException

    api = k8s.CustomObjectsApi(source.api_client)
    rows: list[tuple[int, str, str]] = []
    dry = f"{plan.request}?dryRun=All"
    try:
        api.create_cluster_custom_object(
            MC_GROUP, MC_VERSION, MC_PLURAL, copy.deepcopy(plan.authored.obj), dry_run="All"
        )
        rows.append((1, dry, f"server-side dry run accepted: machineconfig/{plan.name} would "
                             "be created (nothing rendered, no reboot predicted by the server)"))  # fmt: skip
    except ApiException as err:
        rows.append((1, dry, f"refused by the server: {_api_message(err)}"))
        return pd.DataFrame(rows, columns=_COLUMNS)
    except urllib3.exceptions.HTTPError as err:
        rows.append((1, dry, f"cannot reach the API server: {type(err).__name__}"))
        return pd.DataFrame(rows, columns=_COLUMNS)
    if refusal is not None:
        rows.append((2, plan.request, refusal))
        return pd.DataFrame(rows, columns=_COLUMNS)
    try:
        answer = api.create_cluster_custom_object(
            MC_GROUP, MC_VERSION, MC_PLURAL, copy.deepcopy(plan.authored.obj)
        )
        meta = answer.get("metadata") if isinstance(answer, dict) else None
        uid = str(meta.get("uid", "")) if isinstance(meta, dict) else ""
        rows.append((2, plan.request, f"created: machineconfig/{plan.name}"
                                      + (f" (uid {uid})" if uid else "")))  # fmt: skip
        log.warning("machineconfig/%s created", plan.name)
    except ApiException as err:
        rows.append((2, plan.request, f"create failed: {_api_message(err)}"))
    except urllib3.exceptions.HTTPError as err:
        rows.append((2, plan.request, f"create failed: {type(err).__name__} (it may or may not "
                                      f"have been created: oc get mc {plan.name})"))  # fmt: skip
    return pd.DataFrame(rows, columns=_COLUMNS)
