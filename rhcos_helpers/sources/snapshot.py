"""sources.snapshot - write the project's capture layout from any source, so runbooks re-run offline.

:func:`write_capture` reads a source (usually a live cluster) and writes the layout described
in ``docs/capture-layout.md``: ``rhcos-capture.json``, ``cluster/`` (the must-gather image
directory layout) and ``nodes/<node>/`` (every catalogue fact, through
:func:`~rhcos_helpers.node_access.fanout.collect_facts`). :func:`capture_command` is the body of
``rhcos-runbooks capture --source kube[:CONTEXT] --out DIR``.

What is collected: every kind in :mod:`rhcos_helpers.kinds` that the source serves, including
the RBAC bindings, roles and namespaces the SCC runbook needs (a default must-gather has none).
A kind the source does not serve (404) or the caller may not list (403) is skipped and named in
the manifest's notes; so are nodes whose facts failed.

Redaction - a deliberate choice: a capture is **raw evidence** kept on the machine that took
it (to re-run runbooks on the same inputs), not a report, so objects and command outputs are
written as the API and the node gave them; reports redact when they render. Two kinds of
credential are never written, because nothing a runbook reads needs them:

* Secrets (their kind is not in :mod:`rhcos_helpers.kinds`, and any Secret a source returns is
  dropped);
* in MachineConfigs, ``spec.config.passwd.users[].sshAuthorizedKeys`` (each key becomes
  ``<redacted: ssh-key>``) and the pull secret (the ``/var/lib/kubelet/config.json`` file, or any
  file whose content is a registry ``auths`` document, becomes a data URL of
  ``<redacted: pull-secret>``); ControllerConfig ``spec.internalRegistryPullSecret`` likewise.

The directory appears whole or not at all: everything is written to a ``.partial`` sibling that
is renamed at the end.
"""

from __future__ import annotations

import base64
import json
import logging
import shutil
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote_to_bytes

import yaml

from rhcos_helpers.catalogue import CATALOGUE
from rhcos_helpers.errors import ClusterAccessError, NotApplicable, UsageError
from rhcos_helpers.kinds import KINDS, Kind
from rhcos_helpers.node_access.fanout import FactSpec, FleetResult, collect_facts, fact_key
from rhcos_helpers.redaction import redacted
from rhcos_helpers.sources.base import NodeOutput, Source
from rhcos_helpers.sources.capture_layout import CAPTURE_FORMAT, MANIFEST

__all__ = ["DEFAULT_JOURNAL_SINCE", "capture_command", "default_facts", "write_capture"]

log = logging.getLogger(__name__)

#: Time window of the captured journals (``journalctl --since``).
DEFAULT_JOURNAL_SINCE = "-24h"
_JOURNAL_UNITS = ("crio", "kubelet")
_NEVER = frozenset({"secrets"})
_KUBELET_AUTH = "/var/lib/kubelet/config.json"
_Dumper: type[Any] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def default_facts(*, since: str = DEFAULT_JOURNAL_SINCE) -> list[FactSpec]:
    """Every catalogue fact; ``journal_unit`` once for crio and once for the kubelet.

    Examples:
        >>> [f for f in default_facts() if not isinstance(f, str)]
        [('journal_unit', {'unit': 'crio', 'since': '-24h'}), ('journal_unit', {'unit': 'kubelet', 'since': '-24h'})]
    """
    specs: list[FactSpec] = []
    for name, f in CATALOGUE.items():
        if "unit" in f.params:
            specs += [(name, {"unit": unit, "since": since}) for unit in _JOURNAL_UNITS]
        else:
            specs.append(name)
    return specs


