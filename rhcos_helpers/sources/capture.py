"""sources.capture - read a cluster from what support cases carry: must-gathers and sos reports.

:func:`open_capture` takes one or more paths and returns a :class:`CaptureSource`. It understands:

* an **unmodified** ``oc adm must-gather`` output (directory or ``.tar.gz``/``.tgz``/``.tar.xz``/
  ``.tar``): the ``must-gather.local.<n>/`` level, one ``<image-dir>/`` per gather image (the image
  ID with every run of non-alphanumerics turned into ``-``), the ``<node>/<image-dir>/`` level of
  ``--node-selector`` gathers, and several gathers side by side. Like ``omg``, every directory that
  holds ``cluster-scoped-resources/`` or ``namespaces/`` is a root; roots are merged and an
  object found in several roots is kept once, the copy with the newest ``resourceVersion``
  (then the newest file) winning. ``oc adm inspect`` output (``inspect.local.<n>/``) is the same
  layout and can be added next to a must-gather to supply resources it lacks (the layout:
  :mod:`~rhcos_helpers.sources.must_gather`);
* **sos reports** (``sosreport-*`` directories or tarballs), given as paths or found in a given
  directory. Each is matched to a node by ``etc/machine-id`` = ``status.nodeInfo.machineID``, then
  by host name (short or FQDN). A report that matches no node is named in ``identity.notes``
  (:mod:`~rhcos_helpers.sources.sos_report`);
* the **project's own capture layout** (``rhcos-capture.json`` + ``cluster/`` + ``nodes/``, see
  ``docs/capture-layout.md`` and :mod:`~rhcos_helpers.sources.capture_layout`), which is also how
  the bundled demos are read.

Discovery walks the given directories (:data:`MAX_DEPTH` levels) for the three; archives given or
found there are extracted once into a cache shared by all kernels (see
:mod:`rhcos_helpers.sources._archive`). Files are indexed once per source and each YAML file is
parsed at most once.

Node-level facts come, in this order, from the project layout's ``nodes/<node>/``, from the node's
sos report (the first existing :attr:`~rhcos_helpers.catalogue.NodeFact.sos` path), and from the
must-gather (``host_service_logs/`` for ``journal_unit``). Anything else is a ``missing``
:class:`~rhcos_helpers.sources.base.NodeOutput` whose reason names the way to get it.
"""

from __future__ import annotations

import copy
import logging
import os
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from rhcos_helpers.catalogue import NodeFact, render_template
from rhcos_helpers.catalogue import fact as catalogue_fact
from rhcos_helpers.errors import NotApplicable, SourceError
from rhcos_helpers.kinds import Kind, kind
from rhcos_helpers.sources._archive import extract_archive, is_archive
from rhcos_helpers.sources.base import NodeOutput, Source, SourceIdentity
from rhcos_helpers.sources.base import label_selector_matches as _matches
from rhcos_helpers.sources.capture_layout import MANIFEST, _from_project, _Project
from rhcos_helpers.sources.must_gather import (
    _LOADER,
    _collect_hint,
    _from_must_gather,
    _Index,
    _index_root,
    _is_mg_root,
    _read_text,
    _rv,
    parse_must_gather_timestamp,
)
from rhcos_helpers.sources.sos_report import _from_sos, _is_sos, _match_reports, _SosReport

__all__ = ["CaptureSource", "open_capture"]

log = logging.getLogger(__name__)

#: How deep below a given directory must-gather roots and sos reports are looked for
#: (``<case>/must-gather.local.<n>/<node>/<image-dir>/`` is depth 3).
MAX_DEPTH = 5
#: Archives looked at when found inside a given directory (others are left alone).
_ARCHIVE_PREFIXES = ("sosreport-", "must-gather", "inspect.local")
_MASTER_LABELS = ("node-role.kubernetes.io/master", "node-role.kubernetes.io/control-plane")


@dataclass
class _Found:
    """What discovery found under the given paths."""

    mg_roots: list[Path] = field(default_factory=list)
    sos: dict[str, Path] = field(default_factory=dict)
    projects: list[_Project] = field(default_factory=list)


def _discover(directory: Path, found: _Found, depth: int) -> None:
    if (directory / MANIFEST).is_file():
        project = _Project.read(directory)
        found.projects.append(project)
        cluster = directory / "cluster"
        if _is_mg_root(cluster):
            found.mg_roots.append(cluster)
        return
    if _is_mg_root(directory):
        found.mg_roots.append(directory)
        return
    if _is_sos(directory):
        found.sos.setdefault(directory.name, directory)
        return
    if depth >= MAX_DEPTH:
        return
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError as exc:
        log.warning("cannot list %s: %s", directory, exc)
        return
    dir_names = {e.name for e in entries if e.is_dir(follow_symlinks=False)}
    for entry in entries:
        path = Path(entry.path)
        if entry.is_dir(follow_symlinks=False):
            _discover(path, found, depth + 1)
        elif (
            entry.is_file()
            and is_archive(path)
            and entry.name.startswith(_ARCHIVE_PREFIXES)
            and _archive_stem(entry.name) not in dir_names  # already extracted next to it
            and _archive_stem(entry.name) not in found.sos
        ):
            extracted = extract_archive(path)
            _discover(extracted, found, depth + 1)


