"""Pytest fixtures for the API simulator; import the ones a test module needs.

Each fixture is a plain function fixture: ``from tests.simulator.fixtures import simulator``
(or list this module in ``pytest_plugins`` of the root conftest to have them everywhere).

``mini_capture`` is the tests' tiny capture (tests/data/live/mini-capture); ``simulator`` and
``tls_simulator`` serve it with the default token; ``kubeconfig`` / ``tls_kubeconfig`` point
the official client at them. ``demo_simulator`` serves the bundled 4.16 demo (skipped until it
is generated). ``sno_simulator``, ``compact_simulator`` and ``hosted_simulator`` serve the
topology captures (tests/data/topologies/*-4.16: single-node, compact, hosted control plane);
a single node's rollout with its API away while it reboots is
``sim.timeline.start(RolloutScript(pool="master", single_node=True, api_outage_s=...))``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.simulator.server import DEMO_CAPTURE, MINI_CAPTURE, Simulator

#: The topology captures by name (see tests/data/topologies/make_topologies.py).
TOPOLOGIES = {
    name: Path(__file__).resolve().parents[1] / "data" / "topologies" / f"{name}-4.16"
    for name in ("sno", "compact", "hosted")
}

__all__ = [
    "TOPOLOGIES",
    "compact_simulator",
    "demo_simulator",
    "hosted_simulator",
    "kubeconfig",
    "mini_capture",
    "simulator",
    "sno_simulator",
    "tls_kubeconfig",
    "tls_simulator",
]


@pytest.fixture
def mini_capture() -> Path:
    """The mini capture directory (2 nodes, ClusterVersion, MCPs, SCCs, pods)."""
    return MINI_CAPTURE


@pytest.fixture
def simulator(mini_capture: Path) -> Iterator[Simulator]:
    """An HTTP simulator serving the mini capture."""
    with Simulator(mini_capture) as sim:
        yield sim


@pytest.fixture
def tls_simulator(mini_capture: Path) -> Iterator[Simulator]:
    """An HTTPS simulator (self-signed, IP SAN 127.0.0.1) serving the mini capture."""
    with Simulator(mini_capture, tls=True) as sim:
        yield sim


@pytest.fixture
def demo_simulator() -> Iterator[Simulator]:
    """An HTTP simulator serving the bundled 4.16 demo capture."""
    if not (DEMO_CAPTURE / "cluster").is_dir():
        pytest.skip(f"demo capture not generated yet at {DEMO_CAPTURE}")
    with Simulator(DEMO_CAPTURE) as sim:
        yield sim


@pytest.fixture
def kubeconfig(simulator: Simulator, tmp_path: Path) -> Path:
    """A kubeconfig (context ``simulator``) for :func:`simulator`."""
    return simulator.write_kubeconfig(tmp_path / "kubeconfig")


@pytest.fixture
def tls_kubeconfig(tls_simulator: Simulator, tmp_path: Path) -> Path:
    """A kubeconfig with ``certificate-authority-data`` for :func:`tls_simulator`."""
    return tls_simulator.write_kubeconfig(tmp_path / "kubeconfig-tls")


@pytest.fixture
def sno_simulator() -> Iterator[Simulator]:
    """Single-node OpenShift 4.16: one node, its master pool about to roll out."""
    with Simulator(TOPOLOGIES["sno"]) as sim:
        yield sim


@pytest.fixture
def compact_simulator() -> Iterator[Simulator]:
    """A compact cluster: three schedulable masters, an empty worker pool."""
    with Simulator(TOPOLOGIES["compact"]) as sim:
        yield sim


@pytest.fixture
def hosted_simulator() -> Iterator[Simulator]:
    """A hosted control plane's guest: no machineconfiguration.openshift.io API at all."""
    with Simulator(TOPOLOGIES["hosted"]) as sim:
        yield sim
