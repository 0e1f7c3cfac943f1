"""sources.live - a running cluster, read through the official ``kubernetes`` client.

One :class:`LiveSource` holds one ``ApiClient`` (its own ``Configuration``; the process-global
default is never touched and the kubeconfig is never written back:
:mod:`~rhcos_helpers.sources.kubeconfig`). Constructing a source loads the kubeconfig or the
service-account files and nothing else: the first request goes out on the first
``list``/``get``/``node_output``/``identity`` call.

Objects are read as raw JSON (``ApiClient.param_serialize`` + ``ApiClient.call_api`` +
``json.loads``; no model deserialisation, which is slow on big lists and strict about fields:
:mod:`~rhcos_helpers.sources._live_http`), in pages of :data:`PAGE_SIZE` with the server's
``continue`` token. Items come back as plain dicts with ``apiVersion`` and ``kind`` filled in
from the List (the API leaves them off items).

Proxies: client 37.x reads ``HTTPS_PROXY``/``HTTP_PROXY``/``NO_PROXY`` into every new
``Configuration`` (``urllib.request.getproxies``) and its kubeconfig loader copies a cluster's
``proxy-url``; the proxy in effect is logged at DEBUG when the source is built.

Node-level facts: only the API-only ones are read here (``kubelet_stats_summary`` from the
kubelet Summary API and ``journal_unit`` from the node-logs API, both through the API server's
node proxy). Facts that need a command on the host return a ``missing`` :class:`NodeOutput`
unless a :class:`~rhcos_helpers.sources.live_nodes.NodeRunner` is plugged in:
``node_access="debug-pod"`` (a privileged pod per node,
:mod:`rhcos_helpers.node_access.debug_pod`), ``"ssh"`` (:mod:`rhcos_helpers.node_access.ssh`)
or any ``node_runner`` (:mod:`~rhcos_helpers.sources.live_nodes`). The default is ``"none"``.
The source owns its runner: :meth:`LiveSource.close` closes it (debug pods removed).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from rhcos_helpers.catalogue import fact as catalogue_fact
from rhcos_helpers.catalogue import render_argv
from rhcos_helpers.errors import ClusterAccessError, NotApplicable, UsageError
from rhcos_helpers.kinds import Kind, kind
from rhcos_helpers.sources._live_http import _HttpStatus, _LiveHttp, _Query, _resource_name
from rhcos_helpers.sources.base import NodeOutput, Source, SourceIdentity, version_of
from rhcos_helpers.sources.kubeconfig import client_from_kubeconfig, client_in_cluster
from rhcos_helpers.sources.live_nodes import (
    NODE_ACCESS_REASON,
    NodeAccess,
    NodeRunner,
    _check_node_access,
    _node_proxy,
    _with_fact,
)

__all__ = ["PAGE_SIZE", "LiveSource"]

log = logging.getLogger(__name__)

#: Objects per list page (``limit``); the server hands back a ``continue`` token for the rest.
PAGE_SIZE = 500


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
        self._page_size = page_size
        self._http = _LiveHttp(api_client, timeout=self._timeout, retries=retries)
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
        api_client, chosen = client_from_kubeconfig(context=context, config_file=config_file)
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
        api_client = client_in_cluster()
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
                body = self._http.get_json(path, query, verb="list", kind_=k, namespace=namespace)
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
                raise self._http.access_error(
                    err, verb="list", kind_=k, namespace=namespace
                ) from None
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
            obj = self._http.get_json(path, [], verb="get", kind_=k, namespace=namespace)
        except _HttpStatus as err:
            if err.status == 404:
                return None
            raise self._http.access_error(
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
        status, data, _ = self._http.request(
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
        status, data, _ = self._http.request(
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
        a plugged-in :class:`~rhcos_helpers.sources.live_nodes.NodeRunner` when there is one (JSON, as the catalogue's argv prints
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
            return _node_proxy(self._http, node, fact, "stats/summary", [], fmt="json")
        if fact == "journal_unit":
            # the kubelet refuses unit names with a dot (characters outside [a-zA-Z0-9_@-])
            unit = params["unit"].removesuffix(".service")
            # as oc adm node-logs sends them: until, since, then each unit as both `unit`
            # (OpenShift's kubelet) and `query` (upstream's); since/until are `[+-]N[smhd]` or
            # `YYYY-MM-DD HH:MM:SS` (openshift/kubernetes kubelet_server_journal.go)
            query = [(k, params[k]) for k in ("until", "since") if params.get(k)]
            query += [("unit", unit), ("query", unit)]
            return _node_proxy(self._http, node, fact, "logs/journal", query, fmt="text")
        return NodeOutput(
            node=node, fact=fact, status="missing", format=f.format, reason=NODE_ACCESS_REASON
        )

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
