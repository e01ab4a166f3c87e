"""deploy/Procfile (one host, no containers) and docker-compose.yml describe one topology.

Both must start the same `kycuong` processes on the same ports, the gateway must send every service
prefix to that service's port in both, and the image must run `kycuong`. A change to one file that is
not made to the other fails here, before anyone starts the stack.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from honcho.environ import parse as parse_env_file
from honcho.environ import parse_procfile

from shared import topology
from shared.settings import SERVICES, Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"

# The port plan of the distributed topology: each service's `kycuong serve`, and the gateway in front.
PORTS = {"tasks": 8101, "dossiers": 8102, "feedback": 8103, "discipline": 8104, "reporting": 8105}
GATEWAY_PORT = 8100
ROLES = {"web": "serve", "worker": "worker"}
OPTIONS_WITH_VALUES = {"--host", "--port", "--workers", "--threads"}


@dataclass(frozen=True)
class KycuongProcess:
    """One `kycuong <role> <service> [options]` command line, comparable across the two files."""

    role: str
    service: str
    port: int | None
    options: tuple[tuple[str, str], ...]  # everything but --host and --port, sorted

    @classmethod
    def parse(cls, argv: list[str]) -> tuple[KycuongProcess, str | None]:
        """The process and the host it binds (which legitimately differs: loopback vs container)."""
        assert Path(argv[0]).name == "kycuong", f"not a kycuong command: {argv}"
        role, service, rest = argv[1], argv[2], argv[3:]
        options: dict[str, str] = {}
        i = 0
        while i < len(rest):
            name = rest[i]
            assert name.startswith("--"), f"unexpected argument {name!r} in {argv}"
            if name in OPTIONS_WITH_VALUES:
                options[name] = rest[i + 1]
                i += 2
            else:
                options[name] = ""
                i += 1
        host = options.pop("--host", None)
        port = options.pop("--port", None)
        return cls(role, service, int(port) if port else None, tuple(sorted(options.items()))), host


# --- reading the files ---------------------------------------------------------------------------

def procfile_commands() -> dict[str, str]:
    # honcho's own parser: what it reads is what runs.
    return dict(parse_procfile((DEPLOY / "Procfile").read_text(encoding="utf-8")).processes)


def procfile_kycuong() -> dict[str, tuple[KycuongProcess, str | None]]:
    return {name: KycuongProcess.parse(shlex.split(command))
            for name, command in procfile_commands().items() if name != "gateway"}


def dockerfile_entrypoint() -> list[str]:
    lines = [line for line in (DEPLOY / "Dockerfile").read_text(encoding="utf-8").splitlines()
             if line.startswith("ENTRYPOINT")]
    assert len(lines) == 1, "deploy/Dockerfile must have exactly one ENTRYPOINT"
    return json.loads(lines[0].removeprefix("ENTRYPOINT"))


@pytest.fixture(scope="module")
def compose() -> dict:
    yaml = pytest.importorskip("yaml", reason="PyYAML is missing: it belongs in the dev dependencies")
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def is_kycuong_image(definition: dict) -> bool:
    return definition.get("build", {}).get("dockerfile") == "deploy/Dockerfile"


def compose_argv(definition: dict) -> list[str]:
    entrypoint = definition.get("entrypoint", dockerfile_entrypoint())
    command = definition.get("command", [])
    if isinstance(entrypoint, str):
        entrypoint = shlex.split(entrypoint)
    if isinstance(command, str):
        command = shlex.split(command)
    return list(entrypoint) + list(command)


def compose_kycuong(compose: dict) -> dict[str, tuple[KycuongProcess, str | None]]:
    return {name: KycuongProcess.parse(compose_argv(definition))
            for name, definition in compose["services"].items()
            if is_kycuong_image(definition) and name != "migrate"}


def with_defaults(value: str) -> str:
    """A compose value with its `${VAR:-default}` references taken at their defaults."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", str(value))


def compose_environment(definition: dict) -> dict[str, str]:
    """The environment a container gets, with compose's `${VAR:-default}` taken at its default."""
    environment = definition.get("environment", {})
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    return {key: with_defaults(value) for key, value in environment.items()}


def nginx_blocks(text: str, keyword: str) -> dict[str, str]:
    """`keyword name { body }` blocks (no nested braces inside: true of locations and upstreams here)."""
    text = re.sub(r"#[^\n]*", "", text)
    return {m.group(1): m.group(2) for m in re.finditer(rf"\b{keyword}\s+(\S+)\s*\{{([^{{}}]*)\}}", text)}


