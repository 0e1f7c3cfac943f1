"""Contents of the controller-generated MachineConfigs (abridged: a representative subset of the
files and units each real template writes), for Ignition 3.4 (4.16) and 2.2 (4.3)."""

from __future__ import annotations

import copy
from typing import Any

from common import data_url_b64, data_url_escaped, ign3_file, ign3_unit

SSH_KEY = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDemoDemoDemoDemoDemoDemoDemoDemoDemoDemo0000 demo@example"
)

CHRONY_TEXT = (
    "server tick.stdtime.gov.tw maxdelay 0.4 offline\n"
    "server time.stdtime.gov.tw maxdelay 0.4 offline"
)
# the seed's MachineConfig (pichuang, 4.3) carries exactly this data URL
CHRONY_SOURCE = (
    "data:text/plain;charset=utf-8;base64,c2VydmVyIHRpY2suc3RkdGltZS5nb3YudHcgbWF4"
    "ZGVsYXkgMC40IG9mZmxpbmUKc2VydmVyIHRpbWUuc3RkdGltZS5nb3YudHcgbWF4ZGVsYXkgMC40IG9"
    "mZmxpbmU="
)
assert CHRONY_SOURCE == data_url_b64(CHRONY_TEXT)

PROXY_ENV = (
    "# Proxy environment variables will be populated in this file. Properly\n"
    "# url encoded passwords with special characters will use '%<HEX><HEX>'.\n"
    "# Systemd requires that any % used in a password be represented as\n"
    "# %% in a unit file since % is a prefix for macros; this restriction does not\n"
    "# apply for environment files. Templates that need the proxy set should use\n"
    "# 'EnvironmentFile=/etc/mco/proxy.env'.\n"
)

KUBELET_CA = (
    "-----BEGIN CERTIFICATE-----\n"
    "MIIDMDCCAhigAwIBAgIIDemoCAcert0wDQYJKoZIhvcNAQELBQAwNjESMBAGA1UECxMJ\n"
    "b3BlbnNoaWZ0MSAwHgYDVQQDExdhZG1pbi1rdWJlY29uZmlnLXNpZ25lcjAeFw0y\n"
    "-----END CERTIFICATE-----\n"
)

CRIO_DEFAULT = (
    '[crio]\ninternal_wipe = true\nstorage_driver = "overlay"\n'
    'storage_option = [\n    "overlay.override_kernel_check=1",\n]\n\n'
    '[crio.api]\nstream_address = ""\nstream_port = "10010"\n\n'
    '[crio.runtime]\nselinux = true\nconmon = ""\nconmon_cgroup = "pod"\n'
    'default_env = [\n    "NSS_SDB_USE_CACHE=no",\n]\ndefault_runtime = "crun"\n'
    'log_level = "info"\ncgroup_manager = "systemd"\ndefault_sysctls = [\n'
    '    "net.ipv4.ping_group_range=0 2147483647",\n]\nhooks_dir = [\n'
    '    "/etc/containers/oci/hooks.d",\n    "/run/containers/oci/hooks.d",\n'
    '    "/usr/share/containers/oci/hooks.d",\n]\nmanage_ns_lifecycle = true\n'
    'absent_mount_sources_to_reject = [\n    "/etc/hostname",\n]\ndrop_infra_ctr = true\n\n'
    '[crio.image]\nglobal_auth_file = "/var/lib/kubelet/config.json"\n'
    'pause_image = "{pause}"\npause_image_auth_file = "/var/lib/kubelet/config.json"\n'
    'pause_command = "/usr/bin/pod"\n\n[crio.network]\nnetwork_dir = "/etc/kubernetes/cni/net.d/"\n'
    'plugin_dirs = [\n    "/var/lib/cni/bin",\n    "/usr/libexec/cni",\n]\n\n'
    '[crio.metrics]\nenable_metrics = true\nmetrics_host = "127.0.0.1"\nmetrics_port = 9537\n'
)

REGISTRIES_CONF = 'unqualified-search-registries = ["registry.access.redhat.com", "docker.io"]\n'

