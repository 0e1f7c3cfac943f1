"""A NodeFleet built by hand, for tests of the node_os package (versions, drift, accounts, health)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rhcos_helpers.node_os.fleet import NodeFleet, PoolState
from rhcos_helpers.nodes import MCO
from rhcos_helpers.sources.base import NodeOutput

WORKER_SELECTOR = {"matchLabels": {"node-role.kubernetes.io/worker": ""}}


def ok(text: str, fmt: str = "text", origin: str = "debug-pod") -> tuple[str, str, str, str]:
    return ("ok", text, fmt, origin)


def node_obj(
    name: str,
    *,
    role: str = "worker",
    arch: str = "amd64",
    os_image: str = "Red Hat Enterprise Linux CoreOS 416.94.202411041719-0 (Plow)",
    kernel: str = "5.14.0-427.42.1.el9_4.x86_64",
    crio: str = "cri-o://1.29.10-3.rhaos4.16.git3c7b3f0.el9",
    kubelet: str = "v1.29.10+67d3387",
    current: str = "rendered-worker-new",
    desired: str | None = None,
    state: str = "Done",
    conditions: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    return {
        "metadata": {
            "name": name,
            "labels": {f"node-role.kubernetes.io/{role}": "", "kubernetes.io/arch": arch},
            "annotations": {
                f"{MCO}currentConfig": current,
                f"{MCO}desiredConfig": desired or current,
                f"{MCO}state": state,
            },
        },
        "status": {
            "conditions": conditions or [{"type": "Ready", "status": "True"}],
            "nodeInfo": {
                "architecture": arch,
                "osImage": os_image,
                "kernelVersion": kernel,
                "containerRuntimeVersion": crio,
                "kubeletVersion": kubelet,
            },
        },
    }


def pool(
    name: str = "worker",
    *,
    paused: bool = False,
    updating: bool = False,
    target: str = "rendered-worker-new",
    current: str = "rendered-worker-new",
) -> PoolState:
    selector = {"matchLabels": {f"node-role.kubernetes.io/{name}": ""}}
    return PoolState(name, selector, paused, updating, False, target, current)


def fake_fleet(
    outputs: dict[str, dict[str, Any]],
    *,
    objects: dict[str, dict[str, Any]] | None = None,
    pools: tuple[PoolState, ...] = (),
    os_images: dict[str, str] | None = None,
    pools_reason: str = "",
) -> NodeFleet:
    """outputs[node][fact_key] = ok(text) or (status, reason)."""
    outs: dict[str, dict[str, NodeOutput]] = {}
    for node, facts in outputs.items():
        outs[node] = {}
        for key, spec in facts.items():
            fact = key.split(".")[0]
            if spec[0] == "ok":
                _, text, fmt, origin = spec
                outs[node][key] = NodeOutput(
                    node, fact, "ok", stdout=text, format=fmt, origin=origin
                )
            else:
                outs[node][key] = NodeOutput(node, fact, spec[0], reason=spec[1])
    return NodeFleet(
        nodes=tuple(sorted(outputs)),
        objects=objects or {},
        outputs=outs,
        pools=pools,
        pools_reason=pools_reason,
        os_images=os_images or {},
        now=datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
        source_kind="capture",
    )