def write_capture(
    source: Source,
    out_dir: Path,
    *,
    facts: Sequence[FactSpec] | None = None,
    nodes: Sequence[str] | None = None,
    concurrency: int = 4,
    node_timeout: float = 120,
    progress: bool = True,
) -> Path:
    """Write a capture of ``source`` to ``out_dir`` in the project layout.

    Args:
        source: the cluster to capture (live, or a capture/demo to re-write).
        out_dir: the directory to create; it must not exist or be empty.
        facts: node facts to collect; ``None`` means :func:`default_facts`. An empty list
            writes no ``nodes/``.
        nodes: nodes whose facts to collect; ``None`` means every node.
        concurrency: nodes in flight at once (each may hold a privileged debug pod).
        node_timeout: seconds all facts of one node may take together.
        progress: show a progress bar for the node facts.

    Returns:
        ``out_dir``, ready for ``open_source(str(out_dir))``.

    Raises:
        UsageError: ``out_dir`` exists and is not an empty directory.
        ClusterAccessError: the API cannot be reached or the token is invalid (a 403 on one kind
            only skips that kind).
    """
    out_dir = Path(out_dir).expanduser()
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise UsageError(
            f"capture directory {str(out_dir)!r} exists and is not empty; pass a new --out "
            "directory (captures are never merged)"
        )
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    captured_at = datetime.now(UTC).replace(microsecond=0)
    work = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".partial", dir=out_dir.parent))
    try:
        identity = source.identity
        notes = [f"captured from {identity.kind} source {identity.spec!r}"]
        notes += _write_cluster(source, work / "cluster")
        specs = default_facts() if facts is None else list(facts)
        if specs:
            result = collect_facts(
                source,
                nodes=nodes,
                facts=specs,
                concurrency=concurrency,
                node_timeout=node_timeout,
                progress=progress,
            )
            notes += _write_nodes(result, specs, work / "nodes")
        manifest = {
            "format": CAPTURE_FORMAT,
            "kind": "capture",
            "captured_at": captured_at.isoformat().replace("+00:00", "Z"),
            "api_url": identity.api_url,
            "context": identity.context,
            "tool_version": _tool_version(),
            "source": identity.spec,
            "cluster_id": identity.cluster_id,
            "cluster_version": identity.cluster_version,
            "notes": notes,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        if out_dir.exists():
            out_dir.rmdir()  # empty, checked above
        work.rename(out_dir)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    log.info("capture written to %s (%d note(s))", out_dir, len(notes))
    return out_dir


def capture_command(
    *,
    source_spec: str,
    out_dir: Path,
    concurrency: int = 4,
    node_timeout: float = 120,
    progress: bool = True,
) -> Path:
    """``rhcos-runbooks capture --source SPEC --out DIR``: open the source, capture, close.

    Args:
        source_spec: a ``--source`` value (``kube``, ``kube:CONTEXT``, ``in-cluster``, or a
            capture/demo to re-write).
        out_dir: the ``--out`` directory.
        concurrency: nodes in flight at once.
        node_timeout: seconds per node.
        progress: show a progress bar.

    Returns:
        The capture directory.

    Raises:
        SourceError: the source spec names nothing usable.
        UsageError: ``out_dir`` is not new or empty.
        ClusterAccessError: the API cannot be reached or refused the token.
    """
    from rhcos_helpers.sources import open_source

    with open_source(source_spec) as source:
        return write_capture(
            source,
            out_dir,
            concurrency=concurrency,
            node_timeout=node_timeout,
            progress=progress,
        )


# ------------------------------------------------------------------------------------ cluster


def _write_cluster(source: Source, root: Path) -> list[str]:
    """Every served kind under ``root``; returns notes for the kinds skipped."""
    not_served: list[str] = []
    forbidden: list[str] = []
    for plural, k in KINDS.items():
        if plural in _NEVER:
            continue
        try:
            objs = source.list(plural)
        except NotApplicable as err:
            log.info("not captured: %s", err)
            not_served.append(plural)
            continue
        except ClusterAccessError as err:
            if err.status not in (403, 404):
                raise
            log.warning("not captured: %s", err)
            (forbidden if err.status == 403 else not_served).append(plural)
            continue
        objs = [_scrub(o) for o in objs if o.get("kind") != "Secret"]
        _write_kind(root, k, objs)
        log.debug("captured %d %s", len(objs), plural)
    notes: list[str] = []
    if not_served:
        notes.append(f"not served by the source, so not captured: {', '.join(not_served)}")
    if forbidden:
        notes.append(
            f"forbidden to list (403), so not captured: {', '.join(forbidden)}; capture again "
            "with a cluster-reader (or cluster-admin) context to include them"
        )
    return notes


def _write_kind(root: Path, k: Kind, objs: list[dict[str, Any]]) -> None:
    group = k.must_gather_group
    if k.plural == "namespaces":
        for obj in objs:
            name = _safe(obj["metadata"]["name"])
            _dump(root / "namespaces" / name / f"{name}.yaml", obj)
        return
    if not k.namespaced:
        for obj in objs:
            name = _safe(obj["metadata"]["name"])
            _dump(root / "cluster-scoped-resources" / group / k.plural / f"{name}.yaml", obj)
        return
    by_ns: dict[str, list[dict[str, Any]]] = {}
    for obj in objs:
        by_ns.setdefault(str(obj["metadata"].get("namespace") or ""), []).append(obj)
    for ns, items in sorted(by_ns.items()):
        doc = {
            "apiVersion": k.api_version,
            "kind": f"{k.kind}List",
            "metadata": {},
            "items": items,
        }
        _dump(root / "namespaces" / _safe(ns) / group / f"{k.plural}.yaml", doc)


def _safe(name: str) -> str:
    """A path component from an object name (API names never hold ``/``; refuse if one does)."""
    if not name or "/" in name or name in (".", ".."):
        raise UsageError(f"object name {name!r} cannot be a file name; report this as a bug")
    return name


def _dump(path: Path, doc: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        yaml.dump(doc, fh, Dumper=_Dumper, sort_keys=False, default_flow_style=False)


def _scrub(obj: dict[str, Any]) -> dict[str, Any]:
    """Remove ssh keys and pull secrets from MachineConfigs and ControllerConfigs (in place).

    Examples:
        >>> mc = {"kind": "MachineConfig", "spec": {"config": {
        ...     "passwd": {"users": [{"name": "core", "sshAuthorizedKeys": ["ssh-ed25519 AAAA"]}]},
        ...     "storage": {"files": [{"path": "/var/lib/kubelet/config.json",
        ...                            "contents": {"source": "data:,%7B%22auths%22%3A%7B%7D%7D"}}]}}}}
        >>> cfg = _scrub(mc)["spec"]["config"]
        >>> cfg["passwd"]["users"][0]["sshAuthorizedKeys"]
        ['<redacted: ssh-key>']
        >>> cfg["storage"]["files"][0]["contents"]["source"]
        'data:,%3Credacted%3A%20pull-secret%3E'
    """
    kind_ = obj.get("kind")
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return obj
    if kind_ == "ControllerConfig" and spec.get("internalRegistryPullSecret"):
        spec["internalRegistryPullSecret"] = base64.b64encode(
            redacted("pull-secret").encode()
        ).decode()
    if kind_ != "MachineConfig":
        return obj
    config = spec.get("config")
    if not isinstance(config, dict):
        return obj
    for user in (config.get("passwd") or {}).get("users") or []:
        if isinstance(user, dict) and user.get("sshAuthorizedKeys"):
            user["sshAuthorizedKeys"] = [redacted("ssh-key") for _ in user["sshAuthorizedKeys"]]
    for file in (config.get("storage") or {}).get("files") or []:
        contents = file.get("contents") if isinstance(file, dict) else None
        if not isinstance(contents, dict) or not isinstance(contents.get("source"), str):
            continue
        if file.get("path") == _KUBELET_AUTH or _is_auths(contents["source"]):
            contents["source"] = "data:," + quote(redacted("pull-secret"))
    return obj


def _is_auths(source: str) -> bool:
    """Whether a data URL holds a registry auth document (``{"auths": ...}``)."""
    if not source.startswith("data:"):
        return False
    meta, _, payload = source[5:].partition(",")
    try:
        data = base64.b64decode(payload) if meta.endswith(";base64") else unquote_to_bytes(payload)
    except ValueError:
        return False
    return b'"auths"' in data[:4096]


# -------------------------------------------------------------------------------------- nodes


def _write_nodes(result: FleetResult, specs: Sequence[FactSpec], root: Path) -> list[str]:
    """``nodes/<node>/facts.json`` and the ``.out``/``.err`` files; notes for failed nodes."""
    params = {fact_key(s): (dict(s[1]) if not isinstance(s, str) else {}) for s in specs}
    for node in result.nodes:
        node_dir = root / _safe(node)
        node_dir.mkdir(parents=True, exist_ok=True)
        entries: dict[str, dict[str, Any]] = {}
        for key, out in result.outputs[node].items():
            entries[key] = _entry(out, params.get(key, {}), result.durations[node].get(key, 0.0))
            if out.status == "ok" or out.stdout:
                (node_dir / f"{key}.out").write_text(out.stdout, encoding="utf-8")
            if out.stderr:
                (node_dir / f"{key}.err").write_text(out.stderr, encoding="utf-8")
        (node_dir / "facts.json").write_text(json.dumps(entries, indent=2) + "\n", "utf-8")
    failed = result.failed_nodes()
    notes = [f"node {node}: facts failed: {reason}" for node, reason in failed.items()]
    missing = sorted(
        {
            key
            for node in result.nodes
            for key, out in result.outputs[node].items()
            if out.status == "missing"
        }
    )
    if missing:
        notes.append(
            f"node facts not available from this source: {', '.join(missing)} "
            "(node commands need a debug pod or SSH)"
        )
    return notes


def _entry(out: NodeOutput, params: dict[str, str], duration: float) -> dict[str, Any]:
    entry: dict[str, Any] = {"fact": out.fact}
    if params:
        entry["params"] = params
    entry.update(
        {
            "status": out.status,
            "argv": list(out.argv),
            "exit_code": out.exit_code,
            "format": out.format,
            "origin": out.origin,
            "reason": out.reason,
            "duration_s": round(duration, 3),
        }
    )
    return entry


def _tool_version() -> str:
    from rhcos_helpers import __version__

    return __version__
