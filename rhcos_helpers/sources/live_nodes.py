"""sources.live_nodes - node-level facts of a live cluster: a host-command runner, or the API.

Facts that need a command on the host (``os_release``, ``uname``, ...) go to a
:class:`NodeRunner`: how it reaches the node is :data:`NodeAccess` (``"debug-pod"``, a
privileged pod per node, :mod:`rhcos_helpers.node_access.debug_pod`; ``"ssh"``,
:mod:`rhcos_helpers.node_access.ssh`; or ``"none"``, when such facts are ``missing`` with
:data:`NODE_ACCESS_REASON`). Two facts need no runner: ``kubelet_stats_summary`` (the kubelet
Summary API) and ``journal_unit`` (the node-logs API), both read through the API server's node
proxy by :func:`_node_proxy` (``get nodes/proxy``; gzipped node logs are unpacked, as ``oc``
does). :meth:`LiveSource.node_output <rhcos_helpers.sources.live.LiveSource.node_output>` picks
the way for each fact.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
from typing import Literal, Protocol, runtime_checkable
from urllib.parse import quote, urlencode

from rhcos_helpers.errors import ClusterAccessError, UsageError
from rhcos_helpers.sources._live_http import _HttpStatus, _LiveHttp, _Query
from rhcos_helpers.sources.base import NodeOutput

__all__ = ["NODE_ACCESS", "NODE_ACCESS_REASON", "NodeAccess", "NodeRunner"]

#: Reason of the ``missing`` result for facts that need a command on the host.
NODE_ACCESS_REASON = (
    "node command access (debug pod / SSH) is not enabled in this version; "
    "API-only data is shown instead"
)

#: How host commands reach a node: not at all, a debug pod per node, or SSH as ``core``.
NodeAccess = Literal["none", "debug-pod", "ssh"]
NODE_ACCESS: tuple[str, ...] = ("none", "debug-pod", "ssh")

_GZIP_MAGIC = b"\x1f\x8b"


@runtime_checkable
class NodeRunner(Protocol):
    """Runs one argv on a node's host (``chroot /host`` in a debug pod, or ``ssh core@node``).

    A runner never raises for a node it cannot reach: it returns a ``failed`` NodeOutput whose
    ``reason`` says why. :class:`~rhcos_helpers.sources.live.LiveSource` fills ``fact`` in after
    the call.
    """

    def run(self, node: str, argv: tuple[str, ...], *, timeout: float) -> NodeOutput:
        """Run ``argv`` on ``node`` and return its output, exit code and origin."""
        ...


def _node_proxy(
    http: _LiveHttp, node: str, fact: str, sub: str, query: _Query, *, fmt: str
) -> NodeOutput:
    """GET ``/api/v1/nodes/<node>/proxy/<sub>`` (the kubelet); never raises for the node."""
    path = f"/api/v1/nodes/{quote(node, safe='')}/proxy/{sub}"
    origin = "api:" + path + (f"?{urlencode(query)}" if query else "")
    accept = "application/json" if fmt == "json" else "text/plain, */*"
    try:
        status, data, _ = http.request(path, query, accept=accept)
        if not 200 <= status <= 299:
            raise _HttpStatus(status, data)
    except _HttpStatus as err:
        if err.status == 404:
            reason = (
                f"GET {path}: 404 {err.message}; check that node {node!r} exists "
                "(`oc get node`) and that its kubelet serves this endpoint"
            )
        else:
            reason = str(http.access_error(err, verb="get", proxy_node=node))
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
