"""sources.live - a running cluster, read through the official ``kubernetes`` client.

One :class:`LiveSource` holds one ``ApiClient`` (its own ``Configuration``; the process-global
default is never touched and the kubeconfig is never written back). Constructing a source loads
the kubeconfig or the service-account files and nothing else: the first request goes out on the
first ``list``/``get``/``node_output``/``identity`` call.

Objects are read as raw JSON (``ApiClient.param_serialize`` + ``ApiClient.call_api`` +
``json.loads``; no model deserialisation, which is slow on big lists and strict about fields), in
pages of :data:`PAGE_SIZE` with the server's ``continue`` token. Items come back as plain dicts
with ``apiVersion`` and ``kind`` filled in from the List (the API leaves them off items).

Proxies: client 37.x reads ``HTTPS_PROXY``/``HTTP_PROXY``/``NO_PROXY`` into every new
``Configuration`` (``urllib.request.getproxies``) and its kubeconfig loader copies a cluster's
``proxy-url``; the proxy in effect is logged at DEBUG when the source is built.

Node-level facts: only the API-only ones are read here (``kubelet_stats_summary`` from the
kubelet Summary API and ``journal_unit`` from the node-logs API, both through the API server's
node proxy). Facts that need a command on the host return a ``missing`` :class:`NodeOutput`
unless a :class:`NodeRunner` is plugged in: ``node_access="debug-pod"`` (a privileged pod per
node, :mod:`rhcos_helpers.node_access.debug_pod`), ``"ssh"``
(:mod:`rhcos_helpers.node_access.ssh`) or any ``node_runner``. The default is ``"none"``.
The source owns its runner: :meth:`LiveSource.close` closes it (debug pods removed).
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable
from urllib.parse import quote, urlencode

import urllib3
from kubernetes import client as k8s_client
from kubernetes import config as k8s_config
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException

from rhcos_helpers.catalogue import fact as catalogue_fact
from rhcos_helpers.catalogue import render_argv
from rhcos_helpers.errors import ClusterAccessError, NotApplicable, SourceError, UsageError
from rhcos_helpers.kinds import Kind, kind
from rhcos_helpers.sources.base import NodeOutput, Source, SourceIdentity, version_of

__all__ = [
    "NODE_ACCESS",
    "NODE_ACCESS_REASON",
    "PAGE_SIZE",
    "LiveSource",
    "NodeAccess",
    "NodeRunner",
]

log = logging.getLogger(__name__)

#: Objects per list page (``limit``); the server hands back a ``continue`` token for the rest.
PAGE_SIZE = 500

#: Reason of the ``missing`` result for facts that need a command on the host.
NODE_ACCESS_REASON = (
    "node command access (debug pod / SSH) is not enabled in this version; "
    "API-only data is shown instead"
)

# The client's config helpers carry no annotations; typed handles keep mypy --strict useful.
_list_kube_config_contexts: Callable[..., tuple[Any, Any]] = k8s_config.list_kube_config_contexts
_new_client_from_config: Callable[..., Any] = k8s_config.new_client_from_config
_load_incluster_config: Callable[..., None] = k8s_config.load_incluster_config

_Query = list[tuple[str, str]]

#: How host commands reach a node: not at all, a debug pod per node, or SSH as ``core``.
NodeAccess = Literal["none", "debug-pod", "ssh"]
NODE_ACCESS: tuple[str, ...] = ("none", "debug-pod", "ssh")

_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_MAX_RETRY_AFTER = 10.0
_GZIP_MAGIC = b"\x1f\x8b"


@runtime_checkable
class NodeRunner(Protocol):
    """Runs one argv on a node's host (``chroot /host`` in a debug pod, or ``ssh core@node``).

    A runner never raises for a node it cannot reach: it returns a ``failed`` NodeOutput whose
    ``reason`` says why. :class:`LiveSource` fills ``fact`` in after the call.
    """

    def run(self, node: str, argv: tuple[str, ...], *, timeout: float) -> NodeOutput:
        """Run ``argv`` on ``node`` and return its output, exit code and origin."""
        ...


class LiveSource(Source):
    """A live cluster read through the Kubernetes API.

    Build one with :meth:`from_kubeconfig` or :meth:`in_cluster`; the constructor takes a ready
    ``kubernetes.client.ApiClient`` (tests and callers with their own configuration).

    Args:
        api_client: the client this source owns (closed by :meth:`close`).
        spec: the ``--source`` value as given.
        context: the kubeconfig context in use (``None`` in-cluster).
        node_runner: runs host commands for node facts; ``None`` means API-only facts.
        connect_timeout: seconds to wait for a TCP/TLS connection.
        read_timeout: seconds to wait for a response (per read).
        node_timeout: seconds a node command may take (passed to ``node_runner``).
        retries: extra attempts after a 429 or 5xx answer (``Retry-After`` honoured, capped at
            10 s). Connection errors are retried by urllib3 itself.
        page_size: ``limit`` of each list request.
    """

    def __init__(
        self,
        api_client: Any,
        *,
        spec: str,
        context: str | None,
        node_runner: NodeRunner | None = None,
        connect_timeout: float = 10.0,
        read_timeout: float = 60.0,
        node_timeout: float = 120.0,
        retries: int = 2,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self._api = api_client
        self._spec = spec
        self._context = context
        self._node_runner = node_runner
        self._timeout = (connect_timeout, read_timeout)
        self._node_timeout = node_timeout
        self._retries = retries
        self._page_size = page_size
        self._identity: SourceIdentity | None = None
        self._identity_lock = threading.Lock()
        self._closed = False
        cfg = api_client.configuration
        log.debug(
            "live source %s: host=%s proxy=%s no_proxy=%s",
            spec,
            cfg.host,
            cfg.proxy,
            cfg.no_proxy,
        )

    # ----------------------------------------------------------------------------- construction

    @classmethod
    def from_kubeconfig(
        cls,
        *,
        context: str | None,
        spec: str,
        config_file: str | None = None,
        node_runner: NodeRunner | None = None,
        node_access: NodeAccess = "none",
        node_access_options: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> LiveSource:
        """Open a kubeconfig context (the current one when ``context`` is ``None``).

        ``config_file`` defaults to ``$KUBECONFIG`` (a list separated by ``os.pathsep`` is
        merged, as ``oc`` does) or ``~/.kube/config``. Nothing is sent to the cluster.

        Args:
            context: context name, or ``None`` for the kubeconfig's current context.
            spec: the ``--source`` value as given.
            config_file: kubeconfig path(s) to use instead of the default.
            node_runner: see :class:`LiveSource`.
            node_access: ``"none"`` (API-only node facts), ``"debug-pod"`` or ``"ssh"``; builds
                the ``node_runner`` (not both).
            node_access_options: keyword options of that runner (e.g. ``image``,
                ``namespace`` for the debug pod; ``user``, ``jump_host`` for SSH).
            **options: further keyword options of :class:`LiveSource`.

        Raises:
            SourceError: no kubeconfig, a context it does not have, or a kubeconfig the client
                cannot load.
            UsageError: an unknown ``node_access``, or both it and ``node_runner``.
        """
        _check_node_access(node_access, node_runner)
        path_spec, origin = _kubeconfig_location(config_file)
        existing = [p for p in path_spec.split(os.pathsep) if p and Path(p).expanduser().exists()]
        if not existing:
            raise SourceError(
                f"no kubeconfig at {path_spec} ({origin}); run `oc login` or set KUBECONFIG, "
                "or use --source in-cluster or a capture"
            )
        try:
            contexts, current = _list_kube_config_contexts(config_file=path_spec)
        except (ConfigException, OSError, ValueError) as err:
            raise SourceError(
                f"kubeconfig {path_spec} cannot be read: {_one_line(err)}; "
                "fix the file or run `oc login` again"
            ) from None
        names = [str(c.get("name")) for c in contexts or []]
        if context is not None and context not in names:
            raise SourceError(
                f"kube context {context!r} not in {path_spec}; "
                f"contexts: {', '.join(names) or '(none)'}"
            )
        if context is None and not current:
            raise SourceError(
                f"kubeconfig {path_spec} has no current-context; use --source kube:CONTEXT with "
                f"one of: {', '.join(names) or '(none)'}"
            )
        chosen = context if context is not None else str(current.get("name"))
        try:
            api_client = _new_client_from_config(
                config_file=path_spec, context=chosen, persist_config=False
            )
        except (ConfigException, OSError, ValueError) as err:
            raise SourceError(
                f"kube context {chosen!r} in {path_spec} cannot be used: {_one_line(err)}; "
                "fix the context or run `oc login` again"
            ) from None
        source = cls(api_client, spec=spec, context=chosen, node_runner=node_runner, **options)
        return source._attach_node_access(node_access, node_access_options)

    @classmethod
    def in_cluster(
        cls,
        *,
        spec: str,
        node_runner: NodeRunner | None = None,
        node_access: NodeAccess = "none",
        node_access_options: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> LiveSource:
        """Use the pod's service account (token and CA under ``/var/run/secrets``).

        Args:
            spec: the ``--source`` value as given.
            node_runner: see :class:`LiveSource`.
            node_access: see :meth:`from_kubeconfig`.
            node_access_options: see :meth:`from_kubeconfig`.
            **options: further keyword options of :class:`LiveSource`.

        Raises:
            SourceError: not running in a pod (no service host or token), naming what is missing.
            UsageError: an unknown ``node_access``, or both it and ``node_runner``.
        """
        _check_node_access(node_access, node_runner)
        configuration = k8s_client.Configuration()
        try:
            _load_incluster_config(client_configuration=configuration)
        except ConfigException as err:
            raise SourceError(
                f"in-cluster config cannot be loaded: {_one_line(err)}; run inside a pod with a "
                "service account, or use --source kube"
            ) from None
        api_client = k8s_client.ApiClient(configuration=configuration)
        source = cls(api_client, spec=spec, context=None, node_runner=node_runner, **options)
        return source._attach_node_access(node_access, node_access_options)

    def _attach_node_access(
        self, node_access: NodeAccess, options: Mapping[str, Any] | None
    ) -> LiveSource:
        """Build the runner ``node_access`` names (nothing is sent to the cluster yet)."""
        opts = dict(options or {})
        try:
            if node_access == "debug-pod":
                from rhcos_helpers.node_access.debug_pod import DebugPodRunner

                opts.setdefault("request_timeout", self._timeout)
                self._node_runner = DebugPodRunner(self._api.configuration, **opts)
            elif node_access == "ssh":
                from rhcos_helpers.node_access.ssh import SshRunner

                opts.setdefault("node_lookup", lambda name: self.get("nodes", name))
                self._node_runner = SshRunner(**opts)
        except TypeError as err:
            self.close()
            raise UsageError(
                f"node_access_options for {node_access!r}: {err}; see the runner's parameters"
            ) from None
        except BaseException:
            self.close()
            raise
        return self

    @property
    def api_client(self) -> Any:
        """The ``kubernetes.client.ApiClient`` this source owns (e.g. for ``sweep``)."""
        return self._api

    @property
    def node_runner(self) -> NodeRunner | None:
        """The runner of host commands, or ``None`` (API-only node facts)."""
        return self._node_runner

    # --------------------------------------------------------------------------------- identity

    @property
    def api_url(self) -> str:
        """The API server URL from the configuration."""
        return str(self._api.configuration.host)

    @property
    def identity(self) -> SourceIdentity:
        """Kind ``live``; cluster id and version are read once from ClusterVersion ``version``.

        A ClusterVersion that cannot be read leaves both ``None`` and adds a note saying why;
        the error itself shows on the first list or get.
        """
        with self._identity_lock:
            if self._identity is None:
                self._identity = self._load_identity()
            return self._identity

    def _load_identity(self) -> SourceIdentity:
        notes: tuple[str, ...] = ()
        cluster_id = cluster_version = None
        try:
            cv = self.get("clusterversions", "version")
        except (ClusterAccessError, NotApplicable) as err:
            log.debug("ClusterVersion not readable: %s", err)
            cv = None
            notes = (f"cluster version unknown: {err}",)
        if cv is not None:
            cluster_id = cv.get("spec", {}).get("clusterID")
            cluster_version = version_of(cv)
        elif not notes:
            notes = ("cluster version unknown: no ClusterVersion 'version' (not OpenShift?)",)
        return SourceIdentity(
            kind="live",
            spec=self._spec,
            cluster_id=cluster_id,
            cluster_version=cluster_version,
            api_url=self.api_url,
            context=self._context,
            captured_at=None,
            notes=notes,
        )

    # ----------------------------------------------------------------------------- list and get

    def list(
        self,
        resource: str,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
    ) -> list[dict[str, Any]]:
        """Objects of one resource, all pages, as plain dicts (see :meth:`Source.list`).

        Raises:
            NotApplicable: the server does not serve the resource (404 on the collection).
            ClusterAccessError: unreachable, 401, 403, or another error status.
        """
        k = kind(resource)
        path = k.api_path(namespace=namespace)
        items: list[dict[str, Any]] = []
        token: str | None = None
        restarted = False
        while True:
            query: _Query = [("limit", str(self._page_size))]
            if label_selector:
                query.append(("labelSelector", label_selector))
            if token:
                query.append(("continue", token))
            try:
                body = self._get_json(path, query, verb="list", kind_=k, namespace=namespace)
            except _HttpStatus as err:
                if err.status == 410 and token and not restarted:
                    # The continue token expired: start again from a fresh list, once.
                    log.warning("list %s: continue token expired, listing again", path)
                    items, token, restarted = [], None, True
                    continue
                if err.status == 404:
                    raise NotApplicable(
                        f"the API server does not serve {_resource_name(k)} (404 on {path}); "
                        "this cluster has no such resource (e.g. a hosted-control-plane guest "
                        "has no MachineConfigs)"
                    ) from None
                raise self._access_error(err, verb="list", kind_=k, namespace=namespace) from None
            items.extend(_typed_items(body, k))
            token = (body.get("metadata") or {}).get("continue") or None
            if not token:
                return items

    def get(
        self, resource: str, name: str, *, namespace: str | None = None
    ) -> dict[str, Any] | None:
        """One object as a plain dict, or ``None`` on 404.

        Raises:
            ClusterAccessError: unreachable, 401, 403, or another error status.
        """
        k = kind(resource)
        path = k.api_path(namespace=namespace, name=quote(name, safe=""))
        try:
            obj = self._get_json(path, [], verb="get", kind_=k, namespace=namespace)
        except _HttpStatus as err:
            if err.status == 404:
                return None
            raise self._access_error(
                err, verb="get", kind_=k, namespace=namespace, name=name
            ) from None
        obj.setdefault("apiVersion", k.api_version)
        obj.setdefault("kind", k.kind)
        return obj

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST a JSON object to ``path`` and return the JSON answer (429/5xx retried).

        For side-effect-free requests only: access reviews (``SelfSubjectAccessReview``,
        ``SelfSubjectRulesReview``, ``SelfSubjectReview``) and ``dryRun=All`` checks.

        Raises:
            ClusterAccessError: unreachable, or a non-2xx answer (the status is kept, e.g. 404
                for an API the server does not serve).
        """
        status, data, _ = self._request(
            path, [], accept="application/json", method="POST", body=body
        )
        if not 200 <= status <= 299:
            err = _HttpStatus(status, data)
            hint = (
                "run `oc login` again"
                if status == 401
                else "check the API server version and your RBAC"
            )
            raise ClusterAccessError(f"POST {path}: {status} {err.message}; {hint}", status=status)
        try:
            answer = json.loads(data)
        except ValueError as err_:
            raise ClusterAccessError(
                f"POST {path}: answer is not JSON ({err_}); check the kubeconfig's server URL",
                status=status,
            ) from None
        if not isinstance(answer, dict):
            raise ClusterAccessError(
                f"POST {path}: answer is not a JSON object; check the kubeconfig's server URL",
                status=status,
            )
        return answer

    def patch(self, path: str, body: dict[str, Any], *, dry_run: bool) -> dict[str, Any]:
        """JSON merge patch (``application/merge-patch+json``) of the object at ``path``.

        With ``dry_run`` the server validates and admits the change and answers with the object
        as it would be (``dryRun=All``), storing nothing. Only idempotent patches (setting a
        field to a value) may come here: 429/5xx answers are retried.

        Raises:
            ClusterAccessError: unreachable, or a non-2xx answer (the status is kept).
        """
        query = [("dryRun", "All")] if dry_run else []
        status, data, _ = self._request(
            path,
            query,
            accept="application/json",
            method="PATCH",
            body=body,
            content_type="application/merge-patch+json",
        )
        if not 200 <= status <= 299:
            err = _HttpStatus(status, data)
            hint = (
                "run `oc login` again"
                if status == 401
                else "check your RBAC (patch on this resource) and the object's name"
            )
            raise ClusterAccessError(f"PATCH {path}: {status} {err.message}; {hint}", status=status)
        try:
            answer = json.loads(data)
        except ValueError as err_:
            raise ClusterAccessError(
                f"PATCH {path}: answer is not JSON ({err_}); check the kubeconfig's server URL",
                status=status,
            ) from None
        if not isinstance(answer, dict):
            raise ClusterAccessError(
                f"PATCH {path}: answer is not a JSON object; check the kubeconfig's server URL",
                status=status,
            )
        return answer

    # ------------------------------------------------------------------------------- node facts

    def node_output(self, node: str, fact: str, **params: str) -> NodeOutput:
        """One node-level fact (see :mod:`rhcos_helpers.catalogue`); never raises for the node.

        ``kubelet_stats_summary`` comes from the kubelet Summary API. ``journal_unit`` comes from
        a plugged-in :class:`NodeRunner` when there is one (JSON, as the catalogue's argv prints
        it), else from the node-logs API (text, ``short-precise``). Other facts need a runner
        and are ``missing`` without one.

        Raises:
            UsageError: an unknown fact or a bad parameter (a caller error, not a node one).
        """
        f = catalogue_fact(fact)
        argv = render_argv(f, **params) if f.argv else ()
        if self._node_runner is not None and argv:
            out = self._node_runner.run(node, argv, timeout=self._node_timeout)
            return _with_fact(out, fact, f.format)
        if fact == "kubelet_stats_summary":
            return self._node_proxy(node, fact, "stats/summary", [], fmt="json")
        if fact == "journal_unit":
            # the kubelet refuses unit names with a dot (characters outside [a-zA-Z0-9_@-])
            unit = params["unit"].removesuffix(".service")
            # as oc adm node-logs sends them: until, since, then each unit as both `unit`
            # (OpenShift's kubelet) and `query` (upstream's); since/until are `[+-]N[smhd]` or
            # `YYYY-MM-DD HH:MM:SS` (openshift/kubernetes kubelet_server_journal.go)
            query = [(k, params[k]) for k in ("until", "since") if params.get(k)]
            query += [("unit", unit), ("query", unit)]
            return self._node_proxy(node, fact, "logs/journal", query, fmt="text")
        return NodeOutput(
            node=node, fact=fact, status="missing", format=f.format, reason=NODE_ACCESS_REASON
        )

    def _node_proxy(self, node: str, fact: str, sub: str, query: _Query, *, fmt: str) -> NodeOutput:
        path = f"/api/v1/nodes/{quote(node, safe='')}/proxy/{sub}"
        origin = "api:" + path + (f"?{urlencode(query)}" if query else "")
        accept = "application/json" if fmt == "json" else "text/plain, */*"
        try:
            status, data, _ = self._request(path, query, accept=accept)
            if not 200 <= status <= 299:
                raise _HttpStatus(status, data)
        except _HttpStatus as err:
            if err.status == 404:
                reason = (
                    f"GET {path}: 404 {err.message}; check that node {node!r} exists "
                    "(`oc get node`) and that its kubelet serves this endpoint"
                )
            else:
                reason = str(self._access_error(err, verb="get", proxy_node=node))
            return NodeOutput(
                node=node, fact=fact, status="failed", format=fmt, origin=origin, reason=reason
            )
        except ClusterAccessError as err:
            return NodeOutput(
                node=node, fact=fact, status="failed", format=fmt, origin=origin, reason=str(err)
            )
        if data[:2] == _GZIP_MAGIC:  # node logs may be stored gzipped (oc sniffs the same way)
            data = gzip.decompress(data)
        text = data.decode("utf-8", errors="replace")
        if fmt == "json":
            try:
                json.loads(text)
            except ValueError as err:
                return NodeOutput(
                    node=node,
                    fact=fact,
                    status="failed",
                    stdout=text,
                    format=fmt,
                    origin=origin,
                    reason=f"GET {path}: answer is not JSON ({err}); check the API server "
                    "and kubelet versions",
                )
        return NodeOutput(node=node, fact=fact, status="ok", stdout=text, format=fmt, origin=origin)

    # ----------------------------------------------------------------------------------- close

    def __enter__(self) -> LiveSource:
        return self

    def close(self) -> None:
        """Close the node runner (debug pods removed), then the ApiClient; safe to call twice."""
        if not self._closed:
            self._closed = True
            close_runner = getattr(self._node_runner, "close", None)
            try:
                if callable(close_runner):
                    close_runner()
            finally:
                self._api.close()

    # ---------------------------------------------------------------------------------- HTTP

    def _get_json(
        self,
        path: str,
        query: _Query,
        *,
        verb: str,
        kind_: Kind,
        namespace: str | None,
    ) -> dict[str, Any]:
        status, data, _ = self._request(path, query, accept="application/json")
        if not 200 <= status <= 299:
            raise _HttpStatus(status, data)
        try:
            body = json.loads(data)
        except ValueError as err:
            raise ClusterAccessError(
                f"GET {path}: answer is not JSON ({err}); is {self.api_url} a Kubernetes API "
                "server? check the kubeconfig's server URL",
                status=status,
            ) from None
        if not isinstance(body, dict):
            raise ClusterAccessError(
                f"GET {path}: answer is not a JSON object; check the kubeconfig's server URL",
                status=status,
            )
        return body

    def _request(
        self,
        path: str,
        query: Sequence[tuple[str, str]],
        *,
        accept: str,
        method: str = "GET",
        body: dict[str, Any] | None = None,
        content_type: str = "application/json",
    ) -> tuple[int, bytes, Mapping[str, str]]:
        """GET (or ``method``) ``path``; returns (status, body bytes, headers). Retries 429/5xx.

        Only side-effect-free requests come here (reads, access reviews), so retrying is safe.

        Raises:
            ClusterAccessError: the server could not be reached or the TLS handshake failed.
        """
        attempt = 0
        while True:
            started = time.monotonic()
            header_params = {"Accept": accept}
            if body is not None:
                header_params["Content-Type"] = content_type
            verb, url, headers, sent, _post = self._api.param_serialize(
                method,
                path,
                query_params=list(query),
                header_params=header_params,
                body=body,
                auth_settings=["BearerToken"],
            )
            try:
                resp = self._api.call_api(
                    verb, url, header_params=headers, body=sent, _request_timeout=self._timeout
                )
                data = resp.read()
            except ApiException as err:  # raised by the client for TLS errors (status 0)
                raise ClusterAccessError(
                    f"TLS to {self.api_url} failed: {_one_line(err.reason)}; check the "
                    "kubeconfig's certificate-authority (or the proxy) and run `oc login` again"
                ) from None
            except urllib3.exceptions.HTTPError as err:
                raise ClusterAccessError(
                    f"cannot reach {self.api_url}: {_transport_reason(err)}; check the URL, "
                    "VPN/proxy (HTTPS_PROXY) or `oc login`"
                ) from None
            status = int(resp.status)
            log.debug(
                "%s %s -> %s (%d bytes, %.3f s)",
                method,
                url,
                status,
                len(data or b""),
                time.monotonic() - started,
            )
            if status in _RETRY_STATUSES and attempt < self._retries:
                attempt += 1
                delay = _retry_delay(resp.headers.get("Retry-After"), attempt)
                log.warning(
                    "%s %s answered %s; retry %d/%d in %.1f s",
                    method,
                    path,
                    status,
                    attempt,
                    self._retries,
                    delay,
                )
                time.sleep(delay)
                continue
            return status, bytes(data or b""), resp.headers

    def _access_error(
        self,
        err: _HttpStatus,
        *,
        verb: str,
        kind_: Kind | None = None,
        namespace: str | None = None,
        name: str | None = None,
        proxy_node: str | None = None,
    ) -> ClusterAccessError:
        """Map an error status to a one-line :class:`ClusterAccessError` with the next step."""
        if proxy_node is not None:
            what, rbac = f"nodes/proxy of node {proxy_node!r}", "get nodes/proxy"
        else:
            assert kind_ is not None
            what = _resource_name(kind_)
            if name:
                what += f" {name!r}"
            if namespace:
                what += f" in namespace {namespace!r}"
            elif kind_.namespaced:
                what += " in all namespaces"
            rbac = f"get/list {kind_.plural}"
        if err.status == 401:
            return ClusterAccessError(
                f"{self.api_url}: 401 Unauthorized: token expired or invalid; run `oc login` again",
                status=401,
            )
        if err.status == 403:
            return ClusterAccessError(
                f"forbidden to {verb} {what} (403: {err.message}); ask for RBAC `{rbac}` "
                "or use a cluster-admin context",
                status=403,
            )
        if err.status == 429 or err.status >= 500:
            return ClusterAccessError(
                f"{verb} {what}: {err.status} {err.message} (after {self._retries} retries); "
                "the API server is overloaded or unhealthy, try again later",
                status=err.status,
            )
        return ClusterAccessError(
            f"{verb} {what}: {err.status} {err.message}; check the request and the API server "
            "version",
            status=err.status,
        )


