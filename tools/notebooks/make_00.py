"""Write notebooks/00-cluster-overview.ipynb (no outputs, kernelspec python3).

Run: .venv/bin/python tools/notebooks/make_00.py
"""

from __future__ import annotations

import nbformat
from _nb import NOTEBOOKS, code, md, notebook, write  # tools/notebooks/_nb.py

OUT = NOTEBOOKS / "00-cluster-overview.ipynb"

CELLS = [
    md(
        """
# 00 · Cluster overview

**Is this cluster healthy, what shape is it in, and what should I look at first?** The cluster version and its update history, the cluster operators as `oc get co` shows them, the topology, the nodes as `oc get nodes -o wide`, the machine config pools as `oc get mcp`, and certificate signing requests waiting for approval. Findings come first, each pointing to the runbook to open next.

*Reads only the API* (`get`/`list` on clusterversions, clusteroperators, infrastructures, nodes, machineconfigpools, certificatesigningrequests); it changes nothing. Against a capture, ages are computed at the capture's time.
"""
    ),
    code(
        """
from rhcos_helpers import cluster, display, nodes, pools
from rhcos_helpers.sources import open_source
from rhcos_helpers.sources.base import attempt
"""
    ),
    code(
        """
SOURCE: str = "demo"  # where to read: demo, demo:4.3, kube, kube:CONTEXT, in-cluster, or must-gather/sos path(s)
""",
        tags=["parameters"],
    ),
    code(
        """
src = open_source(SOURCE)
display.run_context(src, runbook="00-cluster-overview", parameters={"SOURCE": SOURCE})
"""
    ),
    code(
        """
version = attempt(cluster.cluster_version, src)
operator_rows = attempt(cluster.operators, src)
node_rows = attempt(nodes.list_nodes, src)
pool_rows = attempt(pools.status.list_pools, src)
csrs = attempt(cluster.pending_csrs, src)
"""
    ),
    md(
        """
## Findings
"""
    ),
    code(
        """
display.findings(
    cluster.overview_findings(
        version=version, operators=operator_rows, nodes=node_rows, pools=pool_rows, csrs=csrs
    )
)
"""
    ),
    md(
        """
## Cluster version

What the cluster runs, where it came from (history, newest first) and what the cluster-version operator says about it (conditions).
"""
    ),
    code(
        """
display.facts(version.map(cluster.version_facts), name="cluster_version")
"""
    ),
    code(
        """
display.table(version.map(cluster.history_frame), name="update_history", caption="Update history (newest first)")
"""
    ),
    code(
        """
display.table(version.map(cluster.version_conditions_frame), caption="ClusterVersion conditions")
"""
    ),
    md(
        """
## Cluster operators (`oc get co`)

SINCE is the age of the Available condition's last change. MESSAGE is the message of the first unhealthy condition (Degraded, not Available, Progressing, not Upgradeable).
"""
    ),
    code(
        """
display.table(operator_rows.map(cluster.operators_frame), name="clusteroperators")
"""
    ),
    md(
        """
## Topology

Highly available, compact (three schedulable control-plane nodes), single-node, or a hosted control plane (no masters and no MachineConfigs in the guest cluster).
"""
    ),
    code(
        """
display.facts(attempt(cluster.topology_facts, src), name="topology")
"""
    ),
    md(
        """
## Nodes (`oc get nodes -o wide`)

Plus the architecture, any pressure condition and the machine-config daemon's state (`Done`, `Working`, `Rebooting`, `Degraded`, `Unreconcilable`).
"""
    ),
    code(
        """
display.table(node_rows.map(nodes.to_frame), name="nodes")
"""
    ),
    md(
        """
## Machine config pools (`oc get mcp`)

A paused pool holds back every MachineConfig change, including the rotated kube-apiserver-to-kubelet CA; `50-pool-rollout` explains stuck and degraded pools.
"""
    ),
    code(
        """
display.table(pool_rows.map(pools.status.to_frame), name="machineconfigpools")
"""
    ),
    md(
        """
## Pending certificate signing requests (`oc get csr`)

A node that cannot get its kubelet certificate approved cannot join or renew.
"""
    ),
    code(
        """
display.table(csrs.map(cluster.csrs_frame), name="pending_csrs", empty="No CSR is waiting for approval.")
"""
    ),
    md(
        """
## Where next

| runbook | question |
|---|---|
| `10-node-os` | Which OS build, kernel and CRI-O does each node run, and where do they drift? |
| `20-crio-containers` | What runs in CRI-O on each node, what uses the most, which images waste disk? |
| `30-node-services` | Are crio, kubelet and the other node services healthy, and what do their journals say? |
| `40-machineconfigs` | What do the MachineConfigs write to the nodes, and will a change reboot them? |
| `50-pool-rollout` | Why is a pool stuck, degraded or paused, and how does a rollout progress? |
| `60-scc` | Which SCC admits a pod and why; who may use anyuid? |
"""
    ),
]


def build() -> nbformat.NotebookNode:
    return notebook(CELLS, prefix="c00")


if __name__ == "__main__":
    write(build(), OUT)
