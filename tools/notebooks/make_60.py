"""Write notebooks/60-scc.ipynb (no outputs, kernelspec python3): python tools/notebooks/make_60.py"""

from __future__ import annotations

import nbformat
from _nb import NOTEBOOKS, code, md, notebook, write  # tools/notebooks/_nb.py

OUT = NOTEBOOKS / "60-scc.ipynb"

PARAMETERS = """\
SOURCE: str = "demo"  # where to read: demo, demo:4.3, kube, kube:CONTEXT, in-cluster, or must-gather/sos path(s)
NAMESPACE: str = "demo-app"  # the namespace the pod runs in
SERVICE_ACCOUNT: str = "runasanyuid"  # the pod's service account (and the one to grant GRANT_SCC to)
POD: str = ""  # an existing pod (NAME or pod/NAME) or workload (deployment/NAME) to review; "" = POD_YAML or the seed's root pod
POD_YAML: str = ""  # a pod or workload as YAML to review instead (wins over POD)
USER: str = ""  # who creates the pod; "" = a workload controller (pod from a Deployment), e.g. kube:admin by hand
GROUPS: str = ""  # comma-separated groups of USER, e.g. system:cluster-admins; "" = the usual ones
GRANT_SCC: str = "anyuid"  # the SCC to grant to SERVICE_ACCOUNT (dry run unless APPLY)
GRANT_IN_NAMESPACE: bool = False  # True = a RoleBinding in NAMESPACE (oc adm policy ... -n given explicitly), else a ClusterRoleBinding
REVOKE: bool = False  # True = plan remove-scc-from-user instead of add-scc-to-user
APPLY: bool = False  # True = send the grant to a live cluster (never in a scheduled run; demos and captures refuse); in JupyterLab a typed confirmation offers the same"""

