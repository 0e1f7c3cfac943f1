"""sources - open the cluster a runbook reads: live, a capture, or a bundled demo.

``open_source(spec)`` understands:

=====================  ===================================================================
``demo``               the bundled OpenShift 4.16 demo cluster (synthetic; the default)
``demo:4.3``           the bundled OpenShift 4.3 demo cluster (the seed's cluster)
``kube``               the current kubeconfig context (``$KUBECONFIG`` or ``~/.kube/config``)
``kube:CONTEXT``       a named kubeconfig context
``in-cluster``         the pod's service account (for scheduled runs inside the cluster)
``PATH[,PATH...]``     a capture: a must-gather (directory or .tar.gz/.tar.xz) plus sos reports
                       (directories or tarballs), or a directory holding them, or the project's
                       own capture layout (``rhcos-runbooks capture``)
=====================  ===================================================================

Live sources read node-level facts through a privileged debug pod per node (what
``oc debug node/NAME`` creates; removed on every path) unless ``RHCOS_RUNBOOKS_NODE_ACCESS`` says
``none`` (API-only data: nodeInfo, kubelet stats summary, node logs) or ``ssh`` (``ssh core@node
sudo ...``: the machine-config daemon then marks the node ``ssh=accessed``).

The package, by layer (each module imports only the ones above it):

==================  ================================================================================
``base``            the :class:`Source` interface, :class:`NodeOutput`, :class:`SourceIdentity`
``_archive``        must-gather and sos report tarballs, extracted once, safely, into a shared cache
``must_gather``     the must-gather layout: roots, YAML index, gather time, ``host_service_logs/``
``sos_report``      sos reports: which node each one is, and the node facts it holds
``capture_layout``  the project's own capture layout: ``rhcos-capture.json``, ``nodes/<node>/``
``capture``         ``CaptureSource``: must-gathers, sos reports and captures found and read as one
``demo``            the bundled demo clusters (captures shipped in the package)
``_live_http``      a live source's requests: retries, Status messages, errors with the next step
``kubeconfig``      the ``ApiClient`` of a kubeconfig context or of the pod's service account
``live_nodes``      node facts of a live cluster: ``NodeRunner``, node access, the node proxy
``live``            ``LiveSource``: objects listed page by page, node facts dispatched, runner owned
``snapshot``        ``write_capture``: any source written in the project's capture layout
==================  ================================================================================
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from rhcos_helpers.errors import SourceError
from rhcos_helpers.sources.base import NodeOutput, Source, SourceIdentity

__all__ = [
    "NodeOutput",
    "Source",
    "SourceIdentity",
    "debug_namespace",
    "node_access_options",
    "node_access_setting",
    "open_source",
]

SOURCE_HELP = "use demo, demo:4.3, kube, kube:CONTEXT, in-cluster, or a must-gather/sos path"


def open_source(spec: str = "demo") -> Source:
    """Open a source from its ``--source`` spelling (see the module docstring).

    Raises:
        SourceError: for a spec that names nothing usable, with the spellings that work.

    Examples:
        >>> open_source("demo").identity.cluster_version
        '4.16.21'
        >>> open_source("/nonexistent/must-gather")
        Traceback (most recent call last):
        ...
        rhcos_helpers.errors.SourceError: source '/nonexistent/must-gather': no such file or directory; use demo, demo:4.3, kube, kube:CONTEXT, in-cluster, or a must-gather/sos path
    """
    text = spec.strip()
    if not text:
        raise SourceError(f"empty source; {SOURCE_HELP}")
    if text == "demo" or text.startswith("demo:"):
        from rhcos_helpers.sources.demo import open_demo

        return open_demo(text)
    if text == "kube" or text.startswith("kube:"):
        from rhcos_helpers.sources.live import LiveSource

        context = text.partition(":")[2] or None
        return LiveSource.from_kubeconfig(
            context=context,
            spec=text,
            node_access=node_access_setting(),
            node_access_options=node_access_options(),
        )
    if text == "in-cluster":
        from rhcos_helpers.sources.live import LiveSource

        return LiveSource.in_cluster(
            spec=text, node_access=node_access_setting(), node_access_options=node_access_options()
        )
    paths = [Path(p).expanduser() for p in text.split(",") if p.strip()]
    for path in paths:
        if not path.exists():
            raise SourceError(f"source {str(path)!r}: no such file or directory; {SOURCE_HELP}")
    from rhcos_helpers.sources.capture import open_capture

    return open_capture(paths, spec=text)


NODE_ACCESS_ENV = "RHCOS_RUNBOOKS_NODE_ACCESS"
#: An existing namespace for debug pods (e.g. the scheduled job's own); unset = a temporary one.
DEBUG_NAMESPACE_ENV = "RHCOS_RUNBOOKS_DEBUG_NAMESPACE"


def debug_namespace() -> str | None:
    """The namespace debug pods go to (``$RHCOS_RUNBOOKS_DEBUG_NAMESPACE``), or ``None``."""
    return os.environ.get(DEBUG_NAMESPACE_ENV, "").strip() or None


def node_access_options() -> dict[str, str] | None:
    """Options for the node runner from the environment (the debug namespace)."""
    namespace = debug_namespace()
    if namespace and node_access_setting() == "debug-pod":
        return {"namespace": namespace}
    return None


def node_access_setting() -> Literal["none", "debug-pod", "ssh"]:
    """How live sources reach nodes: ``$RHCOS_RUNBOOKS_NODE_ACCESS``, default ``debug-pod``.

    Raises:
        SourceError: for a value other than ``debug-pod``, ``ssh`` or ``none``.
    """
    value = os.environ.get(NODE_ACCESS_ENV, "debug-pod").strip() or "debug-pod"
    if value == "none":
        return "none"
    if value == "ssh":
        return "ssh"
    if value == "debug-pod":
        return "debug-pod"
    raise SourceError(f"{NODE_ACCESS_ENV}={value!r}: use debug-pod (the default), ssh or none")
