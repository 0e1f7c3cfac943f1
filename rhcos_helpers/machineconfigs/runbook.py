"""machineconfigs.runbook - what runbook 40-machineconfigs reads, computes and shows (one call per cell).

:func:`collect` reads the MachineConfigs, pools, ControllerConfig, ``MachineConfiguration``
and the cluster version once, merges every pool's sources locally, diffs the configs asked for
and authors the MachineConfig described by the parameters. Each ``*_table`` function returns an
:class:`~rhcos_helpers.sources.base.Attempt` of a DataFrame, so a report shows "not available,
because ..." instead of an empty table when the source lacks something.

Applying the authored MachineConfig (:func:`create_plan`, :func:`apply_create`,
:func:`confirm_create`) goes through :mod:`rhcos_helpers.machineconfigs.create`: a server-side
dry run, then the create only with APPLY or an interactive confirmation, on a live cluster run
by hand. :func:`reveal_secret` lets an admin see one redacted value for a few seconds, in
JupyterLab only.

Examples:
    >>> from rhcos_helpers.sources import open_source
    >>> rb = collect(open_source("demo"), pool="worker")
    >>> rb.diff.old, rb.diff.new
    ('rendered-worker-f346376daed17dc90a08f21259a56253', 'rendered-worker-f7657e01dc6be7a1a39bf960924afe88')
    >>> rb.impact.action, [c.item for c in rb.diff.changes]
    ('reboot', ['/etc/chrony.conf'])
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from rhcos_helpers.cluster import hosted_findings
from rhcos_helpers.errors import ClusterAccessError, NotApplicable, UsageError
from rhcos_helpers.findings import Finding, Severity
from rhcos_helpers.machineconfigs.author import (
    AuthoredMachineConfig,
    FileSpec,
    author_machineconfig,
)
from rhcos_helpers.machineconfigs.create import (
    CreatePlan,
    create_frame,
    create_machineconfig,
    plan_create,
)
from rhcos_helpers.machineconfigs.impact import (
    Impact,
    impact_frame,
    policy_from_machineconfiguration,
    predict,
)
from rhcos_helpers.machineconfigs.merge import (
    MergedConfig,
    from_rendered,
    merge,
    minor_version,
    rules_for,
)
from rhcos_helpers.machineconfigs.parse import McSet, read_machineconfigs, selector_matches
from rhcos_helpers.machineconfigs.render import (
    ConfigDiff,
    RenderCheck,
    check_rendered,
    composition_frame,
    diff_configs,
    diff_frame,
    empty_pool_note,
    pool_sources,
    reach_findings,
)
from rhcos_helpers.machineconfigs.tables import (
    files_frame,
    generator_frame,
    kernel_frame,
    to_frame,
    units_frame,
)
from rhcos_helpers.redaction import redact_text
from rhcos_helpers.sources.base import Attempt, Source, attempt

__all__ = [
    "AuthorInput",
    "McRunbook",
    "apply_create",
    "author_facts",
    "author_impact_table",
    "author_yaml",
    "collect",
    "composition_table",
    "confirm_create",
    "create_plan",
    "create_table",
    "diff_facts",
    "diff_table",
    "files_table",
    "findings",
    "generators_table",
    "impact_table",
    "kernel_table",
    "mc_table",
    "render_check_table",
    "reveal_secret",
    "secret_items",
    "units_table",
]

log = logging.getLogger(__name__)

CURRENT = "machineconfiguration.openshift.io/currentConfig"
DESIRED = "machineconfiguration.openshift.io/desiredConfig"


@dataclass(frozen=True)
class AuthorInput:
    """The authoring parameters (one file; empty name = no authoring)."""

    name: str = ""
    role: str = "worker"
    file_path: str = ""
    file_content: str = ""
    file_mode: str = "0644"


@dataclass(frozen=True)
class McRunbook:
    """Everything runbook 40 shows; reasons instead of values where something is missing."""

    version: str
    version_reason: str
    mcs: Attempt[McSet]
    pools: Attempt[list[dict[str, Any]]]
    pool: str
    pool_reason: str
    machineconfig: str
    os_image_url: str | None
    policy: dict[str, Any] | None
    checks: tuple[RenderCheck, ...] = ()
    pending: tuple[tuple[str, ConfigDiff, Impact | None], ...] = ()
    diff: ConfigDiff | None = None
    diff_reason: str = ""
    impact: Impact | None = None
    authored: AuthoredMachineConfig | None = None
    author_error: str = ""
    author_baseline: str = ""
    author_diff: ConfigDiff | None = None
    author_impact: Impact | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


def _version(source: Source, target: str) -> tuple[str, str]:
    if target:
        try:
            minor_version(target)
        except UsageError as exc:
            return "", f"TARGET_VERSION: {exc}, or leave it empty for the cluster's version"
        return target, ""
    version = source.identity.cluster_version or ""
    if not version:
        cv = attempt(source.get, "clusterversions", "version")
        obj = cv.value or {}
        version = str(((obj.get("status") or {}).get("desired") or {}).get("version", ""))
    if not version:
        return "", "the cluster version is unknown (no ClusterVersion): set TARGET_VERSION"
    try:
        minor_version(version)
    except UsageError as exc:
        return "", f"the cluster's version: {exc}; set TARGET_VERSION"
    return version, ""


def _get(source: Source, resource: str, name: str) -> dict[str, Any] | None:
    try:
        return source.get(resource, name)
    except (NotApplicable, UsageError) as exc:
        log.info("%s/%s not read: %s", resource, name, exc)
        return None
    except ClusterAccessError as exc:
        if exc.status in (403, 404):
            return None
        raise


def _rendered(mcs: McSet, name: str) -> MergedConfig | None:
    mc = mcs.get(name)
    return from_rendered(mc) if mc is not None else None


def _diff(
    mcs: McSet, old: str, new: str, version: str, policy: dict[str, Any] | None
) -> tuple[ConfigDiff | None, Impact | None, str]:
    a, b = _rendered(mcs, old), _rendered(mcs, new)
    missing = [n for n, c in ((old, a), (new, b)) if c is None]
    if missing:
        return None, None, f"rendered config {missing[0]} is not in this source"
    assert a is not None and b is not None
    d = diff_configs(a, b)
    imp = (
        predict(d, version=version, policy=policy, topology=mcs.control_plane_topology)
        if version
        else None
    )
    return d, imp, ""


def collect(
    source: Source,
    *,
    pool: str = "worker",
    machineconfig: str = "",
    diff_from: str = "",
    diff_to: str = "",
    node: str = "",
    author: AuthorInput | None = None,
    target_version: str = "",
) -> McRunbook:
    """Read and compute everything runbook 40 shows.

    An unknown TARGET_VERSION, NODE or POOL becomes the named reason of the sections that need
    it (``version_reason``, ``diff_reason``, ``pool_reason``); the rest is still computed.
    """
    version, version_reason = _version(source, target_version)
    mcs = attempt(read_machineconfigs, source)
    pools = attempt(lambda: sorted(source.list("machineconfigpools"),
                                   key=lambda p: str(p["metadata"]["name"])))  # fmt: skip
    cc = _get(source, "controllerconfigs", "machine-config-controller")
    cc_spec = (cc or {}).get("spec") or {}
    os_image = cc_spec.get("baseOSContainerImage") or cc_spec.get("osImageURL") or None
    policy = policy_from_machineconfiguration(_get(source, "machineconfigurations", "cluster"))
    pool_obj: dict[str, Any] | None = None
    pool_reason = ""
    if pools.value is not None:
        pool_obj = next((p for p in pools.value if p["metadata"]["name"] == pool), None)
        if pool_obj is None:
            names = ", ".join(p["metadata"]["name"] for p in pools.value) or "none"
            pool_reason = f"pool {pool!r} does not exist; this cluster's pools: {names} (set POOL)"
    else:
        pool_reason = pools.reason or "pools not available"
    base = McRunbook(
        version=version, version_reason=version_reason, mcs=mcs, pools=pools, pool=pool,
        pool_reason=pool_reason, machineconfig=machineconfig,
        os_image_url=str(os_image) if os_image else None, policy=policy,
    )  # fmt: skip
    if mcs.value is None:
        return _replace(base, author_error=mcs.reason or "") if author and author.name else base
    m = mcs.value
    checks: list[RenderCheck] = []
    pending: list[tuple[str, ConfigDiff, Impact | None]] = []
    for p in pools.value or []:
        if version:
            whiches: tuple[Literal["spec", "status"], ...] = ("spec", "status")
            for which in whiches:
                checks.append(
                    check_rendered(
                        m,
                        p,
                        version=version,
                        which=which,
                        os_image_url=base.os_image_url,
                    )  # fmt: skip
                )
        cur = ((p.get("status") or {}).get("configuration") or {}).get("name", "")
        tgt = ((p.get("spec") or {}).get("configuration") or {}).get("name", "")
        if cur and tgt and cur != tgt:
            d, imp, _ = _diff(m, cur, tgt, version, policy)
            if d is not None:
                pending.append((str(p["metadata"]["name"]), d, imp))
    diff, impact, diff_reason = _select_diff(source, m, pool_obj, pool_reason, diff_from,
                                             diff_to, node, version, policy)  # fmt: skip
    base = _replace(base, checks=tuple(checks), pending=tuple(pending), diff=diff,
                    impact=impact, diff_reason=diff_reason)  # fmt: skip
    if author is not None and author.name:
        base = _author(base, m, pool_obj, author, version, policy)
    return base


def _replace(rb: McRunbook, **changes: Any) -> McRunbook:
    from dataclasses import replace

    return replace(rb, **changes)


def _select_diff(
    source: Source,
    mcs: McSet,
    pool_obj: Mapping[str, Any] | None,
    pool_reason: str,
    diff_from: str,
    diff_to: str,
    node: str,
    version: str,
    policy: dict[str, Any] | None,
) -> tuple[ConfigDiff | None, Impact | None, str]:
    if diff_from and diff_to:
        return _diff(mcs, diff_from, diff_to, version, policy)
    if node:
        try:
            obj = source.node(node)
        except UsageError as exc:
            return None, None, f"NODE: {exc}"
        ann = obj["metadata"].get("annotations") or {}
        cur, des = ann.get(CURRENT, ""), ann.get(DESIRED, "")
        if not cur or not des:
            return None, None, f"node {node} carries no MCO currentConfig/desiredConfig annotations"
        return _diff(mcs, diff_from or cur, diff_to or des, version, policy)
    if pool_obj is None:
        return None, None, pool_reason
    cur = ((pool_obj.get("status") or {}).get("configuration") or {}).get("name", "")
    tgt = ((pool_obj.get("spec") or {}).get("configuration") or {}).get("name", "")
    cur, tgt = diff_from or cur, diff_to or tgt
    if not cur or not tgt:
        return None, None, f"pool {pool_obj['metadata']['name']} names no rendered config yet"
    return _diff(mcs, cur, tgt, version, policy)


def _author(
    rb: McRunbook,
    mcs: McSet,
    pool_obj: Mapping[str, Any] | None,
    author: AuthorInput,
    version: str,
    policy: dict[str, Any] | None,
) -> McRunbook:
    if not version:
        return _replace(rb, author_error=rb.version_reason)
    try:
        files = [FileSpec(author.file_path, author.file_content, mode=author.file_mode)]
        authored = author_machineconfig(
            name=author.name, role=author.role, target_version=version,
            files=files if author.file_path else [],
        )  # fmt: skip
    except UsageError as exc:
        return _replace(rb, author_error=str(exc))
    if pool_obj is None:
        return _replace(rb, authored=authored, author_error=rb.pool_reason)
    from rhcos_helpers.machineconfigs.parse import parse_machineconfig

    new_mc = parse_machineconfig(authored.obj)
    selector = (pool_obj.get("spec") or {}).get("machineConfigSelector")
    names, _ = pool_sources(mcs, pool_obj, which="spec")
    inputs = [mcs.configs[n] for n in names if n != new_mc.name]
    baseline_name = str(((pool_obj.get("spec") or {}).get("configuration") or {}).get("name", ""))
    cluster = _rendered(mcs, baseline_name)
    image = rb.os_image_url or (cluster.os_image_url if cluster else None)
    ign = cluster.ignition_version if cluster else authored.ignition_version
    old = merge(inputs + ([mcs.configs[new_mc.name]] if new_mc.name in names else []),
                rules=rules_for(version), os_image_url=image, ignition_version=ign,
                name=baseline_name or "pool target")  # fmt: skip
    if not selector_matches(selector, new_mc.labels):
        pname = pool_obj["metadata"]["name"]
        return _replace(rb, authored=authored, author_baseline=baseline_name,
                        author_error=f"pool {pname} does not select role {author.role!r}: "
                        "this MachineConfig would not reach its nodes")  # fmt: skip
    new = merge(inputs + [new_mc], rules=rules_for(version), os_image_url=image,
                ignition_version=ign, name=f"{baseline_name or 'pool'} + {new_mc.name}")  # fmt: skip
    d = diff_configs(old, new)
    notes = [empty_pool_note(pool_obj, topology=mcs.control_plane_topology)]
    if new_mc.name in mcs.configs:
        notes.append(f"a MachineConfig named {new_mc.name} exists: `oc create` fails with "
                     "AlreadyExists (replacing it changes what is shown here)")  # fmt: skip
    imp = predict(d, version=version, policy=policy, topology=mcs.control_plane_topology)
    return _replace(
        rb, authored=authored, author_baseline=baseline_name, author_diff=d, author_impact=imp,
        notes=rb.notes + tuple(n for n in notes if n),
    )  # fmt: skip


# --- tables for the notebook ------------------------------------------------------------------


def _need(rb: McRunbook) -> Attempt[McSet]:
    return rb.mcs


def mc_table(rb: McRunbook) -> Attempt[pd.DataFrame]:
    """``oc get mc`` plus role, origin and problems (4.3 and older print CREATED)."""
    old = bool(rb.version) and minor_version(rb.version) < (4, 4)
    return rb.mcs.map(lambda m: to_frame(m, ignition_22_columns=old))


def generators_table(rb: McRunbook) -> Attempt[pd.DataFrame]:
    """KubeletConfigs / ContainerRuntimeConfigs and the MachineConfigs they made."""
    return rb.mcs.map(lambda m: generator_frame(m, rb.pools.value or []))


def _one(rb: McRunbook) -> Attempt[McSet]:
    if (
        rb.mcs.value is not None
        and rb.machineconfig
        and rb.machineconfig not in rb.mcs.value.configs
    ):
        unreadable = rb.mcs.value.errors.get(rb.machineconfig)
        if unreadable:
            return Attempt(
                None, f"MACHINECONFIG {rb.machineconfig!r} could not be read: {unreadable}"
            )
        names = ", ".join(list(rb.mcs.value.configs)[:12])
        return Attempt(None, f"no MachineConfig {rb.machineconfig!r}; some that exist: {names}")
    return rb.mcs


def files_table(rb: McRunbook) -> Attempt[pd.DataFrame]:
    """Files per MachineConfig (MACHINECONFIG = one name: that one, in full)."""
    return _one(rb).map(lambda m: files_frame(m, name=rb.machineconfig))


def units_table(rb: McRunbook) -> Attempt[pd.DataFrame]:
    """Systemd units and drop-ins per MachineConfig."""
    return _one(rb).map(lambda m: units_frame(m, name=rb.machineconfig))


def kernel_table(rb: McRunbook) -> Attempt[pd.DataFrame]:
    """Kernel arguments, extensions, FIPS, kernel type, OS image, SSH key counts."""
    return _one(rb).map(lambda m: kernel_frame(m, name=rb.machineconfig))


def composition_table(rb: McRunbook) -> Attempt[pd.DataFrame]:
    """Per pool, the MachineConfigs of its target and current rendered configs, in merge order."""
    if rb.mcs.value is None or rb.pools.value is None:
        return Attempt(None, rb.mcs.reason or rb.pools.reason)
    return Attempt(composition_frame(rb.mcs.value, rb.pools.value))


def render_check_table(rb: McRunbook) -> Attempt[pd.DataFrame]:
    """Each pool's rendered configs against the local merge of their sources."""
    if rb.mcs.value is None or rb.pools.value is None:
        return Attempt(None, rb.mcs.reason or rb.pools.reason)
    if not rb.version:
        return Attempt(None, rb.version_reason)
    rows = [
        {
            "POOL": c.pool,
            "CONFIG": c.which,
            "RENDERED": c.rendered,
            "MATCHES LOCAL MERGE": "" if c.equal is None else c.equal,
            "DIFFERENCES": "; ".join(c.differences),
            "NOTE": c.note,
        }  # fmt: skip
        for c in rb.checks
    ]
    cols = ["POOL", "CONFIG", "RENDERED", "MATCHES LOCAL MERGE", "DIFFERENCES", "NOTE"]
    return Attempt(pd.DataFrame(rows, columns=cols))


