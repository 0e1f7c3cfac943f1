"""machineconfigs - MachineConfigs and the other channels that configure nodes (runbook 40).

The package, by layer (each module imports only the ones above it):

=============  ======================================================================================
``dataurl``    decode the data URLs MachineConfig files carry (the three forms, and gzip)
``parse``      what each MachineConfig writes (``oc get mc``, decoded files, units, kernel settings)
``merge``      the render controller's merge of MachineConfigs, repeated locally
``render``     rendered configs: which MachineConfigs make them, the check against a local merge, diffs
``impact``     will a change drain and reboot the nodes (MCO post-config actions per release)
``author``     write a MachineConfig from plain inputs, refusing what MCO would refuse
``create``     create an authored MachineConfig: a server-side dry run first, applied only by hand
``tables``     MachineConfigs as tables: ``oc get mc``, files, units, kernel settings, generators
``channels``   configuration besides MachineConfigs: Tuned, privileged DaemonSets, Day-1 configs
``runbook``    what runbook 40-machineconfigs reads, computes and shows (one call per cell)
=============  ======================================================================================
"""

from __future__ import annotations

from rhcos_helpers.machineconfigs import (
    author,
    channels,
    create,
    dataurl,
    impact,
    merge,
    parse,
    render,
    runbook,
    tables,
)

__all__ = [
    "author",
    "channels",
    "create",
    "dataurl",
    "impact",
    "merge",
    "parse",
    "render",
    "runbook",
    "tables",
]
