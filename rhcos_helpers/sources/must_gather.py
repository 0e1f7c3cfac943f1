"""sources.must_gather - the layout of an unmodified ``oc adm must-gather`` (and ``oc adm inspect``).

A must-gather holds one ``<image-dir>/`` per gather image below ``must-gather.local.<n>/`` (and
a ``<node>/<image-dir>/`` level with ``--node-selector``). Like ``omg``, every directory that
holds ``cluster-scoped-resources/`` or ``namespaces/`` is a root (:func:`_is_mg_root`); ``oc adm
inspect`` output has the same layout. This module holds no state:

* :func:`_index_root`: every YAML file of a root by (group, plural, namespace), with the
  namespace directories it holds; :data:`_LOADER` parses them (a SafeLoader that keeps
  timestamps as strings, as the API returns them) and :func:`_rv` ranks copies of one object;
* :func:`parse_must_gather_timestamp`: when the gather ended (the ``timestamp`` file);
* :func:`_from_must_gather` and :func:`_journal_lines_for`: one node's lines of the
  ``host_service_logs/`` journals, which hold every control-plane node's lines in turn;
* :func:`_collect_hint`: the ``oc adm inspect`` command that collects what a must-gather lacks.

:class:`~rhcos_helpers.sources.capture.CaptureSource` merges the roots and caches the parsed
files.
"""

from __future__ import annotations

import gzip
import os
import re
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, cast

import yaml

from rhcos_helpers.catalogue import NodeFact, render_template
from rhcos_helpers.kinds import Kind
from rhcos_helpers.sources.base import NodeOutput

__all__ = ["parse_must_gather_timestamp"]

_YAML_SUFFIXES = (".yaml", ".yml")
_RBAC = ("clusterroles", "clusterrolebindings", "roles", "rolebindings")


def _make_loader() -> type[Any]:
    """A SafeLoader (the C one when PyYAML has libyaml) that keeps timestamps as strings.

    ``oc`` quotes timestamps, but a hand-edited file may not; the API returns strings, and so
    must a capture.
    """
    base: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = cast(type[Any], type("_CaptureLoader", (base,), {}))
    loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in base.yaml_implicit_resolvers.items()
    }
    return loader


_LOADER = _make_loader()

_GO_TIME = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})[ T](?P<time>\d{2}:\d{2}:\d{2})(?:\.(?P<frac>\d+))?"
    r"\s*(?:(?P<off>[+-]\d{2}:?\d{2})|(?P<z>Z))?"
)


def parse_must_gather_timestamp(text: str) -> datetime | None:
    r"""The last time in a must-gather ``timestamp`` file (when the gather ended).

    ``oc adm must-gather`` appends ``time.Now()`` printed by Go's ``%v`` when it starts and again
    when it ends: ``2006-01-02 15:04:05.999999999 -0700 MST`` plus the monotonic clock reading
    ``m=+0.012345678``. RFC 3339 lines are accepted too. Unreadable lines are ignored.

    Examples:
        >>> parse_must_gather_timestamp(
        ...     "2024-05-02 10:11:12.123456789 +0000 UTC m=+0.012345\n"
        ...     "2024-05-02 10:19:40.5 +0200 CEST m=+508.4\n")
        datetime.datetime(2024, 5, 2, 8, 19, 40, 500000, tzinfo=datetime.timezone.utc)
        >>> parse_must_gather_timestamp("not a time") is None
        True
    """
    found: datetime | None = None
    for line in text.splitlines():
        m = _GO_TIME.match(line.strip())
        if not m:
            continue
        frac = (m["frac"] or "0")[:6].ljust(6, "0")
        tz: timezone = UTC
        if m["off"]:
            off = m["off"].replace(":", "")
            delta = timedelta(hours=int(off[1:3]), minutes=int(off[3:5]))
            tz = timezone(-delta if off[0] == "-" else delta)
        try:
            stamp = datetime.fromisoformat(f"{m['date']}T{m['time']}.{frac}").replace(tzinfo=tz)
        except ValueError:
            continue
        found = stamp.astimezone(UTC)
    return found


def _short(host: str) -> str:
    return host.split(".", 1)[0].lower()


def _is_mg_root(path: Path) -> bool:
    return (path / "cluster-scoped-resources").is_dir() or (path / "namespaces").is_dir()


def _read_text(path: Path) -> str:
    if path.name.endswith(".gz"):
        with gzip.open(path, "rt", encoding="utf-8", errors="replace") as fh:
            return fh.read()
    return path.read_text(encoding="utf-8", errors="replace")


#: (group dir, plural) -> namespace (None for cluster-scoped files) -> files
_Index = dict[tuple[str, str], dict[str | None, list[Path]]]


def _yaml_files(directory: str) -> list[os.DirEntry[str]]:
    try:
        return [e for e in os.scandir(directory) if e.name.endswith(_YAML_SUFFIXES) and e.is_file()]
    except OSError:
        return []


def _subdirs(directory: str) -> list[os.DirEntry[str]]:
    try:
        return [e for e in os.scandir(directory) if e.is_dir()]
    except OSError:
        return []


