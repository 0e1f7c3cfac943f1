r"""pools.pause - pause or unpause a MachineConfigPool: a dry run first, applied only by hand.

Pausing queues every MachineConfig change for the pool, the rotated kubelet CA bundle
included (``status.certExpirys`` shows what is at stake); unpausing releases every queued
change at once, ``maxUnavailable`` nodes at a time. :func:`plan_pause` shows the exact
``oc patch`` and, for an unpause, the pending rendered config with its predicted reboot
impact (:mod:`rhcos_helpers.machineconfigs.impact`). :func:`apply_pause` sends a server-side dry run
(``dryRun=All``: it validates the patch and your rights, it renders nothing and predicts no
reboot) and the patch itself only with ``apply=True`` on a live source run by hand
(:func:`rhcos_helpers.safety.apply_refusal`). In JupyterLab, :func:`confirm` offers the same
patch behind a typed confirmation (the pool's name, then Apply); reports show one line instead.

Examples:
    >>> from rhcos_helpers.sources import open_source
    >>> from rhcos_helpers.pools.status import collect
    >>> src = open_source("demo")
    >>> plan = plan_pause(src, collect(src), pool="infra", action="unpause")
    >>> plan.command
    'oc patch mcp/infra --type merge -p \'{"spec":{"paused":false}}\''
    >>> plan.impact.action if plan.impact else plan.impact_reason
    'reboot'
    >>> apply_pause(src, plan, apply=True)["RESULT"][0][:30]
    'APPLY refused: the demo source'
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from rhcos_helpers.errors import ClusterAccessError, NotApplicable, UsageError
from rhcos_helpers.pools.status import PoolSnapshot, node_mco
from rhcos_helpers.pools.timeline import pool_fields
from rhcos_helpers.pools.watch import MCP_GROUP, MCP_PLURAL, MCP_VERSION
from rhcos_helpers.safety import apply_refusal, is_scheduled
from rhcos_helpers.sources.base import Attempt, Source

if TYPE_CHECKING:
    from rhcos_helpers.machineconfigs.impact import Impact

__all__ = [
    "PausePlan",
    "apply_for_runbook",
    "apply_pause",
    "confirm",
    "for_runbook",
    "impact_table",
    "pause_frame",
    "plan_pause",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PausePlan:
    """What pausing or unpausing a pool would do.

    Attributes:
        pool: the pool.
        action: ``pause`` or ``unpause``.
        paused_now: ``spec.paused`` as read.
        changes: False when the pool already is as asked.
        patch: the JSON merge patch.
        command: the ``oc patch`` equivalent.
        warnings: what the reader must know before applying.
        pending: (node, current config, target) for nodes not on the target.
        impact: the predicted post-config action of the pending change (unpause), when the
            rendered configs are in the source.
        impact_reason: why there is no impact, when there is none.
    """

    pool: str
    action: str
    paused_now: bool
    changes: bool
    patch: dict[str, Any]
    command: str
    warnings: tuple[str, ...]
    pending: tuple[tuple[str, str, str], ...] = ()
    impact: Impact | None = None
    impact_reason: str = ""
    expiries: tuple[tuple[str, str], ...] = field(default_factory=tuple)


def plan_pause(source: Source, snap: PoolSnapshot, *, pool: str, action: str) -> PausePlan:
    """The dry run of ``oc patch mcp/<pool> --type merge -p '{"spec":{"paused":...}}'``.

    Raises:
        UsageError: an action other than ``pause``/``unpause``, or an unknown pool.
    """
    if action not in ("pause", "unpause"):
        raise UsageError(f"ACTION must be '', 'pause' or 'unpause', not {action!r}")
    p = snap.pool(pool)
    want = action == "pause"
    paused_now = bool((p.get("spec") or {}).get("paused"))
    patch = {"spec": {"paused": want}}
    command = f"oc patch mcp/{pool} --type merge -p '{json.dumps(patch, separators=(',', ':'))}'"
    target = pool_fields(p)["target"]
    members = snap.members(pool)
    pending = tuple(
        (m.name, m.current_config, target)
        for m in (node_mco(n, snap.pools) for n in members)
        if m.current_config != target
    )
    expiries = tuple(
        (str(c.get("subject", "")), str(c.get("expiry", "")))
        for c in (p.get("status") or {}).get("certExpirys") or []
    )
    soonest = min(expiries, key=lambda e: e[1]) if expiries else None
    warnings: list[str] = []
    if want:
        working = [m.name for m in (node_mco(n, snap.pools) for n in members) if m.updating]
        warnings.append(
            "Every MachineConfig change for this pool is queued from now on, including the "
            "rotated kube-apiserver-to-kubelet CA bundle: do not leave it paused for long."
        )
        if soonest:
            warnings.append(
                f"Soonest certificate expiry in this pool's bundle: {soonest[0]} at {soonest[1]}."
            )
        if working:
            warnings.append(
                f"Node(s) already updating ({', '.join(working)}) finish their update; the "
                "others stay on their current config."
            )
    else:
        warnings.append(
            f"Every queued change lands at once: {len(pending)} node(s) move to {target}, "
            f"{max_unavailable_text(p)} at a time, "
            + (
                "the single node without a drain; the API is away while it reboots."
                if snap.single_node
                else "each drained and (usually) rebooted."
            )
        )
    warnings.append(
        "A server-side dry run (dryRun=All) checks the patch and your rights only: it does not "
        "render the pool's config and cannot tell whether nodes reboot."
    )
    impact, reason = (None, "") if want else _pending_impact(source, p)
    if not want and impact is not None:
        warnings.append(f"Predicted for each node: {impact.summary}")
    return PausePlan(
        pool=pool, action=action, paused_now=paused_now, changes=paused_now != want, patch=patch,
        command=command, warnings=tuple(warnings), pending=pending if not want else (),
        impact=impact, impact_reason=reason, expiries=expiries,
    )  # fmt: skip


def max_unavailable_text(pool: Mapping[str, Any]) -> str:
    """``spec.maxUnavailable`` as written (default 1)."""
    return str((pool.get("spec") or {}).get("maxUnavailable") or 1)


def _pending_impact(source: Source, pool: Mapping[str, Any]) -> tuple[Impact | None, str]:
    """Impact of status.configuration -> spec.configuration, from the machineconfigs modules."""
    cur = str(((pool.get("status") or {}).get("configuration") or {}).get("name", ""))
    tgt = pool_fields(pool)["target"]
    if not cur or not tgt or cur == tgt:
        return None, "no queued change: the pool's nodes already run its target config"
    version = source.identity.cluster_version or ""
    if not version:
        return None, "the cluster version is unknown: the reboot impact cannot be predicted"
    try:
        from rhcos_helpers.machineconfigs.impact import policy_from_machineconfiguration, predict
        from rhcos_helpers.machineconfigs.merge import from_rendered
        from rhcos_helpers.machineconfigs.parse import read_machineconfigs
        from rhcos_helpers.machineconfigs.render import diff_configs

        mcs = read_machineconfigs(source)
        old, new = mcs.get(cur), mcs.get(tgt)
        if old is None or new is None:
            return None, f"rendered config {cur if old is None else tgt} is not in this source"
        try:
            mco_cfg = source.get("machineconfigurations", "cluster")
        except (NotApplicable, ClusterAccessError) as err:
            log.info("MachineConfiguration/cluster not read: %s", err)
            mco_cfg = None
        policy = policy_from_machineconfiguration(mco_cfg)
        diff = diff_configs(from_rendered(old), from_rendered(new), with_text=False)
        return (
            predict(diff, version=version, policy=policy, topology=mcs.control_plane_topology),
            "",
        )
    except (NotApplicable, ClusterAccessError, UsageError) as err:
        return None, f"reboot impact not available: {err}"


def pause_frame(plan: PausePlan) -> pd.DataFrame:
    """The plan as FIELD/VALUE rows: action, command, warnings, pending nodes, impact."""
    rows = [
        ("Pool", plan.pool),
        ("Action", plan.action),
        ("Paused now", str(plan.paused_now)),
        ("Change", "yes" if plan.changes else f"none: the pool is already {'un' if plan.action == 'unpause' else ''}paused"),
        ("oc equivalent", plan.command),
    ]  # fmt: skip
    rows += [(f"Warning {i}", w) for i, w in enumerate(plan.warnings, start=1)]
    rows += [(f"Pending: {n}", f"{cur or '(none)'} -> {tgt}") for n, cur, tgt in plan.pending]
    if plan.action == "unpause":
        rows.append(("Reboot impact", plan.impact.summary if plan.impact else plan.impact_reason))
        if plan.impact:
            rows.append(("Impact basis", plan.impact.basis))
    return pd.DataFrame(rows, columns=["FIELD", "VALUE"])


def apply_pause(source: Source, plan: PausePlan, *, apply: bool = False) -> pd.DataFrame:
    """Send the plan: the server-side dry run first, then (only if allowed) the patch.

    Demos, captures and scheduled runs get no request at all (one line: a dry run, or APPLY
    refused; a scheduled run's rights are read-only). A live source gets ``PATCH ...?dryRun=All``; the real patch follows only when ``apply`` is True
    and :func:`rhcos_helpers.safety.apply_refusal` allows it (not scheduled, not in-cluster).
    """
    cols = ["STEP", "REQUEST", "RESULT"]
    refusal = apply_refusal(source, apply=apply)
    path = f"/apis/{MCP_GROUP}/{MCP_VERSION}/{MCP_PLURAL}/{plan.pool}"
    live = source.identity.kind == "live" and hasattr(source, "patch")
    if not plan.changes:
        what = "unpaused" if plan.action == "unpause" else "paused"
        return pd.DataFrame([(0, "-", f"nothing to do: pool {plan.pool} is already {what}")],
                            columns=cols)  # fmt: skip
    if is_scheduled(source):  # a scheduled run's rights are read-only: not even a dry run
        msg = (
            refusal if apply else "dry run: a scheduled run sends nothing (no server-side dry run)"
        )
        return pd.DataFrame([(0, "-", msg)], columns=cols)
    if not live:
        msg = refusal or "dry run"
        if not apply:
            msg += f" ({source.identity.kind} source: no server-side dry run)"
        return pd.DataFrame([(0, "-", msg)], columns=cols)
    rows: list[tuple[int, str, str]] = []
    want = plan.patch["spec"]["paused"]
    try:
        answer = source.patch(path, plan.patch, dry_run=True)  # type: ignore[attr-defined]
        got = (answer.get("spec") or {}).get("paused")
        rows.append((1, f"PATCH {path}?dryRun=All",
                     f"server-side dry run accepted: spec.paused would be {str(got).lower()}"))  # fmt: skip
    except ClusterAccessError as err:
        rows.append((1, f"PATCH {path}?dryRun=All", f"refused by the server: {err}"))
        return pd.DataFrame(rows, columns=cols)
    if refusal is not None:
        rows.append((2, f"PATCH {path}", refusal))
        return pd.DataFrame(rows, columns=cols)
    try:
        answer = source.patch(path, plan.patch, dry_run=False)  # type: ignore[attr-defined]
        got = (answer.get("spec") or {}).get("paused")
        rows.append((2, f"PATCH {path}", f"patched: spec.paused is now {str(got).lower()}"))
        log.warning("machineconfigpool/%s: spec.paused set to %s", plan.pool, want)
    except ClusterAccessError as err:
        rows.append((2, f"PATCH {path}", f"patch failed: {err}"))
    return pd.DataFrame(rows, columns=cols)


def for_runbook(
    source: Source, snap: Attempt[PoolSnapshot], *, pool: str, action: str
) -> Attempt[PausePlan]:
    """:func:`plan_pause` for a runbook: no ACTION, an unknown pool or action become a reason."""
    if not action:
        return Attempt(None, "ACTION is empty: set ACTION to pause or unpause for a dry run")
    if snap.value is None:
        return Attempt(None, snap.reason or "no pools")
    try:
        return Attempt(plan_pause(source, snap.value, pool=pool, action=action))
    except UsageError as err:
        return Attempt(None, str(err))


def impact_table(plan: Attempt[PausePlan]) -> Attempt[pd.DataFrame]:
    """The predicted action per changed item of an unpause (:mod:`rhcos_helpers.machineconfigs.impact`)."""
    if plan.value is None:
        return Attempt(None, plan.reason or "no plan")
    if plan.value.impact is None:
        return Attempt(None, plan.value.impact_reason or "a pause changes no node")
    from rhcos_helpers.machineconfigs.impact import impact_frame

    return Attempt(impact_frame(plan.value.impact))


def apply_for_runbook(
    source: Source, plan: Attempt[PausePlan], *, apply: bool
) -> Attempt[pd.DataFrame]:
    """:func:`apply_pause` of a plan attempt."""
    if plan.value is None:
        return Attempt(None, plan.reason or "no plan")
    return Attempt(apply_pause(source, plan.value, apply=apply))


def confirm(
    source: Source, plan: Attempt[PausePlan], *, apply: bool, interactive: bool | None = None
) -> Any:
    """The interactive confirmation of the plan's patch (type the pool's name, press Apply).

    Apply sends exactly :attr:`PausePlan.patch` through :func:`apply_pause` (the server-side
    dry run, then the patch). Under papermill, in reports, with APPLY set, against a demo or a
    capture, or in a scheduled run: one static line (:func:`rhcos_helpers.safety.confirmation_refusal`).
    """
    from rhcos_helpers import widgets

    if plan.value is None:
        return widgets.note(f"Nothing to confirm: {plan.reason or 'no plan'}")
    p = plan.value
    if not p.changes:
        state = "unpaused" if p.action == "unpause" else "paused"
        return widgets.note(f"Nothing to confirm: pool {p.pool} is already {state}.")
    return widgets.apply_confirmation(
        source,
        apply=apply,
        expected=p.pool,
        action=f"{p.action.capitalize()} pool {p.pool}: {p.command}",
        details=p.warnings,
        send=lambda: apply_pause(source, p, apply=True),
        interactive=interactive,
    )