class _HttpStatus(Exception):
    """A non-2xx answer, with the message from its Status body when it has one."""

    def __init__(self, status: int, data: bytes) -> None:
        self.status = status
        self.message = _status_message(status, data)
        super().__init__(f"{status} {self.message}")


def _status_message(status: int, data: bytes) -> str:
    """The ``message`` of a Kubernetes Status body, else the body's first line."""
    text = data.decode("utf-8", errors="replace").strip()
    try:
        body = json.loads(text) if text else None
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("message"):
        return _one_line(str(body["message"]))
    return _one_line(text) or f"HTTP {status}"


def _typed_items(body: dict[str, Any], k: Kind) -> list[dict[str, Any]]:
    """Items of a List with ``apiVersion``/``kind`` filled in (the API omits them on items)."""
    list_kind = str(body.get("kind") or "")
    item_kind = list_kind.removesuffix("List") if list_kind.endswith("List") else ""
    api_version = str(body.get("apiVersion") or k.api_version)
    items = body.get("items") or []
    for item in items:
        item.setdefault("apiVersion", api_version)
        item.setdefault("kind", item_kind or k.kind)
    return list(items)


def _resource_name(k: Kind) -> str:
    """``plural.group`` as the API server names a resource in its messages."""
    return f"{k.plural}.{k.group}" if k.group else k.plural


