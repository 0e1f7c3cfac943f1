"""node_os - what each node runs and how it is doing: OS build, kernel, accounts, health (runbook 10).

The package, by layer (each module imports only the ones above it):

============  ========================================================================================
``fleet``     the nodes a node-level runbook reads, their facts, pools and OS images
``release``   os-release, rpm-ostree deployments and the kernel, beside what nodeInfo says
``accounts``  local accounts (``/etc/passwd``) and sudo rules (``/etc/sudoers``)
``drift``     where the nodes' OS build, kernel, CRI-O and kubelet differ, and why
``health``    pressure, filesystem use, OOM kills and restarts, time sync
============  ========================================================================================
"""

from __future__ import annotations

from rhcos_helpers.node_os import accounts, drift, fleet, health, release

__all__ = ["accounts", "drift", "fleet", "health", "release"]
