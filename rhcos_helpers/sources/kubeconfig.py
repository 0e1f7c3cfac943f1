"""sources.kubeconfig - the ``ApiClient`` of a live source: a kubeconfig context or the pod's account.

:func:`client_from_kubeconfig` loads a context of the kubeconfig ``oc login`` writes (the
current one by default; ``$KUBECONFIG`` may list several files, merged as ``oc`` does), and
:func:`client_in_cluster` the pod's service account (for scheduled runs inside the cluster).
Each client gets its own ``Configuration``: the process-global default is never touched, the
kubeconfig is never written back, and nothing is sent to the cluster. A kubeconfig that is
missing, unreadable or without the context asked for is a
:class:`~rhcos_helpers.errors.SourceError` naming the fix (``oc login``, ``KUBECONFIG``, the
contexts it has).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kubernetes import client as k8s_client
from kubernetes import config as k8s_config
from kubernetes.config.config_exception import ConfigException

from rhcos_helpers.errors import SourceError
from rhcos_helpers.sources._live_http import _one_line

__all__ = ["client_from_kubeconfig", "client_in_cluster"]

# The client's config helpers carry no annotations; typed handles keep mypy --strict useful.
_list_kube_config_contexts: Callable[..., tuple[Any, Any]] = k8s_config.list_kube_config_contexts
_new_client_from_config: Callable[..., Any] = k8s_config.new_client_from_config
_load_incluster_config: Callable[..., None] = k8s_config.load_incluster_config


def client_from_kubeconfig(
    *, context: str | None, config_file: str | None = None
) -> tuple[Any, str]:
    """An ``ApiClient`` for a kubeconfig context, and the name of that context.

    ``config_file`` defaults to ``$KUBECONFIG`` (a list separated by ``os.pathsep`` is
    merged, as ``oc`` does) or ``~/.kube/config``. Nothing is sent to the cluster.

    Args:
        context: context name, or ``None`` for the kubeconfig's current context.
        config_file: kubeconfig path(s) to use instead of the default.

    Raises:
        SourceError: no kubeconfig, a context it does not have, or a kubeconfig the client
            cannot load.
    """
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
            f"kube context {context!r} not in {path_spec}; contexts: {', '.join(names) or '(none)'}"
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
    return api_client, chosen


def client_in_cluster() -> Any:
    """An ``ApiClient`` for the pod's service account (token and CA under ``/var/run/secrets``).

    Raises:
        SourceError: not running in a pod (no service host or token), naming what is missing.
    """
    configuration = k8s_client.Configuration()
    try:
        _load_incluster_config(client_configuration=configuration)
    except ConfigException as err:
        raise SourceError(
            f"in-cluster config cannot be loaded: {_one_line(err)}; run inside a pod with a "
            "service account, or use --source kube"
        ) from None
    api_client = k8s_client.ApiClient(configuration=configuration)
    return api_client


def _kubeconfig_location(config_file: str | None) -> tuple[str, str]:
    """The kubeconfig path(s) to load and where that choice came from."""
    if config_file:
        return config_file, "given"
    env = os.environ.get("KUBECONFIG")
    if env:
        return env, "from KUBECONFIG"
    return str(Path("~/.kube/config").expanduser()), "the default; KUBECONFIG is not set"
