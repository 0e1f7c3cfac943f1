"""Shared fixtures: test data paths and API object samples."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

DATA = Path(__file__).parent / "data"


def load_api(name: str) -> list[dict[str, Any]]:
    """Objects of tests/data/api/<name>.yaml (a List file as `oc get -o yaml` writes it)."""
    doc = yaml.safe_load((DATA / "api" / f"{name}.yaml").read_text())
    return list(doc["items"]) if "items" in doc else [doc]


@pytest.fixture
def data_dir() -> Path:
    return DATA
