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


@pytest.fixture(autouse=True)
def _doctest_samples(doctest_namespace: dict[str, Any]) -> None:
    """Real samples the package's doctests use (single-sourced in tests/data)."""
    samples = DATA / "commands"
    doctest_namespace["OS_RELEASE_43"] = (samples / "os_release" / "rhcos-4.3.txt").read_text()
    doctest_namespace["OS_RELEASE_413"] = (samples / "os_release" / "rhcos-4.13.txt").read_text()
