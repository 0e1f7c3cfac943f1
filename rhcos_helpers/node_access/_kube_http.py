"""node_access._kube_http - raw JSON requests through the official client's ``ApiClient``.

The debug-pod runner (:mod:`~rhcos_helpers.node_access.debug_pod`), its start-up wait
(:mod:`~rhcos_helpers.node_access.debug_start`) and
:func:`~rhcos_helpers.node_access.debug_sweep.sweep` talk to the API server through
:class:`_Http`: ``ApiClient.param_serialize`` + ``ApiClient.call_api`` with bearer-token auth
(the ``Configuration`` is shared, so token refresh keeps working), JSON in and out. A 429 (and a
5xx for anything but POST) is retried with ``Retry-After`` honoured; a non-2xx answer is raised
as :class:`_HttpError` with the ``message`` of its Status body; an unreachable server or a TLS
failure becomes a :class:`~rhcos_helpers.errors.ClusterAccessError` naming the next step.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import urllib3
from kubernetes.client.exceptions import ApiException
from kubernetes.watch import watch as k8s_watch

from rhcos_helpers.errors import ClusterAccessError

log = logging.getLogger(__name__)

_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

# The client's helpers carry no annotations; typed handles keep mypy --strict useful.
_iter_resp_lines: Callable[[Any], Iterator[str]] = k8s_watch.iter_resp_lines


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