def diff_facts(rb: McRunbook) -> Attempt[dict[str, object]]:
    """From/to, rule basis, the predicted action and drain, in a few lines."""
    if rb.diff is None:
        return Attempt(None, rb.mcs.reason or rb.diff_reason or "no diff")
    facts: dict[str, object] = {
        "From": rb.diff.old,
        "To": rb.diff.new,
        "Changes": len(rb.diff.changes),
    }
    if rb.impact is not None:
        facts["Rules"] = f"{rb.impact.basis} (OpenShift {rb.impact.version})"
        facts["Action"] = rb.impact.action
        facts["Drain"] = rb.impact.drain
        facts["What happens"] = rb.impact.summary
    else:
        facts["Action"] = rb.version_reason
    return Attempt(facts)


def diff_table(rb: McRunbook) -> Attempt[pd.DataFrame]:
    """The changes between the two rendered configs (unified diffs of text, redacted)."""
    if rb.diff is None:
        return Attempt(None, rb.mcs.reason or rb.diff_reason or "no diff")
    return Attempt(diff_frame(rb.diff))


def impact_table(rb: McRunbook) -> Attempt[pd.DataFrame]:
    """The daemon's action for each change, and why."""
    if rb.impact is None:
        return Attempt(None, rb.mcs.reason or rb.diff_reason or rb.version_reason or "no diff")
    return Attempt(impact_frame(rb.impact))


