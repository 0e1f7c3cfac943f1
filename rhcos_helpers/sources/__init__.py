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
"""

from __future__ import annotations

from pathlib import Path

from rhcos_helpers.errors import SourceError
from rhcos_helpers.sources.base import NodeOutput, Source, SourceIdentity

__all__ = ["NodeOutput", "Source", "SourceIdentity", "open_source"]

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
        return LiveSource.from_kubeconfig(context=context, spec=text)
    if text == "in-cluster":
        from rhcos_helpers.sources.live import LiveSource

        return LiveSource.in_cluster(spec=text)
    paths = [Path(p).expanduser() for p in text.split(",") if p.strip()]
    for path in paths:
        if not path.exists():
            raise SourceError(f"source {str(path)!r}: no such file or directory; {SOURCE_HELP}")
    from rhcos_helpers.sources.capture import open_capture

    return open_capture(paths, spec=text)
