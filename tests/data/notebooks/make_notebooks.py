"""Regenerate the test runbooks in this directory: python tests/data/notebooks/make_notebooks.py.

10-hello: typed parameters (int, str | None, a default holding "=").
20-records: records findings, a DataFrame table, a table with a secret, and context.
30-fails: raises in its third cell.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat as nbf

D = Path(__file__).parent
KS = {
    "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
    "language_info": {"name": "python"},
}


def nb(cells: list[tuple[str, ...]]) -> Any:
    n = nbf.v4.new_notebook()
    n.metadata.update(KS)
    for kind, src, *tags in cells:
        maker = nbf.v4.new_markdown_cell if kind == "md" else nbf.v4.new_code_cell
        cell = maker(src)
        if tags:
            cell.metadata["tags"] = tags
        n.cells.append(cell)
    for i, c in enumerate(n.cells):
        c["id"] = f"cell-{i}"
    return n


def main() -> None:
    nbf.write(
        nb(
            [
                (
                    "md",
                    "# Hello runbook\n\nDoes the runner pass typed parameters?\n\nMore prose here.",
                ),
                (
                    "code",
                    'SOURCE: str = "demo"  # where to read\n'
                    "LIMIT: int = 5  # at most this many nodes\n"
                    "NAME: str | None = None  # one node, or None for all\n"
                    'SELECTOR: str = "node-role.kubernetes.io/worker="  # label selector, e.g. a=b\n',
                    "parameters",
                ),
                (
                    "code",
                    'print(f"SOURCE={SOURCE} LIMIT={LIMIT!r} ({type(LIMIT).__name__}) NAME={NAME!r} SELECTOR={SELECTOR}")',
                ),
            ]
        ),
        D / "10-hello.ipynb",
    )

    nbf.write(
        nb(
            [
                ("md", "# Records runbook\n\nWhat does a runbook hand to the index?"),
                (
                    "code",
                    'SOURCE: str = "demo"  # where to read\n'
                    "DEEP: bool = False  # look deeper\n"
                    "RATIO: float = 0.5  # a ratio\n",
                    "parameters",
                ),
                (
                    "code",
                    "import pandas as pd\n\n"
                    "from rhcos_helpers.findings import Finding, Severity\n"
                    "from rhcos_helpers.report import record",
                ),
                (
                    "code",
                    "findings = [\n"
                    '    Finding(severity=Severity.WARNING, title="Pool worker is paused", what="Changes wait.",\n'
                    '            where="machineconfigpool/worker", next_runbook="10-hello"),\n'
                    '    Finding(severity=Severity.CRITICAL, title="Node worker-1 is NotReady", what="Kubelet stopped.",\n'
                    '            where="node/worker-1"),\n'
                    "]\n"
                    "nodes = pd.DataFrame({\n"
                    '    "name": ["worker-0", "worker-1"],\n'
                    '    "ready": [True, False],\n'
                    '    "since": pd.to_datetime(["2024-05-02T10:00:00Z", None]),\n'
                    '    "load": [0.5, float("nan")],\n'
                    "})\n"
                    'record("findings", findings)\n'
                    'record("nodes", nodes)\n'
                    'record("secrets", [{"name": "pull", "token": "CANARY-record-" + "token-31337"}])\n'
                    'record("context", {"source": SOURCE, "deep": DEEP, "ratio": RATIO})',
                ),
                (
                    "code",
                    'print("kubeconfig line -> token: sha256~" + "CANARYoauthTOKEN0123456789abcdef")\nnodes',
                ),
            ]
        ),
        D / "20-records.ipynb",
    )

    nbf.write(
        nb(
            [
                ("md", "# Failing runbook\n\nWhat does a failure look like?"),
                ("code", 'SOURCE: str = "demo"  # where to read\n', "parameters"),
                ("code", 'print("before the failure")'),
                ("code", 'raise ValueError("planted failure in 30-fails")'),
                ("code", 'print("never reached")'),
            ]
        ),
        D / "30-fails.ipynb",
    )


if __name__ == "__main__":
    main()
