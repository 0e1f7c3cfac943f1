"""An in-memory Source for unit tests of domain modules (passed in, never patched)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rhcos_helpers.errors import NotApplicable
from rhcos_helpers.sources.base import (
    NodeOutput,
    Source,
    SourceIdentity,
    label_selector_matches,
)


class FakeSource(Source):
    def __init__(
        self,
        objects: dict[str, list[dict[str, Any]]],
        *,
        now: datetime = datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
        outputs: dict[tuple[str, str], NodeOutput] | None = None,
    ) -> None:
        self.objects = objects
        self.outputs = outputs or {}
        self._identity = SourceIdentity(kind="capture", spec="fake", captured_at=now)

    @property
    def identity(self) -> SourceIdentity:
        return self._identity

    def list(
        self, resource: str, *, namespace: str | None = None, label_selector: str | None = None
    ) -> list[dict[str, Any]]:
        if resource not in self.objects:
            raise NotApplicable(f"{resource} not collected in this fake capture")
        return [
            o
            for o in self.objects[resource]
            if (namespace is None or o["metadata"].get("namespace") == namespace)
            and label_selector_matches(o["metadata"].get("labels"), label_selector)
        ]

    def get(
        self, resource: str, name: str, *, namespace: str | None = None
    ) -> dict[str, Any] | None:
        try:
            items = self.list(resource, namespace=namespace)
        except NotApplicable:
            return None
        return next((o for o in items if o["metadata"]["name"] == name), None)

    def node_output(self, node: str, fact: str, **params: str) -> NodeOutput:
        return self.outputs.get(
            (node, fact), NodeOutput(node=node, fact=fact, status="missing", reason="not in fake")
        )
