"""services.journal_analysis - what the journals say: counts, errors, bursts, a chart, findings.

Everything here reads a :class:`~rhcos_helpers.services.journal_read.JournalReport` or its
table (:func:`~rhcos_helpers.services.journal_records.to_frame` columns): one status row per
node and unit, messages per level, the error and event lines, bursts of errors, messages over
time as a figure, and the findings (OOM kills, CrashLoopBackOff, unit failures and restarts,
error bursts, journals that could not be read).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pandas as pd

from rhcos_helpers.findings import Finding, Severity
from rhcos_helpers.services.journal_read import JournalReport
from rhcos_helpers.services.journal_records import (
    COL_EVENT,
    COL_IDENTIFIER,
    COL_LEVEL,
    COL_LEVEL_FROM,
    COL_MESSAGE,
    COL_NODE,
    COL_TIME,
    COL_UNIT,
    LEVELS,
    UNKNOWN,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "counts_frame",
    "error_bursts",
    "errors_frame",
    "findings",
    "plot_activity",
    "status_frame",
]


def status_frame(report: JournalReport) -> pd.DataFrame:
    """One row per node and unit: status, entries, errors, time span, origin and reason."""
    rows = []
    for j in report.journals:
        errors = sum(1 for e in j.entries if e.is_error)
        rows.append(
            {
                "node": j.node,
                "fact": f"journal_unit.{j.unit.removesuffix('.service')}",
                "status": j.status,
                "entries": len(j.entries),
                "errors": errors,
                "first": j.entries[0].time if j.entries else None,
                "last": j.entries[-1].time if j.entries else None,
                "requests": j.requests,
                "origin": j.origin,
                "reason": j.reason,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "node", "fact", "status", "entries", "errors", "first", "last", "requests",
            "origin", "reason",
        ],
    )  # fmt: skip


def counts_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Messages per node, unit and level, with the first and last time of each.

    Examples:
        >>> from rhcos_helpers.services.journal_records import to_frame
        >>> counts_frame(to_frame([])).columns.tolist()
        ['node', 'unit', 'level', 'messages', 'first', 'last']
    """
    cols = [COL_NODE, COL_UNIT, COL_LEVEL, "messages", "first", "last"]
    if frame.empty:
        return pd.DataFrame(columns=cols)
    grouped = frame.groupby([COL_NODE, COL_UNIT, COL_LEVEL], sort=True)[COL_TIME]
    out = grouped.agg(messages="size", first="min", last="max").reset_index()
    order = {name: i for i, name in enumerate((*LEVELS, UNKNOWN))}
    out["_o"] = out[COL_LEVEL].map(order)
    out = out.sort_values([COL_NODE, COL_UNIT, "_o"]).drop(columns="_o")
    return out[cols].reset_index(drop=True)


def errors_frame(frame: pd.DataFrame, *, limit: int = 1000) -> pd.DataFrame:
    """Entries at err or worse, or reporting an event (OOM, CrashLoopBackOff...), newest last.

    Args:
        frame: a :func:`~rhcos_helpers.services.journal_records.to_frame` table.
        limit: keep the newest ``limit`` rows.
    """
    cols = [COL_TIME, COL_NODE, COL_UNIT, COL_LEVEL, COL_LEVEL_FROM, COL_EVENT, COL_IDENTIFIER,
            COL_MESSAGE]  # fmt: skip
    if frame.empty:
        return pd.DataFrame(columns=cols)
    mask = frame[COL_LEVEL].isin(LEVELS[:4]) | (frame[COL_EVENT] != "")
    out = frame.loc[mask, cols].sort_values(COL_TIME, kind="stable")
    return out.tail(limit).reset_index(drop=True)


def error_bursts(
    frame: pd.DataFrame, *, bin: timedelta = timedelta(minutes=10), threshold: int = 20
) -> pd.DataFrame:
    """Time bins in which one unit on one node logged at least ``threshold`` errors.

    Returns:
        Columns node, unit, start, errors (sorted by errors, most first).
    """
    cols = [COL_NODE, COL_UNIT, "start", "errors"]
    if frame.empty:
        return pd.DataFrame(columns=cols)
    errs = frame[frame[COL_LEVEL].isin(LEVELS[:4])]
    if errs.empty:
        return pd.DataFrame(columns=cols)
    start = errs[COL_TIME].dt.floor(pd.Timedelta(bin))
    counts = errs.groupby([errs[COL_NODE], errs[COL_UNIT], start.rename("start")]).size()
    out = counts[counts >= threshold].rename("errors").reset_index()
    return out.sort_values("errors", ascending=False, kind="stable")[cols].reset_index(drop=True)


_LEVEL_GROUPS = (
    ("err and worse", LEVELS[:4], "#c9190b"),
    ("warning", ("warning",), "#f0ab00"),
    ("notice/info", ("notice", "info"), "#2b9af3"),
    ("debug", ("debug",), "#8bc1f7"),
    ("unknown (text form)", (UNKNOWN,), "#8a8d90"),
)


