"""node_os - what each node runs and how it is doing: OS build, kernel, accounts, health (runbook 10).

The package, by layer (each module imports only the ones above it):

===============  ===================================================================================
``fleet``        the nodes a node-level runbook reads, their facts, pools and OS images
``os_release``   ``/etc/os-release``, classified the way the MCO does it
``rpm_ostree``   ``rpm-ostree status`` (``--json`` and the text form): the ostree deployments
``uname``        ``uname -a``: the kernel release, architecture and variant
``versions``     OS, deployments and kernel of each node, beside nodeInfo; deployment findings
``accounts``     local accounts (``/etc/passwd``) and sudo rules (``/etc/sudoers``)
``drift``        where the nodes' OS build, kernel, CRI-O and kubelet differ, and why
``filesystems``  ``df`` and the kubelet Summary API's filesystems: use per node, findings
``time_sync``    ``chronyc tracking``: whether each node's clock follows its source, findings
``health``       pressure, OOM kills and restarts in the journals, every health finding
===============  ===================================================================================
"""

from __future__ import annotations

from rhcos_helpers.node_os import (
    accounts,
    drift,
    filesystems,
    fleet,
    health,
    os_release,
    rpm_ostree,
    time_sync,
    uname,
    versions,
)

__all__ = [
    "accounts",
    "drift",
    "filesystems",
    "fleet",
    "health",
    "os_release",
    "rpm_ostree",
    "time_sync",
    "uname",
    "versions",
]
