"""The create of a MachineConfig, for the API simulator (``oc create -f 50-worker-chrony.yaml``).

Served (hooked in at the top of ``_App.route``):

* ``POST /apis/machineconfiguration.openshift.io/v1/machineconfigs``: 201 with the stored
  object (``uid``, ``creationTimestamp``, ``resourceVersion``, ``generation`` set); 409
  AlreadyExists for a name that exists; 422 Invalid without ``metadata.name``; 400 BadRequest
  for a body of another kind or apiVersion, and for a ``dryRun`` value other than ``All``
  (the API server's message). ``dryRun=All`` answers the object as it would be and stores
  nothing, as the API server does. The machine-config controller is not simulated: nothing
  renders, no pool changes.

Every write bumps the cluster's resourceVersion; list and get then serve the new object.
"""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.simulator.capture import Resource
from tests.simulator.scc_writes import _stamp, _status

if TYPE_CHECKING:
    from tests.simulator.server import _App

__all__ = ["GROUP", "PATH", "handle"]

GROUP = "machineconfiguration.openshift.io"
PATH = f"/apis/{GROUP}/v1/machineconfigs"


async def handle(app: _App, request: web.Request, user: str) -> web.StreamResponse | None:
    """Answer the create of a MachineConfig; ``None`` for everything else."""
    if request.method != "POST" or request.path.rstrip("/") != PATH:
        return None
    if user == "system:anonymous":
        return _status(403, "Forbidden",
                       f'forbidden: User "system:anonymous" cannot post path "{request.path}"')  # fmt: skip
    state = app.state
    res = state.resource(GROUP, "machineconfigs")
    if res is None:
        res = Resource(GROUP, "v1", "machineconfigs", "MachineConfig", False)
        state.resources[(GROUP, "machineconfigs")] = res
    app._authorize(user, res, "create")
    dry = request.query.getall("dryRun", [])
    if any(d != "All" for d in dry):
        bad = next(d for d in dry if d != "All")
        return _status(400, "BadRequest", f'Invalid dry run value: "{bad}": valid values are "All"')
    try:
        body: Any = json.loads(await request.read() or b"{}")
    except ValueError:
        return _status(400, "BadRequest", "the request body is not JSON")
    if not isinstance(body, dict):
        return _status(400, "BadRequest", "the request body is not an object")
    if body.get("kind") != "MachineConfig" or body.get("apiVersion") != f"{GROUP}/v1":
        return _status(
            400, "BadRequest",
            f"the API version in the data ({body.get('apiVersion')}) does not match the expected "
            f"API version ({GROUP}/v1), or kind {body.get('kind')!r} is not MachineConfig",
        )  # fmt: skip
    name = (body.get("metadata") or {}).get("name")
    if not name:
        return _status(422, "Invalid", "MachineConfig.machineconfiguration.openshift.io \"\" is "
                       "invalid: metadata.name: Required value: name or generateName is required",
                       {"kind": "MachineConfig", "group": GROUP})  # fmt: skip
    if res.find(name) is not None:
        return _status(409, "AlreadyExists",
                       f'machineconfigs.{GROUP} "{name}" already exists',
                       {"name": name, "group": GROUP, "kind": "machineconfigs"})  # fmt: skip
    obj = copy.deepcopy(body)
    if dry:
        answer = copy.deepcopy(obj)
        rv = state.resource_version
        _stamp(state, answer, new=True)
        state.resource_version = rv  # a dry run stores nothing and moves nothing
        answer["metadata"].pop("resourceVersion", None)
        answer["metadata"]["generation"] = 1
        return web.json_response(answer, status=201)
    _stamp(state, obj, new=True)
    obj["metadata"]["generation"] = 1
    res.objects.append(obj)
    res.objects.sort(key=lambda o: str(o["metadata"].get("name", "")))
    return web.json_response(obj, status=201)