def author_yaml(rb: McRunbook) -> Attempt[str]:
    """The authored MachineConfig as YAML (nothing is applied)."""
    if rb.authored is None:
        return Attempt(None, rb.author_error or "AUTHOR_NAME is empty: nothing to author")
    return Attempt(rb.authored.yaml)


def author_facts(rb: McRunbook) -> Attempt[dict[str, object]]:
    """How to apply it (section "Applying"), its predicted impact and any refusal."""
    if rb.authored is None:
        return Attempt(None, rb.author_error or "AUTHOR_NAME is empty: nothing to author")
    facts: dict[str, object] = {
        "MachineConfig": rb.authored.name,
        "Ignition": rb.authored.ignition_version,
        "Save as": f"{rb.authored.name}.yaml",
        "oc equivalent": rb.authored.create_command(),
        "Apply": "below: a server-side dry run, then APPLY=True or an interactive confirmation",
        "Follow the rollout": "runbook 50-pool-rollout",
    }
    if rb.author_error:
        facts["Problem"] = rb.author_error
    if rb.author_impact is not None:
        facts["Compared with"] = f"the pool's target config {rb.author_baseline}"
        facts["Changes on the nodes"] = len(rb.author_impact.items)
        facts["Predicted action"] = rb.author_impact.action
        facts["What happens"] = rb.author_impact.summary
    if rb.notes:
        facts["Note"] = "; ".join(rb.notes)
    return Attempt(facts)


