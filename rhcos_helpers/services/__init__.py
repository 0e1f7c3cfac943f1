"""services - systemd units and their journals on the nodes (runbook 30).

The package, by layer (each module imports only the ones above it):

====================  ===========================================================================
``targets``           the nodes runbook 30 reads: given names, else a label selector, capped
``journal_records``   ``JournalEntry``, the level and event read from each message, ``to_frame``
``journal_json``      ``journalctl -o json`` to entries, or straight to a DataFrame (fast path)
``journal_text``      journalctl's short text forms (node-logs API, must-gather, sos reports)
``journal_read``      a source's journal per unit and node: any form, time windows, many nodes
``journal_analysis``  status, counts, errors, error bursts, the activity chart, findings
``systemctl``         ``systemctl show`` and ``systemctl list-units`` parsers and their records
``units_read``        ``systemctl show`` and ``list-units`` read on many nodes: ``ServicesReport``
``units_analysis``    key services, failed units and the collection status as tables, findings
``mcd``               the machine-config daemon pod of each node (from the API), table, findings
====================  ===========================================================================
"""

from __future__ import annotations

from rhcos_helpers.services import (
    journal_analysis,
    journal_json,
    journal_read,
    journal_records,
    journal_text,
    mcd,
    systemctl,
    targets,
    units_analysis,
    units_read,
)

__all__ = [
    "journal_analysis",
    "journal_json",
    "journal_read",
    "journal_records",
    "journal_text",
    "mcd",
    "systemctl",
    "targets",
    "units_analysis",
    "units_read",
]
