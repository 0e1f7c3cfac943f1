"""cli - the ``rhcos-runbooks`` command.

::

    rhcos-runbooks run [RUNBOOK ...] [--source SPEC] [-p NAME VALUE]... [--out DIR | --out-root ROOT]
                       [--show-code]
    rhcos-runbooks list

``run`` executes the runbooks (all of them when none is named) against one source and writes
``DIR/<runbook>.html``, ``DIR/<runbook>.ipynb``, ``DIR/index.html`` and ``DIR/summary.json``;
with ``--out-root ROOT`` DIR is ``ROOT/<cluster-id>/<UTC time>`` and ``ROOT/index.html`` lists
every run, each with its changes since the cluster's previous run.
Exit status: 0 when every runbook ran to the end, 1 when one failed (its report shows the
error), 2 for a usage error (nothing ran; one line on stderr).
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from rhcos_helpers.errors import RhcosHelpersError

__all__ = ["build_parser", "default_out_dir", "main"]

PROG = "rhcos-runbooks"
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

_SOURCE_HELP = (
    "where to read: demo (default), demo:4.3, a must-gather/sos/capture PATH[,PATH...], "
    "kube[:CONTEXT] or in-cluster"
)


def default_out_dir(source: str, *, now: datetime | None = None) -> Path:
    """``reports/<source-slug>-<UTC timestamp>``, relative to the current directory.

    Examples:
        >>> when = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
        >>> default_out_dir("demo:4.3", now=when).as_posix()
        'reports/demo-4-3-20261120T093000Z'
        >>> default_out_dir("/tmp/must-gather.local.1234/", now=when).as_posix()
        'reports/must-gather-local-1234-20261120T093000Z'
    """
    spec = source.strip()
    if not re.match(r"^(demo|kube|in-cluster)(:|$)", spec):
        first = spec.split(",")[0].rstrip("/")
        spec = Path(first).name or first
    slug = re.sub(r"[^a-z0-9]+", "-", spec.lower()).strip("-")[:40].strip("-") or "source"
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path("reports") / f"{slug}-{stamp}"


class _Parser(argparse.ArgumentParser):
    """argparse with the usage error on one line, like every other error of this command."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{PROG}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser."""
    parser = _Parser(
        prog=PROG,
        description="Run RHCOS/OpenShift runbooks (Jupyter notebooks) and write HTML reports.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = commands.add_parser(
        "run",
        help="run runbooks and write their reports",
        description="Run runbooks against one source and write HTML reports, index.html and "
        "summary.json. Exit 0 when all ran, 1 when one failed, 2 on a usage error.",
    )
    run.add_argument("runbooks", nargs="*", metavar="RUNBOOK", help="runbooks (default: all)")
    run.add_argument("--source", default="demo", help=_SOURCE_HELP)
    run.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="a runbook parameter (see 'rhcos-runbooks list'); repeatable",
    )
    where = run.add_mutually_exclusive_group()
    where.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="report directory (default: reports/<source>-<UTC time>)",
    )
    where.add_argument(
        "--out-root",
        type=Path,
        default=None,
        metavar="ROOT",
        help="keep runs over time: write into ROOT/<cluster-id>/<UTC time>/ with the changes "
        "since the cluster's previous run, and list every run in ROOT/index.html",
    )
    run.add_argument("--show-code", action="store_true", help="show code cells in the HTML")
    run.add_argument("--notebooks", type=Path, default=None, metavar="DIR", help=argparse.SUPPRESS)

    listing = commands.add_parser(
        "list",
        help="list runbooks and their parameters",
        description="List the runbooks with their questions and parameters.",
    )
    listing.add_argument(
        "--notebooks", type=Path, default=None, metavar="DIR", help=argparse.SUPPRESS
    )
    capture = commands.add_parser(
        "capture",
        help="snapshot a cluster for offline runs",
        description="Write the cluster's API objects and every node fact to DIR in the "
        "project's capture layout, so every runbook re-runs offline with --source DIR. "
        "Reads only; secrets are not written.",
    )
    capture.add_argument("--source", default="kube", help="kube, kube:CONTEXT or in-cluster")
    capture.add_argument("--out", type=Path, required=True, metavar="DIR", help="new directory")
    capture.add_argument(
        "--concurrency", type=int, default=4, help="nodes collected at once (default 4)"
    )
    capture.add_argument(
        "--node-timeout", type=float, default=120, help="seconds per node (default 120)"
    )
    capture.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser


def _capture(args: argparse.Namespace) -> int:
    from rhcos_helpers.sources.snapshot import capture_command

    out = capture_command(
        source_spec=args.source,
        out_dir=args.out,
        concurrency=args.concurrency,
        node_timeout=args.node_timeout,
        progress=not args.no_progress,
    )
    print(f"capture: {out}  (run it with: {PROG} run --source {out})")
    return EXIT_OK


def _run(args: argparse.Namespace) -> int:
    from rhcos_helpers.report.runner import run_runbooks

    parameters: dict[str, str] = {}
    for name, value in args.parameter:
        parameters[name] = value
    out_dir = None
    if args.out_root is None:
        out_dir = args.out if args.out is not None else default_out_dir(args.source)
    summary = run_runbooks(
        args.runbooks or None,
        source=args.source,
        parameters=parameters,
        out_dir=out_dir,
        out_root=args.out_root,
        notebooks_dir=args.notebooks,
        show_code=args.show_code,
    )
    width = max(len(r.name) for r in summary.results)
    for result in summary.results:
        line = f"{result.name:<{width}}  {result.status:<6}  {result.duration_s:6.1f} s"
        if result.error:
            line += f"  {result.error}"
        print(line)
    print(f"index: {summary.index}")
    if summary.root_index is not None:
        print(f"runs: {summary.root_index}")
    return EXIT_OK if summary.ok else EXIT_FAILED


def _list(args: argparse.Namespace) -> int:
    from rhcos_helpers.report.runbooks import list_runbooks

    for info in list_runbooks(args.notebooks):
        print(f"{info.name}  {info.title}")
        if info.question:
            print(f"    {info.question}")
        for param in info.parameters:
            default = f" = {param.default}" if param.default else ""
            help_text = f"  # {param.help}" if param.help else ""
            flag = "--source" if param.name == "SOURCE" else f"-p {param.name}"
            print(f"    {flag}: {param.type_label}{default}{help_text}")
        print()
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Args:
        argv: the arguments without the program name (default: ``sys.argv[1:]``).

    Returns:
        0 all runbooks ran, 1 a runbook failed, 2 usage error (bad runbook, parameter,
        source, or an unreachable cluster).
    """
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as exc:  # --help, or a usage error already printed
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format=f"{PROG}: %(levelname)s: %(name)s: %(message)s",
    )
    try:
        if args.command == "run":
            return _run(args)
        if args.command == "capture":
            return _capture(args)
        return _list(args)
    except RhcosHelpersError as exc:
        message = " ".join(str(exc).split())
        print(f"{PROG}: error: {message}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
