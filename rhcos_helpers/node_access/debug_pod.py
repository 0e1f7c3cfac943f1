"""node_access.debug_pod - host commands through a privileged pod, as ``oc debug node/X``.

:class:`DebugPodRunner` implements :class:`~rhcos_helpers.sources.live.NodeRunner`: the first
command for a node creates one privileged pod on it (the pod ``oc debug node/X`` creates,
``shared/domain-facts.md`` §1.1, with this tool's labels, a finite command and
``activeDeadlineSeconds``), waits until it runs, and every command of the run for that node is
an ``exec`` of ``["chroot", "/host", *argv]`` in it: an argv list, never ``sh -c``. Stdout,
stderr and the exit code (from the channel-3 status of the exec websocket) come back apart.

Pods go into a temporary namespace per run (``generateName: openshift-debug-``, privileged Pod
Security labels, label sync off, ``openshift.io/node-selector: ""``, as ``oc debug`` 4.12+ makes
it), or into a namespace given by the caller. The image is the ``image`` parameter, else the
``openshift/tools:latest`` image stream tag (a payload image, mirrored in disconnected
clusters), else ``registry.redhat.io/rhel9/support-tools`` (4.16+) or ``rhel8`` (4.6-4.15).

Every path removes what the run created: :meth:`DebugPodRunner.close` (context manager, also
called by :meth:`LiveSource.close <rhcos_helpers.sources.live.LiveSource.close>`), an
``atexit`` hook, and a ``KeyboardInterrupt`` (a Jupyter kernel interrupt) raised inside a
command. Pods are deleted with grace period 0, then the temporary namespace. :func:`sweep`
removes what dead runs left behind (by label, run id and age), never ``oc debug``'s pods nor a
live run's.

A node that cannot get a pod (Windows, NotReady, rejected) gives a ``failed``
:class:`~rhcos_helpers.sources.base.NodeOutput` whose reason names the cause and the next step;
the runner never raises for a node.

Examples:
    >>> make_simple_name("ip-10-0-18-226.ec2.internal")
    'ip-10-0-18-226ec2internal'
    >>> fallback_image("4.15.3"), fallback_image("4.16.21")
    ('registry.redhat.io/rhel8/support-tools', 'registry.redhat.io/rhel9/support-tools')
    >>> pod = debug_pod_manifest(node="master-0", name="master-0-debug-x2b4z",
    ...     namespace="openshift-debug-abcde", image="img", cluster_version="4.16.21",
    ...     run_id="r1", lifetime=600, created_at="2026-01-01T00:00:00Z")
    >>> pod["spec"]["containers"][0]["command"], pod["spec"]["activeDeadlineSeconds"]
    (['sleep', '600'], 630)
"""

from __future__ import annotations

import atexit
import json
import logging
import math
import re
import secrets
import shlex
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import urllib3
import yaml
from kubernetes import client as k8s_client
from kubernetes.client.exceptions import ApiException
from kubernetes.stream import stream as k8s_stream
from kubernetes.stream import ws_client
from kubernetes.watch import watch as k8s_watch
from websocket import WebSocketException

from rhcos_helpers._time import parse_time
from rhcos_helpers.errors import ClusterAccessError
from rhcos_helpers.node_access.fanout import skip_reason
from rhcos_helpers.sources.base import NodeOutput, version_of

__all__ = [
    "CONTAINER_NAME",
    "CREATED_AT_ANNOTATION",
    "MANAGED_BY",
    "MANAGED_BY_LABEL",
    "OC_DEBUG_LABEL",
    "RUN_ID_LABEL",
    "TEMP_NAMESPACE_PREFIX",
    "DebugPodRunner",
    "debug_pod_manifest",
    "fallback_image",
    "make_simple_name",
    "sweep",
    "temp_namespace_manifest",
]

log = logging.getLogger(__name__)

MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
#: Value of :data:`MANAGED_BY_LABEL` on every pod and namespace this tool creates.
MANAGED_BY = "rhcos-runbooks"
RUN_ID_LABEL = "rhcos-runbooks/run-id"
CREATED_AT_ANNOTATION = "rhcos-runbooks/created-at"
#: The label ``oc debug`` (4.20+) puts on its pods; :func:`sweep` never touches those.
OC_DEBUG_LABEL = "debug.openshift.io/managed-by"
CONTAINER_NAME = "container-00"
TEMP_NAMESPACE_PREFIX = "openshift-debug-"
DEFAULT_IMAGE_STREAM = "openshift/tools:latest"

#: Run ids of the runners alive in this process (``sweep`` never removes their objects).
_LIVE_RUNS: set[str] = set()
_LIVE_RUNS_LOCK = threading.Lock()

# k8s.io/apimachinery/pkg/util/rand: no vowels (no words), no 0/1/3 (no look-alikes).
_RAND_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_SIMPLE_NAME_DROP = re.compile(r"[^-a-z0-9]")
_HANDSHAKE_STATUS = re.compile(r"Handshake status (\d{3})")
_STATUS_MESSAGE = re.compile(r'"message"\s*:\s*"((?:[^"\\]|\\.)*)"')
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_PULL_FAILURES = frozenset({"ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull"})
_START_FAILURES = frozenset(
    {"CreateContainerConfigError", "CreateContainerError", "RunContainerError"}
)
_SA_RETRY_SECONDS = 15.0

# The client's helpers carry no annotations; typed handles keep mypy --strict useful.
_iter_resp_lines: Callable[[Any], Iterator[str]] = k8s_watch.iter_resp_lines


# ------------------------------------------------------------------------------- manifests


def make_simple_name(name: str) -> str:
    """A node name as ``oc debug`` puts it in a pod name (``MakeSimpleName``, §1.2).

    Lowercase, every character outside ``[-a-z0-9]`` removed (dots too), ``-`` trimmed at
    both ends, cut to 63 characters.

    Examples:
        >>> make_simple_name("Worker_1.example.COM")
        'worker1examplecom'
    """
    return _SIMPLE_NAME_DROP.sub("", name.lower()).strip("-")[:63]


