"""Write notebooks/50-pool-rollout.ipynb (no outputs, kernelspec python3).

.venv/bin/python tools/notebooks/make_50.py
"""

from __future__ import annotations

import nbformat
from _nb import NOTEBOOKS, code, md, notebook, write  # tools/notebooks/_nb.py

OUT = NOTEBOOKS / "50-pool-rollout.ipynb"

CELLS = [
    md(
        "# 50 · Pools and rollouts\n\n"
        "**Why is a pool stuck, degraded or paused, and how does a rollout progress?** The "
        "MachineConfigPools as `oc get mcp` shows them, their conditions, maxUnavailable and "
        "the certificates at stake when a pool is paused; every node with the machine-config "
        "daemon's annotations and the pool it belongs to; why nodes do not reach their pool's "
        "config (a paused pool, a Degraded daemon, a drain held by a PodDisruptionBudget, "
        "maxUnavailable, a node NotReady for long), each with the next step; a rollout "
        "timeline; and what pausing or unpausing would do.\n\n"
        "*Reads* MachineConfigPools, nodes, pods and PodDisruptionBudgets (`list`, and `watch` "
        "of nodes and pools when WATCH is set on a live cluster). *Changes nothing* unless "
        "ACTION is set **and** either APPLY is True or, in JupyterLab, you type the pool's "
        "name into the confirmation and press Apply, on a live cluster in a run by hand "
        "(`patch` of the pool, after a server-side dry run); never in a scheduled run, never "
        "against a capture or demo. A capture holds one moment: its timeline is rebuilt from "
        "the objects' own timestamps."
    ),
    code(
        "from rhcos_helpers import display, pools\n"
        "from rhcos_helpers.sources import open_source\n"
        "from rhcos_helpers.sources.base import attempt"
    ),
    code(
        'SOURCE: str = "demo"  # where to read: demo, demo:4.3, kube, kube:CONTEXT, in-cluster, '
        "or must-gather/sos path(s)\n"
        'POOL: str = "worker"  # the MachineConfigPool to explain, follow, pause or unpause\n'
        "WATCH: bool = False  # follow the rollout through the watch API (live sources only)\n"
        "WATCH_TIMEOUT_S: int = 1800  # stop watching after this many seconds\n"
        'ACTION: str = ""  # "", "pause" or "unpause": show what it would do (a dry run)\n'
        "APPLY: bool = False  # really patch the pool (live source, run by hand only); in "
        "JupyterLab a typed confirmation offers the same",
        tags=["parameters"],
    ),
    code(
        "src = open_source(SOURCE)\n"
        "display.run_context(\n"
        '    src,\n    runbook="50-pool-rollout",\n'
        "    parameters={\n"
        '        "SOURCE": SOURCE,\n        "POOL": POOL,\n        "WATCH": WATCH,\n'
        '        "WATCH_TIMEOUT_S": WATCH_TIMEOUT_S,\n        "ACTION": ACTION,\n'
        '        "APPLY": APPLY,\n'
        "    },\n)"
    ),
    code(
        "snap = attempt(pools.status.collect, src)\nstuck = pools.stuck.for_runbook(snap, pool=POOL)"
    ),
    md("## Findings"),
    code("display.findings(pools.stuck.runbook_findings(snap, stuck))"),
    md(
        "## 1 What state are the pools in?\n\n"
        "`oc get mcp` (CONFIG is what every node runs; the target is in the next table), then "
        "each pool's spec, its conditions, and its counts recomputed from its nodes with the "
        "controller's rules beside what the pool reports."
    ),
    code('display.table(snap.map(pools.status.mcp_frame), name="machineconfigpools")'),
    code(
        'display.table(snap.map(pools.status.spec_frame), name="pool_spec", caption="Spec: paused, '
        'maxUnavailable, target")'
    ),
    code(
        'display.table(snap.map(pools.status.conditions_frame), name="pool_conditions", '
        'caption="Conditions")'
    ),
    code(
        'display.table(snap.map(pools.status.counts_frame), name="pool_counts", '
        'caption="Counts: reported and recomputed from the nodes")'
    ),
    md(
        "## 2 Which nodes are in which pool, and where is each in its update?\n\n"
        "A custom pool (such as `infra`) takes a node from `worker`; `master` keeps its nodes. "
        "STATE, CURRENT/DESIRED CONFIG and the drain annotations are the machine-config "
        "daemon's; ON TARGET means done on the pool's target config."
    ),
    code('display.table(snap.map(pools.status.nodes_frame), name="pool_nodes")'),
    md(
        "## 3 Why are nodes not on their pool's config?\n\n"
        "For the pool in POOL: each reason in a sentence, with the next step."
    ),
    code(
        'display.table(stuck.map(pools.stuck.stuck_frame), name="stuck", '
        'empty="Every node of the pool runs its target config.")'
    ),
    md(
        "## 4 Which certificates does a paused pool put at risk?\n\n"
        "`status.certExpirys`: the kubelet CA bundle the pools deliver to their nodes, with "
        "the time left at the source's time. A paused pool does not receive a rotated bundle."
    ),
    code(
        'display.table(snap.map(pools.status.cert_frame), name="cert_expiries", '
        'empty="The pools report no certificate expiries (before 4.7 they did not).")'
    ),
    md(
        "## 5 How does the rollout progress?\n\n"
        "With WATCH on a live cluster: every change of Ready, SchedulingDisabled, the daemon's "
        "state and the configs, as it happens, until the pool is done, degraded or "
        "WATCH_TIMEOUT_S passes. Otherwise the snapshot, with the objects' own timestamps."
    ),
    code(
        "timeline = pools.rollout.for_runbook(src, snap, pool=POOL, watch=WATCH, "
        "timeout_s=WATCH_TIMEOUT_S)\n"
        'display.facts(timeline.map(pools.rollout.summary), name="rollout")'
    ),
    code(
        'display.table(timeline.map(pools.rollout.timeline_frame), name="timeline", '
        'empty="No transition seen.")'
    ),
    code(
        "display.figure(\n    pools.rollout.figure_of(timeline),\n"
        '    caption="Each node\'s phase over time",\n'
        '    empty="No node of the pool to draw.",\n)'
    ),
    md(
        "## 6 What would pausing or unpausing the pool do?\n\n"
        "Set ACTION to `pause` or `unpause`. Pausing queues every change, the kubelet CA "
        "rotation included; unpausing releases every queued change at once. The `oc` "
        "equivalent is shown; a live cluster also gets a server-side dry run (which checks "
        "the patch and your rights only: it renders nothing and predicts no reboot). To "
        "apply: pass `-p APPLY true`, or run this notebook in JupyterLab, type the pool's "
        "name in the confirmation under the dry run's result and press Apply (live clusters only, "
        "never in a scheduled run); exactly the patch shown is sent."
    ),
    code(
        "plan = pools.pause.for_runbook(src, snap, pool=POOL, action=ACTION)\n"
        'display.table(plan.map(pools.pause.pause_frame), name="pause_plan")'
    ),
    code(
        "display.table(\n"
        "    pools.pause.impact_table(plan),\n"
        '    name="pause_impact",\n    caption="Predicted action per change that unpausing '
        'releases",\n)'
    ),
    code(
        'display.table(pools.pause.apply_for_runbook(src, plan, apply=APPLY), name="pause_result")\n'
        "pools.pause.confirm(src, plan, apply=APPLY)"
    ),
]


def build() -> nbformat.NotebookNode:
    return notebook(CELLS, prefix="c50")


if __name__ == "__main__":
    write(build(), OUT)
