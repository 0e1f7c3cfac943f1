"""A Kubernetes/OpenShift API simulator for tests: serves a capture over real HTTP(S).

``Simulator(capture_dir, tls=..., token=..., faults=...)`` starts an aiohttp server on a free
loopback port in a background thread; the unmodified ``kubernetes`` client talks to it through a
kubeconfig written by :meth:`Simulator.write_kubeconfig`. See :mod:`tests.simulator.server`.
"""

from tests.simulator.capture import ClusterState, load_capture
from tests.simulator.server import DEFAULT_TOKEN, Faults, RequestRecord, Simulator, default_capture

__all__ = [
    "DEFAULT_TOKEN",
    "ClusterState",
    "Faults",
    "RequestRecord",
    "Simulator",
    "default_capture",
    "load_capture",
]