def _kubeconfig_location(config_file: str | None) -> tuple[str, str]:
    """The kubeconfig path(s) to load and where that choice came from."""
    if config_file:
        return config_file, "given"
    env = os.environ.get("KUBECONFIG")
    if env:
        return env, "from KUBECONFIG"
    return str(Path("~/.kube/config").expanduser()), "the default; KUBECONFIG is not set"


def _transport_reason(err: Exception) -> str:
    """A short reason for a connection-level failure from urllib3."""
    reason: object = err
    if isinstance(err, urllib3.exceptions.MaxRetryError) and err.reason is not None:
        reason = err.reason
    if isinstance(reason, urllib3.exceptions.ProxyError):
        return f"proxy failed ({_one_line(str(reason.original_error or reason))})"
    if isinstance(reason, urllib3.exceptions.NameResolutionError):
        return "host name does not resolve (DNS)"
    if isinstance(reason, urllib3.exceptions.NewConnectionError):
        text = str(reason).lower()
        if "refused" in text:
            return "connection refused"
        if "unreachable" in text:
            return "network unreachable"
        return _one_line(str(reason).split(": ", 1)[-1])
    if isinstance(reason, urllib3.exceptions.ConnectTimeoutError):
        return "connection timed out"
    if isinstance(reason, urllib3.exceptions.ReadTimeoutError):
        return "no answer in time (read timed out)"
    if isinstance(reason, urllib3.exceptions.SSLError):
        return f"TLS failed ({_one_line(str(reason))})"
    if isinstance(reason, urllib3.exceptions.ProtocolError):
        return "connection dropped by the server or a proxy"
    return _one_line(str(reason))


