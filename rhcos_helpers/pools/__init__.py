"""pools - MachineConfigPools, their nodes and rollouts (runbook 50).

The package, by layer (each module imports only the ones above it):

===========  ==========================================================================================
``status``   ``oc get mcp``, conditions, spec, ``certExpirys``, each node's pool and MCO annotations
``stuck``    why the nodes of a pool do not reach its target config (drains, PDBs, Degraded reasons)
``rollout``  follow a pool's rollout through the watch API; the timeline, live or from a capture
``pause``    pause or unpause a pool: a dry run first, applied only by hand
===========  ==========================================================================================
"""

from __future__ import annotations

from rhcos_helpers.pools import pause, rollout, status, stuck

__all__ = ["pause", "rollout", "status", "stuck"]