KUBELET_UNIT = (
    "[Unit]\nDescription=Kubernetes Kubelet\nRequires=crio.service kubelet-dependencies.target\n"
    "After=kubelet-dependencies.target\nAfter=ostree-finalize-staged.service\n\n"
    "[Service]\nType=notify\nExecStartPre=/bin/mkdir --parents /etc/kubernetes/manifests\n"
    "ExecStartPre=-/usr/sbin/restorecon -ri /var/lib/kubelet/pod-resources "
    "/usr/local/bin/kubenswrapper /usr/bin/kubensenter\n"
    'Environment="KUBELET_NODE_IP=0.0.0.0"\nEnvironmentFile=/etc/os-release\n'
    "EnvironmentFile=-/etc/kubernetes/kubelet-workaround\n"
    "EnvironmentFile=-/etc/kubernetes/kubelet-env\n"
    "EnvironmentFile=/etc/node-sizing.env\n\n"
    "ExecStart=/usr/local/bin/kubenswrapper \\\n    /usr/bin/kubelet \\\n"
    "      --config=/etc/kubernetes/kubelet.conf \\\n"
    "      --bootstrap-kubeconfig=/etc/kubernetes/kubeconfig \\\n"
    "      --kubeconfig=/var/lib/kubelet/kubeconfig \\\n"
    "      --container-runtime-endpoint=/var/run/crio/crio.sock \\\n"
    "      --runtime-cgroups=/system.slice/crio.service \\\n"
    "      --node-labels=node-role.kubernetes.io/{role},node.openshift.io/os_id=${{ID}} \\\n"
    "      --node-ip=${{KUBELET_NODE_IP}} \\\n      --minimum-container-ttl-duration=6m0s \\\n"
    "      --cloud-provider= \\\n      --volume-plugin-dir=/etc/kubernetes/kubelet-plugins/volume/exec \\\n"
    "      --hostname-override=${{KUBELET_NODE_NAME}} \\\n"
    "      --provider-id=${{KUBELET_PROVIDERID}} \\\n"
    "      --pod-infra-container-image={pause} \\\n"
    "      --system-reserved=cpu=${{SYSTEM_RESERVED_CPU}},memory=${{SYSTEM_RESERVED_MEMORY}},"
    "ephemeral-storage=${{SYSTEM_RESERVED_ES}} \\\n      --v=${{KUBELET_LOG_LEVEL}}\n\n"
    "Restart=always\nRestartSec=10\n\n[Install]\nWantedBy=multi-user.target\n"
)

KUBELET_UNIT_43 = (
    "[Unit]\nDescription=Kubernetes Kubelet\nWants=rpc-statd.service crio.service\n"
    "After=crio.service\n\n[Service]\nType=notify\n"
    "ExecStartPre=/bin/mkdir --parents /etc/kubernetes/manifests\n"
    "ExecStartPre=/bin/rm -f /var/lib/kubelet/cpu_manager_state\n"
    'Environment="KUBELET_LOG_LEVEL=4"\nEnvironmentFile=/etc/os-release\n'
    "EnvironmentFile=-/etc/kubernetes/kubelet-workaround\n"
    "EnvironmentFile=-/etc/kubernetes/kubelet-env\n\n"
    "ExecStart=/usr/bin/hyperkube \\\n    kubelet \\\n"
    "      --config=/etc/kubernetes/kubelet.conf \\\n"
    "      --bootstrap-kubeconfig=/etc/kubernetes/kubeconfig \\\n"
    "      --kubeconfig=/var/lib/kubelet/kubeconfig \\\n      --container-runtime=remote \\\n"
    "      --container-runtime-endpoint=/var/run/crio/crio.sock \\\n"
    "      --node-labels=node-role.kubernetes.io/{role},node.openshift.io/os_id=${{ID}} \\\n"
    "      --minimum-container-ttl-duration=6m0s \\\n"
    "      --volume-plugin-dir=/etc/kubernetes/kubelet-plugins/volume/exec \\\n"
    "      --cloud-provider=vsphere \\\n      --v=${{KUBELET_LOG_LEVEL}}\n\n"
    "Restart=always\nRestartSec=10\n\n[Install]\nWantedBy=multi-user.target\n"
)


