"""services - systemd units and their journals on the nodes (runbook 30).

============  ========================================================================================
``journal``   the systemd journal of node services, in every form a cluster hands it out
``units``     systemd units (``systemctl show``, ``list-units``), service checks and the MCD pod
============  ========================================================================================
"""

from __future__ import annotations

from rhcos_helpers.services import journal, units

__all__ = ["journal", "units"]
