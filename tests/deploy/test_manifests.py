"""The deployment files, offline: the Kubernetes manifests against the API schemas
kubernetes-validate ships, docker-compose.yml against the Compose Specification's JSON
schema (the copy check-jsonschema ships, from compose-spec/compose-spec), and what they say
against what the code does (probe routes, settings, ports, Redis durability)."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml
from aiohttp import web

from bot.app import create_app
from bot.redis_factory import connect
from bot.settings import Settings
from bot.storage.database import create_engine
from bot.worker_health import create_health_app
from nlu.server import serve_command

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
KUBERNETES_VERSION = "1.30"  # the oldest minor still in wide use; the schemas are bundled
SETTING = re.compile(r"\bSERVICEBOT_[A-Z0-9_]+\b")
PROBES = ("livenessProbe", "readinessProbe", "startupProbe")

Doc = dict[str, Any]


def _manifests() -> Iterator[tuple[str, Doc]]:
    for path in sorted(K8S.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc:
                yield path.name, doc


def _k8s(kind: str, name: str) -> Doc:
    found = [d for _f, d in _manifests() if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def _container(deployment: str) -> Doc:
    pod: Doc = _k8s("Deployment", deployment)["spec"]["template"]["spec"]
    containers: list[Doc] = pod["containers"]
    assert len(containers) == 1
    return containers[0]


def _compose() -> Doc:
    loaded: Doc = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))  # resolves the anchors
    return loaded


def _env_example() -> dict[str, str]:
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    pairs = (line.split("=", 1) for line in lines if line.strip() and not line.startswith("#"))
    return {name.strip(): value for name, value in pairs}


def _routes(app: web.Application) -> set[str]:
    return {resource.canonical for resource in app.router.resources()}


def _quantity_mib(quantity: str) -> float:
    units = {"Mi": 1.0, "Gi": 1024.0}
    return float(quantity[:-2]) * units[quantity[-2:]]


@pytest.mark.parametrize(
    ("file", "doc"),
    list(_manifests()),
    ids=[f"{f}:{d['kind']}/{d['metadata']['name']}" for f, d in _manifests()],
)
def test_each_manifest_is_valid_kubernetes(file: str, doc: Doc) -> None:
    # strict: a field the API does not have (a typo, a wrong level) fails too
    kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_compose_file_follows_the_compose_specification() -> None:
    vendored = resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    schema = json.loads(vendored.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(_compose())
    ]
    assert errors == []


def test_every_servicebot_variable_is_a_setting() -> None:
    files = [COMPOSE, ENV_EXAMPLE, ROOT / "Dockerfile", *sorted(K8S.glob("*.yaml"))]
    named = {name for path in files for name in SETTING.findall(path.read_text("utf-8"))}
    assert len(named) > 10
    fields = set(Settings.model_fields)
    unknown = sorted(n for n in named if n.removeprefix("SERVICEBOT_").lower() not in fields)
    assert unknown == []


def test_env_example_names_every_variable_compose_reads() -> None:
    read = set(re.findall(r"\$\{([A-Z0-9_]+)", COMPOSE.read_text(encoding="utf-8")))
    assert read
    assert read <= set(_env_example())


def test_web_probes_are_routes_of_the_web_app(settings: Settings) -> None:
    routes = _routes(create_app(settings))
    web_container = _container("web")
    paths = {web_container[p]["httpGet"]["path"] for p in PROBES if p in web_container}
    assert paths == {"/healthz", "/readyz"}
    assert paths <= routes
    compose_check = " ".join(_compose()["services"]["web"]["healthcheck"]["test"])
    assert "http://127.0.0.1:8080/readyz" in compose_check


async def test_worker_probes_are_routes_of_the_worker_health_app(tmp_path: Path) -> None:
    redis = connect("redis://127.0.0.1:1/0")  # never connected: only the routes are read
    db = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}")
    try:
        routes = _routes(create_health_app(redis, db))
    finally:
        await redis.aclose()
        await db.dispose()
    worker = _container("worker")
    paths = {worker[p]["httpGet"]["path"] for p in PROBES if p in worker}
    assert paths == {"/healthz", "/readyz"}
    assert paths <= routes
    compose_check = " ".join(_compose()["services"]["worker"]["healthcheck"]["test"])
    assert "http://127.0.0.1:8081/readyz" in compose_check


def test_probes_reach_the_ports_the_processes_listen_on() -> None:
    config = _k8s("ConfigMap", "servicebot-config")["data"]
    assert config["SERVICEBOT_HTTP_HOST"] == "0.0.0.0"  # noqa: S104 (the kubelet probes the pod IP)
    web_ports = {p["name"]: p["containerPort"] for p in _container("web")["ports"]}
    assert web_ports["http"] == int(config["SERVICEBOT_HTTP_PORT"])
    worker = _container("worker")
    worker_env = {e["name"]: e["value"] for e in worker["env"]}
    worker_ports = {p["name"]: p["containerPort"] for p in worker["ports"]}
    assert worker_ports["probes"] == int(worker_env["SERVICEBOT_WORKER_HTTP_PORT"])
    for probe in PROBES:
        if probe in worker:
            assert worker[probe]["httpGet"]["port"] == "probes"
    compose_worker = _compose()["services"]["worker"]["environment"]
    assert compose_worker["SERVICEBOT_WORKER_HTTP_PORT"] == "8081"


def test_redis_keeps_an_append_only_file_fsynced_every_second() -> None:
    command = _compose()["services"]["redis"]["command"]
    k8s_args = _k8s("StatefulSet", "redis")["spec"]["template"]["spec"]["containers"][0]["args"]
    for args in (command, k8s_args):
        flags = " ".join(args)
        assert "--appendonly yes" in flags
        assert "--appendfsync everysec" in flags


def test_the_worker_autoscaler_scales_the_worker_deployment() -> None:
    hpa = _k8s("HorizontalPodAutoscaler", "worker")
    assert hpa["apiVersion"] == "autoscaling/v2"
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["apiVersion"], target["kind"]) == ("apps/v1", "Deployment")
    deployment = _k8s("Deployment", target["name"])
    assert deployment["metadata"]["namespace"] == hpa["metadata"]["namespace"]
    assert _container(target["name"])["args"] == ["worker"]
    assert hpa["spec"]["minReplicas"] >= 2


def test_compose_runs_three_workers_two_rasa_replicas_after_the_migration() -> None:
    services = _compose()["services"]
    assert services["worker"]["deploy"]["replicas"] == 3
    assert services["migrate"]["command"] == ["db", "upgrade"]
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    rasa_url = services["web"]["environment"]["SERVICEBOT_RASA_URL"]
    listed = Settings(_env_file=None, rasa_url=rasa_url).rasa_urls  # type: ignore[call-arg]
    replicas = sorted(name for name in services if name.startswith("rasa-"))
    assert listed == tuple(f"http://{name}:5005" for name in replicas)
    assert len(replicas) == 2
    assert services["worker"]["environment"]["SERVICEBOT_RASA_URL"] == rasa_url


def test_resources_fit_the_measured_footprints() -> None:
    # README, "Scaling": a worker stays under 150 MB resident, a Rasa replica near 1 GB.
    worker = _container("worker")["resources"]
    assert 150 <= _quantity_mib(worker["requests"]["memory"]) < 256
    assert _quantity_mib(worker["limits"]["memory"]) >= 2 * 150
    rasa = _container("rasa")["resources"]
    assert _quantity_mib(rasa["requests"]["memory"]) >= 1024
    assert _quantity_mib(rasa["limits"]["memory"]) > _quantity_mib(rasa["requests"]["memory"])


def test_app_image_runs_servicebot_web_as_a_user() -> None:
    lines = (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()
    assert "FROM python:3.11-slim" in lines
    assert "RUN pip install . && rm -rf /app/*" in lines
    assert 'ENTRYPOINT ["servicebot"]' in lines
    assert 'CMD ["web"]' in lines
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users
    assert users[-1] not in ("root", "0")


def test_rasa_image_pins_rasa_3_6_21_and_serves_as_nlu_serve_does() -> None:
    dockerfile = (ROOT / "Dockerfile.rasa").read_text(encoding="utf-8")
    assert "FROM python:3.10-slim" in dockerfile.splitlines()
    assert "COPY nlu/requirements-rasa.txt /tmp/requirements-rasa.txt" in dockerfile
    assert "pip install -r /tmp/requirements-rasa.txt" in dockerfile
    pinned = (ROOT / "nlu" / "requirements-rasa.txt").read_text(encoding="utf-8").splitlines()
    assert "rasa==3.6.21" in pinned
    cmd_line = next(line for line in dockerfile.splitlines() if line.startswith("CMD "))
    served = shlex.split(json.loads(cmd_line.removeprefix("CMD "))[-1])
    ours = serve_command(Path("rasa"), Path("/m"), "http://0.0.0.0:5005", Path("/log"))
    wanted = ours[1 : ours.index("--model")]  # run --enable-api --interface ... --port 5005
    assert served[: 2 + len(wanted)] == ["exec", "rasa", *wanted]
    assert served[2 + len(wanted)] == "--model"
