"""Write notebooks/50-pool-rollout.ipynb (no outputs, kernelspec python3).

.venv/bin/python tools/notebooks/make_50.py
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

OUT = Path(__file__).resolve().parents[2] / "notebooks" / "50-pool-rollout.ipynb"

CELLS = [
    new_markdown_cell(
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
    new_code_cell(
        "from rhcos_helpers import display, pools\n"
        "from rhcos_helpers.sources import open_source\n"
        "from rhcos_helpers.sources.base import attempt"
    ),
    new_code_cell(
        'SOURCE: str = "demo"  # where to read: demo, demo:4.3, kube, kube:CONTEXT, in-cluster, '
        "or must-gather/sos path(s)\n"
        'POOL: str = "worker"  # the MachineConfigPool to explain, follow, pause or unpause\n'
        "WATCH: bool = False  # follow the rollout through the watch API (live sources only)\n"
        "WATCH_TIMEOUT_S: int = 1800  # stop watching after this many seconds\n"
        'ACTION: str = ""  # "", "pause" or "unpause": show what it would do (a dry run)\n'
        "APPLY: bool = False  # really patch the pool (live source, run by hand only); in "
        "JupyterLab a typed confirmation offers the same",
        metadata={"tags": ["parameters"]},
    ),
    new_code_cell(
        "src = open_source(SOURCE)\n"
        "display.run_context(\n"
        '    src,\n    runbook="50-pool-rollout",\n'
        "    parameters={\n"
        '        "SOURCE": SOURCE,\n        "POOL": POOL,\n        "WATCH": WATCH,\n'
        '        "WATCH_TIMEOUT_S": WATCH_TIMEOUT_S,\n        "ACTION": ACTION,\n'
        '        "APPLY": APPLY,\n'
        "    },\n)"
    ),
    new_code_cell(
        "snap = attempt(pools.status.collect, src)\nstuck = pools.stuck.for_runbook(snap, pool=POOL)"
    ),
    new_markdown_cell("## Findings"),
    new_code_cell("display.findings(pools.stuck.runbook_findings(snap, stuck))"),
    new_markdown_cell(
        "## 1 What state are the pools in?\n\n"
        "`oc get mcp` (CONFIG is what every node runs; the target is in the next table), then "
        "each pool's spec, its conditions, and its counts recomputed from its nodes with the "
        "controller's rules beside what the pool reports."
    ),
    new_code_cell('display.table(snap.map(pools.status.mcp_frame), name="machineconfigpools")'),
    new_code_cell(
        'display.table(snap.map(pools.status.spec_frame), name="pool_spec", caption="Spec: paused, '
        'maxUnavailable, target")'
    ),
    new_code_cell(
        'display.table(snap.map(pools.status.conditions_frame), name="pool_conditions", '
        'caption="Conditions")'
    ),
    new_code_cell(
        'display.table(snap.map(pools.status.counts_frame), name="pool_counts", '
        'caption="Counts: reported and recomputed from the nodes")'
    ),
    new_markdown_cell(
        "## 2 Which nodes are in which pool, and where is each in its update?\n\n"
        "A custom pool (such as `infra`) takes a node from `worker`; `master` keeps its nodes. "
        "STATE, CURRENT/DESIRED CONFIG and the drain annotations are the machine-config "
        "daemon's; ON TARGET means done on the pool's target config."
    ),
    new_code_cell('display.table(snap.map(pools.status.nodes_frame), name="pool_nodes")'),
    new_markdown_cell(
        "## 3 Why are nodes not on their pool's config?\n\n"
        "For the pool in POOL: each reason in a sentence, with the next step."
    ),
    new_code_cell(
        'display.table(stuck.map(pools.stuck.stuck_frame), name="stuck", '
        'empty="Every node of the pool runs its target config.")'
    ),
    new_markdown_cell(
        "## 4 Which certificates does a paused pool put at risk?\n\n"
        "`status.certExpirys`: the kubelet CA bundle the pools deliver to their nodes, with "
        "the time left at the source's time. A paused pool does not receive a rotated bundle."
    ),
    new_code_cell(
        'display.table(snap.map(pools.status.cert_frame), name="cert_expiries", '
        'empty="The pools report no certificate expiries (before 4.7 they did not).")'
    ),
    new_markdown_cell(
        "## 5 How does the rollout progress?\n\n"
        "With WATCH on a live cluster: every change of Ready, SchedulingDisabled, the daemon's "
        "state and the configs, as it happens, until the pool is done, degraded or "
        "WATCH_TIMEOUT_S passes. Otherwise the snapshot, with the objects' own timestamps."
    ),
    new_code_cell(
        "timeline = pools.rollout.for_runbook(src, snap, pool=POOL, watch=WATCH, "
        "timeout_s=WATCH_TIMEOUT_S)\n"
        'display.facts(timeline.map(pools.rollout.summary), name="rollout")'
    ),
    new_code_cell(
        'display.table(timeline.map(pools.rollout.timeline_frame), name="timeline", '
        'empty="No transition seen.")'
    ),
    new_code_cell(
        "display.figure(\n    pools.rollout.figure_of(timeline),\n"
        '    caption="Each node\'s phase over time",\n'
        '    empty="No node of the pool to draw.",\n)'
    ),
    new_markdown_cell(
        "## 6 What would pausing or unpausing the pool do?\n\n"
        "Set ACTION to `pause` or `unpause`. Pausing queues every change, the kubelet CA "
        "rotation included; unpausing releases every queued change at once. The `oc` "
        "equivalent is shown; a live cluster also gets a server-side dry run (which checks "
        "the patch and your rights only: it renders nothing and predicts no reboot). To "
        "apply: pass `-p APPLY true`, or run this notebook in JupyterLab, type the pool's "
        "name in the confirmation under the dry run's result and press Apply (live clusters only, "
        "never in a scheduled run); exactly the patch shown is sent."
    ),
    new_code_cell(
        "plan = pools.pause.for_runbook(src, snap, pool=POOL, action=ACTION)\n"
        'display.table(plan.map(pools.pause.pause_frame), name="pause_plan")'
    ),
    new_code_cell(
        "display.table(\n"
        "    pools.pause.impact_table(plan),\n"
        '    name="pause_impact",\n    caption="Predicted action per change that unpausing '
        'releases",\n)'
    ),
    new_code_cell(
        'display.table(pools.pause.apply_for_runbook(src, plan, apply=APPLY), name="pause_result")\n'
        "pools.pause.confirm(src, plan, apply=APPLY)"
    ),
]


def main() -> None:
    nb = new_notebook(cells=CELLS)
    nb.metadata["kernelspec"] = {
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "name": "python3",
    }
    nb.metadata["language_info"] = {"name": "python"}
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"
    nbformat.write(nb, OUT)


if __name__ == "__main__":
    main()
