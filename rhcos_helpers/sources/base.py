"""sources.base - the one interface every domain module reads a cluster through.

Three implementations: :mod:`~rhcos_helpers.sources.live` (the Kubernetes API),
:mod:`~rhcos_helpers.sources.capture` (an unmodified must-gather plus sos reports, or the project's
own capture layout) and the bundled demos (a capture shipped in the package). Domain modules take
a :class:`Source` as their first argument and never know which one they got.

Rules every implementation keeps:

* ``list``/``get`` return plain API dicts, as ``kubectl get -o json`` prints them.
* ``list`` raises :class:`~rhcos_helpers.errors.NotApplicable` when the source cannot know (a
  capture that did not collect that resource), so "not collected" never looks like "none".
* ``node_output`` never raises for a node that cannot be read: it returns a :class:`NodeOutput`
  whose ``status`` says ``failed`` or ``missing`` and whose ``reason`` says why.
"""

from __future__ import annotations

import abc
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import PurePath
from typing import Any, Generic, Literal, ParamSpec, TypeVar

from rhcos_helpers.errors import ClusterAccessError, NotApplicable, UsageError

__all__ = [
    "Attempt",
    "NodeOutput",
    "Source",
    "SourceIdentity",
    "attempt",
    "label_selector_matches",
    "version_of",
]

Status = Literal["ok", "failed", "missing"]
#: ``list`` is a method name on Source, so annotations inside the class use this alias.
Names = list[str]


@dataclass(frozen=True)
class NodeOutput:
    """The result of one node-level fact on one node.

    Attributes:
        node: node name.
        fact: catalogue key.
        status: ``ok`` (the command ran and exited 0, or the file was there), ``failed`` (it ran
            and failed, or the node could not be reached) or ``missing`` (this source does not
            hold the fact for this node).
        stdout: the command's standard output, or the file's content.
        stderr: standard error, when the source has it.
        exit_code: the command's exit code, when it ran.
        format: format of ``stdout``: ``json``, ``text``, ``table`` or ``verbose``.
        origin: where it came from: ``debug-pod``, ``ssh``, ``api:<path>``, ``sos:<path>``,
            ``must-gather:<path>``, ``capture:<path>``.
        argv: the argv that produced it (empty for files and API calls).
        reason: for ``failed`` and ``missing``, why, in one line with the next step.
    """

    node: str
    fact: str
    status: Status
    stdout: str = ""
    stderr: str = ""
    exit_code: int | None = None
    format: str = "text"
    origin: str = ""
    argv: tuple[str, ...] = ()
    reason: str = ""

    @property
    def ok(self) -> bool:
        """True when ``stdout`` holds the fact."""
        return self.status == "ok"


def shareable_path(path: str | None) -> str | None:
    """A path as a shared report may show it: the home directory (and its user name) as ``~``.

    Examples:
        >>> import os
        >>> shareable_path(os.path.expanduser("~") + "/cases/0123,/tmp/sos.tar.xz")
        '~/cases/0123,/tmp/sos.tar.xz'
        >>> shareable_path(None) is None
        True
    """
    if not path:
        return path
    home = os.path.expanduser("~")
    if home in ("", "/"):
        return path
    return path.replace(home.rstrip("/") + "/", "~/")


@dataclass(frozen=True)
class SourceIdentity:
    """What a report and a run-to-run comparison need to know about where data came from.

    Attributes:
        kind: ``live``, ``capture`` or ``demo``.
        spec: the ``--source`` value as given.
        cluster_id: ClusterVersion ``spec.clusterID``, when known.
        cluster_version: the version the cluster runs (ClusterVersion ``status.desired.version``).
        api_url: the API server URL (live) or the one recorded in the capture.
        context: the kubeconfig context (live).
        capture_path: the capture's path (captures and demos).
        captured_at: when the capture was taken (captures and demos); ``None`` for live.
        notes: things the reader must know about the source (e.g. a sos report matching no node).
    """

    kind: Literal["live", "capture", "demo"]
    spec: str
    cluster_id: str | None = None
    cluster_version: str | None = None
    api_url: str | None = None
    context: str | None = None
    capture_path: str | None = None
    captured_at: datetime | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def shown_spec(self) -> str:
        """``spec`` as a shared report shows it (:func:`shareable_path`)."""
        return shareable_path(self.spec) or self.spec

    @property
    def shown_capture(self) -> str | None:
        """Where the capture is, as a shared report shows it.

        The bundled demo by name, a home directory as ``~`` (:func:`shareable_path`), never the
        local checkout's path.
        """
        if self.is_demo and self.capture_path:
            return f"bundled with rhcos_helpers: demos/data/{PurePath(self.capture_path).name}"
        return shareable_path(self.capture_path)

    @property
    def is_demo(self) -> bool:
        """True for the bundled synthetic clusters (reports carry a DEMO DATA banner)."""
        return self.kind == "demo"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "kind": self.kind,
            "spec": self.spec,
            "cluster_id": self.cluster_id,
            "cluster_version": self.cluster_version,
            "api_url": self.api_url,
            "context": self.context,
            "capture_path": self.capture_path,
            "captured_at": self.captured_at.isoformat() if self.captured_at else None,
            "notes": list(self.notes),
        }