def author_impact_table(rb: McRunbook) -> Attempt[pd.DataFrame]:
    """The predicted action for each change the authored MachineConfig makes."""
    if rb.author_impact is None:
        return Attempt(None, rb.author_error or "AUTHOR_NAME is empty: nothing to author")
    return Attempt(impact_frame(rb.author_impact))


# --- applying the authored MachineConfig --------------------------------------------------------


def _pool_obj(rb: McRunbook) -> dict[str, Any] | None:
    return next((p for p in rb.pools.value or [] if p["metadata"]["name"] == rb.pool), None)


def create_plan(rb: McRunbook) -> Attempt[CreatePlan]:
    """What creating the authored MachineConfig would do (:func:`~rhcos_helpers.machineconfigs.create.plan_create`)."""
    if rb.authored is None:
        return Attempt(None, rb.author_error or "AUTHOR_NAME is empty: nothing to author")
    return Attempt(
        plan_create(
            rb.authored,
            pool=rb.pool,
            impact=rb.author_impact,
            problem=rb.author_error,
            pool_obj=_pool_obj(rb),
        )  # fmt: skip
    )


def create_table(plan: Attempt[CreatePlan]) -> Attempt[pd.DataFrame]:
    """The plan as FIELD/VALUE rows: object, requests, predicted action, warnings."""
    return plan.map(create_frame)


