"""Access to the project's fact catalogue (argv and formats come from there, never copied)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def catalogue_fact(name: str) -> Any:
    from rhcos_helpers.catalogue import CATALOGUE

    return CATALOGUE[name]


def render_argv(fact_: Any, **params: str) -> tuple[str, ...]:
    from rhcos_helpers.catalogue import render_argv as render

    return render(fact_, **params)