def _random_suffix(length: int = 5) -> str:
    return "".join(secrets.choice(_RAND_ALPHABET) for _ in range(length))


def _minor(version: str | None) -> tuple[int, int] | None:
    """``(4, 16)`` from ``4.16.21``; ``None`` for an unknown or unparsable version."""
    match = re.match(r"^v?(\d+)\.(\d+)", version or "")
    return (int(match.group(1)), int(match.group(2))) if match else None


def fallback_image(cluster_version: str | None) -> str:
    """The support-tools image ``oc debug`` falls back to for a cluster version (§1.1).

    ``rhel9`` from 4.16 (and for an unknown version), ``rhel8`` for 4.6-4.15, ``rhel7`` before.
    """
    minor = _minor(cluster_version)
    if minor is None or minor >= (4, 16):
        return "registry.redhat.io/rhel9/support-tools"
    if minor >= (4, 6):
        return "registry.redhat.io/rhel8/support-tools"
    return "registry.redhat.io/rhel7/support-tools"


def _tool_labels(run_id: str) -> dict[str, str]:
    return {MANAGED_BY_LABEL: MANAGED_BY, RUN_ID_LABEL: run_id}


def temp_namespace_manifest(*, run_id: str, created_at: str) -> dict[str, Any]:
    """The temporary namespace of one run: ``oc debug``'s (§1.2) plus this tool's labels.

    Examples:
        >>> ns = temp_namespace_manifest(run_id="r1", created_at="2026-01-01T00:00:00Z")
        >>> ns["metadata"]["generateName"], ns["metadata"]["annotations"]["openshift.io/node-selector"]
        ('openshift-debug-', '')
    """
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "generateName": TEMP_NAMESPACE_PREFIX,
            "labels": {
                "pod-security.kubernetes.io/enforce": "privileged",
                "pod-security.kubernetes.io/audit": "privileged",
                "pod-security.kubernetes.io/warn": "privileged",
                "security.openshift.io/scc.podSecurityLabelSync": "false",
                **_tool_labels(run_id),
            },
            "annotations": {
                "openshift.io/node-selector": "",
                CREATED_AT_ANNOTATION: created_at,
            },
        },
    }


def debug_pod_manifest(
    *,
    node: str,
    name: str,
    namespace: str,
    image: str,
    cluster_version: str | None,
    run_id: str,
    lifetime: int,
    created_at: str,
) -> dict[str, Any]:
    """The pod ``oc debug node/<node>`` creates (§1.1), finite, with this tool's labels.

    Version-dependent parts follow ``oc`` of the cluster's release: ``hostIPC`` and the
    ``openshift-user-critical`` priority class from 4.12, ``TMOUT`` from 4.8, ``HOST`` from
    4.16, the ``openshift.io/required-scc: privileged`` annotation from 4.15. For an unknown
    version the priority class is left out (a cluster without it would refuse the pod) and the
    rest follows the newest ``oc``.

    Args:
        node: the node name (``spec.nodeName``: no scheduler involved).
        name: the pod name.
        namespace: the pod's namespace.
        image: the debug image.
        cluster_version: the OpenShift version (``4.16.21``) or ``None``.
        run_id: this run's id (label :data:`RUN_ID_LABEL`).
        lifetime: seconds the pod may live: ``sleep <lifetime>`` is its command and
            ``activeDeadlineSeconds`` is 30 s more.
        created_at: RFC 3339 time stored in :data:`CREATED_AT_ANNOTATION`.
    """
    minor = _minor(cluster_version)

    def since(release: tuple[int, int]) -> bool:  # an unknown version is the newest
        return minor is None or minor >= release

    env: list[dict[str, str]] = []
    if since((4, 8)):
        env.append({"name": "TMOUT", "value": "900"})
    if since((4, 16)):
        env.append({"name": "HOST", "value": "/host"})
    annotations = {
        "debug.openshift.io/source-container": CONTAINER_NAME,
        "debug.openshift.io/source-resource": f"/v1, Resource=nodes/{node}",
        CREATED_AT_ANNOTATION: created_at,
    }
    if since((4, 15)):
        annotations["openshift.io/required-scc"] = "privileged"
    spec: dict[str, Any] = {
        "nodeName": node,
        "hostNetwork": True,
        "hostPID": True,
        "restartPolicy": "Never",
        "activeDeadlineSeconds": lifetime + 30,
        "terminationGracePeriodSeconds": 0,
        "volumes": [{"name": "host", "hostPath": {"path": "/", "type": "Directory"}}],
        "containers": [
            {
                "name": CONTAINER_NAME,
                "image": image,
                "command": ["sleep", str(lifetime)],
                "env": env,
                "securityContext": {"privileged": True, "runAsUser": 0},
                "volumeMounts": [{"name": "host", "mountPath": "/host"}],
                "stdin": False,
                "stdinOnce": False,
                "tty": False,
            }
        ],
    }
    if since((4, 12)):
        spec["hostIPC"] = True
    if minor is not None and minor >= (4, 12):
        spec["priorityClassName"] = "openshift-user-critical"
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": _tool_labels(run_id),
            "annotations": annotations,
        },
        "spec": spec,
    }


# ------------------------------------------------------------------------------------ HTTP