def apply_create(
    source: Source, plan: Attempt[CreatePlan], *, apply: bool
) -> Attempt[pd.DataFrame]:
    """The server-side dry run of the create, and the create itself with APPLY (live, by hand)."""
    return plan.map(lambda p: create_machineconfig(source, p, apply=apply))


def confirm_create(
    source: Source, plan: Attempt[CreatePlan], *, apply: bool, interactive: bool | None = None
) -> Any:
    """The interactive confirmation of the create (type the MachineConfig's name, press Apply).

    Apply sends exactly the YAML shown above (:func:`~rhcos_helpers.machineconfigs.create.create_machineconfig`:
    the server-side dry run, then the create). Under papermill, in reports, with APPLY set,
    against a demo or a capture, in a scheduled run, or for a plan with a problem: one line.
    """
    from rhcos_helpers import widgets

    if plan.value is None:
        return widgets.note(f"Nothing to confirm: {plan.reason or 'no MachineConfig authored'}")
    p = plan.value
    if p.problem:
        return widgets.note(f"Nothing to confirm: not applied because {p.problem}.")
    return widgets.apply_confirmation(
        source,
        apply=apply,
        expected=p.name,
        action=f"Create MachineConfig {p.name} ({p.authored.create_command()})",
        details=p.warnings,
        send=lambda: create_machineconfig(source, p, apply=True),
        interactive=interactive,
    )