class Source(abc.ABC):
    """A cluster to read: live, captured or bundled."""

    @property
    @abc.abstractmethod
    def identity(self) -> SourceIdentity:
        """Who and when this source is."""

    @abc.abstractmethod
    def list(
        self,
        resource: str,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
    ) -> list[dict[str, Any]]:
        """Objects of one resource (plural, see :mod:`rhcos_helpers.kinds`).

        Args:
            resource: plural resource name, e.g. ``"nodes"``.
            namespace: for namespaced resources; ``None`` means all namespaces.
            label_selector: ``key=value`` / ``key`` / ``key!=value`` terms joined by commas.

        Raises:
            NotApplicable: the source cannot know (not collected), with the way to collect it.
            ClusterAccessError: the API refused or could not be reached.
        """

    @abc.abstractmethod
    def get(
        self, resource: str, name: str, *, namespace: str | None = None
    ) -> dict[str, Any] | None:
        """One object, or ``None`` when it does not exist (or was not collected)."""

    @abc.abstractmethod
    def node_output(self, node: str, fact: str, **params: str) -> NodeOutput:
        """One node-level fact for one node (see :mod:`rhcos_helpers.catalogue`)."""

    def now(self) -> datetime:
        """The reference time for ages: the capture time for captures, the clock for live."""
        return self.identity.captured_at or datetime.now(UTC)

    def close(self) -> None:  # noqa: B027 - optional hook, most sources hold nothing
        """Release what the source holds (temporary debug pods, extracted archives)."""

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def node_names(self) -> Names:
        """Names of all nodes, sorted."""
        return sorted(n["metadata"]["name"] for n in self.list("nodes"))

    def node(self, name: str) -> dict[str, Any]:
        """One Node object.

        Raises:
            UsageError: for a node the cluster does not have, naming the ones it has.
        """
        obj = self.get("nodes", name)
        if obj is None:
            names = self.node_names()
            shown = ", ".join(names[:10]) + (" ..." if len(names) > 10 else "")
            raise UsageError(f"unknown node {name!r}; this cluster's nodes are: {shown}")
        return obj


def label_selector_matches(labels: dict[str, str] | None, selector: str | None) -> bool:
    """Whether labels satisfy an equality-based label selector.

    Supports ``k=v``, ``k==v``, ``k!=v``, ``k`` and ``!k`` terms separated by commas.

    Examples:
        >>> label_selector_matches({"node-role.kubernetes.io/worker": ""},
        ...                        "node-role.kubernetes.io/worker=")
        True
        >>> label_selector_matches({"a": "1"}, "a!=1")
        False
        >>> label_selector_matches({"a": "1"}, "!b,a")
        True
    """
    if not selector:
        return True
    labels = labels or {}
    for raw in selector.split(","):
        term = raw.strip()
        if not term:
            continue
        if "!=" in term:
            key, value = term.split("!=", 1)
            if labels.get(key.strip()) == value.strip():
                return False
        elif "=" in term:
            key, value = term.replace("==", "=").split("=", 1)
            if labels.get(key.strip()) != value.strip():
                return False
        elif term.startswith("!"):
            if term[1:].strip() in labels:
                return False
        elif term not in labels:
            return False
    return True


T = TypeVar("T")
U = TypeVar("U")
P = ParamSpec("P")


@dataclass(frozen=True)
class Attempt(Generic[T]):
    """A value read from a source, or the reason it could not be read.

    ``reason`` is set when the source cannot know (:class:`NotApplicable`) or the caller's rights
    do not allow it (a 403 :class:`ClusterAccessError`); reports show it instead of an empty table.
    """

    value: T | None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        """True when ``value`` was read."""
        return self.reason is None

    def map(self, fn: Callable[[T], U]) -> Attempt[U]:
        """Apply ``fn`` to the value, keeping the reason when there is none.

        Examples:
            >>> Attempt([1, 2]).map(len).value
            2
            >>> Attempt(None, "not collected").map(len).reason
            'not collected'
        """
        if self.reason is not None or self.value is None:
            return Attempt(None, self.reason or "no value")
        return Attempt(fn(self.value))


def attempt(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Attempt[T]:
    """Call ``fn``; turn "cannot know" and "not allowed" into an :class:`Attempt` reason.

    Other errors propagate: they are bugs or outages, not missing data.

    Examples:
        >>> def not_collected() -> int:
        ...     raise NotApplicable("no CSRs in this must-gather")
        >>> attempt(not_collected).reason
        'no CSRs in this must-gather'
    """
    try:
        return Attempt(fn(*args, **kwargs))
    except NotApplicable as exc:
        return Attempt(None, str(exc))
    except ClusterAccessError as exc:
        if exc.status == 403:
            return Attempt(None, str(exc))
        raise


def version_of(cluster_version: dict[str, Any]) -> str | None:
    """The version a ClusterVersion object reports.

    ``status.desired.version``, else the newest Completed ``status.history`` entry.

    Examples:
        >>> version_of({"status": {"history": [{"state": "Completed", "version": "4.3.5"}]}})
        '4.3.5'
        >>> version_of({}) is None
        True
    """
    status = cluster_version.get("status") or {}
    desired = (status.get("desired") or {}).get("version")
    if desired:
        return str(desired)
    for entry in status.get("history") or []:
        if entry.get("state") == "Completed" and entry.get("version"):
            return str(entry["version"])
    return None