def kubelet_conf(feature_gates: dict[str, bool], *, cgroup_v2: bool) -> str:
    gates = "".join(f"  {k}: {str(v).lower()}\n" for k, v in sorted(feature_gates.items()))
    head = (
        "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"
        "authentication:\n  anonymous:\n    enabled: false\n  webhook:\n    cacheTTL: 0s\n"
        "  x509:\n    clientCAFile: /etc/kubernetes/kubelet-ca.crt\n"
        "authorization:\n  webhook:\n    cacheAuthorizedTTL: 0s\n    cacheUnauthorizedTTL: 0s\n"
        "cgroupDriver: systemd\ncgroupRoot: /\nclusterDNS:\n- 172.30.0.10\n"
        "clusterDomain: cluster.local\ncontainerLogMaxSize: 50Mi\n"
    )
    if cgroup_v2:
        head += "enableSystemLogQuery: true\n"
    return (
        head
        + "featureGates:\n"
        + gates
        + "maxPods: 250\nnodeStatusReportFrequency: 5m0s\nnodeStatusUpdateFrequency: 10s\n"
        "podPidsLimit: 4096\nprotectKernelDefaults: true\nrotateCertificates: true\n"
        "serializeImagePulls: false\nserverTLSBootstrap: true\n"
        "staticPodPath: /etc/kubernetes/manifests\nsystemCgroups: /system.slice\n"
        "systemReserved:\n  ephemeral-storage: 1Gi\ntlsCipherSuites:\n"
        "- TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256\n- TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n"
        "tlsMinVersion: VersionTLS12\n"
    )


FEATURE_GATES_416 = {
    "AlibabaPlatform": True,
    "AzureWorkloadIdentity": True,
    "BuildCSIVolumes": True,
    "CloudDualStackNodeIPs": True,
    "DisableKubeletCloudCredentialProviders": True,
    "KMSv1": True,
    "NetworkLiveMigration": True,
    "PrivateHostedZoneAWS": True,
    "ValidatingAdmissionPolicy": False,
    "VSphereControlPlaneMachineSet": True,
}

MCD_FIRSTBOOT = (
    "[Unit]\nDescription=Machine Config Daemon Firstboot\n"
    "# Make sure it runs only on OSTree booted system\nConditionPathExists=/run/ostree-booted\n"
    "BindsTo=ignition-firstboot-complete.service\n"
    "ConditionPathExists=/etc/ignition-machine-config-encapsulated.json\n"
    "After=ignition-firstboot-complete.service\nBefore=crio.service crio-wipe.service\n"
    "Before=kubelet-dependencies.target\n\n[Service]\nType=oneshot\nRemainAfterExit=yes\n"
    "ExecStart=/run/bin/machine-config-daemon firstboot-complete-machineconfig\n\n"
    "[Install]\nRequiredBy=kubelet-dependencies.target\n"
)

NODEIP_UNIT = (
    "[Unit]\nDescription=Writes IP address configuration so that kubelet and crio services "
    "select a valid node IP\nWants=NetworkManager-wait-online.service\n"
    "After=NetworkManager-wait-online.service firstboot-osupdate.target\n"
    "Before=kubelet-dependencies.target ovs-configuration.service\n\n[Service]\n"
    'Type=oneshot\nExecStart=/bin/bash -c "exit 0 "\nRemainAfterExit=yes\n\n'
    "[Install]\nRequiredBy=kubelet-dependencies.target\n"
)

OVS_CONFIG_UNIT = (
    "[Unit]\nDescription=Configures OVS with proper host networking configuration\n"
    "Requires=openvswitch.service\nWants=NetworkManager-wait-online.service\n"
    "After=firstboot-osupdate.target\nAfter=NetworkManager-wait-online.service "
    "openvswitch.service network.service nodeip-configuration.service\n"
    "Before=kubelet-dependencies.target node-valid-hostname.service\n\n[Service]\n"
    "Type=oneshot\nExecStart=/usr/local/bin/configure-ovs.sh OVNKubernetes\n"
    "StandardOutput=journal+console\nStandardError=journal+console\n\n"
    "[Install]\nRequiredBy=kubelet-dependencies.target\n"
)


