"""node_access - run node-level commands on many nodes: debug pods, SSH and the fan-out.

The package, by layer (each module imports only the ones above it):

===================  ===============================================================================
``_kube_http``       raw JSON requests through the client's ``ApiClient``: retries, Status messages
``fanout``           :func:`~.fanout.collect_facts`: facts from many nodes at once, every node named
``debug_manifests``  the pod and the temporary namespace ``oc debug node/X`` creates; labels, image
``debug_sweep``      :func:`sweep`: removes what dead runs left behind, never a live run's objects
``debug_start``      waiting for a debug pod to run, and why it did not (admission, image, node)
``debug_exec``       one ``exec`` of ``chroot /host ARGV`` in a debug pod: stdout, stderr, exit code
``debug_pod``        :class:`DebugPodRunner`: one debug pod per node per run, removed on every path
``ssh_errors``       what a failed ``ssh`` call means, in one line with the next step
``ssh``              :class:`~.ssh.SshRunner`: ``ssh core@NODE sudo -n -- CMD``, the system client
``pcap``             a classic libpcap file summarised: protocols, talkers, service ports
``capture_policy``   the checked ``tcpdump`` argv, and when a packet capture is refused
``packet_capture``   :func:`~.packet_capture.capture_packets`: tcpdump in a toolbox pod, pcap back
===================  ===============================================================================

``DebugPodRunner`` (:mod:`~rhcos_helpers.node_access.debug_pod`) and ``sweep``
(:mod:`~rhcos_helpers.node_access.debug_sweep`) are re-exported here; they are imported on first
use (the Kubernetes client is heavy to import).
"""

from __future__ import annotations

from typing import Any

__all__ = ["DebugPodRunner", "sweep"]

_LAZY = {"DebugPodRunner": "debug_pod", "sweep": "debug_sweep"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"{__name__}.{module}"), name)
