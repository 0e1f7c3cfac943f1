"""sources.capture_layout - read the project's own capture layout (``docs/capture-layout.md``).

A capture written by ``rhcos-runbooks capture`` (:mod:`~rhcos_helpers.sources.snapshot`), and each
bundled demo, is a directory with :data:`MANIFEST` (``rhcos-capture.json``: format, kind, capture
time, API URL, context, notes), ``cluster/`` (a must-gather root) and ``nodes/<node>/``
(``facts.json`` says how each fact was obtained; ``<stem>.out`` and ``<stem>.err`` hold its
output). :class:`_Project` reads and checks the manifest; :func:`_from_project` reads one node
fact back as the :class:`~rhcos_helpers.sources.base.NodeOutput` that was captured.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from rhcos_helpers.catalogue import NodeFact
from rhcos_helpers.errors import SourceError
from rhcos_helpers.sources.base import NodeOutput, Status
from rhcos_helpers.sources.must_gather import _read_text

__all__ = ["CAPTURE_FORMAT", "MANIFEST"]

log = logging.getLogger(__name__)

MANIFEST = "rhcos-capture.json"
CAPTURE_FORMAT = "rhcos-runbooks-capture/1"


@dataclass
class _Project:
    """A capture in the project's own layout."""

    root: Path
    manifest: dict[str, Any]

    @classmethod
    def read(cls, root: Path) -> _Project:
        path = root / MANIFEST
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SourceError(
                f"source {str(path)!r}: unreadable capture manifest ({exc}); "
                "take the capture again with rhcos-runbooks capture"
            ) from None
        if not isinstance(manifest, dict):
            raise SourceError(f"source {str(path)!r}: the manifest is not a JSON object")
        fmt = manifest.get("format", CAPTURE_FORMAT)
        if fmt != CAPTURE_FORMAT:
            raise SourceError(
                f"source {str(path)!r}: capture format {fmt!r} is not {CAPTURE_FORMAT!r}; "
                "use the rhcos-runbooks version that wrote it"
            )
        return cls(root=root, manifest=manifest)

    @property
    def captured_at(self) -> datetime | None:
        raw = self.manifest.get("captured_at")
        if not isinstance(raw, str):
            return None
        try:
            stamp = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            log.warning("%s: captured_at %r is not ISO 8601; ignored", self.root / MANIFEST, raw)
            return None
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def _from_project(
    project: _Project, node: str, fact_: NodeFact, unit_stem: str | None
) -> NodeOutput | None:
    """A node fact from ``nodes/<node>/``, or ``None`` when the capture has no such directory."""
    node_dir = project.root / "nodes" / node
    if not node_dir.is_dir():
        return None
    stem = f"{fact_.name}.{unit_stem}" if unit_stem else fact_.name
    try:
        facts = json.loads((node_dir / "facts.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        facts = {}
    except (OSError, ValueError) as exc:
        log.warning("unreadable %s: %s", node_dir / "facts.json", exc)
        facts = {}
    entry = facts.get(stem) if isinstance(facts, dict) else None
    rel = f"nodes/{node}/{stem}.out"
    if not isinstance(entry, dict):
        return NodeOutput(
            node,
            fact_.name,
            "missing",
            format=fact_.format,
            origin=f"capture:nodes/{node}/facts.json",
            reason=f"the capture did not collect {stem} for {node}; take it again with "
            "rhcos-runbooks capture or run against the live cluster (--source kube)",
        )
    status = entry.get("status", "missing")
    if status not in ("ok", "failed", "missing"):
        status = "failed"
    out_path, err_path = node_dir / f"{stem}.out", node_dir / f"{stem}.err"
    reason = str(entry.get("reason") or "")
    if status == "ok" and not out_path.is_file():
        status = "missing"
        reason = f"facts.json says ok but {rel} is absent; the capture is incomplete"
    exit_code = entry.get("exit_code")
    return NodeOutput(
        node=node,
        fact=fact_.name,
        status=cast(Status, status),
        stdout=_read_text(out_path) if out_path.is_file() else "",
        stderr=_read_text(err_path) if err_path.is_file() else "",
        exit_code=exit_code if isinstance(exit_code, int) else None,
        format=str(entry.get("format") or fact_.format),
        origin=f"capture:{rel}",
        argv=tuple(str(a) for a in entry.get("argv") or ()),
        reason=reason,
    )