def _retry_delay(retry_after: str | None, attempt: int) -> float:
    """Seconds to wait before retry ``attempt``: ``Retry-After`` (capped) or 0.2 s, 0.4 s..."""
    if retry_after:
        try:
            return min(max(float(retry_after), 0.0), _MAX_RETRY_AFTER)
        except ValueError:
            log.debug("ignoring non-numeric Retry-After %r", retry_after)
    return 0.2 * attempt


def _one_line(value: object) -> str:
    """Collapse whitespace so a message stays on one line (cut at 300 characters)."""
    text = " ".join(str(value).split())
    return text if len(text) <= 300 else text[:297] + "..."


def _with_fact(out: NodeOutput, fact: str, fmt: str) -> NodeOutput:
    """``out`` with its ``fact`` and ``format`` set (runners only know the argv)."""
    if out.fact == fact and out.format == fmt:
        return out
    return dataclasses.replace(out, fact=fact, format=fmt)


def _check_node_access(node_access: str, node_runner: NodeRunner | None) -> None:
    """Refuse an unknown ``node_access`` or one given together with ``node_runner``."""
    if node_access not in NODE_ACCESS:
        raise UsageError(
            f"unknown node_access {node_access!r}; use one of: {', '.join(NODE_ACCESS)}"
        )
    if node_access != "none" and node_runner is not None:
        raise UsageError(
            f"node_access={node_access!r} and node_runner given together; pass only one"
        )