CELLS = [
    (
        "md",
        """\
# 60 · Security context constraints

**Which SCC admits a pod and why; who may use anyuid?** The SCCs as `oc get scc` and `oc describe scc` show them, what each allows beyond `restricted-v2` (or `restricted` before 4.11), which default SCCs are create-only (an upgraded cluster keeps their old users and groups), the order admission tries them in (priority, then restrictiveness score with the weights of the cluster's release, then name), who may use each SCC (its own users and groups, and RBAC `use` grants) and, for a pod, service account and requesting user, which SCC admits it, the security context it gets and why every other SCC was passed over, then Pod Security Admission. Last, granting an SCC the way the seed does (`oc create serviceaccount`, then `oc adm policy add-scc-to-user anyuid -z SA`), as objects: a **dry run** unless `APPLY` is set.

*Reads only the API* (`get`/`list` on securitycontextconstraints, namespaces, pods, serviceaccounts, deployments, clusterroles, clusterrolebindings, roles, rolebindings; on a live cluster one `create` of a `podsecuritypolicysubjectreviews`, which changes nothing). With `APPLY=True`, or in JupyterLab after you type the service account's name into the confirmation and press Apply, on a live cluster only and never in a scheduled run, it creates the service account and the ClusterRole/ClusterRoleBinding or RoleBinding (4.5+) or updates the SCC (4.3/4.4).""",
    ),
    (
        "code",
        """\
from IPython.display import Markdown
from IPython.display import display as show

from rhcos_helpers import display, scc
from rhcos_helpers.sources import open_source""",
    ),
    ("params", PARAMETERS),
    (
        "code",
        """\
src = open_source(SOURCE)
display.run_context(
    src,
    runbook="60-scc",
    parameters={
        "SOURCE": SOURCE, "NAMESPACE": NAMESPACE, "SERVICE_ACCOUNT": SERVICE_ACCOUNT, "POD": POD,
        "POD_YAML": POD_YAML, "USER": USER, "GROUPS": GROUPS, "GRANT_SCC": GRANT_SCC,
        "GRANT_IN_NAMESPACE": GRANT_IN_NAMESPACE, "REVOKE": REVOKE, "APPLY": APPLY,
    },
)""",
    ),
    (
        "code",
        """\
ctx = scc.runbook.load(src)
review = scc.runbook.review_for(
    src, ctx, namespace=NAMESPACE, service_account=SERVICE_ACCOUNT, pod=POD, pod_yaml=POD_YAML,
    user=USER, groups=GROUPS,
)
pods = scc.runbook.pods_table(src)
grant = scc.runbook.grant_for(
    src, ctx, scc=GRANT_SCC, namespace=NAMESPACE, service_account=SERVICE_ACCOUNT,
    explicit_namespace=GRANT_IN_NAMESPACE, revoke=REVOKE,
)""",
    ),
    ("md", "## Findings"),
    ("code", "display.findings(scc.runbook.findings_for(ctx, pods=pods, review_=review))"),
    (
        "md",
        """\
## 1 · The policies (`oc get scc`)

The CRD's printer columns; `<no value>` where the field is null, lists as JSON, as `oc` prints them.""",
    ),
    ("code", 'display.table(ctx.policies.map(scc.policy_tables.get_frame), name="sccs")'),
    ("md", "### `oc describe scc` of the SCC to grant"),
    ("code", "display.table(scc.runbook.describe_for(ctx, GRANT_SCC))"),
    ("md", "### What each SCC allows beyond the restricted one"),
    (
        "code",
        'display.table(ctx.policies.map(scc.policy_tables.beyond_frame), name="beyond_restricted")',
    ),
    (
        "md",
        """\
### Create-only default SCCs

The cluster-version operator creates the legacy SCCs but never updates them, so an upgraded cluster keeps their old `users` and `groups` (installs up to 4.10 opened `restricted` to `system:authenticated`). The v2 SCCs are reconciled.""",
    ),
    (
        "code",
        'display.table(ctx.policies.map(scc.policy_tables.create_only_frame), name="create_only")',
    ),
    (
        "md",
        """\
## 2 · Admission order

Higher priority first, then the lower restrictiveness score, then the name. The score's weights changed in 4.9 (column WEIGHTS); the parts are shown.""",
    ),
    (
        "code",
        'display.table(ctx.policies.map(scc.policy_tables.order_frame), name="admission_order")',
    ),
    (
        "md",
        """\
## 3 · Who may use which SCC

The SCC's own `users`/`groups` and RBAC: ClusterRoleBindings, and RoleBindings (valid in their namespace only), to roles allowing verb `use` on `securitycontextconstraints` by name or for all. A default must-gather holds no RBAC bindings: then only the SCCs' own subjects show, and the command that adds the rest is given.""",
    ),
    ("code", 'display.facts(scc.runbook.rbac_facts(ctx), name="rbac")'),
    (
        "code",
        'display.table(scc.runbook.grants_table(ctx, by="scc"), name="grants", caption="Per SCC")',
    ),
    ("code", 'display.table(scc.runbook.grants_table(ctx, by="subject"), caption="Per subject")'),
    (
        "md",
        "### The service account and the requester in the namespace (identities resolved: service-account groups, `system:authenticated`)",
    ),
    (
        "code",
        """\
display.table(
    scc.runbook.usable_table(
        ctx, namespace=NAMESPACE, service_account=SERVICE_ACCOUNT, user=USER, groups=GROUPS
    ),
    name="usable",
)""",
    ),
    (
        "md",
        """\
## 4 · Admission review

The SCCs walked as admission does: for each, access (the pod's service account, then the requesting user), then defaults and validation; the first that validates wins. The requesting user matters: a pod a cluster-admin creates by hand can get `anyuid` (the group `system:cluster-admins`) while the same pod from a Deployment, created by a controller, gets only what the service account may use.""",
    ),
    ("code", 'display.table(review.map(scc.admission.security_context_frame), name="review")'),
    (
        "code",
        'display.table(review.map(scc.admission.verdict_frame), name="review_sccs", caption="Every SCC, in admission order")',
    ),
    (
        "md",
        "### The same pod from a Deployment and by a cluster-admin, with the service account and with `default`",
    ),
    (
        "code",
        """\
display.table(
    scc.runbook.compare_frame(
        src, ctx, namespace=NAMESPACE, service_account=SERVICE_ACCOUNT, pod=POD, pod_yaml=POD_YAML
    ),
    name="requesters",
)""",
    ),
    ("md", "### The cluster's own answer (live: `PodSecurityPolicySubjectReview`)"),
    (
        "code",
        'display.facts(scc.runbook.cluster_answer(src, review, user=USER, groups=GROUPS), name="cluster_review")',
    ),
    (
        "md",
        """\
### Pod Security Admission (4.11+)

The namespace's enforce, audit and warn levels (labels, else the cluster default) checked against the pod as the SCC admitted it, and whether OpenShift's label sync manages the labels.""",
    ),
    ("code", 'display.table(scc.runbook.psa_for(src, review), name="pod_security")'),
    (
        "md",
        """\
## 5 · Pods as they run

The SCC each pod was admitted with (`openshift.io/scc`) and its user; root, privileged and host access first. A pod keeps its SCC until it is recreated, so a grant or a policy change shows only on new pods.""",
    ),
    ("code", 'display.table(pods, name="pods")'),
    (
        "md",
        """\
## 6 · Granting the SCC as the seed does

First the service account (`add-scc-to-user` never creates it), then what `oc adm policy add-scc-to-user GRANT_SCC -z SERVICE_ACCOUNT` writes on this release: 4.3/4.4 the SCC's `users`; 4.5+ the ClusterRole `system:openshift:scc:<scc>` and a ClusterRoleBinding, or a RoleBinding when the namespace is given explicitly.""",
    ),
    ("code", 'display.table(grant.map(scc.runbook.plan_frame), name="grant_plan")'),
    ("code", "show(Markdown(scc.runbook.grant_yaml(grant)))"),
    ("md", "### The review before and after the grant"),
    (
        "code",
        """\
display.table(
    scc.runbook.before_after_frame(src, ctx, grant, pod=POD, pod_yaml=POD_YAML, user=USER, groups=GROUPS),
    name="before_after",
)""",
    ),
    (
        "md",
        """\
### Applying (a live source only, never in a scheduled run)

With `-p APPLY true`, or in JupyterLab: type the service account's name into the confirmation below and press Apply; exactly the steps shown above are sent. Reports show one line instead.""",
    ),
    (
        "code",
        """\
display.table(scc.runbook.apply_grant(src, grant, apply=APPLY), name="applied")
scc.runbook.confirm_grant(src, grant, apply=APPLY)""",
    ),
    (
        "md",
        """\
## Where next

| runbook | question |
|---|---|
| `00-cluster-overview` | Is this cluster healthy, what shape is it in, and what should I look at first? |""",
    ),
]


def build() -> nbformat.NotebookNode:
    kinds = {"md": md, "params": lambda text: code(text, tags=["parameters"]), "code": code}
    return notebook((kinds[kind](text) for kind, text in CELLS), prefix="c60")


if __name__ == "__main__":
    write(build(), OUT)