# --- revealing one redacted value ---------------------------------------------------------------


def _ssh_key(source: Source, name: str, user: str, index: int) -> str:
    """One sshAuthorizedKeys entry, read again from the source (records never keep keys)."""
    obj = source.get("machineconfigs", name) or {}
    config = (obj.get("spec") or {}).get("config") or {}
    for entry in (config.get("passwd") or {}).get("users") or []:
        if isinstance(entry, Mapping) and entry.get("name") == user:
            keys = entry.get("sshAuthorizedKeys") or []
            if 0 <= index < len(keys):
                return str(keys[index])
    raise UsageError(f"machineconfig {name} no longer holds key #{index + 1} of {user}")


def secret_items(source: Source, rb: McRunbook) -> dict[str, Callable[[], str]]:
    """Every redacted value of the MachineConfigs shown: label -> function that reads it.

    File contents that redaction changes (pull secrets, keys, tokens) and each
    ``sshAuthorizedKeys`` entry, of the non-rendered MachineConfigs (or of MACHINECONFIG when
    it names one). Labels name the item, never its value; values are read only when called.
    """
    if rb.mcs.value is None:
        return {}
    chosen = [
        mc for mc in rb.mcs.value.configs.values()
        if (mc.name == rb.machineconfig if rb.machineconfig else not mc.is_rendered)
    ]  # fmt: skip
    items: dict[str, Callable[[], str]] = {}
    for mc in chosen:
        for f in mc.files:
            text = f.text
            if text is not None and redact_text(text) != text:
                items[f"{mc.name}: {f.path}"] = functools.partial(lambda t: t, text)
        for user, digests in mc.ssh_keys:
            for i in range(len(digests)):
                items[f"{mc.name}: sshAuthorizedKeys of {user} #{i + 1}"] = functools.partial(
                    _ssh_key, source, mc.name, user, i
                )
    return items


def reveal_secret(source: Source, rb: McRunbook, *, interactive: bool | None = None) -> Any:
    """The transient reveal widget (JupyterLab only) over :func:`secret_items`; else one line."""
    from rhcos_helpers import widgets

    return widgets.secret_reveal(secret_items(source, rb), interactive=interactive)


# --- findings ---------------------------------------------------------------------------------


