"""node_access.debug_start - wait for a debug pod to run, and say why it did not.

After the runner (:mod:`~rhcos_helpers.node_access.debug_pod`) has created a pod,
:func:`_wait_running` reads it and then watches it (``?watch=true`` on its name, polling when the
watch ends early) until its container runs, it fails, it disappears, or the start timeout ends.
Every way a pod fails to start raises :class:`_StartFailure` whose reason names the cause and the
next step: admission refusals at creation (Pod Security, SCC, RBAC: :func:`_create_diagnosis`),
kubelet rejections (a project node selector, a node out of room), image pull and container start
errors (:func:`_failure_diagnosis`), and a node that went NotReady while waiting.
``_StartFailure.scope`` says whether the other nodes of the run would fail the same way.
"""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import quote

import urllib3

from rhcos_helpers.errors import ClusterAccessError
from rhcos_helpers.node_access._kube_http import _Http, _HttpError, _one_line
from rhcos_helpers.node_access.debug_manifests import CONTAINER_NAME, _Pod
from rhcos_helpers.node_access.fanout import skip_reason

log = logging.getLogger(__name__)

_PULL_FAILURES = frozenset({"ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull"})
_START_FAILURES = frozenset(
    {"CreateContainerConfigError", "CreateContainerError", "RunContainerError"}
)


class _StartFailure(Exception):
    """A debug pod could not be started; ``scope`` says whether other nodes would fail too."""

    def __init__(self, reason: str, *, scope: str = "node") -> None:
        super().__init__(reason)
        self.reason = reason
        self.scope = scope


def _wait_running(http: _Http, pod: _Pod, *, start_timeout: float) -> None:
    """Return once the pod runs; raise :class:`_StartFailure` with the diagnosis if not."""
    deadline = time.monotonic() + start_timeout
    path = f"/api/v1/namespaces/{quote(pod.namespace)}/pods"
    last = "Pending"
    pulling_error = ""
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _StartFailure(
                _timeout_diagnosis(http, pod, last, pulling_error, start_timeout=start_timeout)
            )
        try:
            obj = http.call("GET", f"{path}/{quote(pod.name)}")
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
            for event in http.watch(
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


def _timeout_diagnosis(
    http: _Http, pod: _Pod, last: str, pulling_error: str, *, start_timeout: float
) -> str:
    what = f"debug pod {pod.namespace}/{pod.name} on node {pod.node}"
    wait = f"{start_timeout:g} s"
    if pulling_error:
        return (
            f"{what} not running after {wait}: cannot pull image {pod.image} ({pulling_error}); "
            "mirror the image or pass image= one the node can pull"
        )
    try:
        node_obj = http.call("GET", f"/api/v1/nodes/{quote(pod.node, safe='')}")
        skip = skip_reason(node_obj)
    except (_HttpError, ClusterAccessError):
        skip = None
    if skip is not None:
        return f"{what} not running after {wait}: {skip}"
    return (
        f"{what} not running after {wait} (last state: {last}); check "
        f"`oc describe pod -n {pod.namespace} {pod.name}` and the node's events"
    )


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
