"""Load a capture in the project layout (docs/capture-layout.md) into an in-memory cluster.

The walk is independent of ``rhcos_helpers.sources.capture`` on purpose: the simulator is the
reference the sources are tested against, so it reads the layout itself.

Layout read (under ``<capture>/cluster/``, exactly a must-gather image directory)::

    cluster-scoped-resources/<group>/<plural>/<name>.yaml   one object
    cluster-scoped-resources/<group>/<plural>.yaml          a List (omg accepts both)
    namespaces/<ns>/<ns>.yaml                               the Namespace
    namespaces/<ns>/<group>/<plural>.yaml                   a List in <ns>
    namespaces/<ns>/<group>/<plural>/<name>.yaml            one object in <ns>
    namespaces/<ns>/pods/<pod>/<pod>.yaml                   one Pod (oc adm inspect)

``<group>`` is ``core`` for the legacy group. Objects keep the ``apiVersion``/``kind`` they
carry; items of a List without them get the List's (``PodList`` -> ``Pod``) or, failing that,
the project's kinds table.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from rhcos_helpers.kinds import KINDS

__all__ = ["ClusterState", "Resource", "load_capture", "load_yaml"]

log = logging.getLogger(__name__)

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[valid-type,misc]
    """SafeLoader that keeps timestamps as strings (the API serves RFC 3339 strings)."""


_Loader.yaml_implicit_resolvers = {
    key: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}


def load_yaml(path: Path) -> Any:
    """One YAML (or JSON) document, timestamps left as strings.

    A file that starts with ``{`` is read as JSON first (JSON is YAML; ~50x faster to parse).
    """
    data = path.read_bytes()
    if data.lstrip()[:1] == b"{":
        try:
            return json.loads(data)
        except ValueError:
            log.debug("%s starts like JSON but is not; reading it as YAML", path)
    return yaml.load(data, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass


@dataclass
class Resource:
    """One served resource type and its objects (sorted by namespace, then name)."""

    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool
    objects: list[dict[str, Any]] = field(default_factory=list)

    @property
    def group_version(self) -> str:
        """``apiVersion`` of the objects."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def resource_name(self) -> str:
        """``plural.group`` as the API server's messages name it (``plural`` for core)."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    def find(self, name: str, namespace: str | None = None) -> dict[str, Any] | None:
        """The object called ``name`` (in ``namespace`` for namespaced resources)."""
        for obj in self.objects:
            meta = obj.get("metadata") or {}
            if meta.get("name") == name and (
                not self.namespaced or meta.get("namespace") == namespace
            ):
                return obj
        return None


@dataclass
class ClusterState:
    """What the simulator serves: resources by (group, plural), node files, manifest."""

    root: Path
    resources: dict[tuple[str, str], Resource]
    manifest: dict[str, Any]
    resource_version: int = 1000

    def resource(self, group: str, plural: str) -> Resource | None:
        """The served resource, or ``None`` when the capture holds none of it."""
        return self.resources.get((group, plural))

    def groups(self) -> dict[str, list[str]]:
        """API group -> its versions (``""`` is the core group)."""
        out: dict[str, list[str]] = {}
        for res in self.resources.values():
            versions = out.setdefault(res.group, [])
            if res.version not in versions:
                versions.append(res.version)
        return out

    def node_file(self, node: str, stem: str) -> Path | None:
        """``nodes/<node>/<stem>.out`` when the capture has it."""
        path = self.root / "nodes" / node / f"{stem}.out"
        return path if path.is_file() else None

    def kube_version(self) -> str:
        """The kubelet version of the first node (``v1.29.9+5865c5b``), else a 4.16-era one."""
        nodes = self.resource("", "nodes")
        for node in nodes.objects if nodes else []:
            version = ((node.get("status") or {}).get("nodeInfo") or {}).get("kubeletVersion")
            if version:
                return str(version)
        return "v1.29.9+5865c5b"


def load_capture(root: Path) -> ClusterState:
    """Read every object under ``<root>/cluster`` into a :class:`ClusterState`.

    Raises:
        FileNotFoundError: ``root`` has no ``cluster/`` directory.
        ValueError: an object without ``metadata.name`` or a kind that cannot be told.
    """
    cluster = root / "cluster"
    if not cluster.is_dir():
        raise FileNotFoundError(f"{root} has no cluster/ directory (see docs/capture-layout.md)")
    state = ClusterState(root=root, resources={}, manifest=_manifest(root))
    seen: set[tuple[str, str, str | None, str]] = set()

    def add(group: str, plural: str, obj: dict[str, Any], namespaced: bool) -> None:
        api_version = str(obj.get("apiVersion") or "")
        version = api_version.rpartition("/")[2] or _default_version(group, plural)
        kind = str(obj.get("kind") or _default_kind(plural))
        meta = obj.get("metadata") or {}
        if not meta.get("name"):
            raise ValueError(f"{plural} object without metadata.name in {root}")
        key = (group, plural, meta.get("namespace") if namespaced else None, meta["name"])
        if key in seen:  # pods appear both in core/pods.yaml and pods/<pod>/<pod>.yaml
            return
        seen.add(key)
        obj.setdefault("apiVersion", f"{group}/{version}" if group else version)
        obj.setdefault("kind", kind)
        res = state.resources.get((group, plural))
        if res is None:
            res = Resource(group, version, plural, kind, namespaced)
            state.resources[(group, plural)] = res
        res.objects.append(obj)

    scoped = cluster / "cluster-scoped-resources"
    if scoped.is_dir():
        for group_dir in sorted(p for p in scoped.iterdir() if p.is_dir()):
            group = "" if group_dir.name == "core" else group_dir.name
            for entry in sorted(group_dir.iterdir()):
                if entry.is_dir():
                    for file in sorted(entry.glob("*.yaml")):
                        add(group, entry.name, load_yaml(file), False)
                elif entry.suffix == ".yaml":
                    for obj in _items(load_yaml(entry), entry.stem):
                        add(group, entry.stem, obj, False)

    namespaces = cluster / "namespaces"
    if namespaces.is_dir():
        for ns_dir in sorted(p for p in namespaces.iterdir() if p.is_dir()):
            ns_file = ns_dir / f"{ns_dir.name}.yaml"
            if ns_file.is_file():
                add("", "namespaces", load_yaml(ns_file), False)
            for group_dir in sorted(p for p in ns_dir.iterdir() if p.is_dir()):
                if group_dir.name == "pods":  # namespaces/<ns>/pods/<pod>/<pod>.yaml
                    for pod_dir in sorted(p for p in group_dir.iterdir() if p.is_dir()):
                        pod_file = pod_dir / f"{pod_dir.name}.yaml"
                        if pod_file.is_file():
                            add("", "pods", load_yaml(pod_file), True)
                    continue
                group = "" if group_dir.name == "core" else group_dir.name
                for entry in sorted(group_dir.iterdir()):
                    if entry.is_file() and entry.suffix == ".yaml":
                        for obj in _items(load_yaml(entry), entry.stem):
                            add(group, entry.stem, obj, True)
                    elif entry.is_dir():
                        for file in sorted(entry.glob("*.yaml")):
                            add(group, entry.name, load_yaml(file), True)

    for res in state.resources.values():
        res.objects.sort(
            key=lambda o: ((o["metadata"].get("namespace") or ""), o["metadata"]["name"])
        )
    return state


def _items(doc: Any, plural: str) -> list[dict[str, Any]]:
    """The objects of a List document (or the one object of a single-object document)."""
    if not isinstance(doc, dict):
        return []
    if "items" not in doc:
        return [doc]
    list_kind = str(doc.get("kind") or "")
    item_kind = list_kind.removesuffix("List") if list_kind not in ("", "List") else ""
    items = [dict(i) for i in doc.get("items") or []]
    for item in items:
        if item_kind:
            item.setdefault("kind", item_kind)
        if doc.get("apiVersion") and list_kind != "List":
            item.setdefault("apiVersion", doc["apiVersion"])
        item.setdefault("kind", _default_kind(plural))
    return items


def _default_kind(plural: str) -> str:
    known = KINDS.get(plural)
    if known is None:
        raise ValueError(f"cannot tell the kind of {plural!r} items; give them a kind")
    return known.kind


def _default_version(group: str, plural: str) -> str:
    known = KINDS.get(plural)
    return known.version if known and known.group == group else "v1"


def _manifest(root: Path) -> dict[str, Any]:
    path = root / "rhcos-capture.json"
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}
