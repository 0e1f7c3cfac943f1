"""node_access - run node-level commands on many nodes: debug pods, SSH and the fan-out.

``DebugPodRunner`` and ``sweep`` (:mod:`~rhcos_helpers.node_access.debug_pod`) are re-exported
here; they are imported on first use (the Kubernetes client is heavy to import).
"""

from __future__ import annotations

from typing import Any

__all__ = ["DebugPodRunner", "sweep"]

_LAZY = {"DebugPodRunner": "debug_pod", "sweep": "debug_pod"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"{__name__}.{module}"), name)
