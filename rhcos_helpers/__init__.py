"""rhcos_helpers - collect, parse and present what OpenShift 4 nodes running RHCOS say.

Layers, in one direction: ``sources`` (live API, must-gather + sos captures, bundled demos) →
domain modules that parse and analyse (``cluster``, ``nodes``, ``pools``, ...) → ``display``
and ``report`` (notebook output, HTML, ``summary.json``). Notebooks in ``notebooks/`` hold
parameters, calls and prose only.
"""

from __future__ import annotations

from rhcos_helpers.errors import (
    ClusterAccessError,
    NotApplicable,
    ParseError,
    RhcosHelpersError,
    SourceError,
    UsageError,
)
from rhcos_helpers.findings import Finding, Severity
from rhcos_helpers.sources import NodeOutput, Source, SourceIdentity, open_source

__version__ = "0.1.0"

__all__ = [
    "ClusterAccessError",
    "Finding",
    "NodeOutput",
    "NotApplicable",
    "ParseError",
    "RhcosHelpersError",
    "Severity",
    "Source",
    "SourceError",
    "SourceIdentity",
    "UsageError",
    "__version__",
    "open_source",
]