def findings(rb: McRunbook) -> list[Finding]:
    """What needs attention: refused content, mismatching renders, pending reboots, overrides."""
    out: list[Finding] = []
    if rb.mcs.value is None:
        return hosted_findings(rb.mcs.reason)
    m = rb.mcs.value
    out.extend(reach_findings(m, rb.pools.value or []))
    selected: dict[str, list[str]] = {}
    for p in rb.pools.value or []:
        for n in pool_sources(m, p, which="spec")[0]:
            selected.setdefault(n, []).append(str(p["metadata"]["name"]))
    for mc in m.sources():
        if mc.unsupported:
            in_pools = selected.get(mc.name, [])
            out.append(Finding(
                severity=Severity.CRITICAL if in_pools else Severity.WARNING,
                title=f"MachineConfig {mc.name} holds what the machine-config daemon refuses",
                what="; ".join(mc.unsupported) + (
                    f". Pools {', '.join(in_pools)} select it: their nodes go Degraded."
                    if in_pools else "."),
                where=f"machineconfig/{mc.name}", next_runbook="50-pool-rollout"))  # fmt: skip
        bad = [f"{f.path}: {f.error}" for f in mc.files if f.error]
        if bad:
            out.append(Finding(Severity.WARNING, f"MachineConfig {mc.name} has undecodable files",
                               "; ".join(bad), f"machineconfig/{mc.name}"))  # fmt: skip
    for name, reason in m.errors.items():
        out.append(Finding(Severity.WARNING, f"MachineConfig {name} could not be read", reason,
                           f"machineconfig/{name}"))  # fmt: skip
    for c in rb.checks:
        if c.which == "target" and c.equal is False:
            out.append(Finding(
                Severity.WARNING,
                f"Rendered config of pool {c.pool} differs from the local merge of its sources",
                f"{c.rendered}: " + "; ".join(c.differences[:8]) + (f" ({c.note})" if c.note else ""),
                f"machineconfigpool/{c.pool}"))  # fmt: skip
    for pname, d, imp in rb.pending:
        items = ", ".join(f"{c.kind} {c.item} {c.change}" for c in d.changes[:6])
        if imp is not None and imp.unreconcilable:
            sev = Severity.CRITICAL
        elif imp is not None and imp.reboot:
            sev = Severity.WARNING
        else:
            sev = Severity.INFO
        action = imp.summary if imp else "impact unknown (no version)"
        out.append(Finding(sev, f"Pool {pname} has a pending change: {imp.action if imp else '?'}",
                           f"{d.old} -> {d.new}: {items}. {action}",
                           f"machineconfigpool/{pname}", "50-pool-rollout"))  # fmt: skip
        if any(c.kind == "fips" for c in d.changes):
            out.append(Finding(Severity.CRITICAL, f"FIPS change pending on pool {pname}",
                               "FIPS can only be chosen at install: the daemon refuses the "
                               "change and the nodes go Unreconcilable.",
                               f"machineconfigpool/{pname}", "50-pool-rollout"))  # fmt: skip
    out.extend(_overrides(m, rb))
    return out


def _overrides(m: McSet, rb: McRunbook) -> list[Finding]:
    out: list[Finding] = []
    for p in rb.pools.value or []:
        names, _ = pool_sources(m, p, which="spec")
        writers: dict[str, str] = {}
        for n in names:
            mc = m.configs[n]
            for f in mc.files:
                prev = writers.get(f"file {f.path}")
                if prev and mc.origin == "user" and m.configs[prev].origin in (
                    "template", "controller", "kubeletconfig", "containerruntimeconfig",
                    "image-policy"):  # fmt: skip
                    out.append(Finding(
                        Severity.INFO,
                        f"MachineConfig {mc.name} overrides {f.path} from {prev}",
                        f"Pool {p['metadata']['name']}: the user MachineConfig wins over the "
                        f"{m.configs[prev].origin} one; later releases' changes to that file "
                        "will not reach the nodes while it is there.",
                        f"machineconfig/{mc.name}"))  # fmt: skip
                writers[f"file {f.path}"] = n
    seen: set[str] = set()
    unique: list[Finding] = []
    for finding in out:
        if finding.title not in seen:
            seen.add(finding.title)
            unique.append(finding)
    return unique