def _index_root(root: Path) -> tuple[_Index, set[str]]:
    """Every YAML file of one root by (group, plural, namespace), and its namespace dirs."""
    index: _Index = defaultdict(lambda: defaultdict(list))
    csr = root / "cluster-scoped-resources"
    for gdir in _subdirs(str(csr)):
        for f in _yaml_files(gdir.path):  # <group>/<plural>.yaml (a List)
            index[(gdir.name, Path(f.name).stem)][None].append(Path(f.path))
        for pdir in _subdirs(gdir.path):  # <group>/<plural>/<name>.yaml
            for f in _yaml_files(pdir.path):
                index[(gdir.name, pdir.name)][None].append(Path(f.path))
    namespaces: set[str] = set()
    for nsdir in _subdirs(str(root / "namespaces")):
        ns = nsdir.name
        namespaces.add(ns)
        pod_dirs: list[os.DirEntry[str]] = []
        for f in _yaml_files(nsdir.path):  # namespaces/<ns>/<ns>.yaml
            if Path(f.name).stem == ns:
                index[("core", "namespaces")][None].append(Path(f.path))
        for gdir in _subdirs(nsdir.path):
            if gdir.name == "pods":  # namespaces/<ns>/pods/<pod>/<pod>.yaml
                pod_dirs.extend(_subdirs(gdir.path))
                continue
            for f in _yaml_files(gdir.path):  # namespaces/<ns>/<group>/<plural>.yaml
                index[(gdir.name, Path(f.name).stem)][ns].append(Path(f.path))
            for pdir in _subdirs(gdir.path):  # namespaces/<ns>/<group>/<plural>/<name>.yaml
                for f in _yaml_files(pdir.path):
                    index[(gdir.name, pdir.name)][ns].append(Path(f.path))
        if not index[("core", "pods")].get(ns):
            # the per-pod files repeat core/pods.yaml of the same inspect run: read them only
            # when the list is absent (halves the parsing of a real must-gather)
            for pod in pod_dirs:
                for f in _yaml_files(pod.path):
                    if Path(f.name).stem == pod.name:
                        index[("core", "pods")][ns].append(Path(f.path))
    return index, namespaces


def _rv(obj: dict[str, Any]) -> int:
    raw = str((obj.get("metadata") or {}).get("resourceVersion") or "")
    return int(raw) if raw.isdigit() else -1


def _collect_hint(k: Kind, namespace: str | None) -> str:
    if k.plural in _RBAC:
        cmd = (
            "oc adm inspect clusterroles,clusterrolebindings,roles,rolebindings "
            "--all-namespaces --dest-dir inspect.rbac"
        )
        dest = "inspect.rbac"
    elif k.namespaced and namespace:
        cmd = f"oc adm inspect ns/{namespace} --dest-dir inspect.{namespace}"
        dest = f"inspect.{namespace}"
    elif k.namespaced:
        cmd = f"oc adm inspect {k.plural} --all-namespaces --dest-dir inspect.{k.plural}"
        dest = f"inspect.{k.plural}"
    else:
        cmd = f"oc adm inspect {k.plural} --dest-dir inspect.{k.plural}"
        dest = f"inspect.{k.plural}"
    return f"collect them with `{cmd}` and pass {dest} after the must-gather (comma-separated)"


def _from_must_gather(
    roots: list[Path],
    node: str,
    fact_: NodeFact,
    params: dict[str, str],
    *,
    is_master: Callable[[str], bool | None],
) -> NodeOutput:
    """A node fact from the must-gathers' ``host_service_logs/`` (the lines of that node).

    ``is_master`` says whether a node is a control-plane node (``None``: unknown); it is
    asked only when no log has lines of the node.
    """
    assert fact_.must_gather is not None
    rel = render_template(fact_.must_gather, fact_, params)
    rels = [rel, rel + ".gz"]
    if "/masters/" in rel:
        alt = rel.replace("/masters/", "/workers/")
        rels += [alt, alt + ".gz"]
    names = {_short(node)}
    seen: list[str] = []
    for root in roots:
        for candidate in rels:
            path = root / candidate
            if not path.is_file():
                continue
            seen.append(candidate)
            text = _journal_lines_for(_read_text(path), names)
            if text:
                return NodeOutput(
                    node,
                    fact_.name,
                    "ok",
                    stdout=text,
                    format=fact_.must_gather_format,
                    origin=f"must-gather:{candidate}",
                )
    if is_master(node) is False:
        reason = (
            f"must-gather collects service logs of control-plane nodes only and {node} is "
            "not one; add a sos report of the node (sos report -o logs) or run against the "
            "live cluster (--source kube)"
        )
    elif seen:
        reason = (
            f"{', '.join(sorted(set(seen)))} has no lines from {node}; add a sos report of "
            "the node or run against the live cluster (--source kube)"
        )
    else:
        reason = (
            f"this must-gather has no {rel}; add a sos report of the node "
            "(sos report -o logs) or run against the live cluster (--source kube)"
        )
    return NodeOutput(node, fact_.name, "missing", format=fact_.must_gather_format, reason=reason)


def _journal_lines_for(text: str, short_names: set[str]) -> str:
    r"""The lines of a multi-node ``journalctl`` (short format) output written by one host.

    ``oc adm node-logs --role=master -u UNIT`` prints each master's journal in turn without a
    node prefix; the host name is the fourth field (``May 18 15:13:34 master-0 crio[12]: ...``).
    Continuation lines (indented) follow the line they belong to; ``-- ... --`` lines are dropped.

    Examples:
        >>> text = ("-- Logs begin at x --\n"
        ...         "May 18 15:13:34 m0 crio[1]: a\n"
        ...         "  more of a\n"
        ...         "May 18 15:13:35 m1.example.com crio[2]: b\n")
        >>> _journal_lines_for(text, {"m0"})
        'May 18 15:13:34 m0 crio[1]: a\n  more of a\n'
        >>> _journal_lines_for(text, {"m1"})
        'May 18 15:13:35 m1.example.com crio[2]: b\n'
    """
    kept: list[str] = []
    keep = False
    for line in text.splitlines(keepends=True):
        if line.startswith("-- "):
            keep = False
            continue
        if line[:1].isspace():
            if keep:
                kept.append(line)
            continue
        fields = line.split(None, 4)
        keep = len(fields) >= 4 and _short(fields[3]) in short_names
        if keep:
            kept.append(line)
    return "".join(kept)