def upstream_servers(path: Path) -> dict[str, list[str]]:
    return {name: re.findall(r"\bserver\s+([^\s;]+)", body)
            for name, body in nginx_blocks(path.read_text(encoding="utf-8"), "upstream").items()}


def nginx_include_name() -> str:
    includes = re.findall(r"^\s*include\s+([^\s;]+);", (DEPLOY / "nginx.conf").read_text(encoding="utf-8"),
                          re.MULTILINE)
    assert len(includes) == 1, f"deploy/nginx.conf should include exactly one upstream file, found {includes}"
    return includes[0]


# --- the Procfile -------------------------------------------------------------------------------

def test_procfile_runs_a_web_and_a_worker_per_service_and_the_gateway():
    expected = {f"{kind}_{service}" for service in SERVICES for kind in ROLES} | {"gateway"}
    assert set(procfile_commands()) == expected


def test_procfile_processes_follow_the_port_plan():
    for name, (process, _host) in procfile_kycuong().items():
        kind, service = name.split("_", 1)
        assert (process.role, process.service) == (ROLES[kind], service), f"{name} runs {process}"
        if kind == "web":
            assert process.port == PORTS[service], f"{name} should serve on {PORTS[service]}"
        else:
            assert process.port is None, f"{name} is a worker and opens no port"


def test_procfile_documents_the_release_step():
    header = (DEPLOY / "Procfile").read_text(encoding="utf-8")
    assert re.search(r"^#.*kycuong migrate && \S*kycuong topology", header, re.MULTILINE)


def test_procfile_environment_points_every_service_at_postgresql_and_rabbitmq():
    env = parse_env_file((DEPLOY / ".env.distributed").read_text(encoding="utf-8"))
    settings = Settings.from_env(env)
    assert urlsplit(settings.broker_url).scheme == "amqp"
    for service in SERVICES:
        url = settings.database_url(service)
        assert url.startswith("postgresql+psycopg://") and url.endswith(f"/kycuong_{service}"), url


# --- docker-compose.yml against the Procfile ----------------------------------------------------

def test_compose_runs_the_same_kycuong_processes_as_the_procfile(compose):
    in_procfile = {name: process for name, (process, _host) in procfile_kycuong().items()}
    in_compose = {name: process for name, (process, _host) in compose_kycuong(compose).items()}
    assert in_compose == in_procfile


def test_compose_web_processes_listen_beyond_their_container(compose):
    for name, (process, host) in compose_kycuong(compose).items():
        if process.role == "serve":
            assert host == "0.0.0.0", f"{name} binds {host}: the gateway container could not reach it"
            assert str(process.port) in [str(p) for p in compose["services"][name].get("expose", [])]


def test_compose_migrates_and_declares_the_topology_before_any_process_starts(compose):
    services = compose["services"]
    release = " ".join(compose_argv(services["migrate"]))
    assert re.search(r"\bkycuong migrate && kycuong topology\b", release), release
    assert {"postgres", "rabbitmq"} <= set(services["migrate"]["depends_on"])
    for name in compose_kycuong(compose):
        condition = services[name].get("depends_on", {}).get("migrate", {}).get("condition")
        assert condition == "service_completed_successfully", f"{name} may start before migrations"


def test_compose_scales_feedback_intake(compose):
    # `mode: replicated` is what makes podman-compose honour `replicas` (docker compose assumes it).
    assert compose["services"]["web_feedback"]["deploy"] == {"mode": "replicated", "replicas": 2}


def test_compose_takes_the_jwt_secret_from_the_environment_with_no_default(compose):
    """A forgotten secret must stop the deployment, not run it on a development value."""
    for name, definition in compose["services"].items():
        if not is_kycuong_image(definition):
            continue
        value = definition["environment"]["KYCUONG_JWT_SECRET"]
        assert re.fullmatch(r"\$\{KYCUONG_JWT_SECRET:\?[^}]+\}", value), f"{name}: {value}"


def test_compose_web_and_worker_containers_have_healthchecks_and_a_files_volume(compose):
    for name in compose_kycuong(compose):
        service = compose["services"][name]
        assert service["healthcheck"]["test"] == ["CMD", "kycuong-healthcheck"], name
        assert any(v.endswith(":/var/lib/kycuong") for v in service["volumes"]), name
        assert service["environment"]["KYCUONG_VAR_DIR"] == "/var/lib/kycuong", name
    assert {"rabbitmq-data", "postgres-data", "kycuong-files"} <= set(compose["volumes"])


