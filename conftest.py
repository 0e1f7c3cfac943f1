"""Root conftest: real samples injected into the package's doctests (single-sourced in tests/data)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

SAMPLES = Path(__file__).parent / "tests" / "data" / "commands"
API = Path(__file__).parent / "tests" / "data" / "api"

pytest_plugins = ["tests.simulator.fixtures"]


@pytest.fixture(autouse=True)
def _doctest_samples(doctest_namespace: dict[str, Any]) -> None:
    doctest_namespace["OS_RELEASE_43"] = (SAMPLES / "os_release" / "rhcos-4.3.txt").read_text()
    doctest_namespace["OS_RELEASE_413"] = (SAMPLES / "os_release" / "rhcos-4.13.txt").read_text()
    doctest_namespace["SAMPLE_NODE"] = yaml.safe_load(
        (API / "node-worker-draining-4.16.yaml").read_text()
    )
    doctest_namespace["SAMPLE_POOL"] = yaml.safe_load(
        (API / "mcp-infra-paused-4.16.yaml").read_text()
    )
