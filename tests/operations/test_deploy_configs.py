"""The deployment files shown in docs/deploy.md parse, and name real keys of what reads them.

Instance files are validated by Dagster's own instance schema; the Celery worker file by
dagster-celery's executor schema. dagster-k8s and the Kubernetes client are not installed here, so
their keys are checked against the lists below, copied from dagster-k8s 1.13
(`dagster_k8s/job.py`: DagsterK8sJobConfig, USER_DEFINED_K8S_CONFIG_SCHEMA; `executor.py`;
`launcher.py`) and from the Kubernetes API reference (snake_case, as dagster-k8s accepts them).
"""

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from dagster._config import validate_config
from dagster._core.instance.config import dagster_instance_config

from assets.common.dagster_metadata import GPU_OP_TAGS

REPOSITORY = Path(__file__).resolve().parents[2]
DEPLOY = REPOSITORY / "docs" / "deploy"

K8S_JOB_CONFIG_KEYS = {
    "job_image", "dagster_home", "image_pull_policy", "image_pull_secrets", "service_account_name",
    "instance_config_map", "postgres_password_secret", "env_config_maps", "env_secrets", "env_vars",
    "volume_mounts", "volumes", "labels", "resources", "scheduler_name", "security_context",
}  # fmt: skip
K8S_RUN_LAUNCHER_KEYS = K8S_JOB_CONFIG_KEYS | {
    "job_namespace", "load_incluster_config", "kubeconfig_file", "fail_pod_on_run_failure", "run_k8s_config",
    "only_allow_user_defined_k8s_config_fields", "only_allow_user_defined_env_vars",
}  # fmt: skip
K8S_EXECUTOR_KEYS = K8S_JOB_CONFIG_KEYS | {
    "job_namespace", "retries", "max_concurrent", "tag_concurrency_limits", "step_k8s_config", "per_step_k8s_config",
}  # fmt: skip
USER_DEFINED_K8S_CONFIG_KEYS = {
    "container_config", "pod_template_spec_metadata", "pod_spec_config", "job_config", "job_metadata",
    "job_spec_config", "merge_behavior",
}  # fmt: skip
KUBERNETES_FIELDS = {
    "container_config": {
        "resources", "volume_mounts", "env", "env_from", "image", "command", "args", "security_context",
    },
    "pod_spec_config": {
        "volumes", "node_selector", "tolerations", "affinity", "service_account_name", "priority_class_name",
    },
    "pod_template_spec_metadata": {"annotations", "labels"},
    "job_spec_config": {"ttl_seconds_after_finished", "backoff_limit", "active_deadline_seconds"},
    "resources": {"requests", "limits"},
    "volume": {"name", "persistent_volume_claim", "config_map", "secret", "empty_dir", "csi"},
    "persistent_volume_claim": {"claim_name", "read_only"},
    "volume_mount": {"name", "mount_path", "read_only", "sub_path"},
}  # fmt: skip
KUBERNETES_MANIFEST_FIELDS = {
    "PersistentVolume": {
        "spec": {"accessModes", "capacity", "storageClassName", "persistentVolumeReclaimPolicy", "mountOptions", "csi"},
        "csi": {"driver", "volumeHandle", "readOnly", "volumeAttributes"},
    },
    "PersistentVolumeClaim": {"spec": {"accessModes", "resources", "storageClassName", "volumeName"}},
    "ContainerNodePool": {
        "spec": {"clusterRef", "location", "initialNodeCount", "nodeCount", "autoscaling", "management", "nodeConfig"},
        "autoscaling": {"minNodeCount", "maxNodeCount"},
        "management": {"autoRepair", "autoUpgrade"},
        "nodeConfig": {"machineType", "diskSizeGb", "guestAccelerator", "labels", "oauthScopes", "taint"},
        "guestAccelerator": {"type", "count", "gpuDriverInstallationConfig"},
    },
}  # fmt: skip
API_VERSIONS = {
    "PersistentVolume": "v1",
    "PersistentVolumeClaim": "v1",
    "ConfigMap": "v1",
    "ContainerNodePool": "container.cnrm.cloud.google.com/v1beta1",
}


def _load(name: str) -> Any:
    return yaml.safe_load((DEPLOY / name).read_text())


def _documents(name: str) -> list[dict[str, Any]]:
    return [document for document in yaml.safe_load_all((DEPLOY / name).read_text()) if document]


def test_deploy_md_shows_every_file_and_every_file_it_names_exists() -> None:
    text = (REPOSITORY / "docs" / "deploy.md").read_text()
    named = set(re.findall(r"docs/deploy/([\w.-]+\.yaml)", text))
    on_disk = {path.name for path in DEPLOY.glob("*.yaml")}
    assert named == on_disk


