"""node_access.debug_pod - host commands through a privileged pod, as ``oc debug node/X``.

:class:`DebugPodRunner` implements :class:`~rhcos_helpers.sources.live_nodes.NodeRunner`: the
first command for a node creates one privileged pod on it (the pod ``oc debug node/X`` creates,
``shared/domain-facts.md`` §1.1, with this tool's labels, a finite command and
``activeDeadlineSeconds``: :mod:`~rhcos_helpers.node_access.debug_manifests`), waits until it
runs (:mod:`~rhcos_helpers.node_access.debug_start`), and every command of the run for that node
is an ``exec`` of ``["chroot", "/host", *argv]`` in it: an argv list, never ``sh -c``. Stdout,
stderr and the exit code (from the channel-3 status of the exec websocket) come back apart
(:mod:`~rhcos_helpers.node_access.debug_exec`).

Pods go into a temporary namespace per run (``generateName: openshift-debug-``, privileged Pod
Security labels, label sync off, ``openshift.io/node-selector: ""``, as ``oc debug`` 4.12+ makes
it), or into a namespace given by the caller. The image is the ``image`` parameter, else the
``openshift/tools:latest`` image stream tag (a payload image, mirrored in disconnected
clusters), else ``registry.redhat.io/rhel9/support-tools`` (4.16+) or ``rhel8`` (4.6-4.15).

Every path removes what the run created: :meth:`DebugPodRunner.close` (context manager, also
called by :meth:`LiveSource.close <rhcos_helpers.sources.live.LiveSource.close>`), an
``atexit`` hook, and a ``KeyboardInterrupt`` (a Jupyter kernel interrupt) raised inside a
command. Pods are deleted with grace period 0, then the temporary namespace.
:func:`~rhcos_helpers.node_access.debug_sweep.sweep` removes what dead runs left behind (by
label, run id and age), never ``oc debug``'s pods nor a live run's.

A node that cannot get a pod (Windows, NotReady, rejected) gives a ``failed``
:class:`~rhcos_helpers.sources.base.NodeOutput` whose reason names the cause and the next step;
the runner never raises for a node.
"""

from __future__ import annotations

import atexit
import logging
import math
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from kubernetes import client as k8s_client

from rhcos_helpers.errors import ClusterAccessError
from rhcos_helpers.node_access._kube_http import _delete, _Http, _HttpError
from rhcos_helpers.node_access.debug_exec import _exec, _failed
from rhcos_helpers.node_access.debug_manifests import (
    DEFAULT_IMAGE_STREAM,
    _Pod,
    _random_suffix,
    _tag_reference,
    debug_pod_manifest,
    fallback_image,
    make_simple_name,
    temp_namespace_manifest,
)
from rhcos_helpers.node_access.debug_start import (
    _create_diagnosis,
    _service_account_missing,
    _StartFailure,
    _wait_running,
)
from rhcos_helpers.node_access.debug_sweep import _LIVE_RUNS, _LIVE_RUNS_LOCK
from rhcos_helpers.node_access.fanout import skip_reason
from rhcos_helpers.sources.base import NodeOutput, version_of

__all__ = ["DebugPodRunner"]

log = logging.getLogger(__name__)

_SA_RETRY_SECONDS = 15.0


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
            return _exec(self._exec_api(), pod, argv, timeout, forget=self._forget)
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
                _wait_running(self._http, pod, start_timeout=self._start_timeout)
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