def base_files(role: str) -> list[tuple[str, str, int]]:
    files = [
        ("/etc/kubernetes/kubelet-ca.crt", KUBELET_CA, 420),
        ("/etc/mco/proxy.env", PROXY_ENV, 420),
        (
            "/etc/systemd/system.conf.d/10-default-env-godebug.conf",
            "[Manager]\nDefaultEnvironment=GODEBUG=x509ignoreCN=0,madvdontneed=1\n",
            420,
        ),
        (
            "/usr/local/bin/configure-ovs.sh",
            "#!/bin/bash\nset -eux\n# (template body abridged in the demo)\n",
            493,
        ),
        (
            "/etc/NetworkManager/conf.d/99-keyfiles.conf",
            "[keyfile]\npath=/etc/NetworkManager/system-connections\n\n[main]\n"
            "plugins=keyfile,ifcfg-rh\n",
            420,
        ),
    ]
    if role == "master":
        files.append(
            (
                "/usr/local/bin/recover-kubeconfig.sh",
                "#!/bin/bash\nset -eou pipefail\n# (template body abridged in the demo)\n",
                493,
            )
        )
    return files


def base_units_416() -> list[dict[str, Any]]:
    return [
        ign3_unit("machine-config-daemon-firstboot.service", MCD_FIRSTBOOT),
        ign3_unit("nodeip-configuration.service", NODEIP_UNIT),
        ign3_unit("ovs-configuration.service", OVS_CONFIG_UNIT),
        ign3_unit("openvswitch.service"),
        ign3_unit(
            "ovsdb-server.service",
            dropins=[{"contents": "[Service]\nRestart=always\n", "name": "10-ovsdb-restart.conf"}],
            enabled=None,
        ),
        ign3_unit(
            "rpm-ostreed.service",
            dropins=[
                {"contents": "[Unit]\nConditionPathExists=/enoent\n", "name": "mco-disabled.conf"}
            ],
            enabled=None,
        ),
        ign3_unit("zincati.service", enabled=False),
    ]


def ign3(
    files: list[dict[str, Any]] | None = None,
    units: list[dict[str, Any]] | None = None,
    users: list[dict[str, Any]] | None = None,
    version: str = "3.4.0",
) -> dict[str, Any]:
    cfg: dict[str, Any] = {"ignition": {"version": version}}
    if users:
        cfg["passwd"] = {"users": users}
    if files:
        cfg["storage"] = {"files": files}
    if units:
        cfg["systemd"] = {"units": units}
    return cfg


def mc_00_416(role: str) -> dict[str, Any]:
    return ign3([ign3_file(p, t, m) for p, t, m in base_files(role)], base_units_416())


def mc_01_runtime_416(pause: str) -> dict[str, Any]:
    return ign3(
        [
            ign3_file("/etc/crio/crio.conf.d/00-default", CRIO_DEFAULT.format(pause=pause)),
            ign3_file("/etc/containers/registries.conf", REGISTRIES_CONF),
            ign3_file(
                "/etc/containers/policy.json",
                '{\n  "default": [\n    {\n      "type": "insecureAcceptAnything"\n    }\n  ]\n}\n',
            ),
        ]
    )


def mc_01_kubelet_416(role: str, pause: str) -> dict[str, Any]:
    return ign3(
        [
            ign3_file(
                "/etc/kubernetes/kubelet.conf", kubelet_conf(FEATURE_GATES_416, cgroup_v2=True)
            ),
            ign3_file(
                "/etc/node-sizing-enabled.env",
                "NODE_SIZING_ENABLED=false\nSYSTEM_RESERVED_MEMORY=1Gi\n"
                "SYSTEM_RESERVED_CPU=500m\nSYSTEM_RESERVED_ES=1Gi\n",
            ),
        ],
        [ign3_unit("kubelet.service", KUBELET_UNIT.format(role=role, pause=pause))],
    )


def mc_97_416() -> dict[str, Any]:
    # node config controller (nodes.config.openshift.io/cluster): kubelet.conf, controller
    # generated -> base64 data URL
    return ign3(
        [
            ign3_file(
                "/etc/kubernetes/kubelet.conf",
                kubelet_conf(FEATURE_GATES_416, cgroup_v2=True),
                b64=True,
            )
        ]
    )


