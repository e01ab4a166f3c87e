"""deploy/k8s/: valid Kubernetes objects (checked offline against the API schemas kubernetes-validate ships),
describing the topology of deploy/Procfile with the one image, and committing no secret value."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from honcho.environ import parse_procfile

from shared.settings import SERVICES

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
TOOLS_BIN = ROOT / "var" / "deploy-tools" / "bin"  # .ci/run installs kubernetes-validate there
# The oldest Kubernetes still commonly run by providers, and the newest the validator knows.
KUBERNETES_VERSIONS = ("1.30.0", None)
IN_CI = os.environ.get("CI", "").lower() == "true"


def validator() -> str | None:
    installed = TOOLS_BIN / "kubernetes-validate"
    return str(installed) if installed.exists() else shutil.which("kubernetes-validate")


@pytest.fixture(scope="module")
def kustomization() -> dict:
    return yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def objects(kustomization) -> dict[tuple[str, str], dict]:
    found = {}
    for resource in kustomization["resources"]:
        for document in yaml.safe_load_all((K8S / resource).read_text(encoding="utf-8")):
            if document:
                key = (document["kind"], document["metadata"]["name"])
                assert key not in found, f"{key} defined twice"
                found[key] = document
    return found


def procfile_argv() -> dict[str, list[str]]:
    processes = parse_procfile((ROOT / "deploy" / "Procfile").read_text(encoding="utf-8")).processes
    return {name: shlex.split(command)[1:] for name, command in processes.items() if name != "gateway"}


def without_host(argv: list[str]) -> list[str]:
    if "--host" in argv:
        index = argv.index("--host")
        return argv[:index] + argv[index + 2:]
    return argv


def container(deployment: dict) -> dict:
    (only,) = deployment["spec"]["template"]["spec"]["containers"]
    return only


def mebibytes(quantity: str) -> float:
    number, unit = re.fullmatch(r"(\d+)(Mi|Gi)", quantity).groups()
    return int(number) * (1024 if unit == "Gi" else 1)


def test_every_manifest_is_in_the_kustomization(kustomization):
    on_disk = {path.name for path in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == on_disk


@pytest.mark.skipif(validator() is None and not IN_CI,
                    reason="kubernetes-validate is not installed (.ci/run installs it into var/deploy-tools)")
@pytest.mark.parametrize("version", KUBERNETES_VERSIONS, ids=lambda v: v or "latest")
def test_manifests_are_valid_kubernetes_objects(kustomization, version):
    assert validator(), "kubernetes-validate is missing: .ci/run installs it into var/deploy-tools"
    files = [str(K8S / resource) for resource in kustomization["resources"]]
    argv = [validator(), "--strict", "--quiet", *(["-k", version] if version else []), *files]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_web_and_a_worker_deployment_per_service_run_the_procfile_commands(objects):
    procfile = procfile_argv()
    for service in SERVICES:
        web = container(objects[("Deployment", f"web-{service}")])
        assert without_host(web["args"]) == without_host(procfile[f"web_{service}"]), service
        assert web["args"][web["args"].index("--host") + 1] == "0.0.0.0"
        port = int(web["args"][web["args"].index("--port") + 1])
        assert web["ports"][0]["containerPort"] == port
        assert objects[("Service", f"web-{service}")]["spec"]["ports"][0]["port"] == port
        worker = container(objects[("Deployment", f"worker-{service}")])
        assert worker["args"] == procfile[f"worker_{service}"], service


def test_probes_use_the_services_health_endpoints_and_the_images_check(objects):
    for service in SERVICES:
        web = container(objects[("Deployment", f"web-{service}")])
        assert web["readinessProbe"]["httpGet"]["path"] == f"/{service}/readyz"
        assert web["livenessProbe"]["httpGet"]["path"] == f"/{service}/healthz"
        worker = container(objects[("Deployment", f"worker-{service}")])
        for probe in ("readinessProbe", "livenessProbe"):
            assert worker[probe]["exec"]["command"] == ["kycuong-healthcheck"], (service, probe)


def test_resource_requests_follow_the_benchmark_aims(objects):
    for service in SERVICES:
        web = container(objects[("Deployment", f"web-{service}")])["resources"]
        assert mebibytes(web["requests"]["memory"]) == 400, service
        worker = container(objects[("Deployment", f"worker-{service}")])["resources"]
        assert 150 <= mebibytes(worker["requests"]["memory"]) <= mebibytes(worker["limits"]["memory"]) <= 256


def test_feedback_intake_and_every_worker_scale_horizontally(objects):
    targets = {hpa["spec"]["scaleTargetRef"]["name"]: hpa["spec"]
               for (kind, _name), hpa in objects.items() if kind == "HorizontalPodAutoscaler"}
    assert targets["web-feedback"]["minReplicas"] >= 2
    for service in SERVICES:
        assert f"worker-{service}" in targets, service
    for name, spec in targets.items():
        assert ("Deployment", name) in objects
        assert spec["maxReplicas"] > spec["minReplicas"]


def test_one_image_for_every_kycuong_container_and_settings_from_references_only(objects, kustomization):
    images = {image["name"] for image in kustomization["images"]}
    for (kind, name), document in objects.items():
        assert kind != "Secret", "secret values are never committed: the operator creates kycuong-secrets"
        if kind not in ("Deployment", "Job"):
            continue
        spec = container(document) if kind == "Deployment" else document["spec"]["template"]["spec"]["containers"][0]
        assert spec["image"] in images, name
        if spec["image"] == "kycuong":
            sources = {next(iter(ref.values()))["name"] for ref in spec["envFrom"]}
            assert sources == {"kycuong-config", "kycuong-secrets"}, name
            assert "env" not in spec, f"{name}: settings come from the ConfigMap and the Secret"
            pod = document["spec"]["template"]["spec"]
            assert pod["securityContext"]["runAsNonRoot"] is True, name
    config = objects[("ConfigMap", "kycuong-config")]["data"]
    assert not {"KYCUONG_JWT_SECRET", "KYCUONG_BROKER_URL", "KYCUONG_DATABASE_URL"} & set(config)


def test_the_migration_job_is_the_release_step(objects):
    job = objects[("Job", "kycuong-migrate")]["spec"]["template"]["spec"]["containers"][0]
    assert re.fullmatch(r"kycuong migrate && kycuong topology", job["command"][-1])


def test_the_gateway_runs_deploy_nginx_conf_unchanged_with_the_services_as_upstreams(objects):
    data = objects[("ConfigMap", "kycuong-gateway")]["data"]
    assert data["nginx.conf"] == (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    upstreams = {name: re.findall(r"\bserver\s+([^\s;]+)", body) for name, body in
                 re.findall(r"upstream\s+(\S+)\s*\{([^}]*)\}", data["nginx-upstreams.conf"])}
    for service in SERVICES:
        port = container(objects[("Deployment", f"web-{service}")])["ports"][0]["containerPort"]
        assert upstreams[f"kycuong_{service}"] == [f"web-{service}:{port}"]
    gateway = container(objects[("Deployment", "gateway")])
    assert gateway["command"] == ["nginx", "-c", "/etc/kycuong-gateway/nginx.conf", "-g", "daemon off;"]
    assert gateway["volumeMounts"][0]["mountPath"] == "/etc/kycuong-gateway"
