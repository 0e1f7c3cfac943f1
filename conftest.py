"""Root conftest: real samples injected into the package's doctests (single-sourced in tests/data)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

SAMPLES = Path(__file__).parent / "tests" / "data" / "commands"
API = Path(__file__).parent / "tests" / "data" / "api"

pytest_plugins = ["tests.simulator.fixtures"]

#: crictl samples by cri-tools version (rhcos_helpers.crio doctests).
_CRICTL_SAMPLES = {
    "CRICTL_PS_113_TXT": "crictl_ps/crictl-ps-1.13.txt",
    "CRICTL_PS_116_TXT": "crictl_ps/crictl-ps-1.16.txt",
    "CRICTL_PS_116_JSON": "crictl_ps/crictl-ps-1.16.json",
    "CRICTL_PS_129_JSON": "crictl_ps/crictl-ps-1.29.json",
    "CRICTL_PS_132_TXT": "crictl_ps/crictl-ps-1.32.txt",
    "CRICTL_PODS_116_TXT": "crictl_pods/crictl-pods-1.16.txt",
    "CRICTL_PODS_129_TXT": "crictl_pods/crictl-pods-1.29.txt",
    "CRICTL_PODS_129_JSON": "crictl_pods/crictl-pods-1.29.json",
    "CRICTL_IMAGES_116_TXT": "crictl_images/crictl-images-1.16.txt",
    "CRICTL_IMAGES_129_TXT": "crictl_images/crictl-images-1.29.txt",
    "CRICTL_IMAGES_129_JSON": "crictl_images/crictl-images-1.29.json",
    "CRICTL_STATS_116_JSON": "crictl_stats/crictl-stats-1.16.json",
    "CRICTL_STATS_116_TXT": "crictl_stats/crictl-stats-1.16.txt",
    "CRICTL_STATS_129_JSON": "crictl_stats/crictl-stats-1.29.json",
    "CRICTL_STATS_129_JSON_2": "crictl_stats/crictl-stats-1.29-second-sample.json",
    "CRICTL_STATS_132_TXT": "crictl_stats/crictl-stats-1.32.txt",
    "CRICTL_STATSP_129_JSON": "crictl_statsp/crictl-statsp-1.29.json",
    "CRICTL_IMAGEFSINFO_124_JSON": "crictl_imagefsinfo/crictl-imagefsinfo-1.24.json",
    "CRICTL_IMAGEFSINFO_129_JSON": "crictl_imagefsinfo/crictl-imagefsinfo-1.29.json",
    "KUBELET_SUMMARY_129_JSON": "crictl_stats/kubelet-summary-1.29.json",
}


@pytest.fixture(autouse=True)
def _doctest_samples(doctest_namespace: dict[str, Any]) -> None:
    doctest_namespace["OS_RELEASE_43"] = (SAMPLES / "os_release" / "rhcos-4.3.txt").read_text()
    doctest_namespace["OS_RELEASE_413"] = (SAMPLES / "os_release" / "rhcos-4.13.txt").read_text()
    doctest_namespace["SAMPLE_NODE"] = yaml.safe_load(
        (API / "node-worker-draining-4.16.yaml").read_text()
    )
    doctest_namespace["SAMPLE_SCC_ANYUID"] = yaml.safe_load(
        (API / "scc" / "head" / "anyuid.yaml").read_text()
    )
    doctest_namespace["SAMPLE_SCC_RESTRICTED_V2"] = yaml.safe_load(
        (API / "scc" / "head" / "restricted-v2.yaml").read_text()
    )
    doctest_namespace["SEED_POD_YAML"] = (API / "scc" / "pods" / "runs-as-root.yaml").read_text()
    doctest_namespace["SAMPLE_POOL"] = yaml.safe_load(
        (API / "mcp-infra-paused-4.16.yaml").read_text()
    )
    for name, rel in _CRICTL_SAMPLES.items():
        doctest_namespace[name] = (SAMPLES / rel).read_text()


@pytest.fixture(autouse=True)
def _doctest_samples_services(doctest_namespace: dict[str, Any]) -> None:
    doctest_namespace["JOURNAL_JSON_219"] = (
        SAMPLES / "journal_unit" / "systemd-219-json-unit-start.txt"
    ).read_text()
    doctest_namespace["SHOW_RHEL7"] = (
        SAMPLES / "systemctl_show" / "rhel-7-services-insights-core.txt"
    ).read_text()
    doctest_namespace["SHOW_TARGET_GMT"] = (
        SAMPLES / "systemctl_show" / "rhel-7-target-gmt-insights-core.txt"
    ).read_text()
    doctest_namespace["LIST_UNITS_43"] = (
        SAMPLES / "systemctl_list_units" / "rhcos-4.3-running-services.txt"
    ).read_text()
    doctest_namespace["LIST_UNITS_FAILED"] = (
        SAMPLES / "systemctl_list_units" / "rhel-7-failed-insights-core.txt"
    ).read_text()


@pytest.fixture(autouse=True)
def _doctest_samples_node_os(doctest_namespace: dict[str, Any]) -> None:
    doctest_namespace["RPM_OSTREE_43"] = (
        SAMPLES / "rpm_ostree_status" / "rhcos-4.3-json.txt"
    ).read_text()
    doctest_namespace["RPM_OSTREE_416_STAGED"] = (
        SAMPLES / "rpm_ostree_status" / "rhcos-4.16-json-staged.txt"
    ).read_text()
    doctest_namespace["RPM_OSTREE_417_TEXT"] = (
        SAMPLES / "rpm_ostree_status" / "rhcos-4.17-text.txt"
    ).read_text()
    doctest_namespace["UNAME_416"] = (SAMPLES / "uname" / "rhcos-4.16.txt").read_text()
    doctest_namespace["UNAME_416_ARM64K"] = (
        SAMPLES / "uname" / "rhcos-4.16-aarch64-64k.txt"
    ).read_text()
    doctest_namespace["UNAME_414_RT"] = (SAMPLES / "uname" / "rhcos-4.14-realtime.txt").read_text()
    doctest_namespace["PASSWD_416"] = (SAMPLES / "passwd" / "rhcos-4.16.txt").read_text()
    doctest_namespace["SUDOERS_416"] = (SAMPLES / "sudoers" / "rhcos-4.16.txt").read_text()
    doctest_namespace["DF_416"] = (SAMPLES / "df" / "rhcos-4.16-P-T-B1.txt").read_text()
    doctest_namespace["DF_SOS_416"] = (SAMPLES / "df" / "sos-df-al-x-autofs-4.16.txt").read_text()
    doctest_namespace["CHRONY_416"] = (SAMPLES / "chrony_tracking" / "rhcos-4.16.txt").read_text()
    doctest_namespace["CHRONY_UNSYNC"] = (
        SAMPLES / "chrony_tracking" / "unsynchronised.txt"
    ).read_text()


@pytest.fixture(autouse=True)
def _doctest_samples_machineconfigs(doctest_namespace: dict[str, Any]) -> None:
    mcs = API / "machineconfigs"
    doctest_namespace["SAMPLE_MC_CHRONY_416"] = yaml.safe_load(
        (mcs / "50-worker-chrony-4.16.yaml").read_text()
    )
    doctest_namespace["SAMPLE_MC_CHRONY_43"] = yaml.safe_load(
        (mcs / "50-worker-chrony-4.3.yaml").read_text()
    )
