"""sources.capture - read a cluster from what support cases carry: must-gathers and sos reports.

:func:`open_capture` takes one or more paths and returns a :class:`CaptureSource`. It understands:

* an **unmodified** ``oc adm must-gather`` output (directory or ``.tar.gz``/``.tgz``/``.tar.xz``/
  ``.tar``): the ``must-gather.local.<n>/`` level, one ``<image-dir>/`` per gather image (the image
  ID with every run of non-alphanumerics turned into ``-``), the ``<node>/<image-dir>/`` level of
  ``--node-selector`` gathers, and several gathers side by side. Like ``omg``, every directory that
  holds ``cluster-scoped-resources/`` or ``namespaces/`` is a root; roots are merged and an
  object found in several roots is kept once, the copy with the newest ``resourceVersion``
  (then the newest file) winning. ``oc adm inspect`` output (``inspect.local.<n>/``) is the same
  layout and can be added next to a must-gather to supply resources it lacks;
* **sos reports** (``sosreport-*`` directories or tarballs), given as paths or found in a given
  directory. Each is matched to a node by ``etc/machine-id`` = ``status.nodeInfo.machineID``, then
  by host name (short or FQDN). A report that matches no node is named in ``identity.notes``;
* the **project's own capture layout** (``rhcos-capture.json`` + ``cluster/`` + ``nodes/``, see
  ``docs/capture-layout.md``), which is also how the bundled demos are read.

Archives are extracted once into a cache shared by all kernels (see
:mod:`rhcos_helpers.sources._archive`). Files are indexed once per source and each YAML file is
parsed at most once.

Node-level facts come, in this order, from the project layout's ``nodes/<node>/``, from the node's
sos report (the first existing :attr:`~rhcos_helpers.catalogue.NodeFact.sos` path), and from the
must-gather (``host_service_logs/`` for ``journal_unit``). Anything else is a ``missing``
:class:`~rhcos_helpers.sources.base.NodeOutput` whose reason names the way to get it.
"""

from __future__ import annotations

import copy
import gzip
import json
import logging
import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, cast

import yaml

from rhcos_helpers.catalogue import NodeFact, SosPath, render_template
from rhcos_helpers.catalogue import fact as catalogue_fact
from rhcos_helpers.errors import NotApplicable, SourceError
from rhcos_helpers.kinds import Kind, kind
from rhcos_helpers.sources._archive import extract_archive, is_archive
from rhcos_helpers.sources.base import NodeOutput, Source, SourceIdentity, Status
from rhcos_helpers.sources.base import label_selector_matches as _matches

__all__ = ["CaptureSource", "open_capture", "parse_must_gather_timestamp"]

log = logging.getLogger(__name__)

MANIFEST = "rhcos-capture.json"
CAPTURE_FORMAT = "rhcos-runbooks-capture/1"
#: How deep below a given directory must-gather roots and sos reports are looked for
#: (``<case>/must-gather.local.<n>/<node>/<image-dir>/`` is depth 3).
MAX_DEPTH = 5
_YAML_SUFFIXES = (".yaml", ".yml")
#: Archives looked at when found inside a given directory (others are left alone).
_ARCHIVE_PREFIXES = ("sosreport-", "must-gather", "inspect.local")
_RBAC = ("clusterroles", "clusterrolebindings", "roles", "rolebindings")
_MASTER_LABELS = ("node-role.kubernetes.io/master", "node-role.kubernetes.io/control-plane")


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


def _is_sos(path: Path) -> bool:
    return (path / "sos_commands").is_dir() or (
        (path / "version.txt").is_file() and (path / "sos_reports").is_dir()
    )


def _read_text(path: Path) -> str:
    if path.name.endswith(".gz"):
        with gzip.open(path, "rt", encoding="utf-8", errors="replace") as fh:
            return fh.read()
    return path.read_text(encoding="utf-8", errors="replace")


def _first_line(path: Path) -> str | None:
    if not path.is_file():
        return None
    lines = _read_text(path).strip().splitlines()
    return lines[0].strip() if lines else None


@dataclass
class _SosReport:
    """One sos report directory and what identifies its host."""

    path: Path
    machine_id: str | None = None
    hostnames: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.name

    @classmethod
    def read(cls, path: Path) -> _SosReport:
        mid = _first_line(path / "etc" / "machine-id") or _first_line(
            path / "var" / "lib" / "dbus" / "machine-id"
        )
        hosts: list[str] = []
        for rel in ("hostname", "sos_commands/host/hostname", "sos_commands/host/hostname_-f",
                    "etc/hostname"):  # fmt: skip
            name = _first_line(path / rel)
            if name and name not in hosts:
                hosts.append(name)
        return cls(path=path, machine_id=mid.lower() if mid else None, hostnames=hosts)


