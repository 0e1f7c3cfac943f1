"""Write notebooks/20-crio-containers.ipynb (without outputs): python tools/notebooks/make_20.py."""

from __future__ import annotations

import nbformat
from _nb import NOTEBOOKS, code, md, notebook, write  # tools/notebooks/_nb.py

OUT = NOTEBOOKS / "20-crio-containers.ipynb"

CELLS = [
    md(
        "# 20 · CRI-O containers\n\n"
        "**What runs in CRI-O on each node, what uses the most, which images waste disk?** "
        "`crictl ps -a`, `pods`, `images` and `stats` of every node (plus `statsp` and "
        "`imagefsinfo` on cri-tools 1.24+, OpenShift 4.11+), joined into one table of containers "
        "with their pod, namespace, image and usage; the top consumers; restarts; `<none>` images "
        "and what they cost; and the kubelet Summary API beside crictl as a cross-check.\n\n"
        "*Permissions.* Live, crictl runs on the host through a privileged debug pod per node "
        "(`oc debug node/…`: the `privileged` SCC); the kubelet Summary API needs `get` on "
        "`nodes/proxy`, which is not a read-only grant. Nothing is changed. A must-gather has no "
        "crictl output; a sos report holds the human tables (no `statsp`/`imagefsinfo`), so some "
        "columns stay empty there and each node's row says what was read and from where."
    ),
    code(
        "from rhcos_helpers import crio, display, widgets\n"
        "from rhcos_helpers.sources import open_source\n"
        "from rhcos_helpers.sources.base import attempt"
    ),
    code(
        'SOURCE: str = "demo"  # where to read: demo, demo:4.3, kube, kube:CONTEXT, in-cluster, '
        "or must-gather/sos path(s)\n"
        'NODES: str = ""  # comma-separated node names; "" = every node (matching NODE_SELECTOR)\n'
        'NODE_SELECTOR: str = ""  # label selector for the nodes, e.g. '
        'node-role.kubernetes.io/worker=; "" = all\n'
        "MAX_NODES: int = 20  # read at most this many nodes (each live node holds a debug pod)\n"
        "STATS_INTERVAL_S: float = 2.0  # live only: seconds between the two crictl stats "
        "samples for CPU %\n"
        "INTERACTIVE: bool = False  # True in JupyterLab for the node picker and container "
        "explorer",
        tags=["parameters"],
    ),
    code(
        "src = open_source(SOURCE)\n"
        "display.run_context(\n"
        '    src,\n    runbook="20-crio-containers",\n'
        "    parameters={\n"
        '        "SOURCE": SOURCE,\n        "NODES": NODES,\n        "NODE_SELECTOR": NODE_SELECTOR,\n'
        '        "MAX_NODES": MAX_NODES,\n        "STATS_INTERVAL_S": STATS_INTERVAL_S,\n'
        '        "INTERACTIVE": INTERACTIVE,\n    },\n)'
    ),
    code(
        "fleet = attempt(\n"
        "    crio.collect,\n    src,\n    nodes=crio.split_nodes(NODES),\n"
        "    node_selector=NODE_SELECTOR or None,\n    max_nodes=MAX_NODES,\n"
        "    stats_interval_s=STATS_INTERVAL_S,\n    progress=INTERACTIVE,\n)"
    ),
    md("## Findings"),
    code("display.findings(crio.findings(fleet))"),
    md(
        "## 1 · Which nodes could be read, and from where?\n\n"
        "Every node is listed: `ok`, `partial`, `failed` or `missing`, each fact with its format "
        "(`json` from a live node or the capture layout, `table` from a sos report), and the "
        "first reason a fact was not read. `statsp` and `imagefsinfo` exist only on cri-tools "
        "1.24+ (OpenShift 4.11+) and are never in sos reports."
    ),
    code('display.table(fleet.map(crio.status_frame), name="collection_status")'),
    md(
        "## 2 · What runs in CRI-O on each node?\n\n"
        "`crictl ps -a` joined to `crictl pods` (namespace, pod) and `crictl images` (tag or "
        "digest, size) and to `crictl stats`. RESTARTS is the larger of the CRI attempt and the "
        "kubelet's `restartCount` annotation; API RESTARTS is the Pod's `restartCount`. CPU % is "
        "crictl's two-sample figure live, else the runtime's (or the kubelet's) rate."
    ),
    code('display.table(fleet.map(crio.containers_frame), name="containers")'),
    md("## 3 · Which containers use the most CPU, memory and writable layer?"),
    code('display.table(fleet.map(crio.top_consumers_frame), name="top_consumers")'),
    code("crio.plot_top_consumers(fleet)"),
    md("## 4 · Which containers restart?"),
    code(
        'display.table(fleet.map(crio.restarts_frame), name="restarts", '
        'empty="No container has restarted.")'
    ),
    md(
        "## 5 · Which images waste disk?\n\n"
        "OpenShift pulls its release images by digest, so most images show TAG `<none>`. Those "
        "no container uses (and not pinned) are what image garbage collection would reclaim. "
        "IMAGEFS USE % comes from the kubelet Summary API."
    ),
    code('display.table(fleet.map(crio.image_disk_frame), name="image_disk")'),
    code(
        'display.table(fleet.map(crio.untagged_images_frame), name="untagged_images", '
        'empty="No <none> image.")'
    ),
    md(
        "## 6 · Does the kubelet agree with crictl?\n\n"
        "The kubelet Summary API (`/api/v1/nodes/N/proxy/stats/summary`) is the way without a "
        "privileged pod. Memory working set per running container, crictl beside the kubelet."
    ),
    code(
        'display.table(fleet.map(crio.crosscheck_frame), name="kubelet_crosscheck", '
        'empty="No node has both crictl stats and the kubelet summary.")'
    ),
    md(
        "## 7 · Container explorer (interactive only)\n\n"
        "With `INTERACTIVE = True` in JupyterLab: pick nodes (the picker prints the `NODES` value "
        "to run this runbook with) and filter the containers by node, namespace and state. A "
        "report never depends on it: the tables above hold the same content."
    ),
    code("widgets.node_picker(src, interactive=INTERACTIVE)"),
    code("widgets.container_explorer(fleet.map(crio.containers_frame), interactive=INTERACTIVE)"),
]


def build() -> nbformat.NotebookNode:
    return notebook(CELLS, prefix="c20")


if __name__ == "__main__":
    write(build(), OUT)
