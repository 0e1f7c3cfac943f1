r"""report.runbooks - find the runbooks, read their parameters, check and convert values.

A runbook is ``notebooks/NN-name.ipynb`` (two digits, a dash, a name). Its parameters come from
its ``parameters`` cell, one typed and commented assignment per line (style guide P11)::

    SOURCE: str = "demo"  # where to read: demo, a capture path, kube[:CONTEXT]
    NODE: str | None = None  # one node, or None for all
    LIMIT: int = 5  # at most this many nodes

The cell is read with :mod:`ast`, not with ``papermill.inspect_notebook``: papermill's pattern
drops a parameter annotated ``str | None`` without a word and skips every line holding a second
``=`` (``NODE_SELECTOR: str = "node-role.kubernetes.io/worker="``). Papermill's own inspection is
the fallback for a cell that is not plain Python.

Examples:
    >>> cell = 'SOURCE: str = "demo"  # where to read\nNODE: str | None = None  # a node'
    >>> [(p.name, p.type, p.default, p.help) for p in parse_parameters(cell)]
    [('SOURCE', 'str', '"demo"', 'where to read'), ('NODE', 'str | None', 'None', 'a node')]
    >>> ParameterInfo("LIMIT", "int", "5", "").coerce("7", runbook="10-x")
    7
    >>> ParameterInfo("DEEP", "bool", "False", "").coerce("yes", runbook="10-x")
    True
"""

from __future__ import annotations

import ast
import io
import logging
import os
import re
import tokenize
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rhcos_helpers.errors import UsageError

__all__ = [
    "ParameterInfo",
    "RunbookInfo",
    "default_notebooks_dir",
    "discover_runbooks",
    "list_runbooks",
    "parse_parameters",
    "resolve_runbooks",
]

log = logging.getLogger(__name__)

#: Environment variable naming the directory that holds the runbooks.
NOTEBOOKS_ENV = "RHCOS_RUNBOOKS_NOTEBOOKS"

_RUNBOOK_FILE = re.compile(r"^(\d{2})-(.+)\.ipynb$")
_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}
_NONE = {"none", "null"}
_SCALARS = {"str", "int", "float", "bool"}


@dataclass(frozen=True)
class ParameterInfo:
    """One parameter of a runbook.

    Attributes:
        name: the variable name, e.g. ``LIMIT``.
        type: the annotation as written (``int``, ``str | None``), or ``""`` when there is none.
        default: the default's source text, e.g. ``'demo'`` or ``5``.
        help: the trailing comment.
    """

    name: str
    type: str
    default: str
    help: str

    @property
    def type_label(self) -> str:
        """The type to show a user: the annotation, else the default's type, else ``any``."""
        if self.type:
            return self.type
        base = _literal_type(self.default)
        return base or "any"

    def coerce(self, value: str, *, runbook: str) -> Any:
        """Convert a command-line string to this parameter's type.

        ``bool`` accepts true/false, yes/no, on/off, 1/0; an optional type (``X | None``)
        also accepts ``None``/``null``. Unannotated parameters take the type of their default;
        other annotations get the string as given.

        Raises:
            UsageError: when the value does not convert, naming the runbook and the type.
        """
        base, optional, choices = _parse_type(self.type)
        if not self.type:
            base = _literal_type(self.default)
            optional = True
        if optional and value.strip().lower() in _NONE:
            return None
        try:
            converted = _convert(value, base)
        except ValueError:
            raise UsageError(
                f"runbook {runbook}: parameter {self.name} expects {self.type_label}, got {value!r}"
            ) from None
        if choices is not None and converted not in choices:
            shown = ", ".join(repr(c) for c in choices)
            raise UsageError(
                f"runbook {runbook}: parameter {self.name} must be one of {shown}, got {value!r}"
            )
        return converted


@dataclass(frozen=True)
class RunbookInfo:
    """What a runbook is about and what it takes.

    Attributes:
        name: the file name without ``.ipynb``, e.g. ``10-node-os``.
        path: the notebook file.
        title: the first markdown heading.
        question: the first paragraph after it (the question the runbook answers).
        parameters: the parameters, in the order of the parameters cell.
    """

    name: str
    path: Path
    title: str
    question: str
    parameters: tuple[ParameterInfo, ...] = field(default_factory=tuple)

    def parameter(self, name: str) -> ParameterInfo | None:
        """The parameter called ``name``, or ``None``."""
        for param in self.parameters:
            if param.name == name:
                return param
        return None


def _literal_type(default: str) -> str:
    try:
        value = ast.literal_eval(default)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return ""
    for kind in (bool, int, float, str):
        if isinstance(value, kind):
            return kind.__name__
    return ""


def _parse_type(annotation: str) -> tuple[str, bool, tuple[Any, ...] | None]:
    """``(base, optional, choices)`` of an annotation; base is ``""`` when not a scalar."""
    text = annotation.strip().strip("'\"")
    if not text:
        return "", True, None
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return "", False, None
    return _type_node(node)


def _type_node(node: ast.expr) -> tuple[str, bool, tuple[Any, ...] | None]:
    if isinstance(node, ast.Name) and node.id in _SCALARS:
        return node.id, False, None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        sides = [node.left, node.right]
        nones = [s for s in sides if isinstance(s, ast.Constant) and s.value is None]
        others = [s for s in sides if s not in nones]
        if nones and len(others) == 1:
            base, _optional, choices = _type_node(others[0])
            return base, True, choices
        return "", False, None
    if isinstance(node, ast.Subscript):
        head = (
            node.value.attr
            if isinstance(node.value, ast.Attribute)
            else getattr(node.value, "id", "")
        )
        if head == "Optional":
            base, _optional, choices = _type_node(node.slice)
            return base, True, choices
        if head == "Literal":
            items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            if all(isinstance(i, ast.Constant) for i in items):
                values = tuple(i.value for i in items if isinstance(i, ast.Constant))
                kinds = {type(v).__name__ for v in values}
                base = kinds.pop() if len(kinds) == 1 and not kinds & {"NoneType"} else "str"
                return base, None in values, values
    return "", False, None


