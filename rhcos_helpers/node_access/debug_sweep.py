"""node_access.debug_sweep - remove the debug pods and namespaces that dead runs left behind.

Every run of the debug-pod runner (:mod:`~rhcos_helpers.node_access.debug_pod`) removes what it
created on every path; a run that was killed (``kill -9``, a lost kernel or host) cannot.
:func:`sweep` finds those objects by this tool's labels
(:data:`~rhcos_helpers.node_access.debug_manifests.MANAGED_BY_LABEL` with a
:data:`~rhcos_helpers.node_access.debug_manifests.RUN_ID_LABEL`) and age, and removes them
(pods with grace period 0, then the temporary ``openshift-debug-*`` namespaces). It never
touches ``oc debug``'s own pods, nor the objects of a runner alive in this process: runners
register their run id in :data:`_LIVE_RUNS` while they are open.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from rhcos_helpers._time import parse_time
from rhcos_helpers.errors import ClusterAccessError
from rhcos_helpers.node_access._kube_http import _delete, _Http, _HttpError, _list_all
from rhcos_helpers.node_access.debug_manifests import (
    CREATED_AT_ANNOTATION,
    MANAGED_BY,
    MANAGED_BY_LABEL,
    OC_DEBUG_LABEL,
    RUN_ID_LABEL,
    TEMP_NAMESPACE_PREFIX,
)

__all__ = ["sweep"]

log = logging.getLogger(__name__)

#: Run ids of the runners alive in this process (``sweep`` never removes their objects).
_LIVE_RUNS: set[str] = set()
_LIVE_RUNS_LOCK = threading.Lock()


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