def test_compose_builds_the_image_with_the_projects_version(compose):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for name, definition in compose["services"].items():
        if is_kycuong_image(definition):
            assert definition["build"]["args"]["KYCUONG_VERSION"] == project["version"], name


def test_compose_names_only_images_built_here(compose):
    """No registry is assumed: every image is made by deploy/images/build.py, from the Containerfiles the
    compose file's build sections name."""
    spec = importlib.util.spec_from_file_location("kycuong_image_build", DEPLOY / "images" / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    for name, definition in compose["services"].items():
        if is_kycuong_image(definition):
            assert definition["image"] == build.APP_IMAGE, name
        else:
            directory = build.SERVICE_IMAGES.get(definition["image"])
            assert directory, f"{name}: {definition['image']} is not built by deploy/images/build.py"
            assert definition["build"]["context"] == f"deploy/images/{directory}", name


def test_compose_environment_gives_each_service_its_own_database(compose):
    for name, definition in compose["services"].items():
        if not is_kycuong_image(definition):
            continue
        settings = Settings.from_env(compose_environment(definition))
        assert urlsplit(settings.broker_url).hostname == "rabbitmq", name
        for service in SERVICES:
            url = urlsplit(settings.database_url(service))
            assert (url.hostname, url.path) == ("postgres", f"/kycuong_{service}"), f"{name}: {url.geturl()}"


def test_postgres_init_script_creates_every_service_database(compose):
    script = (DEPLOY / "postgres" / "init-databases.sql").read_text(encoding="utf-8")
    assert set(re.findall(r"CREATE DATABASE (\w+);", script)) == {f"kycuong_{s}" for s in SERVICES}
    mounts = compose["services"]["postgres"]["volumes"]
    assert any(m.startswith("./deploy/postgres/init-databases.sql:/docker-entrypoint-initdb.d/") for m in mounts)


# --- the gateway --------------------------------------------------------------------------------

def test_gateway_routes_every_service_prefix_to_an_upstream_without_rewriting_the_path():
    locations = nginx_blocks((DEPLOY / "nginx.conf").read_text(encoding="utf-8"), "location")
    for service in SERVICES:
        body = locations.get(f"/{service}/")
        assert body is not None, f"deploy/nginx.conf has no location /{service}/"
        # A URI after the upstream name would make nginx replace the prefix, and the service's routes
        # (/<service>/api/v1/…) would no longer match.
        assert re.fullmatch(rf"\s*proxy_pass http://kycuong_{service};\s*", body), body


def test_gateway_upstreams_on_one_host_are_the_procfile_ports():
    servers = upstream_servers(DEPLOY / nginx_include_name())
    for name, (process, host) in procfile_kycuong().items():
        if process.role == "serve":
            assert servers[f"kycuong_{process.service}"] == [f"{host}:{process.port}"], name


def test_gateway_upstreams_in_compose_are_the_web_containers(compose):
    servers = upstream_servers(DEPLOY / "nginx-upstreams.compose.conf")
    for name, (process, _host) in compose_kycuong(compose).items():
        if process.role == "serve":
            assert servers[f"kycuong_{process.service}"] == [f"{name}:{process.port}"], name


def test_gateway_listens_on_8100_with_the_same_config_in_both(compose):
    conf = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    assert re.findall(r"^\s*listen\s+(\d+);", conf, re.MULTILINE) == [str(GATEWAY_PORT)]

    assert shlex.split(procfile_commands()["gateway"]) == [
        "nginx", "-c", "$PWD/deploy/nginx.conf", "-g", "daemon off;"]

    gateway = compose["services"]["gateway"]
    argv = gateway["command"]
    config = Path(argv[argv.index("-c") + 1])
    # Published on 8100 unless KYCUONG_GATEWAY_PORT says otherwise (the container test moves it).
    assert f"{GATEWAY_PORT}:{GATEWAY_PORT}" in [with_defaults(port) for port in gateway["ports"]]
    # The include is resolved beside the main file, so the compose upstreams must be mounted there.
    assert f"./deploy/nginx.conf:{config}:ro" in gateway["volumes"]
    assert f"./deploy/nginx-upstreams.compose.conf:{config.parent / nginx_include_name()}:ro" in gateway["volumes"]
    assert set(gateway["depends_on"]) == {name for name, (p, _h) in compose_kycuong(compose).items()
                                          if p.role == "serve"}
    # nginx resolves the upstream names once: it must start after every web replica is healthy.
    assert {dep["condition"] for dep in gateway["depends_on"].values()} == {"service_healthy"}


@pytest.mark.skipif(not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()) and not os.environ.get("CI"),
                    reason="nginx is not installed (.ci/run installs it); CI must run it")
