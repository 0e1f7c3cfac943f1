"""Write notebooks/40-machineconfigs.ipynb (no outputs, kernelspec python3).

.venv/bin/python tools/notebooks/make_40.py
"""

from __future__ import annotations

import nbformat
from _nb import NOTEBOOKS, code, md, notebook, write  # tools/notebooks/_nb.py

OUT = NOTEBOOKS / "40-machineconfigs.ipynb"

CHRONY = (
    "server tick.stdtime.gov.tw maxdelay 0.4 offline\\n"
    "server time.stdtime.gov.tw maxdelay 0.4 offline"
)

CELLS = [
    md(
        "# 40 · MachineConfigs\n\n"
        "**What do the MachineConfigs write to the nodes, and will a change reboot them?** "
        "`oc get mc` with each MachineConfig's role and origin (MCO template, installer, "
        "generated from a KubeletConfig, ContainerRuntimeConfig or image content policy, or "
        "a user's); every file decoded (data URLs, gzip), units, kernel arguments; which "
        "MachineConfigs make each pool's rendered config, checked against a local merge with "
        "the release's rules; what changes between two rendered configs and what the "
        "machine-config daemon of this release does about it (nothing, reload or restart "
        "crio, drain and reboot, or refuse); and a new MachineConfig written from plain "
        "inputs, with its impact shown before anything is applied; and the other ways nodes "
        "get configured (Tuned, privileged DaemonSets, Day-1 ignition). Findings come first.\n\n"
        "*Reads* the API only (`list` machineconfigs, machineconfigpools, kubeletconfigs, "
        "containerruntimeconfigs, nodes, pods and daemonsets in all namespaces, tuneds and "
        "profiles in openshift-cluster-node-tuning-operator; `get` controllerconfig, "
        "machineconfiguration/cluster, "
        "clusterversion, the node named by NODE; on a live cluster run by hand one `create` of "
        "the authored MachineConfig with `dryRun=All`, which stores nothing). It changes nothing "
        "unless APPLY is True or, in JupyterLab, you type the MachineConfig's name into the "
        "confirmation and press Apply, on a live cluster in a run by hand (never in a scheduled "
        "run, never against a capture or demo); the rollout is followed in runbook "
        "50-pool-rollout. SSH keys are never shown (only how many there are) and file contents "
        "are redacted; in JupyterLab one redacted value can be revealed for 30 seconds."
    ),
    code(
        "from rhcos_helpers import display, machineconfigs\n"
        "from rhcos_helpers.sources import open_source"
    ),
    code(
        'SOURCE: str = "demo"  # where to read: demo, demo:4.3, kube, kube:CONTEXT, in-cluster, '
        "or must-gather/sos path(s)\n"
        'POOL: str = "worker"  # the pool whose rendered configs are diffed and authored for\n'
        'MACHINECONFIG: str = ""  # one MachineConfig to show in full; empty = all (abridged)\n'
        'DIFF_FROM: str = ""  # rendered config to diff from; empty = the pool\'s current '
        "(status) or NODE's currentConfig\n"
        'DIFF_TO: str = ""  # rendered config to diff to; empty = the pool\'s target (spec) '
        "or NODE's desiredConfig\n"
        'NODE: str = ""  # a node whose current -> desired config to diff; empty = use POOL\n'
        'AUTHOR_NAME: str = "50-worker-chrony"  # MachineConfig to author; empty = none\n'
        'AUTHOR_ROLE: str = "worker"  # its role label (the pool that selects it)\n'
        'AUTHOR_FILE_PATH: str = "/etc/chrony.conf"  # absolute path of the file it writes\n'
        f'AUTHOR_FILE_CONTENT: str = "{CHRONY}"  # the file\'s contents (text)\n'
        'AUTHOR_FILE_MODE: str = "0644"  # the file\'s mode, octal\n'
        'TARGET_VERSION: str = ""  # OpenShift version to author and predict for; empty = the '
        "cluster's\n"
        "APPLY: bool = False  # create the authored MachineConfig (live source, run by hand "
        "only, after a server-side dry run); in JupyterLab a typed confirmation offers the same",
        tags=["parameters"],
    ),
    code(
        "src = open_source(SOURCE)\n"
        "display.run_context(\n"
        '    src,\n    runbook="40-machineconfigs",\n'
        "    parameters={\n"
        '        "SOURCE": SOURCE,\n        "POOL": POOL,\n'
        '        "MACHINECONFIG": MACHINECONFIG,\n        "DIFF_FROM": DIFF_FROM,\n'
        '        "DIFF_TO": DIFF_TO,\n        "NODE": NODE,\n'
        '        "AUTHOR_NAME": AUTHOR_NAME,\n        "AUTHOR_ROLE": AUTHOR_ROLE,\n'
        '        "AUTHOR_FILE_PATH": AUTHOR_FILE_PATH,\n'
        '        "AUTHOR_FILE_MODE": AUTHOR_FILE_MODE,\n'
        '        "TARGET_VERSION": TARGET_VERSION,\n'
        '        "APPLY": APPLY,\n'
        "    },\n)"
    ),
    code(
        "rb = machineconfigs.runbook.collect(\n"
        "    src,\n"
        "    pool=POOL,\n"
        "    machineconfig=MACHINECONFIG,\n"
        "    diff_from=DIFF_FROM,\n"
        "    diff_to=DIFF_TO,\n"
        "    node=NODE,\n"
        "    author=machineconfigs.runbook.AuthorInput(\n"
        "        name=AUTHOR_NAME,\n"
        "        role=AUTHOR_ROLE,\n"
        "        file_path=AUTHOR_FILE_PATH,\n"
        "        file_content=AUTHOR_FILE_CONTENT,\n"
        "        file_mode=AUTHOR_FILE_MODE,\n"
        "    ),\n"
        "    target_version=TARGET_VERSION,\n"
        ")\n"
        "nc = machineconfigs.channels.collect(src, machineconfigs=rb.mcs)"
    ),
    md("## Findings"),
    code(
        "display.findings(machineconfigs.runbook.findings(rb) + machineconfigs.channels.findings(nc))"
    ),
    md(
        "## 1 Which MachineConfigs are there, and where do they come from?\n\n"
        "`oc get mc` (4.3 printed CREATED instead of AGE) plus the role label and the origin: "
        "`template` (MCO's `00-`/`01-` configs), `installer` (`99-<role>-ssh`), `kubeletconfig`"
        " / `containerruntimeconfig` (generated from those objects), `image-policy` "
        "(`99-<role>-generated-registries`), `controller` (node config, feature gates), "
        "`rendered`, or `user`. PROBLEMS lists what the daemon refuses and undecodable files."
    ),
    code('display.table(machineconfigs.runbook.mc_table(rb), name="machineconfigs")'),
    md(
        "### KubeletConfigs and ContainerRuntimeConfigs\n\n"
        "The objects a person edits instead of writing a MachineConfig, the pools they select "
        "and the MachineConfigs the controller generated from them."
    ),
    code(
        'display.table(machineconfigs.runbook.generators_table(rb), name="mc_generators", '
        'empty="No KubeletConfig or ContainerRuntimeConfig.")'
    ),
    md(
        "## 2 What does each MachineConfig write?\n\n"
        "Files with their mode in octal, overwrite flag (Ignition 2.2 defaults to true, 3.x to "
        "false; rendered configs always say true), owner, how the contents were encoded and "
        "the decoded text (long files are cut unless MACHINECONFIG names one). Rendered "
        "configs are left out unless named."
    ),
    code('display.table(machineconfigs.runbook.files_table(rb), name="mc_files")'),
    code(
        'display.table(machineconfigs.runbook.units_table(rb), name="mc_units", '
        'empty="No systemd unit in these MachineConfigs.")'
    ),
    code(
        'display.table(machineconfigs.runbook.kernel_table(rb), name="mc_kernel", '
        'caption="Kernel arguments, extensions, FIPS, kernel type, OS image, SSH keys", '
        'empty="No MachineConfig sets any of these.")'
    ),
    md(
        "### Reveal one redacted value (JupyterLab only)\n\n"
        "Pull secrets, keys, tokens and SSH keys are redacted everywhere. Run by hand in "
        "JupyterLab, pick one and press Reveal: it shows here for 30 seconds (or until Hide), "
        "then is cleared. It never goes into a cell output, the saved notebook, a report or "
        "summary.json; reports show one line."
    ),
    code("machineconfigs.runbook.reveal_secret(src, rb)"),
    md(
        "## 3 Which MachineConfigs make each rendered config, and does it match a local merge?"
        "\n\n"
        "Each pool's target (`spec.configuration`) and current (`status.configuration`) "
        "rendered config with its sources in merge order (worker-labelled first, then the "
        "rest, each by name; 4.3-4.5: all by name, Ignition 2.2 append). The sources are "
        "merged here with the release's rules and compared with the cluster's rendered config "
        "file by file. A current config made before an upgrade rewrote the templates differs "
        "from today's sources: that is expected."
    ),
    code(
        'display.table(machineconfigs.runbook.composition_table(rb), name="rendered_composition")'
    ),
    code('display.table(machineconfigs.runbook.render_check_table(rb), name="render_check")'),
    md(
        "## 4 What changes, and will the nodes be drained and rebooted?\n\n"
        "DIFF_FROM → DIFF_TO, or NODE's currentConfig → desiredConfig, or POOL's current → "
        "target config. For each change, the action the machine-config daemon of this release "
        "takes: 4.3-4.6 always drain and reboot; 4.7+ apply a few files without a reboot "
        "(none / reload crio; restart crio from 4.14; 4.8+ skip the drain for none); 4.16 "
        "TechPreview and 4.17+ follow the cluster's NodeDisruptionPolicy. A FIPS change, and "
        "directories, links or users other than core, are refused."
    ),
    code('display.facts(machineconfigs.runbook.diff_facts(rb), name="diff_summary")'),
    code(
        'display.table(machineconfigs.runbook.diff_table(rb), name="config_diff", '
        'empty="The two rendered configs are the same.")'
    ),
    code(
        'display.table(machineconfigs.runbook.impact_table(rb), name="reboot_impact", '
        'empty="Nothing changes: no node action.")'
    ),
    md(
        "## 5 A new MachineConfig, and what it would do\n\n"
        "Written from AUTHOR_* for the target release's Ignition version (2.2.0 for 4.3-4.5, "
        "3.1.0 4.6, 3.2.0 4.7-4.13, 3.4.0 4.14-4.18, 3.5.0 4.19+), as in the chrony example: "
        "a base64 data URL, the mode as the decimal number the API stores. Its impact is "
        "predicted against the pool's target config, before anything is applied (next "
        "section)."
    ),
    code(
        'display.code(machineconfigs.runbook.author_yaml(rb), name="authored_machineconfig", '
        'caption="MachineConfig YAML")'
    ),
    code('display.facts(machineconfigs.runbook.author_facts(rb), name="authoring")'),
    code(
        'display.table(machineconfigs.runbook.author_impact_table(rb), name="authoring_impact", '
        'empty="It writes what the pool\'s config already holds: no node action.")'
    ),
    md(
        "## 6 Creating it on the cluster\n\n"
        "`oc create -f` done safely: on a live cluster a server-side dry run "
        "(`POST ...?dryRun=All`) first, which checks the object's schema and your rights only: "
        "the machine-config controller does not render it, so it predicts neither a render "
        "failure nor whether the nodes reboot (the impact above is this runbook's prediction). "
        "The create itself is sent only with `-p APPLY true`, or in JupyterLab when you type "
        "the MachineConfig's name into the confirmation and press Apply: exactly the YAML "
        "above. Never in a scheduled run (which sends nothing, not even the dry run), never "
        "against a capture or demo; a MachineConfig whose impact could not be predicted is not "
        "sent. Follow the rollout in 50-pool-rollout."
    ),
    code(
        "create = machineconfigs.runbook.create_plan(rb)\n"
        'display.table(machineconfigs.runbook.create_table(create), name="create_plan")'
    ),
    code(
        "display.table(machineconfigs.runbook.apply_create(src, create, apply=APPLY), "
        'name="create_result")\n'
        "machineconfigs.runbook.confirm_create(src, create, apply=APPLY)"
    ),
    md(
        "## 7 Other ways nodes get configured\n\n"
        "MachineConfigs are not the only writer. The Node Tuning Operator's TuneD daemon "
        "applies sysctls and more at runtime from Tuned CRs (namespace "
        "`openshift-cluster-node-tuning-operator`); privileged DaemonSets can change the nodes "
        "they run on; and what the installer wrote on Day 1 shows up as MachineConfigs."
    ),
    md(
        "### Tuned: which TuneD profiles exist, and which nodes get them?\n\n"
        "`default` (and, before 4.16, `rendered`) belong to the operator: it overwrites changes "
        "to them. Each recommend rule selects nodes by node or pod labels (entries OR-ed, "
        "nested ones AND-ed); the lowest priority number that matches wins. A rule with "
        "MachineConfig labels makes the operator write a MachineConfig (kernel arguments): "
        "changing it reboots that pool."
    ),
    code('display.table(machineconfigs.channels.tuned_table(nc), name="tuned_profiles")'),
    code(
        'display.table(machineconfigs.channels.tuned_recommend_table(nc), name="tuned_recommend", '
        'empty="No recommend rule.")'
    ),
    md(
        "### Which TuneD profile did each node get, and did it apply?\n\n"
        "One Profile object per node (4.6 and later): `status.tunedProfile` and the "
        "Applied/Degraded conditions the node's TuneD daemon reports. Degraded with "
        "`TunedSysctlOverride` means a sysctl from a MachineConfig (`/etc/sysctl.d`) and one "
        "from TuneD disagree. A node without a Profile is a marked row."
    ),
    code(
        'display.table(machineconfigs.channels.node_profiles_table(nc), name="node_tuned_profiles")'
    ),
    md(
        "### Which DaemonSets can change the nodes they run on?\n\n"
        "Pod templates that run privileged, mount the host's `/` or `/etc` (or below it), or "
        "share the host's PID or network namespace. In `openshift-*` namespaces they are the "
        "platform's own operands; elsewhere they are a configuration channel that bypasses "
        "MCO: what they write is in no MachineConfig, and a node replacement may lose it. Read "
        "from the DaemonSets, or from their pods when the source has no DaemonSet objects."
    ),
    code(
        'display.table(machineconfigs.channels.daemonsets_table(nc), name="host_access_daemonsets", '
        'empty="No DaemonSet reaches into its nodes.")'
    ),
    code(
        'display.table(machineconfigs.channels.node_daemonsets_table(nc), name="node_daemonsets")'
    ),
    md(
        "### What was configured on Day 1?\n\n"
        "Install-time configuration (`99-<role>-ssh`, and any MachineConfig manifest given to "
        "`openshift-install`) appears as MachineConfigs without the controller annotation, "
        "created when the cluster was installed (the oldest ClusterVersion history entry). "
        "Changing one now is an ordinary Day-2 MachineConfig change."
    ),
    code('display.facts(machineconfigs.channels.day1_facts(nc), name="day1_summary")'),
    code(
        'display.table(machineconfigs.channels.day1_table(nc), name="day1_machineconfigs", '
        'empty="Every MachineConfig carries the controller annotation.")'
    ),
]


def build() -> nbformat.NotebookNode:
    return notebook(CELLS, prefix="c40")


if __name__ == "__main__":
    write(build(), OUT)