class _HttpError(Exception):
    """A non-2xx answer with the ``message`` of its Status body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status} {message}")
        self.status = status
        self.message = message


class _Http:
    """Raw JSON requests through one ``ApiClient`` (the official client's transport)."""

    def __init__(self, api_client: Any, *, request_timeout: tuple[float, float]) -> None:
        self.api = api_client
        self.timeout = request_timeout

    @property
    def url(self) -> str:
        return str(self.api.configuration.host)

    def call(
        self,
        method: str,
        path: str,
        *,
        query: Sequence[tuple[str, str]] = (),
        body: dict[str, Any] | None = None,
        retries: int = 2,
    ) -> dict[str, Any]:
        """Send one request; the JSON object answered.

        Raises:
            _HttpError: a non-2xx answer (after retrying 429, and 5xx for GET/DELETE).
            ClusterAccessError: the API server could not be reached.
        """
        attempt = 0
        while True:
            resp = self._send(method, path, query, body, stream=False)
            data = resp.read() or b""
            status = int(resp.status)
            retryable = status == 429 or (status in _RETRY_STATUSES and method != "POST")
            if retryable and attempt < retries:
                attempt += 1
                delay = _retry_delay(resp.headers.get("Retry-After"), attempt)
                log.warning(
                    "%s %s answered %s; retry %d in %.1f s", method, path, status, attempt, delay
                )
                time.sleep(delay)
                continue
            if not 200 <= status <= 299:
                raise _HttpError(status, _status_message(status, data))
            try:
                obj = json.loads(data) if data else {}
            except ValueError:
                raise _HttpError(status, f"answer is not JSON: {_one_line(data[:200])}") from None
            return obj if isinstance(obj, dict) else {}

    def watch(
        self, path: str, query: Sequence[tuple[str, str]], *, seconds: float
    ) -> Iterator[dict[str, Any]]:
        """The events of a watch (``?watch=true``) as dicts, for at most ``seconds``."""
        full = [*query, ("watch", "true"), ("timeoutSeconds", str(max(1, math.ceil(seconds))))]
        resp = self._send("GET", path, full, None, stream=True, read_timeout=seconds + 5)
        try:
            if not 200 <= int(resp.status) <= 299:
                raise _HttpError(int(resp.status), _status_message(resp.status, resp.read() or b""))
            for line in _iter_resp_lines(resp.response):
                if line.strip():
                    event = json.loads(line)
                    if isinstance(event, dict):
                        yield event
        finally:
            resp.response.release_conn()

    def _send(
        self,
        method: str,
        path: str,
        query: Sequence[tuple[str, str]],
        body: dict[str, Any] | None,
        *,
        stream: bool,
        read_timeout: float | None = None,
    ) -> Any:
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        m, url, hdrs, data, _ = self.api.param_serialize(
            method,
            path,
            query_params=list(query),
            header_params=headers,
            body=body,
            auth_settings=["BearerToken"],
        )
        timeout = (self.timeout[0], read_timeout) if read_timeout else self.timeout
        try:
            return self.api.call_api(
                m, url, header_params=hdrs, body=data, _request_timeout=timeout
            )
        except ApiException as err:  # TLS failures come as status 0
            raise ClusterAccessError(
                f"TLS to {self.url} failed: {_one_line(err.reason)}; check the kubeconfig's "
                "certificate-authority and run `oc login` again"
            ) from None
        except urllib3.exceptions.HTTPError as err:
            raise ClusterAccessError(
                f"cannot reach {self.url} ({method} {path}): {_one_line(err)}; check the URL, "
                "VPN/proxy or `oc login`"
            ) from None


# --------------------------------------------------------------------------------- runner


@dataclass
class _Pod:
    """A debug pod of this run."""

    node: str
    namespace: str
    name: str
    image: str
    expires: float  # time.monotonic() after which the pod's sleep has ended

    @property
    def origin(self) -> str:
        return f"debug-pod:{self.namespace}/{self.name}"


class _StartFailure(Exception):
    """A debug pod could not be started; ``scope`` says whether other nodes would fail too."""

    def __init__(self, reason: str, *, scope: str = "node") -> None:
        super().__init__(reason)
        self.reason = reason
        self.scope = scope


class DebugPodRunner:
    """Run argv on nodes' hosts through one privileged debug pod per node per run.

    Thread-safe: a fan-out may call :meth:`run` from several threads (one node per thread at a
    time; commands for one node are serialised behind its pod's start).

    Args:
        configuration: a ``kubernetes.client.Configuration`` (a LiveSource's
            ``api_client.configuration``; shared, so token refresh keeps working).
        image: debug image; default: the ``image_stream`` tag, else :func:`fallback_image`.
        namespace: an existing namespace for the pods (never deleted); default: a temporary
            ``openshift-debug-*`` namespace per run, deleted at the end.
        cluster_version: the OpenShift version; default: read from ClusterVersion ``version``.
        image_stream: ``namespace/name:tag`` of the image stream tag to resolve.
        run_timeout: seconds a run may last: each pod's ``sleep`` (and, plus 30 s, its
            ``activeDeadlineSeconds``); a pod near its end is replaced before a command.
        start_timeout: seconds to wait for a pod to run.
        request_timeout: (connect, read) seconds for API requests.
        run_id: this run's id (label value); default: a random one.
    """

    def __init__(
        self,
        configuration: Any,
        *,
        image: str | None = None,
        namespace: str | None = None,
        cluster_version: str | None = None,
        image_stream: str = DEFAULT_IMAGE_STREAM,
        run_timeout: float = 3600.0,
        start_timeout: float = 300.0,
        request_timeout: tuple[float, float] = (10.0, 60.0),
        run_id: str | None = None,
    ) -> None:
        self._configuration = configuration
        self._http = _Http(
            k8s_client.ApiClient(configuration=configuration), request_timeout=request_timeout
        )
        self._image_param = image
        self._namespace_param = namespace
        self._version_param = cluster_version
        self._image_stream = image_stream
        self._lifetime = max(60, math.ceil(run_timeout))
        self._start_timeout = start_timeout
        self.run_id = run_id or f"{datetime.now(UTC):%Y%m%d%H%M%S}-{uuid.uuid4().hex[:8]}"
        self._lock = threading.Lock()  # guards the dicts and fields below
        self._setup_lock = threading.Lock()  # namespace, version and image resolution
        self._node_locks: dict[str, threading.Lock] = {}
        self._pods: dict[str, _Pod] = {}
        self._node_failures: dict[str, str] = {}
        self._run_failure: str | None = None
        self._temp_namespace: str | None = None
        self._version: str | None = None
        self._version_known = False
        self._image: str | None = None
        self.image_origin = ""
        self._exec_local = threading.local()
        self._exec_clients: list[Any] = []
        self._closed = False
        with _LIVE_RUNS_LOCK:
            _LIVE_RUNS.add(self.run_id)
        atexit.register(self._at_exit)

    # ------------------------------------------------------------------------ public API

    @property
    def namespace(self) -> str | None:
        """The namespace the pods go to (``None`` until the temporary one is created)."""
        return self._namespace_param or self._temp_namespace

    @property
    def pods(self) -> dict[str, str]:
        """Node -> ``namespace/pod`` of the pods this run holds now."""
        with self._lock:
            return {n: f"{p.namespace}/{p.name}" for n, p in self._pods.items()}

    def run(self, node: str, argv: tuple[str, ...], *, timeout: float) -> NodeOutput:
        """Run ``argv`` on ``node``'s host: ``exec chroot /host *argv`` in its debug pod.

        Never raises for the node: a node without a pod, a refused exec or a timeout give a
        ``failed`` output whose ``reason`` says why. A ``KeyboardInterrupt`` (or any unexpected
        error) removes every pod and the temporary namespace of the run, then propagates.

        Args:
            node: node name.
            argv: the command on the host, one element per argument.
            timeout: seconds the command may take (pod start not included).
        """
        argv = tuple(str(a) for a in argv)
        try:
            if self._closed:
                return _failed(node, argv, "", "the debug-pod runner is closed; open a new source")
            pod = self._pod_for(node, timeout)
            if isinstance(pod, NodeOutput):
                return pod
            return self._exec(pod, argv, timeout)
        except BaseException:
            log.warning("interrupted on node %s: removing the run's debug pods", node)
            self.cleanup()
            raise

    def cleanup(self) -> list[str]:
        """Delete this run's pods (grace period 0) and its temporary namespace; safe to repeat.

        The runner stays usable: a later command starts a new pod. Returns what was deleted
        (``pod/<ns>/<name>``, ``namespace/<name>``). A ``KeyboardInterrupt`` during the
        deletions does not stop them; it is raised again once they are done.
        """
        with self._lock:
            pods = list(self._pods.values())
            self._pods.clear()
            self._node_failures.clear()
            self._run_failure = None
            temp_ns, self._temp_namespace = self._temp_namespace, None
        removed: list[str] = []
        interrupt: BaseException | None = None
        targets: list[tuple[str, str]] = [
            (
                f"/api/v1/namespaces/{quote(p.namespace)}/pods/{quote(p.name)}",
                f"pod/{p.namespace}/{p.name}",
            )
            for p in pods
        ]
        if temp_ns:
            targets.append((f"/api/v1/namespaces/{quote(temp_ns)}", f"namespace/{temp_ns}"))
        for path, label in targets:
            try:
                if _delete(self._http, path):
                    removed.append(label)
            except (KeyboardInterrupt, SystemExit) as err:
                interrupt = err
            except (ClusterAccessError, _HttpError) as err:
                log.error(
                    "could not delete %s: %s; remove it with `oc delete` or "
                    "rhcos_helpers.node_access.sweep(...)",
                    label,
                    err,
                )
        if removed:
            log.info("removed %s", ", ".join(removed))
        if interrupt is not None:
            raise interrupt
        return removed

    def close(self) -> None:
        """Remove the run's pods and namespace, close the API clients; safe to call twice."""
        if self._closed:
            return
        try:
            self.cleanup()
        finally:
            self._closed = True
            atexit.unregister(self._at_exit)
            with _LIVE_RUNS_LOCK:
                _LIVE_RUNS.discard(self.run_id)
            with self._lock:
                clients, self._exec_clients = self._exec_clients, []
            for client in clients:
                client.close()
            self._http.api.close()

    def __enter__(self) -> DebugPodRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _at_exit(self) -> None:
        try:
            self.cleanup()
        except (ClusterAccessError, OSError) as err:
            log.error("debug pods of run %s may remain: %s; run sweep()", self.run_id, err)

    # ------------------------------------------------------------------------- the pod

    def _node_lock(self, node: str) -> threading.Lock:
        with self._lock:
            return self._node_locks.setdefault(node, threading.Lock())

    def _pod_for(self, node: str, timeout: float) -> _Pod | NodeOutput:
        """The node's running pod, started when needed, or a failed output saying why not."""
        with self._node_lock(node):
            with self._lock:
                pod = self._pods.get(node)
                failure = self._run_failure or self._node_failures.get(node)
            if pod is not None:
                if time.monotonic() + timeout + 5 < pod.expires:
                    return pod
                log.info("debug pod %s is near its end of life; replacing it", pod.origin)
                self._forget(pod)
            if failure is not None:
                return _failed(node, (), "", failure)
            try:
                return self._start(node)
            except _StartFailure as err:
                with self._lock:
                    if err.scope == "run":
                        self._run_failure = err.reason
                    else:
                        self._node_failures[node] = err.reason
                return _failed(node, (), "", err.reason)
            except ClusterAccessError as err:
                return _failed(node, (), "", str(err))

    def _start(self, node: str) -> _Pod:
        try:
            node_obj = self._http.call("GET", f"/api/v1/nodes/{quote(node, safe='')}")
        except _HttpError as err:
            if err.status == 404:
                raise _StartFailure(
                    f"node {node!r} not found (404); check the name with `oc get nodes`"
                ) from None
            raise _StartFailure(
                f"cannot read node {node!r}: {err}; check RBAC `get nodes`"
            ) from None
        skip = skip_reason(node_obj)
        if skip is not None:
            raise _StartFailure(f"node {node}: {skip}; no debug pod created")
        namespace = self._ensure_namespace()
        version = self._cluster_version()
        image = self._resolve_image(version)
        created_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        sa_deadline = time.monotonic() + _SA_RETRY_SECONDS
        collisions = 0
        while collisions < 5:
            name = f"{make_simple_name(node)}-debug-{_random_suffix()}"
            manifest = debug_pod_manifest(
                node=node,
                name=name,
                namespace=namespace,
                image=image,
                cluster_version=version,
                run_id=self.run_id,
                lifetime=self._lifetime,
                created_at=created_at,
            )
            try:
                self._http.call(
                    "POST", f"/api/v1/namespaces/{quote(namespace)}/pods", body=manifest
                )
            except _HttpError as err:
                if err.status == 409:
                    collisions += 1  # a name collision: draw another suffix
                    continue
                if err.status == 403 and _service_account_missing(err.message):
                    if time.monotonic() < sa_deadline:
                        time.sleep(0.5)  # the namespace's default SA is created asynchronously
                        continue
                raise _StartFailure(
                    _create_diagnosis(
                        err, namespace=namespace, name=name, temp=self._namespace_param is None
                    ),
                    scope="run" if err.status in (401, 403, 404) else "node",
                ) from None
            pod = _Pod(node, namespace, name, image, time.monotonic() + self._lifetime)
            with self._lock:
                self._pods[node] = pod  # registered before waiting: cleanup covers it
            log.info("debug pod %s started on node %s (image %s)", pod.origin, node, image)
            try:
                self._wait_running(pod)
            except _StartFailure:
                self._forget(pod)
                raise
            return pod
        raise _StartFailure(
            f"could not create a debug pod on node {node} (name collisions or no default service account in {namespace}); retry"
        )

    def _forget(self, pod: _Pod) -> None:
        """Delete one pod and drop it from the run."""
        with self._lock:
            if self._pods.get(pod.node) is pod:
                del self._pods[pod.node]
        try:
            _delete(self._http, f"/api/v1/namespaces/{quote(pod.namespace)}/pods/{quote(pod.name)}")
        except (ClusterAccessError, _HttpError) as err:
            log.error(
                "could not delete debug pod %s: %s; remove it with `oc delete pod`", pod.origin, err
            )

    def _wait_running(self, pod: _Pod) -> None:
        """Return once the pod runs; raise :class:`_StartFailure` with the diagnosis if not."""
        deadline = time.monotonic() + self._start_timeout
        path = f"/api/v1/namespaces/{quote(pod.namespace)}/pods"
        last = "Pending"
        pulling_error = ""
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _StartFailure(self._timeout_diagnosis(pod, last, pulling_error))
            try:
                obj = self._http.call("GET", f"{path}/{quote(pod.name)}")
            except _HttpError as err:
                if err.status == 404:
                    raise _StartFailure(
                        f"debug pod {pod.namespace}/{pod.name} disappeared while starting (evicted or deleted by someone); retry"
                    ) from None
                raise _StartFailure(
                    f"cannot read debug pod {pod.namespace}/{pod.name}: {err}; check RBAC `get pods`"
                ) from None
            state, detail = _pod_state(obj)
            if state == "running":
                return
            if state == "failed":
                raise _StartFailure(_failure_diagnosis(pod, obj, detail))
            last = detail or last
            if detail.startswith("ErrImagePull"):
                pulling_error = detail
            rv = str((obj.get("metadata") or {}).get("resourceVersion") or "")
            started = time.monotonic()
            try:
                for event in self._http.watch(
                    path,
                    [("fieldSelector", f"metadata.name={pod.name}"), ("resourceVersion", rv)],
                    seconds=min(remaining, 60.0),
                ):
                    kind = event.get("type")
                    obj = event.get("object") or {}
                    if kind == "ERROR":  # 410 Gone and the like: read the pod again
                        log.debug("watch of %s: %s", pod.origin, obj.get("message"))
                        break
                    if kind == "DELETED":
                        raise _StartFailure(
                            f"debug pod {pod.namespace}/{pod.name} was deleted while starting (by someone else or an eviction); retry"
                        )
                    state, detail = _pod_state(obj)
                    if state == "running":
                        return
                    if state == "failed":
                        raise _StartFailure(_failure_diagnosis(pod, obj, detail))
                    last = detail or last
                    if detail.startswith("ErrImagePull"):
                        pulling_error = detail
                    if time.monotonic() >= deadline:
                        break
            except (
                _HttpError,
                ClusterAccessError,
                ValueError,
                urllib3.exceptions.HTTPError,
            ) as err:
                log.debug("watch of %s failed (%s); polling", pod.origin, err)
            if time.monotonic() - started < 0.2:
                time.sleep(0.2)  # a watch that ends at once must not become a busy loop

    def _timeout_diagnosis(self, pod: _Pod, last: str, pulling_error: str) -> str:
        what = f"debug pod {pod.namespace}/{pod.name} on node {pod.node}"
        wait = f"{self._start_timeout:g} s"
        if pulling_error:
            return (
                f"{what} not running after {wait}: cannot pull image {pod.image} ({pulling_error}); "
                "mirror the image or pass image= one the node can pull"
            )
        try:
            node_obj = self._http.call("GET", f"/api/v1/nodes/{quote(pod.node, safe='')}")
            skip = skip_reason(node_obj)
        except (_HttpError, ClusterAccessError):
            skip = None
        if skip is not None:
            return f"{what} not running after {wait}: {skip}"
        return (
            f"{what} not running after {wait} (last state: {last}); check "
            f"`oc describe pod -n {pod.namespace} {pod.name}` and the node's events"
        )

    # ------------------------------------------------------------------ run-wide setup

    def _ensure_namespace(self) -> str:
        if self._namespace_param:
            return self._namespace_param
        with self._setup_lock:
            with self._lock:
                if self._temp_namespace:
                    return self._temp_namespace
            created_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            body = temp_namespace_manifest(run_id=self.run_id, created_at=created_at)
            try:
                obj = self._http.call("POST", "/api/v1/namespaces", body=body)
            except _HttpError as err:
                raise _StartFailure(
                    f"cannot create the temporary namespace ({err.status}: {err.message}); pass "
                    "namespace= an existing one labelled pod-security.kubernetes.io/enforce="
                    'privileged with annotation openshift.io/node-selector="", or ask for '
                    "RBAC `create namespaces`",
                    scope="run",
                ) from None
            name = str((obj.get("metadata") or {}).get("name") or "")
            if not name:
                raise _StartFailure(
                    "the API server created a namespace without a name; retry", scope="run"
                )
            with self._lock:
                self._temp_namespace = name
            log.info("temporary namespace %s created for run %s", name, self.run_id)
            return name

    def _cluster_version(self) -> str | None:
        if self._version_param:
            return self._version_param
        with self._setup_lock:
            if not self._version_known:
                self._version_known = True
                try:
                    cv = self._http.call(
                        "GET", "/apis/config.openshift.io/v1/clusterversions/version"
                    )
                    self._version = version_of(cv)
                except (_HttpError, ClusterAccessError) as err:
                    log.info("cluster version unknown (%s); using the newest oc debug pod", err)
            return self._version

    def _resolve_image(self, version: str | None) -> str:
        if self._image_param:
            self.image_origin = "parameter"
            return self._image_param
        with self._setup_lock:
            if self._image is not None:
                return self._image
            ns, _, rest = self._image_stream.partition("/")
            stream_name, _, tag = rest.partition(":")
            tag = tag or "latest"
            path = f"/apis/image.openshift.io/v1/namespaces/{quote(ns)}/imagestreams/{quote(stream_name)}"
            reference = None
            try:
                reference = _tag_reference(self._http.call("GET", path), tag)
            except (_HttpError, ClusterAccessError) as err:
                log.info("image stream %s not readable (%s)", self._image_stream, err)
            if reference:
                self._image, self.image_origin = reference, f"imagestreamtag {self._image_stream}"
            else:
                self._image = fallback_image(version)
                self.image_origin = f"fallback (no {self._image_stream} image stream tag)"
            log.info("debug image %s (%s)", self._image, self.image_origin)
            return self._image

    # ------------------------------------------------------------------------------ exec

    def _exec_api(self) -> Any:
        """A CoreV1Api on this thread's own ApiClient (``stream()`` patches its client)."""
        client = getattr(self._exec_local, "client", None)
        if client is None:
            client = k8s_client.ApiClient(configuration=self._configuration)
            self._exec_local.client = client
            with self._lock:
                self._exec_clients.append(client)
        return k8s_client.CoreV1Api(api_client=client)

    def _exec(self, pod: _Pod, argv: tuple[str, ...], timeout: float) -> NodeOutput:
        command = ["chroot", "/host", *argv]
        started = time.monotonic()
        try:
            ws = k8s_stream(
                self._exec_api().connect_get_namespaced_pod_exec,
                pod.name,
                pod.namespace,
                command=command,
                container=CONTAINER_NAME,
                stderr=True,
                stdin=False,
                stdout=True,
                tty=False,
                _preload_content=False,
            )
        except ApiException as err:
            return self._exec_refused(pod, argv, err)
        stdout = stderr = status_text = ""
        timed_out = dropped = False
        try:
            if ws.sock is not None:
                ws.sock.settimeout(max(1.0, timeout))
            while ws.is_open():
                remaining = started + timeout - time.monotonic()
                if remaining <= 0:
                    timed_out = True
                    break
                ws.update(timeout=min(remaining, 5.0))
        except (WebSocketException, OSError) as err:
            log.debug("exec in %s: connection ended: %s", pod.origin, err)
            dropped = True
        finally:
            stdout = _read_channel(ws, ws_client.STDOUT_CHANNEL)
            stderr = _read_channel(ws, ws_client.STDERR_CHANNEL)
            status_text = _read_channel(ws, ws_client.ERROR_CHANNEL)
            ws.close()
            if ws.sock is not None:
                # websocket-client leaves the socket open when the server closed first
                # (its close() returns early once it answered the server's close frame).
                ws.sock.shutdown()
        shown = shlex.join(argv)
        if timed_out:
            return _failed(
                pod.node, argv, pod.origin,
                f"`{shown}` did not finish within {timeout:g} s on node {pod.node}; raise the "
                "node timeout or check the node (the command may still run in the pod)",
                stdout=stdout, stderr=stderr,
            )  # fmt: skip
        exit_code, problem = _exit_status(status_text)
        if exit_code is None:
            why = problem or ("connection dropped" if dropped else "no exit status received")
            return _failed(
                pod.node, argv, pod.origin,
                f"exec of `{shown}` in {pod.origin} failed: {why}; retry, or check the pod with "
                f"`oc describe pod -n {pod.namespace} {pod.name}`",
                stdout=stdout, stderr=stderr,
            )  # fmt: skip
        if exit_code != 0:
            first = next((ln for ln in stderr.splitlines() if ln.strip()), "")
            return NodeOutput(
                node=pod.node,
                fact="",
                status="failed",
                stdout=stdout,
                stderr=stderr,
                exit_code=exit_code,
                origin=pod.origin,
                argv=argv,
                reason=f"`{shown}` exited with {exit_code} on node {pod.node}"
                + (f": {_one_line(first)}" if first else "")
                + "; see stderr",
            )
        return NodeOutput(
            node=pod.node,
            fact="",
            status="ok",
            stdout=stdout,
            stderr=stderr,
            exit_code=0,
            origin=pod.origin,
            argv=argv,
        )

    def _exec_refused(self, pod: _Pod, argv: tuple[str, ...], err: ApiException) -> NodeOutput:
        status, message = _handshake_error(err)
        if status == 404 or (status == 400 and "container not found" in message.lower()):
            self._forget(pod)
            reason = (
                f"debug pod {pod.namespace}/{pod.name} is gone ({status}: {message}); the next "
                "command starts a new one"
            )
        elif status == 403:
            reason = (
                f"forbidden to exec in {pod.origin} (403: {message}); ask for RBAC "
                "`create pods/exec` or use a cluster-admin context"
            )
        elif status == 401:
            reason = "401 Unauthorized on exec: token expired or invalid; run `oc login` again"
        else:
            what = f"{status}: {message}" if status else message
            reason = f"exec in {pod.origin} failed ({what}); check the API server and retry"
        return _failed(pod.node, argv, pod.origin, reason)


# ---------------------------------------------------------------------------------- sweep


def sweep(api: Any, *, older_than: timedelta, dry_run: bool = True) -> list[str]:
    """Remove this tool's debug pods and temporary namespaces left by dead runs.

    Only objects labelled ``app.kubernetes.io/managed-by=rhcos-runbooks`` with a run id are
    considered; ``oc debug``'s pods (label ``debug.openshift.io/managed-by=oc-debug``, or no
    tool label) never are. A run counts as dead when its objects are older than
    ``older_than`` and its run id is not one of this process's live runners; pick
    ``older_than`` above the longest run (a run's ``run_timeout``).

    Args:
        api: a ``kubernetes.client.ApiClient``, or a LiveSource (its client is used).
        older_than: minimum age (from ``metadata.creationTimestamp``) of what is removed.
        dry_run: only list what would be removed (the default).

    Returns:
        ``pod/<ns>/<name>`` and ``namespace/<name>`` entries, sorted: removed, or that would be.

    Raises:
        ClusterAccessError: the API refused the list or a deletion, or could not be reached.
    """
    client = getattr(api, "api_client", api)
    http = _Http(client, request_timeout=(10.0, 60.0))
    now = datetime.now(UTC)
    with _LIVE_RUNS_LOCK:
        live = set(_LIVE_RUNS)
    selector = f"{MANAGED_BY_LABEL}={MANAGED_BY},{RUN_ID_LABEL}"

    def dead(obj: dict[str, Any]) -> bool:
        meta = obj.get("metadata") or {}
        labels = meta.get("labels") or {}
        if labels.get(MANAGED_BY_LABEL) != MANAGED_BY or OC_DEBUG_LABEL in labels:
            return False
        run = labels.get(RUN_ID_LABEL)
        if not run or run in live:
            return False
        created = parse_time(meta.get("creationTimestamp")) or parse_time(
            (meta.get("annotations") or {}).get(CREATED_AT_ANNOTATION)
        )
        return created is not None and now - created >= older_than

    try:
        pods = [p for p in _list_all(http, "/api/v1/pods", selector) if dead(p)]
        namespaces = [
            n
            for n in _list_all(http, "/api/v1/namespaces", selector)
            if dead(n) and str(n["metadata"].get("name", "")).startswith(TEMP_NAMESPACE_PREFIX)
        ]
        found: list[tuple[str, str]] = [
            (
                f"/api/v1/namespaces/{quote(p['metadata']['namespace'])}/pods/{quote(p['metadata']['name'])}",
                f"pod/{p['metadata']['namespace']}/{p['metadata']['name']}",
            )
            for p in pods
        ]
        found += [
            (
                f"/api/v1/namespaces/{quote(n['metadata']['name'])}",
                f"namespace/{n['metadata']['name']}",
            )
            for n in namespaces
        ]
        if not dry_run:
            for path, label in found:
                _delete(http, path)
                log.info("sweep removed %s", label)
    except _HttpError as err:
        raise ClusterAccessError(
            f"sweep of debug pods: {err.status} {err.message}; it needs RBAC `list`/`delete` "
            "on pods and namespaces (cluster-admin)",
            status=err.status,
        ) from None
    return sorted(label for _, label in found)


# -------------------------------------------------------------------------------- helpers


def _list_all(http: _Http, path: str, selector: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    token = ""
    while True:
        query = [("labelSelector", selector), ("limit", "500")]
        if token:
            query.append(("continue", token))
        body = http.call("GET", path, query=query)
        items.extend(
            i for i in body.get("items") or [] if isinstance(i, dict) and i.get("metadata")
        )
        token = str((body.get("metadata") or {}).get("continue") or "")
        if not token:
            return items


def _delete(http: _Http, path: str) -> bool:
    """Delete with grace period 0; ``False`` when it was already gone."""
    body = {"kind": "DeleteOptions", "apiVersion": "v1", "gracePeriodSeconds": 0}
    try:
        http.call("DELETE", path, query=[("gracePeriodSeconds", "0")], body=body)
    except _HttpError as err:
        if err.status == 404:
            return False
        raise
    return True


def _failed(
    node: str,
    argv: tuple[str, ...],
    origin: str,
    reason: str,
    *,
    stdout: str = "",
    stderr: str = "",
) -> NodeOutput:
    return NodeOutput(
        node=node,
        fact="",
        status="failed",
        stdout=stdout,
        stderr=stderr,
        origin=origin or "debug-pod",
        argv=argv,
        reason=reason,
    )


def _read_channel(ws: Any, channel: int) -> str:
    """What a WSClient buffered on one channel (without waiting for more)."""
    try:
        return str(ws.read_channel(channel, timeout=0))
    except (WebSocketException, OSError) as err:
        log.debug("reading channel %d after the connection ended: %s", channel, err)
        return ""


def _pod_state(pod: dict[str, Any]) -> tuple[str, str]:
    """``("running"|"failed"|"pending", detail)`` of a pod object."""
    status = pod.get("status") or {}
    phase = status.get("phase") or "Pending"
    if phase in ("Failed", "Succeeded"):
        return "failed", f"{phase}: {status.get('reason') or ''}: {status.get('message') or ''}"
    containers = status.get("containerStatuses") or []
    mine = next((c for c in containers if c.get("name") == CONTAINER_NAME), None)
    state = (mine or {}).get("state") or {}
    if phase == "Running" and (mine is None or "running" in state):
        return "running", ""
    waiting = state.get("waiting") or {}
    reason = str(waiting.get("reason") or "")
    message = str(waiting.get("message") or "")
    if reason in _PULL_FAILURES or reason in _START_FAILURES:
        return "failed", f"{reason}: {message}"
    if "terminated" in state:
        term = state["terminated"] or {}
        return "failed", f"Terminated: {term.get('reason') or ''}: {term.get('message') or ''}"
    return "pending", f"{reason}: {message}" if reason else phase


def _failure_diagnosis(pod: _Pod, obj: dict[str, Any], detail: str) -> str:
    what = f"debug pod {pod.namespace}/{pod.name} on node {pod.node}"
    status = obj.get("status") or {}
    reason = str(status.get("reason") or "")
    message = _one_line(status.get("message") or detail)
    if reason == "NodeAffinity":
        return (
            f"{what} was rejected: NodeAffinity ({message}); a project node selector excludes "
            f'the node: set annotation openshift.io/node-selector="" on namespace '
            f"{pod.namespace} (the temporary namespace has it), or leave namespace= unset"
        )
    if reason.startswith("OutOf"):
        return (
            f"{what} was rejected: {reason} ({message}); the node has no room for one more pod: "
            "free a slot on it (or raise its maxPods) and retry"
        )
    if any(detail.startswith(r) for r in _PULL_FAILURES):
        return (
            f"{what} cannot pull image {pod.image} ({_one_line(detail)}); mirror the image (a "
            "disconnected cluster needs the openshift/tools image stream or a mirror) or pass "
            "image= one the node can pull"
        )
    if any(detail.startswith(r) for r in _START_FAILURES):
        return f"{what} cannot start its container ({_one_line(detail)}); check `oc describe pod -n {pod.namespace} {pod.name}`"
    return f"{what} ended before it ran ({_one_line(detail)}); check `oc describe pod -n {pod.namespace} {pod.name}`"


def _create_diagnosis(err: _HttpError, *, namespace: str, name: str, temp: bool) -> str:
    message = _one_line(err.message)
    if err.status == 403 and "violates PodSecurity" in message:
        return (
            f"Pod Security admission refused debug pod {namespace}/{name}: {message}; label "
            f"namespace {namespace} pod-security.kubernetes.io/enforce=privileged"
            + (" (the runner's temporary namespace has it)" if not temp else "")
        )
    if err.status == 403 and "security context constraint" in message:
        return (
            f"SCC admission refused debug pod {namespace}/{name}: {message}; the user (or "
            f"service account default in {namespace}) lacks `use` of SCC privileged: run as "
            "cluster-admin or ask for `use` on securitycontextconstraints/privileged"
        )
    if err.status == 403:
        return (
            f"forbidden to create pods in {namespace} (403: {message}); ask for RBAC `create "
            "pods` and `create pods/exec`, or use a cluster-admin context"
        )
    if err.status == 401:
        return "401 Unauthorized creating the debug pod: token expired or invalid; run `oc login` again"
    if err.status == 404:
        return f"cannot create debug pod in {namespace} (404: {message}); check that the namespace exists"
    return f"cannot create debug pod {namespace}/{name} ({err.status}: {message}); check the API server and retry"


def _service_account_missing(message: str) -> bool:
    text = message.lower()
    return "service account" in text and "not found" in text


def _exit_status(text: str) -> tuple[int | None, str]:
    """Exit code from the exec's channel-3 Status, or ``None`` and what went wrong."""
    if not text.strip():
        return None, ""
    try:
        status = json.loads(text)
    except ValueError:
        try:
            status = yaml.safe_load(text)
        except yaml.YAMLError:
            return None, _one_line(text)
    if not isinstance(status, dict):
        return None, _one_line(text)
    if status.get("status") == "Success":
        return 0, ""
    for cause in (status.get("details") or {}).get("causes") or []:
        if cause.get("reason") == "ExitCode":
            try:
                return int(cause.get("message")), ""
            except (TypeError, ValueError):
                break
    return None, _one_line(status.get("message") or text)


def _handshake_error(err: ApiException) -> tuple[int, str]:
    """HTTP status and Status message of a refused exec websocket handshake."""
    text = str(err.reason or "")
    match = _HANDSHAKE_STATUS.search(text)
    status = int(match.group(1)) if match else int(err.status or 0)
    messages = _STATUS_MESSAGE.findall(text)
    if messages:
        try:
            return status, _one_line(json.loads(f'"{messages[-1]}"'))
        except ValueError:
            return status, _one_line(messages[-1])
    return status, _one_line(text.split(" -+-+- ")[0])


def _tag_reference(stream: dict[str, Any], tag: str) -> str | None:
    for entry in (stream.get("status") or {}).get("tags") or []:
        if entry.get("tag") == tag:
            items = entry.get("items") or []
            if items and items[0].get("dockerImageReference"):
                return str(items[0]["dockerImageReference"])
    return None


def _status_message(status: int, data: bytes) -> str:
    text = data.decode("utf-8", errors="replace").strip()
    try:
        body = json.loads(text) if text else None
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("message"):
        return _one_line(body["message"])
    return _one_line(text) or f"HTTP {status}"


def _retry_delay(retry_after: str | None, attempt: int) -> float:
    if retry_after:
        try:
            return min(max(float(retry_after), 0.0), 10.0)
        except ValueError:
            log.debug("ignoring non-numeric Retry-After %r", retry_after)
    return 0.2 * attempt


def _one_line(value: object) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= 400 else text[:397] + "..."
