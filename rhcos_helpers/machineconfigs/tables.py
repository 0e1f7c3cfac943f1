"""machineconfigs.tables - MachineConfigs as tables: ``oc get mc``, files, units, kernel settings, generators.

Examples:
    >>> from rhcos_helpers.machineconfigs.parse import McSet, parse_machineconfig
    >>> from datetime import UTC, datetime
    >>> mc = parse_machineconfig(SAMPLE_MC_CHRONY_416)
    >>> s = McSet({mc.name: mc}, {}, (), (), datetime(2026, 11, 20, 9, 30, tzinfo=UTC))
    >>> to_frame(s)[[COL_NAME, COL_IGNITION, COL_AGE, COL_ORIGIN]].values.tolist()
    [['50-worker-chrony', '3.4.0', '34m', 'user']]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from rhcos_helpers._time import age
from rhcos_helpers.machineconfigs.parse import MachineConfigInfo, McFile, McSet, selector_matches

__all__ = [
    "COL_AGE",
    "COL_GENERATED",
    "COL_IGNITION",
    "COL_NAME",
    "COL_ORIGIN",
    "COL_ROLE",
    "files_frame",
    "generator_frame",
    "kernel_frame",
    "to_frame",
    "units_frame",
]

COL_NAME = "NAME"
COL_GENERATED = "GENERATEDBYCONTROLLER"
COL_IGNITION = "IGNITIONVERSION"
COL_AGE = "AGE"
COL_ROLE = "ROLE"
COL_ORIGIN = "ORIGIN"


def to_frame(mcs: McSet, *, ignition_22_columns: bool = False) -> pd.DataFrame:
    """``oc get mc`` (NAME, GENERATEDBYCONTROLLER, IGNITIONVERSION, AGE) plus role and origin.

    Objects that could not be decoded are rows with ORIGIN ``unreadable`` and the reason.

    Args:
        mcs: what :func:`read_machineconfigs` returned.
        ignition_22_columns: print ``CREATED`` instead of ``AGE`` (the 4.3 ``oc`` column).
    """
    age_col = "CREATED" if ignition_22_columns else COL_AGE
    rows = []
    for mc in mcs.configs.values():
        rows.append(
            {
                COL_NAME: mc.name,
                COL_GENERATED: mc.generated_by,
                COL_IGNITION: mc.ignition_version,
                age_col: age(mc.created or None, now=mcs.now),
                COL_ROLE: mc.role,
                COL_ORIGIN: mc.origin,
                "FROM": mc.origin_detail,
                "FILES": len(mc.files),
                "UNITS": len(mc.units),
                "KERNEL ARGS": " ".join(mc.kernel_arguments),
                "SSH": mc.ssh_summary,
                "PROBLEMS": "; ".join(
                    list(mc.unsupported) + [f"{f.path}: {f.error}" for f in mc.files if f.error]
                ),
            }
        )
    for name, reason in sorted(mcs.errors.items()):
        rows.append(
            {COL_NAME: name, COL_GENERATED: "", COL_IGNITION: "", age_col: "", COL_ROLE: "",
             COL_ORIGIN: "unreadable", "FROM": "", "FILES": None, "UNITS": None,
             "KERNEL ARGS": "", "SSH": "", "PROBLEMS": reason}
        )  # fmt: skip
    columns = [COL_NAME, COL_GENERATED, COL_IGNITION, age_col, COL_ROLE, COL_ORIGIN, "FROM",
               "FILES", "UNITS", "KERNEL ARGS", "SSH", "PROBLEMS"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def _selected(mcs: McSet, name: str, *, rendered: bool) -> list[MachineConfigInfo]:
    if name:
        mc = mcs.get(name)
        return [mc] if mc else []
    return [m for m in mcs.configs.values() if rendered or not m.is_rendered]


_MAX_TEXT = 4000


def files_frame(mcs: McSet, *, name: str = "", rendered: bool = False) -> pd.DataFrame:
    """Files per MachineConfig: path, octal mode, overwrite, owner, decoded contents.

    Args:
        mcs: the decoded MachineConfigs.
        name: one MachineConfig (its whole contents); ``""`` for every non-rendered one.
        rendered: include rendered configs when ``name`` is empty.
    """
    rows = []
    for mc in _selected(mcs, name, rendered=rendered):
        for f in mc.files:
            text = f.text
            if f.error:
                shown = f"<undecodable: {f.error}>"
            elif text is None:
                shown = f"<binary, {len(f.contents or b'')} bytes>"
            elif not name and len(text) > _MAX_TEXT:
                shown = text[:_MAX_TEXT] + f"\n... ({len(text)} characters)"
            else:
                shown = text
            rows.append(
                {
                    "MACHINECONFIG": mc.name,
                    "PATH": f.path,
                    "MODE": f.mode_octal,
                    "OVERWRITE": f.effective_overwrite,
                    "OWNER": f"{f.user or 'root'}:{f.group or 'root'}",
                    "ENCODING": _encoding(f),
                    "BYTES": len(f.contents) if f.contents is not None else None,
                    "CONTENTS": shown,
                }
            )
    cols = ["MACHINECONFIG", "PATH", "MODE", "OVERWRITE", "OWNER", "ENCODING", "BYTES", "CONTENTS"]
    return pd.DataFrame(rows, columns=cols)


def _encoding(f: McFile) -> str:
    if f.source is None:
        return "none"
    head = f.source[: f.source.find(",") + 1] if "," in f.source else f.source[:20]
    form = "base64" if head.rstrip(",").endswith(";base64") else "percent"
    if not f.source.startswith("data:"):
        form = "remote"
    return f"{form}+gzip" if f.compression == "gzip" else form


def units_frame(mcs: McSet, *, name: str = "", rendered: bool = False) -> pd.DataFrame:
    """Systemd units and drop-ins per MachineConfig (one row per unit and per drop-in)."""
    rows = []
    for mc in _selected(mcs, name, rendered=rendered):
        for u in mc.units:
            rows.append(
                {
                    "MACHINECONFIG": mc.name,
                    "UNIT": u.name,
                    "DROP-IN": "",
                    "ENABLED": "" if u.enabled is None else u.enabled,
                    "MASK": "" if u.mask is None else u.mask,
                    "CONTENTS": u.contents or "",
                }
            )
            for d in u.dropins:
                rows.append(
                    {
                        "MACHINECONFIG": mc.name,
                        "UNIT": u.name,
                        "DROP-IN": d.name,
                        "ENABLED": "",
                        "MASK": "",
                        "CONTENTS": d.contents or "",
                    }
                )
    cols = ["MACHINECONFIG", "UNIT", "DROP-IN", "ENABLED", "MASK", "CONTENTS"]
    return pd.DataFrame(rows, columns=cols)


def kernel_frame(mcs: McSet, *, name: str = "", rendered: bool = False) -> pd.DataFrame:
    """Per MachineConfig: kernel arguments, extensions, FIPS, kernel type, OS image, ssh keys.

    Only MachineConfigs that set one of them are listed (or the one named).
    """
    rows = []
    for mc in _selected(mcs, name, rendered=rendered):
        if not name and not (
            mc.kernel_arguments
            or mc.extensions
            or mc.fips
            or mc.kernel_type not in ("", "default")
            or mc.os_image_url
            or mc.ssh_keys
        ):
            continue
        rows.append(
            {
                "MACHINECONFIG": mc.name,
                "KERNEL ARGUMENTS": " ".join(mc.kernel_arguments),
                "EXTENSIONS": " ".join(mc.extensions),
                "FIPS": mc.fips,
                "KERNEL TYPE": mc.kernel_type,
                "OS IMAGE": mc.os_image_url,
                "SSH KEYS": mc.ssh_summary,
            }
        )
    cols = ["MACHINECONFIG", "KERNEL ARGUMENTS", "EXTENSIONS", "FIPS", "KERNEL TYPE", "OS IMAGE",
            "SSH KEYS"]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


def _status_message(obj: Mapping[str, Any]) -> str:
    conds = (obj.get("status") or {}).get("conditions") or []
    if not conds:
        return ""
    last = conds[-1]
    return f"{last.get('type', '')}: {last.get('message', '')}".strip(": ")


def generator_frame(mcs: McSet, pools: Sequence[Mapping[str, Any]] = ()) -> pd.DataFrame:
    """KubeletConfigs and ContainerRuntimeConfigs and the MachineConfigs they generate.

    A generated MC is matched by its ownerReference; MCs named like a generated one whose owner
    is not recorded are listed with KIND ``(unknown owner)``. When neither kind was collected
    the table says so in one row.
    """
    rows = []
    gens: list[tuple[str, Iterable[Mapping[str, Any]] | None]] = [
        ("KubeletConfig", mcs.kubeletconfigs),
        ("ContainerRuntimeConfig", mcs.containerruntimeconfigs),
    ]
    claimed: set[str] = set()
    for kind, objs in gens:
        if objs is None:
            rows.append(
                {"KIND": kind, "NAME": "(not collected by this source)", "POOLS": "",
                 "MACHINECONFIGS": "", "STATUS": ""}
            )  # fmt: skip
            continue
        for obj in objs:
            gname = str((obj.get("metadata") or {}).get("name", ""))
            made = [m.name for m in mcs.configs.values() if f"{kind}/{gname}" in m.owners]
            claimed.update(made)
            sel = (obj.get("spec") or {}).get("machineConfigPoolSelector") or {}
            pools_hit = [
                str(p["metadata"]["name"])
                for p in pools
                if selector_matches(sel, (p.get("metadata") or {}).get("labels") or {})
            ]
            rows.append(
                {
                    "KIND": kind,
                    "NAME": gname,
                    "POOLS": ", ".join(pools_hit),
                    "MACHINECONFIGS": ", ".join(made),
                    "STATUS": _status_message(obj),
                }
            )
    for m in mcs.configs.values():
        if m.origin in ("kubeletconfig", "containerruntimeconfig") and m.name not in claimed:
            rows.append(
                {
                    "KIND": "(unknown owner)",
                    "NAME": m.origin_detail,
                    "POOLS": m.role,
                    "MACHINECONFIGS": m.name,
                    "STATUS": "",
                }
            )
    cols = ["KIND", "NAME", "POOLS", "MACHINECONFIGS", "STATUS"]
    return pd.DataFrame(rows, columns=cols)