def test_nginx_accepts_the_gateway_configuration():
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    result = subprocess.run([nginx, "-t", "-q", "-c", str(DEPLOY / "nginx.conf")],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr


# --- the image and the broker ---------------------------------------------------------------------

def test_image_runs_kycuong_as_a_plain_user():
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert dockerfile_entrypoint() == ["kycuong"]
    # The base deploy/images/build.py makes from Debian bookworm: its python3 is the 3.11 pyproject requires.
    assert re.search(r"^ARG BASE=localhost/kycuong-base-runtime:bookworm$", dockerfile, re.MULTILINE)
    assert re.search(r"^FROM \$\{BASE\}$", dockerfile, re.MULTILINE)
    assert re.search(r"^HEALTHCHECK .*\bCMD \[\"kycuong-healthcheck\"\]$", dockerfile, re.MULTILINE)
    assert "org.opencontainers.image.version=\"${KYCUONG_VERSION}\"" in dockerfile
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.MULTILINE)
    assert users and users[-1] not in {"root", "0"}


def test_broker_definitions_declare_the_platform_exchanges():
    definitions = json.loads((DEPLOY / "rabbitmq" / "definitions.json").read_text(encoding="utf-8"))
    declared = {(e["name"], e["type"], e["durable"], e["auto_delete"], e["vhost"])
                for e in definitions["exchanges"]}
    # Declared again by `kycuong topology`: any difference would make RabbitMQ refuse that declaration.
    expected = {(ex.name, ex.type, ex.durable, ex.auto_delete, "/") for ex in (topology.EVENTS, topology.INGEST,
                                                                                 topology.DLX)}
    assert declared == expected


def test_broker_definitions_let_external_publishers_write_only_to_ingest():
    definitions = json.loads((DEPLOY / "rabbitmq" / "definitions.json").read_text(encoding="utf-8"))
    external = [p for p in definitions["permissions"] if p["user"] != "kycuong"]
    assert external, "the example publishers are missing"
    for grant in external:
        assert (grant["configure"], grant["write"], grant["read"]) == ("^$", r"^kycuong\.ingest$", "^$")
        assert re.fullmatch(grant["write"], topology.INGEST.name)
        assert not re.fullmatch(grant["write"], topology.EVENTS.name)
    assert "guest" not in {u["name"] for u in definitions["users"]}


def test_every_publisher_the_platform_trusts_is_a_broker_user_that_can_write_only_to_ingest(compose):
    """The publisher registry names RabbitMQ users (the `user_id` RabbitMQ vouches for); a registered
    publisher without such a user could never publish, and one allowed to write elsewhere could bypass
    the checks."""
    definitions = json.loads((DEPLOY / "rabbitmq" / "definitions.json").read_text(encoding="utf-8"))
    permissions = {p["user"]: p for p in definitions["permissions"]}
    registries = [
        Settings.from_env(env=compose_environment(compose["services"]["migrate"])).publishers,
        Settings.from_env(env=parse_env_file((DEPLOY / ".env.distributed").read_text(encoding="utf-8"))).publishers,
    ]
    for publishers in registries:
        assert publishers, "the deployments must name their publishers: without a registry anyone is trusted"
        for publisher in publishers:
            grant = permissions[publisher]
            assert (grant["configure"], grant["write"], grant["read"]) == ("^$", r"^kycuong\.ingest$", "^$")


def test_broker_definitions_know_the_user_and_password_compose_connects_with(compose):
    definitions = json.loads((DEPLOY / "rabbitmq" / "definitions.json").read_text(encoding="utf-8"))
    broker = urlsplit(compose_environment(compose["services"]["migrate"])["KYCUONG_BROKER_URL"])
    user = next(u for u in definitions["users"] if u["name"] == broker.username)
    assert user["hashing_algorithm"] == "rabbit_password_hashing_sha256"
    salted = base64.b64decode(user["password_hash"])
    salt, digest = salted[:4], salted[4:]
    assert hashlib.sha256(salt + broker.password.encode()).digest() == digest, "password does not match"
    grant = next(p for p in definitions["permissions"] if p["user"] == broker.username)
    assert (grant["vhost"], grant["configure"], grant["write"], grant["read"]) == ("/", ".*", ".*", ".*")
    mounts = compose["services"]["rabbitmq"]["volumes"]
    assert "./deploy/rabbitmq/definitions.json:/etc/rabbitmq/definitions.json:ro" in mounts
