"""Write notebooks/10-node-os.ipynb (committed without outputs, kernelspec python3).

Run: .venv/bin/python tools/notebooks/make_10.py
"""

from __future__ import annotations

import nbformat
from _nb import NOTEBOOKS, code, md, notebook, write  # tools/notebooks/_nb.py

OUT = NOTEBOOKS / "10-node-os.ipynb"


CELLS = [
    md(
        """
# 10 · Node OS

**Which OS build, kernel and CRI-O does each node run, and where do they drift?** For every node:
`/etc/os-release` classified the way the machine-config operator does it (RHCOS, SCOS, FCOS, or a
RHEL worker), beside what the kubelet reports in `nodeInfo`; the drift table of OS build, kernel,
CRI-O and kubelet per architecture and pool, each outlier explained by its pool's state; the
rpm-ostree deployments (booted, staged, pending, rollback); the kernel; local accounts and sudo
rules; and the health basics (pressure, `/var` and image filesystem use, OOM kills and restarts
in the kubelet and CRI-O journals, time sync). Findings come first.

*Reads* the API (`get`/`list` on nodes, machineconfigpools, machineconfigs) and, per node, the
commands `cat /etc/os-release`, `uname -a`, `rpm-ostree status --json`, `cat /etc/passwd`,
`cat /etc/sudoers`, `df`, `chronyc -n tracking`, `journalctl -o json -u kubelet|crio --since -24h`
and the kubelet Summary API. On a live cluster the commands run in a privileged debug pod per
node (`oc debug node/…`: needs the `privileged` SCC) or over SSH; nothing is changed. A capture
(must-gather + sos reports) answers what it holds, and every node it does not cover is listed
with the reason; a node without node output is compared through `nodeInfo`, and the table says so.
"""
    ),
    code(
        """
from rhcos_helpers import display, node_os
from rhcos_helpers.sources import open_source
from rhcos_helpers.sources.base import attempt
"""
    ),
    code(
        """
SOURCE: str = "demo"  # where to read: demo, demo:4.3, kube, kube:CONTEXT, in-cluster, or must-gather/sos path(s)
NODES: str = ""  # comma-separated node names; empty = every node matching NODE_SELECTOR and ROLE
NODE_SELECTOR: str = ""  # label selector the nodes must match, e.g. node-role.kubernetes.io/worker=
ROLE: str = ""  # a role the nodes must have (master, worker, infra...); empty = any role
MAX_NODES: int = 50  # read at most this many nodes (the first by name); each may hold a debug pod
""",
        tags=["parameters"],
    ),
    code(
        """
src = open_source(SOURCE)
display.run_context(
    src,
    runbook="10-node-os",
    parameters={"SOURCE": SOURCE, "NODES": NODES, "NODE_SELECTOR": NODE_SELECTOR, "ROLE": ROLE, "MAX_NODES": MAX_NODES},
)
"""
    ),
    code(
        """
fleet = attempt(node_os.fleet.collect, src, nodes=NODES, selector=NODE_SELECTOR, role=ROLE, max_nodes=MAX_NODES)
"""
    ),
    md("## Findings"),
    code(
        """
display.findings(
    node_os.drift.findings(fleet)
    + node_os.versions.findings(fleet)
    + node_os.accounts.findings(fleet)
    + node_os.health.findings(fleet)
)
"""
    ),
    md(
        """
## 1 Which nodes could be read?

Every selected node, with how many of its facts were read and why the others were not (a NotReady
node, a node a capture does not cover, a sos report without that plugin). Notes on the selection
(a `MAX_NODES` cap) come first.
"""
    ),
    code(
        """
display.facts(fleet.map(node_os.fleet.selection_facts), name="selection")
display.table(fleet.map(node_os.fleet.collection_frame), name="collection")
"""
    ),
    md(
        """
## 2 Which OS does each node run, and does the kubelet agree?

`/etc/os-release` and its classification (the MCO's rule: `ID` rhcos or scos, or rhel/centos with
`VARIANT_ID=coreos`; RHCOS 10 reports `ID="rhel"`), beside `nodeInfo`: `osImage` is the
PRETTY_NAME the kubelet read at start, `kernelVersion` is `uname -r`. `NO` in a match column means
the node changed underneath a running kubelet.
"""
    ),
    code(
        """
display.table(fleet.map(node_os.versions.os_frame), name="os")
"""
    ),
    md(
        """
## 3 Where do OS build, kernel, CRI-O and kubelet drift?

The majority is taken per architecture (every pool gets the same OS image from the release); rows
are grouped by architecture and pool, outlier values are marked `≠`. An outlier is **expected**
while its pool rolls out a config with another OS image or is paused with the node on an older
config (open `50-pool-rollout`), and **unexpected** otherwise: a manual rollback or rebase, an
override, a failed update. *values from* says whether the node itself or `nodeInfo` answered.
"""
    ),
    code(
        """
display.table(fleet.map(node_os.drift.drift_frame), name="drift")
display.table(fleet.map(node_os.drift.majority_frame), name="drift_majority", caption="Majority per architecture")
"""
    ),
    md(
        """
## 4 Which OS deployments does each node hold?

`rpm-ostree status`: the booted deployment, a staged one waiting for the next reboot, a pending
default, and the rollback kept from the previous update, with version, commit time and image (a
`pivot://` URL up to about 4.11, an `ostree-unverified-registry:` container reference later).
RHEL workers have no deployments: their rows say "not applicable".
"""
    ),
    code(
        """
display.table(fleet.map(node_os.versions.deployments_frame), name="deployments")
"""
    ),
    md(
        """
## 5 Which kernel runs on each node?

`uname -a`: the release (what `nodeInfo.kernelVersion` shows), the variant (realtime, 64k pages)
and the build string.
"""
    ),
    code(
        """
display.table(fleet.map(node_os.versions.kernel_frame), name="kernel")
"""
    ),
    md(
        """
## 6 Who can log in, and who may use sudo?

`/etc/passwd`: root, the `core` user RHCOS creates (uid 1000, home `/var/home/core`, where
MachineConfig SSH keys go) and any other uid-0 account. `/etc/sudoers`: rules, aliases and the
`#includedir /etc/sudoers.d` directive (not a comment) whose drop-ins are not collected here.
"""
    ),
    code(
        """
display.table(fleet.map(node_os.accounts.accounts_frame), name="accounts")
display.table(fleet.map(node_os.accounts.sudo_frame), name="sudo", caption="sudo rules (Defaults left out)")
"""
    ),
    md(
        """
## 7 Are the nodes healthy?

Pressure conditions from the API; `/`, `/var` and the image storage from `df`, beside the
kubelet's own view (`nodefs`, `imagefs`); OOM kills, crash loops, unit failures and restarts in the
kubelet and CRI-O journals of the last 24 hours; time synchronisation from `chronyc tracking`.
"""
    ),
    code(
        """
display.table(fleet.map(node_os.health.pressure_frame), name="pressure", caption="Conditions")
display.table(fleet.map(node_os.filesystems.filesystems_frame), name="filesystems", caption="Filesystem use")
"""
    ),
    code(
        """
display.table(fleet.map(node_os.health.journal_frame), name="journal", caption="Kubelet and CRI-O journals")
display.table(
    fleet.map(node_os.health.journal_events_frame),
    name="journal_events",
    caption="The journal lines behind the counts",
    empty="No OOM kill, crash loop, unit failure or restart in the journals read.",
)
"""
    ),
    code(
        """
display.table(fleet.map(node_os.time_sync.chrony_frame), name="chrony", caption="Time synchronisation")
"""
    ),
    md(
        """
## Where next

| runbook | question |
|---|---|
| `50-pool-rollout` | Why is a pool stuck, degraded or paused, and how does a rollout progress? |
| `20-crio-containers` | What runs in CRI-O on each node, what uses the most, which images waste disk? |
| `30-node-services` | Are crio, kubelet and the other node services healthy, and what do their journals say? |
"""
    ),
]


def build() -> nbformat.NotebookNode:
    return notebook(CELLS, prefix="c10")


if __name__ == "__main__":
    write(build(), OUT)