def plot_activity(frame: pd.DataFrame, *, bins: int = 48) -> Figure | None:
    """Messages per unit and level over time: one panel per unit, stacked by level group.

    Args:
        frame: a :func:`~rhcos_helpers.services.journal_records.to_frame` table (all nodes
            together).
        bins: about how many time bins to draw.

    Returns:
        A matplotlib figure (not attached to pyplot), or ``None`` when there is nothing to plot.
    """
    if frame.empty:
        return None
    from matplotlib.figure import Figure

    times = frame[COL_TIME]
    span = times.max() - times.min()
    step = _nice_step(span / max(1, bins))
    units = sorted(frame[COL_UNIT].replace("", "(no unit)").unique())
    fig = Figure(figsize=(10, 1.8 + 1.6 * len(units)), layout="constrained")
    axes = fig.subplots(len(units), 1, sharex=True, squeeze=False)[:, 0]
    for ax, unit in zip(axes, units, strict=True):
        sub = frame[frame[COL_UNIT].replace("", "(no unit)") == unit]
        binned = sub[COL_TIME].dt.floor(step)
        bottom: pd.Series | None = None
        for label, levels, colour in _LEVEL_GROUPS:
            part = binned[sub[COL_LEVEL].isin(levels)]
            if part.empty:
                continue
            counts = part.value_counts().sort_index()
            base = bottom.reindex(counts.index, fill_value=0) if bottom is not None else 0
            ax.bar(
                counts.index, counts.values, width=step * 0.9, bottom=base, color=colour,
                label=label, align="edge",
            )  # fmt: skip
            bottom = counts if bottom is None else bottom.add(counts, fill_value=0)
        ax.set_title(unit, loc="left", fontsize=10)
        ax.set_ylabel(f"msgs / {_step_label(step)}")
        ax.legend(loc="upper left", fontsize=8, frameon=False)
    axes[-1].set_xlabel("time (UTC)")
    return fig


def _nice_step(raw: pd.Timedelta) -> pd.Timedelta:
    for minutes in (1, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440):
        step = pd.Timedelta(minutes=minutes)
        if raw <= step:
            return step
    return pd.Timedelta(days=max(1, int(raw / pd.Timedelta(days=1)) + 1))


def _step_label(step: pd.Timedelta) -> str:
    minutes = int(step.total_seconds() // 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h"


def findings(report: JournalReport, *, burst_threshold: int = 20) -> list[Finding]:
    """OOM kills, CrashLoopBackOff, unit failures and restarts, error bursts, unread journals.

    One finding per (node, unit, kind), so a noisy journal does not drown the list.
    """
    out: list[Finding] = []
    frame = report.frame
    kinds: dict[str, tuple[Severity, str, str]] = {
        "oom": (Severity.WARNING, "OOM kill", "the kernel killed a process for memory"),
        "crashloop": (
            Severity.WARNING,
            "CrashLoopBackOff",
            "a container keeps failing and the kubelet backs off restarting it",
        ),
        "failed": (Severity.WARNING, "unit failure", "systemd reports the unit failed"),
        "restart": (Severity.INFO, "unit restarted", "systemd restarted the unit automatically"),
    }
    if not frame.empty:
        ev = frame[frame[COL_EVENT] != ""]
        for (node, unit, kind), group in ev.groupby([COL_NODE, COL_UNIT, COL_EVENT], sort=True):
            severity, title, why = kinds[str(kind)]
            last = group[COL_TIME].max()
            out.append(
                Finding(
                    severity=severity,
                    title=f"{title} in the {unit} journal of {node}",
                    what=f"{len(group)} line(s), last at {last:%Y-%m-%d %H:%M:%S} UTC: {why}. "
                    f"First line: {str(group[COL_MESSAGE].iloc[0])[:160]}",
                    where=f"node/{node}",
                    next_runbook="20-crio-containers" if kind in ("oom", "crashloop") else None,
                )
            )
        for row in error_bursts(frame, threshold=burst_threshold).itertuples(index=False):
            out.append(
                Finding(
                    severity=Severity.WARNING,
                    title=f"Error burst in the {row.unit} journal of {row.node}",
                    what=f"{row.errors} error lines in 10 minutes from "
                    f"{row.start:%Y-%m-%d %H:%M} UTC.",
                    where=f"node/{row.node}",
                )
            )
    unread = [j for j in report.journals if j.status in ("failed", "unparsed")]
    for j in unread:
        out.append(
            Finding(
                severity=Severity.INFO,
                title=f"Journal of {j.unit} on {j.node} could not be read",
                what=j.reason or j.status,
                where=f"node/{j.node}",
            )
        )
    return out
