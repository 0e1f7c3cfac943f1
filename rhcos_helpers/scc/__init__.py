"""scc - SecurityContextConstraints: who may use which, which admits a pod, granting one (runbook 60).

The package, by layer (each module imports only the ones above it):

===================  ==============================================================================
``parse``            one SCC: the ``Scc`` record read from the API object
``policies``         the cluster's SCCs in admission order, their restrictiveness scores
``policy_tables``    ``oc get scc``, ``oc describe scc``, what each allows, findings
``access``           who may use which SCC: the SCC's own users/groups and RBAC ``use`` grants
``admission_input``  the pod to review (YAML, a workload, the seed's) and the namespace's ranges
``_matching``        one SCC applied to a pod: defaults filled in, validated, the plugin's messages
``admission``        which SCC admits a pod, the security context it gets, and why others did not
``psa``              Pod Security Admission (OpenShift 4.11+) beside the SCCs
``grant``            grant or revoke an SCC to a service account as ``oc adm policy`` does (dry run)
``runtime``          pods as they run (their SCC and user), the cluster's own review, and findings
``runbook``          the steps of runbook 60-scc, each returning a value or the reason it has none
===================  ==============================================================================
"""

from __future__ import annotations

from rhcos_helpers.scc import (
    access,
    admission,
    admission_input,
    grant,
    parse,
    policies,
    policy_tables,
    psa,
    runbook,
    runtime,
)

__all__ = [
    "access",
    "admission",
    "admission_input",
    "grant",
    "parse",
    "policies",
    "policy_tables",
    "psa",
    "runbook",
    "runtime",
]