@pytest.mark.parametrize("name", ["dagster-celery.yaml", "dagster-k8s.yaml"])
def test_instance_files_pass_dagsters_instance_schema(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in ("DAGSTER_PG_HOST", "DAGSTER_PG_USER", "DAGSTER_PG_PASSWORD"):
        monkeypatch.setenv(variable, "checked")
    (tmp_path / "dagster.yaml").write_text((DEPLOY / name).read_text())
    config, _ = dagster_instance_config(str(tmp_path))
    assert config["concurrency"]["pools"] == {"default_limit": 1, "granularity": "op"}
    assert "postgres" in config["storage"]


def test_k8s_run_launcher_config_names_real_keys() -> None:
    launcher = _load("dagster-k8s.yaml")["run_launcher"]
    assert (launcher["module"], launcher["class"]) == ("dagster_k8s", "K8sRunLauncher")
    assert set(launcher["config"]) <= K8S_RUN_LAUNCHER_KEYS
    _check_user_defined_k8s_config(launcher["config"]["run_k8s_config"])


def test_k8s_executor_run_config_names_real_keys() -> None:
    executor_config = _load("k8s-executor-run-config.yaml")["execution"]["config"]
    assert set(executor_config) <= K8S_EXECUTOR_KEYS
    _check_user_defined_k8s_config(executor_config["step_k8s_config"])


def test_training_op_tags_name_real_keys_and_the_node_pool_label() -> None:
    k8s_config = GPU_OP_TAGS["dagster-k8s/config"]
    _check_user_defined_k8s_config(k8s_config)
    assert k8s_config["container_config"]["resources"]["limits"]["nvidia.com/gpu"] == "1"
    pool_labels = _load("gpu-node-pool.yaml")["spec"]["nodeConfig"]["labels"]
    assert k8s_config["pod_spec_config"]["node_selector"].items() <= pool_labels.items()


def test_kubernetes_manifests_name_real_fields() -> None:
    for name in ("lake-volume.yaml", "gpu-node-pool.yaml"):
        for document in _documents(name):
            kind = document["kind"]
            assert document["apiVersion"] == API_VERSIONS[kind], (name, kind)
            for section, allowed in KUBERNETES_MANIFEST_FIELDS.get(kind, {}).items():
                for found in _sections(document, section):
                    keys = set(found) if isinstance(found, dict) else {key for item in found for key in item}
                    assert keys <= allowed, (name, kind, section, keys - allowed)


def test_lake_mounts_match_the_settings_the_code_reads() -> None:
    documents = _documents("lake-volume.yaml")
    settings = next(document for document in documents if document["kind"] == "ConfigMap")["data"]
    mounts = {
        mount["mount_path"]
        for mount in _load("dagster-k8s.yaml")["run_launcher"]["config"]["run_k8s_config"]["container_config"][
            "volume_mounts"
        ]
    }
    assert {settings["ENCORE_HOME"], settings["ENCORE_RAW_ROOT"]} == mounts
    code = "\n".join(path.read_text() for path in (REPOSITORY / "resources").glob("*.py"))
    for variable in settings:
        assert variable in code, f"{variable} is not read anywhere in resources/"
    claims = {document["metadata"]["name"] for document in documents if document["kind"] == "PersistentVolumeClaim"}
    volumes = _load("dagster-k8s.yaml")["run_launcher"]["config"]["run_k8s_config"]["pod_spec_config"]["volumes"]
    assert {volume["persistent_volume_claim"]["claim_name"] for volume in volumes} == claims


def test_celery_worker_file_passes_the_celery_executor_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    from dagster_celery import celery_executor

    from resources.environments import CELERY_SETTINGS, CELERY_VARIABLES

    monkeypatch.setenv("ENCORE_CELERY_BROKER", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("ENCORE_CELERY_BACKEND", "redis://127.0.0.1:6379/1")
    worker_config = _load("celery-worker.yaml")["execution"]["config"]
    result = validate_config(celery_executor.config_schema.config_type, worker_config)
    assert result.success, result.errors
    assert worker_config["config_source"] == CELERY_SETTINGS
    assert (worker_config["broker"]["env"], worker_config["backend"]["env"]) == CELERY_VARIABLES


def _check_user_defined_k8s_config(config: dict[str, Any]) -> None:
    assert set(config) <= USER_DEFINED_K8S_CONFIG_KEYS
    for part, fields in config.items():
        if part in KUBERNETES_FIELDS:
            assert set(fields) <= KUBERNETES_FIELDS[part], (part, set(fields) - KUBERNETES_FIELDS[part])
    container = config.get("container_config", {})
    if "resources" in container:
        assert set(container["resources"]) <= KUBERNETES_FIELDS["resources"]
    for mount in container.get("volume_mounts", []):
        assert set(mount) <= KUBERNETES_FIELDS["volume_mount"]
    for volume in config.get("pod_spec_config", {}).get("volumes", []):
        assert set(volume) <= KUBERNETES_FIELDS["volume"]
        assert set(volume.get("persistent_volume_claim", {})) <= KUBERNETES_FIELDS["persistent_volume_claim"]


def _sections(document: Any, name: str) -> list[Any]:
    """Every value stored under key ``name`` anywhere in ``document``."""
    found = []
    if isinstance(document, dict):
        for key, value in document.items():
            if key == name:
                found.append(value)
            found += _sections(value, name)
    elif isinstance(document, list):
        for item in document:
            found += _sections(item, name)
    return found
