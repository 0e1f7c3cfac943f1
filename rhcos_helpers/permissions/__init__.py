"""permissions - before a live run, ask the API which runbook sections the caller may run.

The package, by layer (each module imports only the ones above it):

============  =====================================================================================
``sections``  what each runbook section needs from the API (``SECTIONS``), and the grant for it
``reviews``   :func:`preflight`: access and rules reviews sent, and the verdict for each section
============  =====================================================================================

What the runbooks and tests use is exported here (``from rhcos_helpers.permissions import
preflight``).

Examples:
    >>> from rhcos_helpers.sources import open_source
    >>> preflight(open_source("demo")).allowed("node-commands")
    True
"""

from __future__ import annotations

from rhcos_helpers.permissions import reviews, sections
from rhcos_helpers.permissions.reviews import Preflight, SectionCheck, preflight
from rhcos_helpers.permissions.sections import DEBUG_NS, SECTIONS, Access, AccessPath, Section

__all__ = [
    "DEBUG_NS",
    "SECTIONS",
    "Access",
    "AccessPath",
    "Preflight",
    "Section",
    "SectionCheck",
    "preflight",
    "reviews",
    "sections",
]
