"""report.runner - run runbooks with papermill and write their reports.

:func:`run_runbooks` checks everything it can before any cell runs (runbook names, parameter
names and types, the source), then executes each runbook in a fresh kernel with papermill's
Python API in this process, and writes, per runbook, the executed notebook and its HTML page,
then ``index.html`` and ``summary.json`` (see :mod:`rhcos_helpers.report.index`)::

    OUT/10-node-os.ipynb  OUT/10-node-os.html  ...  OUT/index.html  OUT/summary.json

A runbook that fails (a cell raised, the kernel died) still gets both files with the error
visible; the other runbooks still run; its result has status ``failed``.
"""

from __future__ import annotations

import functools
import logging
import re
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rhcos_helpers.errors import UsageError
from rhcos_helpers.redaction import redact, redact_text
from rhcos_helpers.report import history
from rhcos_helpers.report.html import notebook_to_html, redact_outputs
from rhcos_helpers.report.index import INDEX_FILE, SUMMARY_FILE, write_index
from rhcos_helpers.report.record import read_records
from rhcos_helpers.report.results import RunbookResult, RunSummary
from rhcos_helpers.report.runbooks import (
    RunbookInfo,
    discover_runbooks,
    list_runbooks,
    read_runbook,
    resolve_runbooks,
)
from rhcos_helpers.sources import open_source
from rhcos_helpers.sources.base import SourceIdentity

__all__ = ["KERNEL_NAME", "execute_notebook", "list_runbooks", "plan_parameters", "run_runbooks"]

log = logging.getLogger(__name__)

#: The kernel every runbook runs in (the environment's own Python).
KERNEL_NAME = "python3"
#: The parameter every runbook receives from ``--source``.
SOURCE_PARAMETER = "SOURCE"
#: Seconds jupyter_client waits for a kernel to exit after a shutdown request before it
#: terminates it. ipykernel 7 sometimes does not exit on its own, and the default (5 s) then
#: adds seconds to about one run in eight (see docs/machine-notes §1, papermill issue #525).
SHUTDOWN_WAIT_S = 0.5

#: Kernel command-line options: the kernel's own log at ERROR hides ipykernel 7's per-start
#: warning about unencrypted local TCP, which would otherwise print once per runbook.
KERNEL_ARGUMENTS = ("--IPKernelApp.log_level=ERROR",)

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_NON_PATH_SOURCES = re.compile(r"^(demo|kube|in-cluster)(:.*)?$")


