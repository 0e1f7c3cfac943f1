"""pools - MachineConfigPools, their nodes and rollouts (runbook 50).

The package, by layer (each module imports only the ones above it):

===========  ==========================================================================================
``status``   ``oc get mcp``, conditions, spec, ``certExpirys``, each node's pool and MCO annotations
``stuck``    why the nodes of a pool do not reach its target config (drains, PDBs, Degraded reasons)
``timeline`` a rollout as transitions and phase spans; the snapshot from a capture; the plot
``watch``    follow a pool's rollout live through the watch API (reconnects, 410 Gone, outages)
``rollout``  the runbook's rollout section: the watch on a live cluster, else the snapshot
``pause``    pause or unpause a pool: a dry run first, applied only by hand
===========  ==========================================================================================
"""

from __future__ import annotations

from rhcos_helpers.pools import pause, rollout, status, stuck, timeline, watch

__all__ = ["pause", "rollout", "status", "stuck", "timeline", "watch"]