def _archive_stem(name: str) -> str:
    for suffix in (".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2", ".tbz2", ".tar"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def open_capture(paths: list[Path], *, spec: str) -> CaptureSource:
    """Open must-gathers, sos reports and/or a project capture as one source.

    Args:
        paths: directories or archives; a directory may also hold several of them (a support
            case directory with ``must-gather.local.*`` and ``sosreport-*``).
        spec: the ``--source`` value as given, kept in :attr:`SourceIdentity.spec`.

    Raises:
        SourceError: a path that holds none of the three, or an unreadable archive.
    """
    if not paths:
        raise SourceError("no capture path given; pass a must-gather, sos report or capture path")
    found = _Found()
    for raw in paths:
        path = Path(raw).expanduser()
        before = (len(found.mg_roots), len(found.sos), len(found.projects))
        if path.is_dir():
            _discover(path, found, 0)
        elif path.is_file() and is_archive(path):
            extracted = extract_archive(path)
            _discover(extracted, found, 0)
        elif path.exists():
            raise SourceError(
                f"source {str(path)!r}: not a directory or a .tar.gz/.tgz/.tar.xz/.tar archive; "
                "pass the must-gather.local.* directory or its tarball"
            )
        else:
            raise SourceError(f"source {str(path)!r}: no such file or directory")
        if (len(found.mg_roots), len(found.sos), len(found.projects)) == before:
            raise SourceError(
                f"source {str(path)!r}: no cluster-scoped-resources/ or namespaces/ found, no "
                f"sosreport-* and no {MANIFEST}; pass the must-gather.local.* directory or its "
                "tarball, sos reports, or a capture taken with rhcos-runbooks capture"
            )
    return CaptureSource(spec=spec, inputs=[Path(p) for p in paths], found=found)


class CaptureSource(Source):
    """A cluster read from must-gathers, sos reports and/or the project's capture layout.

    Use :func:`open_capture` to build one. Objects returned by :meth:`list` and :meth:`get` are
    copies; the parsed files are cached for the life of the source.
    """

    def __init__(self, *, spec: str, inputs: list[Path], found: _Found) -> None:
        self._spec = spec
        self._inputs = inputs
        self._roots = found.mg_roots
        self._project = found.projects[0] if found.projects else None
        self._extra_notes: list[str] = []
        if len(found.projects) > 1:
            self._extra_notes.append(
                f"{len(found.projects)} rhcos-runbooks captures given; node facts and the "
                f"manifest are read from {found.projects[0].root} only"
            )
        self._sos = [_SosReport.read(found.sos[k]) for k in sorted(found.sos)]
        self._index: _Index | None = None
        self._namespaces: set[str] = set()
        self._parsed: dict[Path, list[dict[str, Any]]] = {}
        self._merged: dict[tuple[str, str, str | None], dict[tuple[str, str], dict[str, Any]]] = {}
        self._identity: SourceIdentity | None = None
        self._sos_by_node: dict[str, _SosReport] | None = None
        self._sos_notes: list[str] = []

    # ------------------------------------------------------------------ index and objects

    def _get_index(self) -> _Index:
        if self._index is None:
            merged: _Index = defaultdict(lambda: defaultdict(list))
            for root in self._roots:
                index, namespaces = _index_root(root)
                self._namespaces |= namespaces
                for key, by_ns in index.items():
                    for ns, files in by_ns.items():
                        merged[key][ns].extend(files)
            self._index = merged
            log.debug("indexed %d resource types in %d roots", len(merged), len(self._roots))
        return self._index

    def _load(self, path: Path, k: Kind) -> list[dict[str, Any]]:
        cached = self._parsed.get(path)
        if cached is not None:
            return cached
        try:
            data = yaml.load(path.read_bytes(), Loader=_LOADER)  # noqa: S506 - a SafeLoader
        except (OSError, yaml.YAMLError) as exc:
            log.warning("skipping unreadable %s: %s", path, str(exc).splitlines()[0])
            data = None
        objs: list[dict[str, Any]] = []
        if isinstance(data, dict):
            if isinstance(data.get("items"), list) and str(data.get("kind", "")).endswith("List"):
                objs = [o for o in data["items"] if isinstance(o, dict)]
            elif isinstance(data.get("metadata"), dict):
                objs = [data]
        for obj in objs:
            obj.setdefault("apiVersion", k.api_version)
            obj.setdefault("kind", k.kind)
        self._parsed[path] = objs
        return objs

    def _objects(
        self, k: Kind, namespace: str | None, files: list[Path]
    ) -> dict[tuple[str, str], dict[str, Any]]:
        """Merge the objects of some files: one per (namespace, name), newest wins."""
        key = (k.must_gather_group, k.plural, namespace)
        cached = self._merged.get(key)
        if cached is not None:
            return cached
        best: dict[tuple[str, str], tuple[int, float, dict[str, Any]]] = {}
        for path in files:
            mtime = path.stat().st_mtime
            for obj in self._load(path, k):
                meta = obj.get("metadata") or {}
                name = meta.get("name")
                if not name:
                    continue
                okey = (str(meta.get("namespace") or ""), str(name))
                rank = (_rv(obj), mtime)
                old = best.get(okey)
                if old is None or rank > old[:2]:
                    best[okey] = (rank[0], rank[1], obj)
        merged = {okey: value[2] for okey, value in best.items()}
        self._merged[key] = merged
        return merged

    def _collected(self, k: Kind) -> dict[str | None, list[Path]] | None:
        return self._get_index().get((k.must_gather_group, k.plural))

    def list(
        self,
        resource: str,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
    ) -> list[dict[str, Any]]:
        """Objects of one resource; see :meth:`Source.list`.

        Raises:
            NotApplicable: the capture did not collect the resource (or that namespace), with the
                ``oc adm inspect`` command that collects it.
        """
        k = kind(resource)
        by_ns = self._collected(k)
        if not by_ns:
            raise NotApplicable(
                f"{resource} were not collected by this capture; {_collect_hint(k, namespace)}"
            )
        if k.namespaced and namespace is not None:
            if namespace not in by_ns:
                if namespace in self._namespaces and k.plural != "pods":
                    return []  # namespace inspected, resource type gathered elsewhere: none here
                if namespace in self._namespaces:
                    # `oc adm inspect ns/NS` always writes core/pods.yaml: a namespace directory
                    # without it (only apps/daemonsets.yaml, say) did not collect its pods
                    raise NotApplicable(
                        f"namespace {namespace!r} is in this capture without its {resource} "
                        f"(no core/pods.yaml or pods/ directory), so they are unknown; "
                        f"{_collect_hint(k, namespace)}"
                    )
                raise NotApplicable(
                    f"namespace {namespace!r} was not collected by this capture, so its "
                    f"{resource} are unknown; {_collect_hint(k, namespace)}"
                )
            objs = self._objects(k, namespace, by_ns[namespace]).values()
        elif k.namespaced:
            objs = self._objects(k, None, [f for files in by_ns.values() for f in files]).values()
        else:
            objs = self._objects(k, None, by_ns.get(None, [])).values()
        selected = [
            o
            for o in objs
            if (
                namespace is None or not k.namespaced or o["metadata"].get("namespace") == namespace
            )
            and _matches((o.get("metadata") or {}).get("labels"), label_selector)
        ]
        selected.sort(key=lambda o: (o["metadata"].get("namespace") or "", o["metadata"]["name"]))
        return copy.deepcopy(selected)

    def get(
        self, resource: str, name: str, *, namespace: str | None = None
    ) -> dict[str, Any] | None:
        """One object, or ``None`` when it is not in the capture."""
        k = kind(resource)
        by_ns = self._collected(k)
        if not by_ns:
            return None
        if not k.namespaced:
            obj = self._objects(k, None, by_ns.get(None, [])).get(("", name))
        elif namespace is not None:
            files = by_ns.get(namespace, [])
            obj = self._objects(k, namespace, files).get((namespace, name)) if files else None
        else:
            every = self._objects(k, None, [f for files in by_ns.values() for f in files])
            obj = next((o for (_, n), o in sorted(every.items()) if n == name), None)
        return copy.deepcopy(obj) if obj is not None else None

    # ------------------------------------------------------------------ identity

    @property
    def identity(self) -> SourceIdentity:
        """Kind, cluster, capture time and notes (e.g. sos reports matching no node)."""
        if self._identity is None:
            self._identity = self._build_identity()
        return self._identity

    def _build_identity(self) -> SourceIdentity:
        manifest = self._project.manifest if self._project else {}
        version = self.get("clusterversions", "version") or {}
        infra = self.get("infrastructures", "cluster") or {}
        captured = self._project.captured_at if self._project else None
        self._match_sos()
        notes = [str(n) for n in manifest.get("notes", []) or []]
        notes += self._extra_notes + self._sos_notes
        return SourceIdentity(
            kind="demo" if manifest.get("kind") == "demo" else "capture",
            spec=self._spec,
            cluster_id=(version.get("spec") or {}).get("clusterID"),
            cluster_version=((version.get("status") or {}).get("desired") or {}).get("version"),
            api_url=manifest.get("api_url") or (infra.get("status") or {}).get("apiServerURL"),
            context=manifest.get("context"),
            capture_path=",".join(str(p) for p in self._inputs),
            captured_at=captured or self._timestamp() or self._newest_mtime(),
            notes=tuple(notes),
        )

    def _timestamp(self) -> datetime | None:
        """The newest gather end time from the ``timestamp`` files above the roots."""
        best: datetime | None = None
        for root in self._roots:
            # must-gather.local.<n>/timestamp sits one level (two with --node-selector) above
            # the image directory; oc adm inspect writes it next to cluster-scoped-resources/.
            for here in [root, *list(root.parents)[:3]]:
                stamp_file = here / "timestamp"
                if stamp_file.is_file():
                    stamp = parse_must_gather_timestamp(_read_text(stamp_file))
                    if stamp and (best is None or stamp > best):
                        best = stamp
                    break
        return best

    def _newest_mtime(self) -> datetime | None:
        newest = 0.0
        for by_ns in self._get_index().values():
            for files in by_ns.values():
                for path in files:
                    newest = max(newest, path.stat().st_mtime)
        for sos in self._sos:
            for rel in ("version.txt", "sos_reports/manifest.json"):
                if (sos.path / rel).is_file():
                    newest = max(newest, (sos.path / rel).stat().st_mtime)
        return datetime.fromtimestamp(newest, UTC) if newest else None

    # ------------------------------------------------------------------ sos reports

    def _match_sos(self) -> dict[str, _SosReport]:
        if self._sos_by_node is not None:
            return self._sos_by_node
        try:
            nodes = self.list("nodes") if self._roots else []
        except NotApplicable:
            nodes = []
        self._sos_by_node, self._sos_notes = _match_reports(self._sos, nodes)
        return self._sos_by_node

    # ------------------------------------------------------------------ node facts

    def node_output(self, node: str, fact: str, **params: str) -> NodeOutput:
        """One node-level fact: project layout, then sos report, then must-gather; else missing.

        Raises:
            UsageError: for a fact the catalogue does not hold, or bad parameters.
        """
        fact_ = catalogue_fact(fact)
        unit_stem = (
            render_template("{unit_stem}", fact_, params) if "unit" in fact_.params else None
        )
        if params and unit_stem is None:
            render_template("", fact_, params)  # rejects unknown parameters
        if (
            self._collected(kind("nodes"))
            and self.get("nodes", node) is None
            and node not in self._match_sos()
        ):
            return NodeOutput(
                node,
                fact,
                "missing",
                format=fact_.format,
                reason=f"node {node!r} is not in this capture; check the name with node_names()",
            )
        tried: dict[str, NodeOutput] = {}
        if self._project is not None:
            out = _from_project(self._project, node, fact_, unit_stem)
            if out is not None:
                if out.status != "missing":
                    return out
                tried["project"] = out
        sos = self._match_sos().get(node)
        if sos is not None:
            out = _from_sos(node, fact_, sos, unit_stem)
            if out.ok:
                return out
            tried["sos"] = out
        if fact_.must_gather is not None and self._roots:
            out = _from_must_gather(self._roots, node, fact_, params, is_master=self._is_master)
            if out.ok:
                return out
            tried["must-gather"] = out
        for where in ("sos", "must-gather", "project"):
            if where in tried:
                return tried[where]
        return NodeOutput(node, fact, "missing", format=fact_.format, reason=self._why(node, fact_))

    def _why(self, node: str, fact_: NodeFact) -> str:
        if self._project is not None:
            return (
                f"capture {self._project.root.name} has no nodes/{node}/ (node facts were not "
                "captured); take it again with rhcos-runbooks capture or run against the live "
                "cluster (--source kube)"
            )
        if not fact_.sos and fact_.must_gather is None:
            return (
                f"no capture holds {fact_.name} (only a live node has it); run against the live "
                "cluster (--source kube)"
            )
        plugins = sorted({p.path.split("/")[1] for p in fact_.sos if p.path.startswith("sos_")})
        opt = f" -o {','.join(plugins)}" if plugins else ""
        return (
            f"this capture has no node-level output of {fact_.name} for {node}; add a sos report "
            f"of the node (oc debug node/{node}, then: chroot /host, toolbox, sos report --batch"
            f"{opt}) or run against the live cluster (--source kube)"
        )

    def _is_master(self, node: str) -> bool | None:
        obj = self.get("nodes", node)
        if obj is None:
            return None
        labels = (obj.get("metadata") or {}).get("labels") or {}
        return any(label in labels for label in _MASTER_LABELS)

    def close(self) -> None:
        """Drop the parse caches (extracted archives stay in the shared cache for other kernels)."""
        self._parsed.clear()
        self._merged.clear()
