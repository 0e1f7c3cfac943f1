"""sources._live_http - the requests of a live source to the API server, and what errors mean.

:class:`_LiveHttp` sends every request of a :class:`~rhcos_helpers.sources.live.LiveSource`
through its ``ApiClient``: ``ApiClient.param_serialize`` + ``ApiClient.call_api`` and the raw
bytes back (no model deserialisation, which is slow on big lists and strict about fields). A 429
or 5xx answer is retried (``Retry-After`` honoured, capped at 10 s); only side-effect-free
requests come here. An unreachable server, a proxy or TLS failure becomes a
:class:`~rhcos_helpers.errors.ClusterAccessError` naming the cause
(:func:`_transport_reason`); a non-2xx answer is a :class:`_HttpStatus` with the ``message`` of
its Status body, which :meth:`_LiveHttp.access_error` maps to a one-line ``ClusterAccessError``
with the next step (``oc login``, the RBAC verb to ask for, try again later).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any

import urllib3
from kubernetes.client.exceptions import ApiException

from rhcos_helpers.errors import ClusterAccessError
from rhcos_helpers.kinds import Kind

log = logging.getLogger(__name__)

_Query = list[tuple[str, str]]

_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_MAX_RETRY_AFTER = 10.0


class _LiveHttp:
    """Requests through one ``ApiClient`` (owned by the source), with retries and error mapping.

    Args:
        api_client: the ``kubernetes.client.ApiClient`` requests go through.
        timeout: (connect, read) seconds of every request.
        retries: extra attempts after a 429 or 5xx answer.
    """

    def __init__(self, api_client: Any, *, timeout: tuple[float, float], retries: int) -> None:
        self._api = api_client
        self._timeout = timeout
        self._retries = retries

    @property
    def api_url(self) -> str:
        """The API server URL from the configuration."""
        return str(self._api.configuration.host)

    def get_json(
        self,
        path: str,
        query: _Query,
        *,
        verb: str,
        kind_: Kind,
        namespace: str | None,
    ) -> dict[str, Any]:
        """GET ``path`` and return the JSON object answered.

        Raises:
            _HttpStatus: a non-2xx answer (after the retries of :meth:`request`).
            ClusterAccessError: unreachable, or an answer that is not a JSON object.
        """
        status, data, _ = self.request(path, query, accept="application/json")
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

    def request(
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

    def access_error(
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


def _resource_name(k: Kind) -> str:
    """``plural.group`` as the API server names a resource in its messages."""
    return f"{k.plural}.{k.group}" if k.group else k.plural


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