def _convert(value: str, base: str) -> Any:
    if base == "int":
        return int(value.strip())
    if base == "float":
        return float(value.strip())
    if base == "bool":
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError(value)
    return value


def parse_parameters(source: str) -> list[ParameterInfo]:
    """The parameters declared by a parameters cell's source.

    Falls back to papermill's parser when the cell is not plain Python (magics, syntax errors).
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return _papermill_parameters(source)
    comments = _comments_by_line(source)
    params: list[ParameterInfo] = []
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            name, annotation = node.target.id, ast.unparse(node.annotation)
            value = node.value
        elif (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            name, annotation, value = node.targets[0].id, "", node.value
        else:
            continue
        default = ""
        if value is not None:
            default = ast.get_source_segment(source, value) or ast.unparse(value)
        comment = comments.get(node.end_lineno or node.lineno, "")
        type_comment = re.match(r"type:\s*(\S+)\s*(.*)$", comment)
        if type_comment and not annotation:
            annotation, comment = type_comment.group(1), type_comment.group(2)
        params.append(ParameterInfo(name, annotation, default, comment.strip()))
    return params


def _comments_by_line(source: str) -> dict[int, str]:
    comments: dict[int, str] = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                comments[token.start[0]] = token.string.lstrip("#").strip()
    except (tokenize.TokenError, SyntaxError):
        pass
    return comments


def _papermill_parameters(source: str) -> list[ParameterInfo]:
    from papermill.translators import PythonTranslator

    found = PythonTranslator.inspect({"source": source})
    return [
        ParameterInfo(
            p.name,
            "" if p.inferred_type_name == "None" else p.inferred_type_name,
            p.default,
            p.help,
        )
        for p in found
    ]


def _cell_source(cell: Any) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _describe(nb: Any) -> tuple[str, str]:
    """``(title, question)`` from the notebook's markdown cells."""
    title = question = ""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "markdown":
            continue
        paragraph: list[str] = []
        for line in _cell_source(cell).splitlines() + [""]:
            stripped = line.strip()
            if stripped.startswith("#"):
                if not title:
                    title = stripped.lstrip("#").strip()
                stripped = ""
            if stripped:
                paragraph.append(stripped)
            elif paragraph:
                if title and not question:
                    question = " ".join(paragraph)
                paragraph = []
            if title and question:
                return title, question
    return title, question


def default_notebooks_dir() -> Path:
    """``$RHCOS_RUNBOOKS_NOTEBOOKS``, else the repository's ``notebooks/`` directory."""
    env = os.environ.get(NOTEBOOKS_ENV)
    if env:
        return Path(env).expanduser()
    return Path(__file__).resolve().parents[2] / "notebooks"


def discover_runbooks(notebooks_dir: Path | None = None) -> dict[str, Path]:
    """The runbooks in a directory, by name, sorted.

    Raises:
        UsageError: when the directory holds no ``NN-name.ipynb`` notebook.
    """
    directory = notebooks_dir if notebooks_dir is not None else default_notebooks_dir()
    found = {}
    if directory.is_dir():
        for path in sorted(directory.iterdir()):
            if _RUNBOOK_FILE.match(path.name) and path.is_file():
                found[path.stem] = path
    if not found:
        raise UsageError(
            f"no runbooks (NN-name.ipynb) in {directory}; set {NOTEBOOKS_ENV} to the directory "
            "that holds them"
        )
    return found


def resolve_runbooks(names: list[str] | None, known: dict[str, Path]) -> list[str]:
    """Runbook names as the user typed them to file names, in the order given (all if none).

    A runbook may be named in full (``10-node-os``), by number (``10``) or by the part after
    the number (``node-os``).

    Raises:
        UsageError: for a name that matches no runbook or several, listing the known ones.
    """
    if not names:
        return list(known)
    chosen: list[str] = []
    for raw in names:
        name = raw.strip().removesuffix(".ipynb")
        name = Path(name).name if "/" in name else name
        if name in known:
            matches = [name]
        else:
            matches = [
                k
                for k in known
                if (m := _RUNBOOK_FILE.match(k + ".ipynb")) and name in (m.group(1), m.group(2))
            ]
        if len(matches) != 1:
            problem = "ambiguous" if matches else "unknown"
            raise UsageError(f"{problem} runbook {raw!r}; runbooks: {', '.join(known)}")
        if matches[0] not in chosen:
            chosen.append(matches[0])
    return chosen


def read_runbook(name: str, path: Path) -> RunbookInfo:
    """Read one runbook's title, question and parameters.

    Raises:
        UsageError: for a file that is not a readable notebook.
    """
    import nbformat

    try:
        nb = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    except (OSError, ValueError) as exc:
        raise UsageError(f"runbook {name}: cannot read {path}: {exc}") from None
    title, question = _describe(nb)
    params: list[ParameterInfo] = []
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            params = parse_parameters(_cell_source(cell))
            break
    return RunbookInfo(name, path, title or name, question, tuple(params))


def list_runbooks(notebooks_dir: Path | None = None) -> list[RunbookInfo]:
    """Every runbook with its title, question and parameters.

    Args:
        notebooks_dir: where the runbooks are; default :func:`default_notebooks_dir`.

    Raises:
        UsageError: when there are no runbooks there.
    """
    return [read_runbook(name, path) for name, path in discover_runbooks(notebooks_dir).items()]