@dataclass
class _Project:
    """A capture in the project's own layout."""

    root: Path
    manifest: dict[str, Any]

    @classmethod
    def read(cls, root: Path) -> _Project:
        path = root / MANIFEST
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SourceError(
                f"source {str(path)!r}: unreadable capture manifest ({exc}); "
                "take the capture again with rhcos-runbooks capture"
            ) from None
        if not isinstance(manifest, dict):
            raise SourceError(f"source {str(path)!r}: the manifest is not a JSON object")
        fmt = manifest.get("format", CAPTURE_FORMAT)
        if fmt != CAPTURE_FORMAT:
            raise SourceError(
                f"source {str(path)!r}: capture format {fmt!r} is not {CAPTURE_FORMAT!r}; "
                "use the rhcos-runbooks version that wrote it"
            )
        return cls(root=root, manifest=manifest)

    @property
    def captured_at(self) -> datetime | None:
        raw = self.manifest.get("captured_at")
        if not isinstance(raw, str):
            return None
        try:
            stamp = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            log.warning("%s: captured_at %r is not ISO 8601; ignored", self.root / MANIFEST, raw)
            return None
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


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


_Objects = list[dict[str, Any]]

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
        by_node: dict[str, _SosReport] = {}
        notes: list[str] = []
        try:
            nodes = self.list("nodes") if self._roots else []
        except NotApplicable:
            nodes = []
        for sos in self._sos:
            if not nodes:
                host = sos.hostnames[0] if sos.hostnames else None
                if host:
                    by_node[host] = sos
                    notes.append(
                        f"sos report {sos.name}: no Node objects in this capture; its data is "
                        f"read as node {host!r} (its host name)"
                    )
                else:
                    notes.append(f"sos report {sos.name}: no host name in the report; not used")
                continue
            node, how = self._match_one(sos, nodes)
            if node is None:
                notes.append(
                    f"sos report {sos.name}: matches no node of this capture ({how}); not used"
                )
                continue
            if node in by_node:
                notes.append(
                    f"sos reports {by_node[node].name} and {sos.name} both match node {node}; "
                    f"using {sos.name}"
                )
            by_node[node] = sos
            log.info("sos report %s is node %s (by %s)", sos.name, node, how)
        self._sos_by_node = by_node
        self._sos_notes = notes
        return by_node

    @staticmethod
    def _match_one(sos: _SosReport, nodes: _Objects) -> tuple[str | None, str]:
        if sos.machine_id:
            hits = [
                n["metadata"]["name"]
                for n in nodes
                if str(((n.get("status") or {}).get("nodeInfo") or {}).get("machineID", "")).lower()
                == sos.machine_id
            ]
            if len(hits) == 1:
                return hits[0], "machine-id"
        names = {
            n["metadata"]["name"]: {n["metadata"]["name"].lower()}
            | {
                str(a.get("address", "")).lower()
                for a in (n.get("status") or {}).get("addresses") or []
                if a.get("type") == "Hostname"
            }
            for n in nodes
        }
        for host in sos.hostnames:
            exact = [name for name, aliases in names.items() if host.lower() in aliases]
            if len(exact) == 1:
                return exact[0], "host name"
        for host in sos.hostnames:
            short = [
                name
                for name, aliases in names.items()
                if _short(host) in {_short(a) for a in aliases}
            ]
            if len(short) == 1:
                return short[0], "short host name"
            if len(short) > 1:
                return None, f"short host name {_short(host)!r} is ambiguous: {', '.join(short)}"
        mid = sos.machine_id or "none in the report"
        hosts = ", ".join(sos.hostnames) or "none in the report"
        return None, f"machine-id {mid}, host name {hosts}"

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
            out = self._from_project(node, fact_, unit_stem)
            if out is not None:
                if out.status != "missing":
                    return out
                tried["project"] = out
        sos = self._match_sos().get(node)
        if sos is not None:
            out = self._from_sos(node, fact_, sos, unit_stem)
            if out.ok:
                return out
            tried["sos"] = out
        if fact_.must_gather is not None and self._roots:
            out = self._from_must_gather(node, fact_, params)
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

    def _from_project(self, node: str, fact_: NodeFact, unit_stem: str | None) -> NodeOutput | None:
        assert self._project is not None
        node_dir = self._project.root / "nodes" / node
        if not node_dir.is_dir():
            return None
        stem = f"{fact_.name}.{unit_stem}" if unit_stem else fact_.name
        try:
            facts = json.loads((node_dir / "facts.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            facts = {}
        except (OSError, ValueError) as exc:
            log.warning("unreadable %s: %s", node_dir / "facts.json", exc)
            facts = {}
        entry = facts.get(stem) if isinstance(facts, dict) else None
        rel = f"nodes/{node}/{stem}.out"
        if not isinstance(entry, dict):
            return NodeOutput(
                node,
                fact_.name,
                "missing",
                format=fact_.format,
                origin=f"capture:nodes/{node}/facts.json",
                reason=f"the capture did not collect {stem} for {node}; take it again with "
                "rhcos-runbooks capture or run against the live cluster (--source kube)",
            )
        status = entry.get("status", "missing")
        if status not in ("ok", "failed", "missing"):
            status = "failed"
        out_path, err_path = node_dir / f"{stem}.out", node_dir / f"{stem}.err"
        reason = str(entry.get("reason") or "")
        if status == "ok" and not out_path.is_file():
            status = "missing"
            reason = f"facts.json says ok but {rel} is absent; the capture is incomplete"
        exit_code = entry.get("exit_code")
        return NodeOutput(
            node=node,
            fact=fact_.name,
            status=cast(Status, status),
            stdout=_read_text(out_path) if out_path.is_file() else "",
            stderr=_read_text(err_path) if err_path.is_file() else "",
            exit_code=exit_code if isinstance(exit_code, int) else None,
            format=str(entry.get("format") or fact_.format),
            origin=f"capture:{rel}",
            argv=tuple(str(a) for a in entry.get("argv") or ()),
            reason=reason,
        )

    def _from_sos(
        self, node: str, fact_: NodeFact, sos: _SosReport, unit_stem: str | None
    ) -> NodeOutput:
        candidates: list[SosPath] = []
        if unit_stem:
            # a per-unit journal (add_journal(units=...)) beats the whole journal
            pattern = re.compile(
                rf"^journalctl_--no-pager_--unit_{re.escape(unit_stem)}(\.service)?(_--.*)?$"
            )
            for path in sorted(
                (sos.path / "sos_commands").glob("*/journalctl_--no-pager_--unit_*")
            ):
                if pattern.match(path.name):
                    rel = path.relative_to(sos.path).as_posix()
                    candidates.append(SosPath(rel, "text"))
        candidates += fact_.sos
        for sp in candidates:
            path = sos.path / sp.path
            if path.is_file():
                return NodeOutput(
                    node,
                    fact_.name,
                    "ok",
                    stdout=_read_text(path),
                    format=sp.format,
                    origin=f"sos:{sos.name}/{sp.path}",
                )
        if not fact_.sos:
            reason = f"sos reports do not hold {fact_.name}; run against the live cluster (--source kube)"
        else:
            plugins = sorted({p.path.split("/")[1] for p in fact_.sos if p.path.startswith("sos_")})
            hint = (
                f"re-run sos report with -o {','.join(plugins)}" if plugins else "re-run sos report"
            )
            wanted = " or ".join(p.path for p in fact_.sos)
            reason = f"sos report {sos.name} has no {wanted}; {hint}"
        return NodeOutput(node, fact_.name, "missing", format=fact_.format, reason=reason)

    def _is_master(self, node: str) -> bool | None:
        obj = self.get("nodes", node)
        if obj is None:
            return None
        labels = (obj.get("metadata") or {}).get("labels") or {}
        return any(label in labels for label in _MASTER_LABELS)

    def _from_must_gather(self, node: str, fact_: NodeFact, params: dict[str, str]) -> NodeOutput:
        assert fact_.must_gather is not None
        rel = render_template(fact_.must_gather, fact_, params)
        rels = [rel, rel + ".gz"]
        if "/masters/" in rel:
            alt = rel.replace("/masters/", "/workers/")
            rels += [alt, alt + ".gz"]
        names = {_short(node)}
        seen: list[str] = []
        for root in self._roots:
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
        if self._is_master(node) is False:
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
        return NodeOutput(
            node, fact_.name, "missing", format=fact_.must_gather_format, reason=reason
        )

    def close(self) -> None:
        """Drop the parse caches (extracted archives stay in the shared cache for other kernels)."""
        self._parsed.clear()
        self._merged.clear()


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