class _PapermillNoise(logging.Filter):
    """Drop papermill's parameter-inspection warnings (parameters are checked here instead).

    Papermill's parser skips lines holding a second ``=`` and annotations like ``str | None``,
    and warns about them on every run; :func:`plan_parameters` reads them correctly.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not message.startswith(("Unable to parse line", "Passed unknown parameter"))


_NOISE = _PapermillNoise()


def _quiet_papermill() -> None:
    for name in ("papermill", "papermill.translators"):
        logger = logging.getLogger(name)
        if _NOISE not in logger.filters:
            logger.addFilter(_NOISE)


@functools.cache
def _kernel_manager_class() -> type[Any]:
    """An AsyncKernelManager for finished runbooks: no interrupt at shutdown, 0.5 s to exit.

    jupyter_client 8 sends SIGINT before every shutdown request, and ipykernel 7 logs each one
    as ``ERROR | KeyboardInterrupt caught in kernel.`` on the terminal, once per runbook. The
    runbook's cells have finished when papermill shuts the kernel down, so there is nothing to
    interrupt; a kernel that does not exit is terminated after :data:`SHUTDOWN_WAIT_S`.
    """
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import Float

    class QuickShutdownKernelManager(AsyncKernelManager):
        shutdown_wait_time = Float(SHUTDOWN_WAIT_S, config=True)

        async def _async_interrupt_kernel(self) -> None:
            if self.shutting_down:
                return
            await super()._async_interrupt_kernel()

    return QuickShutdownKernelManager


def absolute_source(spec: str) -> str:
    """The source spec with capture paths made absolute (runbooks run in another directory).

    Examples:
        >>> absolute_source("demo:4.3"), absolute_source("kube:admin")
        ('demo:4.3', 'kube:admin')
        >>> absolute_source("/tmp/mg,/tmp/sos")
        '/tmp/mg,/tmp/sos'
    """
    text = spec.strip()
    if _NON_PATH_SOURCES.match(text):
        return text
    parts = [p.strip() for p in text.split(",") if p.strip()]
    return ",".join(str(Path(p).expanduser().absolute()) for p in parts)


def plan_parameters(
    runbooks: list[RunbookInfo], *, source: str, parameters: dict[str, str]
) -> dict[str, dict[str, Any]]:
    """The converted parameters each runbook gets, checked before anything runs.

    ``SOURCE`` goes to every runbook. Every other parameter goes to each selected runbook that
    declares it (by exact name, else by a unique case-insensitive match) and is converted to that
    runbook's declared type.

    Raises:
        UsageError: for a parameter no selected runbook declares (naming the runbooks and their
            parameters), for ``SOURCE`` given as a parameter, or for a value of the wrong type.

    Examples:
        >>> from rhcos_helpers.report.runbooks import ParameterInfo
        >>> rb = RunbookInfo("10-a", Path("10-a.ipynb"), "A", "", (
        ...     ParameterInfo("SOURCE", "str", '"demo"', ""), ParameterInfo("LIMIT", "int", "5", "")))
        >>> plan_parameters([rb], source="demo", parameters={"limit": "3"})
        {'10-a': {'SOURCE': 'demo', 'LIMIT': 3}}
    """
    plan: dict[str, dict[str, Any]] = {rb.name: {SOURCE_PARAMETER: source} for rb in runbooks}
    for given, value in parameters.items():
        if given.upper() == SOURCE_PARAMETER:
            raise UsageError("give the source with --source, not as parameter SOURCE")
        receivers = 0
        for rb in runbooks:
            param = rb.parameter(given) or _case_insensitive(rb, given)
            if param is None:
                continue
            receivers += 1
            plan[rb.name][param.name] = param.coerce(value, runbook=rb.name)
        if not receivers:
            raise UsageError(_unknown_parameter_message(given, runbooks))
    return plan


def _case_insensitive(rb: RunbookInfo, name: str) -> Any:
    matches = [p for p in rb.parameters if p.name.lower() == name.lower()]
    return matches[0] if len(matches) == 1 else None


def _describe_parameters(rb: RunbookInfo) -> str:
    names = [f"{p.name} ({p.type_label})" for p in rb.parameters if p.name != SOURCE_PARAMETER]
    return ", ".join(names) or "none besides SOURCE"


def _unknown_parameter_message(name: str, runbooks: list[RunbookInfo]) -> str:
    if len(runbooks) == 1:
        rb = runbooks[0]
        return f"runbook {rb.name} has no parameter {name!r}; its parameters: " + (
            _describe_parameters(rb)
        )
    listing = "; ".join(f"{rb.name}: {_describe_parameters(rb)}" for rb in runbooks)
    return f"no selected runbook has a parameter {name!r}; parameters: {listing}"


#: Parameters whose values are node names (comma-separated); checked against the cluster.
NODE_PARAMETERS = ("NODE", "NODES")


def probe_source(source: str, *, plan: dict[str, dict[str, Any]] | None = None) -> SourceIdentity:
    """Open the source once (so a bad one fails before any runbook starts) and describe it.

    Node names given in ``NODE``/``NODES`` parameters are checked against the source's nodes.

    Raises:
        SourceError: for a spec that names no usable source.
        ClusterAccessError: when a live cluster cannot be reached.
        UsageError: for a node the source does not have, naming the nodes it has.
    """
    with open_source(source) as opened:
        wanted = sorted(
            {
                name.strip()
                for params in (plan or {}).values()
                for key in NODE_PARAMETERS
                for name in str(params.get(key) or "").split(",")
                if name.strip()
            }
        )
        if wanted:
            known = opened.node_names()
            unknown = [n for n in wanted if n not in known]
            if unknown:
                shown = ", ".join(known[:12]) + (" ..." if len(known) > 12 else "")
                raise UsageError(
                    f"unknown node {unknown[0]!r}; this cluster's nodes are: {shown} "
                    "(pass names as `oc get nodes` prints them)"
                )
        return opened.identity


def one_line_error(ename: str, evalue: str) -> str:
    r"""``ename: evalue`` on one line, without terminal colours, redacted, at most 300 chars.

    Examples:
        >>> one_line_error("ValueError", "\x1b[0;31mbad\nthing\x1b[0m")
        'ValueError: bad thing'
    """
    text = " ".join(_ANSI.sub("", f"{ename}: {evalue}").split())
    text = redact_text(text)
    return text if len(text) <= 300 else text[:297] + "..."


def _failure_notebook(name: str, error: str) -> Any:
    import nbformat

    nb = nbformat.v4.new_notebook()  # type: ignore[no-untyped-call]
    nb.cells.append(
        nbformat.v4.new_markdown_cell(  # type: ignore[no-untyped-call]
            f"# {name}\n\n**The runbook did not run.**\n\n```\n{error}\n```",
            metadata={"tags": ["papermill-error-cell-tag"]},
        )
    )
    return nb


def execute_notebook(path: Path, output: Path, parameters: dict[str, Any], *, cwd: Path) -> Any:
    """Run one notebook with papermill in this process, the way every runbook is run.

    The output notebook is written once at the end (and by papermill's 30-second autosave
    during long cells), not after every cell: per-cell saves of a report notebook that embeds
    the table JavaScript cost more than the cells themselves.

    Returns:
        The executed ``NotebookNode``.

    Raises:
        PapermillExecutionError: a cell raised; the notebook with the error is written.
    """
    import papermill

    return papermill.execute_notebook(
        str(path),
        str(output),
        parameters=parameters,
        kernel_name=KERNEL_NAME,
        progress_bar=False,
        cwd=str(cwd),
        kernel_manager_class=_kernel_manager_class(),
        extra_arguments=list(KERNEL_ARGUMENTS),
        request_save_on_cell_execute=False,
    )


def _run_one(
    info: RunbookInfo,
    parameters: dict[str, Any],
    *,
    out_dir: Path,
    show_code: bool,
    identity: SourceIdentity | None = None,
    available: frozenset[str] | None = None,
) -> RunbookResult:
    import nbformat
    from papermill.exceptions import PapermillExecutionError

    notebook_path = out_dir / f"{info.name}.ipynb"
    html_path = out_dir / f"{info.name}.html"
    error: str | None = None
    nb: Any = None
    log.info("running %s with %s", info.name, sorted(parameters))
    started = time.perf_counter()
    try:
        nb = execute_notebook(info.path, notebook_path, parameters, cwd=out_dir)
    except PapermillExecutionError as exc:
        error = one_line_error(exc.ename, exc.evalue)
    except Exception as exc:  # noqa: BLE001 - a dead or unstartable kernel fails this runbook only
        log.warning("runbook %s: %s: %s", info.name, type(exc).__name__, exc)
        error = one_line_error(type(exc).__name__, str(exc))
    duration = time.perf_counter() - started

    if nb is None and notebook_path.exists():
        nb = nbformat.read(notebook_path, as_version=4)  # type: ignore[no-untyped-call]
    if nb is None:
        nb = _failure_notebook(info.name, error or "no output notebook was written")
    records = read_records(nb)
    redact_outputs(nb)
    nbformat.write(nb, notebook_path)  # type: ignore[no-untyped-call]
    html_path.write_text(
        notebook_to_html(
            nb,
            show_code=show_code,
            title=f"{info.name}: {info.title}",
            identity=identity,
            available=available,
            failed=error is not None,
        ),
        encoding="utf-8",
    )
    log.info("%s %s in %.1f s", info.name, "failed" if error else "ok", duration)
    return RunbookResult(
        name=info.name,
        title=info.title,
        status="failed" if error else "ok",
        duration_s=duration,
        parameters=redact(parameters),
        error=error,
        records=records,
        notebook=notebook_path,
        html=html_path,
    )


def run_runbooks(
    names: list[str] | None,
    *,
    source: str,
    parameters: dict[str, str],
    out_dir: Path | None = None,
    out_root: Path | None = None,
    notebooks_dir: Path | None = None,
    show_code: bool = False,
) -> RunSummary:
    """Run runbooks against one source and write their reports into ``out_dir``.

    Everything is checked before any cell runs: the runbook names, the parameters (a parameter
    goes to every selected runbook that declares it and must be declared by at least one), their
    types, and the source (opened once, then closed).

    Args:
        names: runbooks to run (full name, number or name without number); ``None`` or empty
            runs all of them, in order.
        source: the ``--source`` spec (see :func:`rhcos_helpers.sources.open_source`).
        parameters: parameter name to the string given on the command line.
        out_dir: the report directory (created if missing).
        out_root: instead of ``out_dir``, an output root: the run goes into
            ``OUT_ROOT/<cluster-id>/<UTC start time>/``, its ``index.html`` shows the changes
            since the previous run of the same cluster there, and ``OUT_ROOT/index.html`` is
            rewritten to list every run (see :mod:`rhcos_helpers.report.history`).
        notebooks_dir: where the runbooks are; default ``$RHCOS_RUNBOOKS_NOTEBOOKS``, else the
            repository's ``notebooks/``.
        show_code: show code cells in the HTML pages.

    Returns:
        One result per runbook, and where the index and summary were written.

    Raises:
        UsageError: unknown runbook or parameter, wrong parameter type, neither or both of
            ``out_dir`` and ``out_root``.
        SourceError: a source that names nothing usable.
        ClusterAccessError: a live cluster that cannot be reached.
    """
    if (out_dir is None) == (out_root is None):
        raise UsageError("give exactly one of an output directory and an output root")
    started_at = datetime.now(UTC)
    known = discover_runbooks(notebooks_dir)
    selected = [read_runbook(name, known[name]) for name in resolve_runbooks(names, known)]
    source = absolute_source(source)
    plan = plan_parameters(selected, source=source, parameters=parameters)
    identity = probe_source(source, plan=plan)

    root = Path(out_root).absolute() if out_root is not None else None
    if root is not None:
        out_dir = _new_run_dir(root, identity, started_at)
    assert out_dir is not None
    out_dir = Path(out_dir).absolute()
    out_dir.mkdir(parents=True, exist_ok=True)
    _quiet_papermill()
    results = [
        _run_one(
            info,
            plan[info.name],
            out_dir=out_dir,
            show_code=show_code,
            identity=identity,
            available=frozenset(info.name for info in selected),
        )
        for info in selected
    ]
    root_index: Path | None = None
    if root is None:
        write_index(out_dir, results, identity=identity)
    else:
        here = out_dir.relative_to(root).as_posix()
        earlier = history.previous_run(
            history.load_runs(root),
            cluster_id=identity.cluster_id,
            before=datetime.now(UTC).isoformat(),
            exclude=here,
        )
        write_index(
            out_dir,
            results,
            identity=identity,
            previous=earlier[1] if earlier else None,
            previous_href=f"../../{earlier[0]}/index.html" if earlier else None,
            compare=True,
        )
        root_index = history.write_root_index(root)
    return RunSummary(
        out_dir=out_dir,
        identity=identity,
        results=results,
        index=out_dir / INDEX_FILE,
        summary=out_dir / SUMMARY_FILE,
        root_index=root_index,
    )


def _new_run_dir(root: Path, identity: SourceIdentity, started_at: datetime) -> Path:
    """``ROOT/<cluster-id>/<UTC time>/``, with a suffix if that directory exists already."""
    base = root / history.cluster_dir_name(identity.cluster_id) / history.run_dir_name(started_at)
    candidate, number = base, 1
    while candidate.exists():
        number += 1
        candidate = base.with_name(f"{base.name}-{number}")
    candidate.mkdir(parents=True)
    return candidate
