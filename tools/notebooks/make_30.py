"""Write notebooks/30-node-services.ipynb (no outputs, kernelspec python3).

.venv/bin/python tools/notebooks/make_30.py
"""

from __future__ import annotations

import nbformat
from _nb import NOTEBOOKS, code, md, notebook, write  # tools/notebooks/_nb.py

OUT = NOTEBOOKS / "30-node-services.ipynb"

CELLS = [
    md(
        "# 30 · Node services and the journal\n\n"
        "**Are crio, kubelet and the other node services healthy, and what do their journals "
        "say?** `systemctl show` for crio, kubelet, NetworkManager, Open vSwitch, rpm-ostreed "
        "and chronyd, every failed unit (`systemctl list-units --all`), the machine-config "
        "daemon's pod (it is a pod, not a unit), and the units' journals: messages per unit "
        "and level over time, and the error lines. Findings come first.\n\n"
        "*Reads* the API (`list` nodes; pods in `openshift-machine-config-operator`) and, per "
        "node, `systemctl` output and the journal: live through a debug pod or SSH "
        "(privileged) or the node-logs API (`get nodes/proxy`, which is itself a privileged "
        "grant), from a capture what its sos reports and must-gather hold (must-gather has "
        "service logs of masters only, as text without priorities). It changes nothing. "
        "Journal lines can hold secrets: tables are redacted. Against a capture the journal "
        "is shown as captured (the window applies to live reads)."
    ),
    code(
        "from rhcos_helpers import display, services\n"
        "from rhcos_helpers.sources import open_source\n"
        "from rhcos_helpers.sources.base import attempt"
    ),
    code(
        'SOURCE: str = "demo"  # where to read: demo, demo:4.3, kube, kube:CONTEXT, in-cluster, '
        "or must-gather/sos path(s)\n"
        'NODES: str = ""  # node names, comma-separated; empty = every node matching '
        "NODE_SELECTOR\n"
        'NODE_SELECTOR: str = ""  # label selector, e.g. node-role.kubernetes.io/worker= ; '
        "empty = all nodes\n"
        "MAX_NODES: int = 10  # read at most this many nodes (the rest are listed as not read)\n"
        'JOURNAL_SINCE: str = "-24h"  # journal start: -24h, -90m, -2d or an ISO time '
        "(live sources)\n"
        'UNITS: str = "crio,kubelet"  # units whose journal to read, comma-separated',
        tags=["parameters"],
    ),
    code(
        "src = open_source(SOURCE)\n"
        "display.run_context(\n"
        '    src,\n    runbook="30-node-services",\n'
        "    parameters={\n"
        '        "SOURCE": SOURCE,\n        "NODES": NODES,\n'
        '        "NODE_SELECTOR": NODE_SELECTOR,\n        "MAX_NODES": MAX_NODES,\n'
        '        "JOURNAL_SINCE": JOURNAL_SINCE,\n        "UNITS": UNITS,\n'
        "    },\n)"
    ),
    code(
        "targets = services.targets.target_nodes(src, names=NODES, selector=NODE_SELECTOR, "
        "limit=MAX_NODES)\n"
        "svc = services.units_read.collect(src, nodes=targets.nodes, progress=False)\n"
        "mcd = attempt(services.mcd.mcd_pods, src, nodes=targets.nodes)\n"
        "jr = services.journal_read.collect(\n"
        "    src, nodes=targets.nodes, units=UNITS, since=JOURNAL_SINCE\n)"
    ),
    md("## Findings"),
    code(
        "display.findings(\n"
        "    services.units_analysis.findings(svc)\n"
        "    + services.mcd.mcd_findings(mcd)\n"
        "    + services.journal_analysis.findings(jr)\n)"
    ),
    md(
        "## 1 What could be read on each node?\n\n"
        "Every node is listed, one row per fact: `ok` with what was parsed, `failed` or "
        "`missing` with the source's reason, `unparsed` when the output was not in the "
        "expected format, `skipped` for nodes beyond MAX_NODES."
    ),
    code(
        "display.table(\n"
        "    services.units_analysis.status_frame(\n"
        "        targets, svc, services.journal_analysis.status_frame(jr)\n    ),\n"
        '    name="collection_status",\n)'
    ),
    md(
        "## 2 Are the key services running?\n\n"
        "`systemctl show` per node. `since` is when the running process started; `n_restarts` "
        "counts restarts systemd made on its own after a crash (systemd 235+). rpm-ostreed is "
        "started on demand, so `inactive` is normal for it."
    ),
    code(
        "display.table(\n"
        "    services.units_analysis.to_frame(svc.services, now=src.now()),\n"
        '    name="key_services",\n'
        '    empty="No node\'s systemctl show output could be read.",\n)'
    ),
    md("## 3 Which units failed?"),
    code(
        'display.table(services.units_analysis.failed_frame(svc), name="failed_units", '
        'empty="No failed unit on the nodes whose units could be read.")'
    ),
    md(
        "## 4 Is the machine-config daemon running on each node?\n\n"
        "Its pod in `openshift-machine-config-operator` (label `k8s-app=machine-config-daemon`)."
    ),
    code(
        'display.table(mcd.map(services.mcd.mcd_frame), name="mcd_pods", '
        'caption="machine-config-daemon pods")'
    ),
    md(
        "## 5 What do the journals say?\n\n"
        "Messages per unit and level. Levels come from the journal's priority and from the "
        "level the program wrote in its message (klog `E`/`W`, CRI-O `level=error`); text "
        "forms (node-logs API, must-gather, sos) carry no priority, so lines without a "
        "level of their own are `unknown`."
    ),
    code('display.table(services.journal_analysis.counts_frame(jr.frame), name="journal_counts")'),
    code(
        "display.figure(\n    services.journal_analysis.plot_activity(jr.frame),\n"
        '    caption="Messages per unit and level over time (all nodes read)",\n'
        '    empty="No journal entry was read.",\n)'
    ),
    md(
        "### Errors and events\n\n"
        "Lines at `err` or worse, and lines reporting an OOM kill, a CrashLoopBackOff, a "
        "unit failure or an automatic restart (newest 1000)."
    ),
    code(
        "display.table(\n"
        "    services.journal_analysis.errors_frame(jr.frame),\n"
        '    name="journal_errors",\n'
        '    empty="No error line and no event in the journals read.",\n)'
    ),
]


def build() -> nbformat.NotebookNode:
    return notebook(CELLS, prefix="c30")


if __name__ == "__main__":
    write(build(), OUT)