def mc_98_416() -> dict[str, Any]:
    # feature-gate controller: kubelet.conf with the cluster's feature gates
    gates = dict(FEATURE_GATES_416)
    gates["RouteExternalCertificate"] = False
    return ign3(
        [ign3_file("/etc/kubernetes/kubelet.conf", kubelet_conf(gates, cgroup_v2=True), b64=True)]
    )


def mc_ssh_416() -> dict[str, Any]:
    return ign3(users=[{"name": "core", "sshAuthorizedKeys": [SSH_KEY]}])


def mc_registries_416() -> dict[str, Any]:
    return ign3()


def mc_chrony_416() -> dict[str, Any]:
    return ign3(
        [
            {
                "contents": {"source": CHRONY_SOURCE},
                "mode": 420,
                "overwrite": True,
                "path": "/etc/chrony.conf",
            }
        ]
    )


# ------------------------------------------------------------------------ Ignition 2.2 (4.3)


def ign22_file(path: str, text: str, mode: int = 420, *, b64: bool = False) -> dict[str, Any]:
    source = data_url_b64(text) if b64 else data_url_escaped(text)
    return {
        "contents": {"source": source, "verification": {}},
        "filesystem": "root",
        "mode": mode,
        "path": path,
    }


def ign22(
    files: list[dict[str, Any]] | None = None,
    units: list[dict[str, Any]] | None = None,
    users: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "ignition": {"config": {}, "security": {"tls": {}}, "timeouts": {}, "version": "2.2.0"},
        "networkd": {},
        "passwd": {"users": users} if users else {},
        "storage": {"files": files} if files else {},
        "systemd": {"units": units} if units else {},
    }


def base_units_43() -> list[dict[str, Any]]:
    return [
        {
            "contents": MCD_FIRSTBOOT.replace("kubelet-dependencies.target", "kubelet.service"),
            "enabled": True,
            "name": "machine-config-daemon-firstboot.service",
        },
        {
            "contents": MCD_FIRSTBOOT.replace("Firstboot", "Host").replace(
                "firstboot-complete-machineconfig", "pivot"
            ),
            "enabled": True,
            "name": "machine-config-daemon-host.service",
        },
        {
            "dropins": [
                {"contents": "[Unit]\nConditionPathExists=/enoent\n", "name": "mco-disabled.conf"}
            ],
            "name": "zincati.service",
        },
    ]


def mc_00_43(role: str) -> dict[str, Any]:
    files = [
        ign22_file(p, t, m)
        for p, t, m in base_files(role)
        if not p.startswith("/etc/systemd/system.conf.d") and "configure-ovs" not in p
    ]
    return ign22(files, base_units_43())


def mc_01_runtime_43(pause: str) -> dict[str, Any]:
    return ign22(
        [
            ign22_file("/etc/crio/crio.conf", CRIO_DEFAULT.format(pause=pause)),
            ign22_file("/etc/containers/registries.conf", REGISTRIES_CONF),
        ]
    )


def mc_01_kubelet_43(role: str) -> dict[str, Any]:
    return ign22(
        [
            ign22_file(
                "/etc/kubernetes/kubelet.conf",
                kubelet_conf(
                    {
                        "LegacyNodeRoleBehavior": False,
                        "NodeDisruptionExclusion": True,
                        "RotateKubeletServerCertificate": True,
                        "SCTPSupport": True,
                        "ServiceNodeExclusion": True,
                        "SupportPodPidsLimit": True,
                    },
                    cgroup_v2=False,
                ),
            )
        ],
        [
            {
                "contents": KUBELET_UNIT_43.format(role=role),
                "enabled": True,
                "name": "kubelet.service",
            }
        ],
    )


def mc_ssh_43() -> dict[str, Any]:
    return ign22(users=[{"name": "core", "sshAuthorizedKeys": [SSH_KEY]}])


def mc_registries_43() -> dict[str, Any]:
    return ign22([ign22_file("/etc/containers/registries.conf", REGISTRIES_CONF, b64=True)])


def mc_chrony_43() -> dict[str, Any]:
    return ign22(
        [
            {
                "contents": {"source": CHRONY_SOURCE, "verification": {}},
                "filesystem": "root",
                "mode": 420,
                "path": "/etc/chrony.conf",
            }
        ]
    )


def deepcopy(cfg: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(cfg)
