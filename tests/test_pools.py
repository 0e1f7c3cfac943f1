from __future__ import annotations

import copy
from datetime import UTC, datetime

from rhcos_helpers import pools
from rhcos_helpers.findings import Severity
from tests.conftest import load_api

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
SAMPLE_POOL = load_api("mcp-infra-paused-4.16")[0]


def test_paused_pool_warns_about_the_kubelet_ca():
    row = pools.pool_row(SAMPLE_POOL, now=NOW)
    assert row.paused is True
    assert row.cert_expiry == "2027-03-01T10:00:00Z"
    found = pools.findings([row])
    assert [f.severity for f in found] == [Severity.WARNING]
    assert "2027-03-01T10:00:00Z" in found[0].what
    assert list(pools.to_frame([row]).columns) == [
        "NAME", "CONFIG", "UPDATED", "UPDATING", "DEGRADED", "MACHINECOUNT",
        "READYMACHINECOUNT", "UPDATEDMACHINECOUNT", "DEGRADEDMACHINECOUNT", "AGE", "PAUSED",
    ]  # fmt: skip


def test_degraded_and_updating_pools():
    degraded = copy.deepcopy(SAMPLE_POOL)
    degraded["metadata"]["name"] = "worker"
    degraded["spec"]["paused"] = False
    degraded["status"]["degradedMachineCount"] = 1
    degraded["status"]["conditions"] = [
        {"type": "Degraded", "status": "True"},
        {"type": "NodeDegraded", "status": "True",
         "message": 'Node worker-1 is reporting: "unexpected on-disk state"'},
    ]  # fmt: skip
    updating = copy.deepcopy(SAMPLE_POOL)
    updating["metadata"]["name"] = "master"
    updating["spec"]["paused"] = False
    updating["status"]["conditions"] = [{"type": "Updating", "status": "True"}]
    found = pools.findings([pools.pool_row(p, now=NOW) for p in (degraded, updating)])
    assert [(f.severity, f.title) for f in found] == [
        (Severity.CRITICAL, "Pool worker is degraded (1 node(s))"),
        (Severity.INFO, "Pool master is updating (0/1 updated)"),
    ]
    assert found[0].what == 'Node worker-1 is reporting: "unexpected on-disk state"'
