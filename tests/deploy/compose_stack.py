"""docker-compose.yml run for real with podman and podman-compose, in phases, for the deployment tests.

podman 4.3 (Debian bookworm) with podman-compose ignores `depends_on: condition: service_healthy`, and there
is no systemd here to run healthchecks on a timer, so `ComposeStack` brings the stack up in the order the
conditions describe and runs each container's own healthcheck (`podman healthcheck run`) until it passes:
broker and database → migrations → every web and worker → gateway.

Every podman call gets `CONTAINERS_CONF` pointing at a containers.conf written here (unless the caller set
one): runc as the runtime, cgroupfs, file events and default ulimits inside this machine's hard limits.
"""

from __future__ import annotations

import json
import os
import resource
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
TOOLS_BIN = ROOT / "var" / "deploy-tools" / "bin"  # .ci/run installs podman-compose there
# Published ports of this test: configurable, and by default clear of the machine's own RabbitMQ (5672),
# PostgreSQL (5432) and the embedded/Procfile platforms (8000, 8100-8105).
PORT_SETTINGS = {
    "KYCUONG_GATEWAY_PORT": ("KYCUONG_TEST_GATEWAY_PORT", 18100),
    "KYCUONG_AMQP_PORT": ("KYCUONG_TEST_AMQP_PORT", 18672),
    "KYCUONG_RABBITMQ_UI_PORT": ("KYCUONG_TEST_RABBITMQ_UI_PORT", 18673),
}
# Well above what the slowest healthy start takes here (RabbitMQ's boot, gunicorn's first import); these are
# bounds on waiting, not the test's subject.
HEALTHY_WITHIN = 180
MIGRATED_WITHIN = 300


class StackError(Exception):
    pass


def log(message: str) -> None:
    print(f"[containers] {message}", file=sys.stderr, flush=True)


class Phase:
    def __init__(self, name: str, timings: dict[str, float]):
        self.name, self.timings = name, timings

    def __enter__(self):
        self.started = time.monotonic()
        log(f"{self.name} …")

    def __exit__(self, kind, value, traceback):
        took = time.monotonic() - self.started
        self.timings[self.name] = took
        log(f"{self.name}: {'failed' if kind else 'done'} in {took:.1f}s")


def missing_tools() -> list[str]:
    missing = [tool for tool in ("podman", "mmdebstrap") if not shutil.which(tool)]
    if not podman_compose():
        missing.append("podman-compose")
    if not shutil.which("runc") and not Path("/usr/sbin/runc").exists():
        missing.append("runc")
    return missing


def podman_compose() -> str | None:
    given = os.environ.get("KYCUONG_PODMAN_COMPOSE")
    if given:
        return given
    if (TOOLS_BIN / "podman-compose").exists():
        return str(TOOLS_BIN / "podman-compose")
    return shutil.which("podman-compose")


def containers_conf(directory: Path) -> Path:
    """runc (crun refuses the hybrid cgroups of this kind of machine), cgroupfs and file events (no systemd),
    and default ulimits no higher than the hard limits podman runs under (runc fails otherwise)."""
    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    nofile = 65536 if nofile == resource.RLIM_INFINITY else min(nofile, 65536)
    nproc = resource.getrlimit(resource.RLIMIT_NPROC)[1]
    # Raising nproc close to the hard limit is refused on some kernels: a bound far below both.
    nproc = 16384 if nproc == resource.RLIM_INFINITY else min(nproc // 2, 16384)
    path = directory / "containers.conf"
    path.write_text(
        "# Written by tests/deploy/compose_stack.py for the deployment test.\n"
        "[containers]\n"
        f'default_ulimits = ["nofile={nofile}:{nofile}", "nproc={nproc}:{nproc}"]\n'
        "[engine]\n"
        'runtime = "runc"\n'
        'cgroup_manager = "cgroupfs"\n'
        'events_logger = "file"\n'
        "[network]\n"
        'network_backend = "netavark"\n', encoding="utf-8")
    return path


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


def published_ports() -> dict[str, int]:
    ports = {name: int(os.environ.get(setting, default)) for name, (setting, default) in PORT_SETTINGS.items()}
    taken = [f"{port} ({PORT_SETTINGS[name][0]})" for name, port in ports.items() if not port_is_free(port)]
    if taken:
        raise StackError(f"published port(s) already in use: {', '.join(taken)}; free them or choose others "
                         "with those environment variables")
    return ports


class ComposeStack:
    """One run of docker-compose.yml under its own project name, torn down completely by `down()`."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.project = f"kycuongtest{secrets.token_hex(3)}"
        self.timings: dict[str, float] = {}
        self.is_down = False
        self.jwt_secret = secrets.token_hex(32)
        self.ports = published_ports()
        self.env = {**os.environ, "KYCUONG_JWT_SECRET": self.jwt_secret,
                    **{name: str(port) for name, port in self.ports.items()}}
        self.env.setdefault("CONTAINERS_CONF", str(containers_conf(workdir)))
        self.compose_cmd = [podman_compose(), "--project-name", self.project, "--file", str(COMPOSE_FILE)]
        self.gateway = f"http://127.0.0.1:{self.ports['KYCUONG_GATEWAY_PORT']}"

    # --- running things ---------------------------------------------------------------------------

    def podman(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
        result = subprocess.run(["podman", *args], env=self.env, capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise StackError(f"podman {' '.join(args)} exited with {result.returncode}: {result.stderr.strip()}")
        return result

    def compose(self, *args: str, timeout: float = 300) -> None:
        output = self.workdir / "compose.log"
        with output.open("a", encoding="utf-8") as sink:
            sink.write(f"\n$ podman-compose {' '.join(args)}\n")
            sink.flush()
            result = subprocess.run([*self.compose_cmd, *args], env=self.env, stdout=sink, stderr=subprocess.STDOUT,
                                    timeout=timeout, cwd=ROOT)
        if result.returncode != 0:
            tail = "\n".join(output.read_text(encoding="utf-8").splitlines()[-30:])
            raise StackError(f"podman-compose {' '.join(args)} exited with {result.returncode}:\n{tail}")

    def build_images(self) -> None:
        with Phase("images (deploy/images/build.py)", self.timings):
            result = subprocess.run([sys.executable, str(ROOT / "deploy" / "images" / "build.py")], env=self.env,
                                    cwd=ROOT, timeout=1500)
            if result.returncode != 0:
                raise StackError("deploy/images/build.py failed (its output is above)")

    # --- what is running ------------------------------------------------------------------------------

    def containers(self) -> list[dict]:
        listing = self.podman("ps", "--all", "--format", "json",
                              "--filter", f"label=io.podman.compose.project={self.project}").stdout
        return json.loads(listing or "[]")

    def names_of(self, service: str) -> list[str]:
        return sorted(c["Names"][0] for c in self.containers()
                      if c.get("Labels", {}).get("com.docker.compose.service") == service)

    def logs(self, name: str, tail: int = 60) -> str:
        result = self.podman("logs", "--tail", str(tail), name, check=False)
        return (result.stdout + result.stderr).strip()

    def state(self, name: str) -> dict:
        return json.loads(self.podman("inspect", "--format", "json", name).stdout)[0]["State"]

    def wait_healthy(self, services: list[str]) -> None:
        """Each container's own healthcheck, run until it passes; a container that exits fails at once."""
        names = [name for service in services for name in self.names_of(service)]
        missing = [service for service in services if not self.names_of(service)]
        if missing:
            raise StackError(f"no container for {', '.join(missing)}")
        pending = set(names)
        deadline = time.monotonic() + HEALTHY_WITHIN
        while pending:
            for name in sorted(pending):
                state = self.state(name)
                if not state.get("Running"):
                    raise StackError(f"{name} stopped (exit code {state.get('ExitCode')}):\n{self.logs(name)}")
                if self.podman("healthcheck", "run", name, check=False, timeout=60).returncode == 0:
                    pending.discard(name)
            if pending:
                if time.monotonic() > deadline:
                    details = "\n\n".join(f"--- {name}:\n{self.logs(name)}" for name in sorted(pending))
                    raise StackError(f"not healthy within {HEALTHY_WITHIN}s: {', '.join(sorted(pending))}\n{details}")
                time.sleep(1)

    def wait_exited(self, service: str) -> None:
        (name,) = self.names_of(service)
        result = self.podman("wait", name, timeout=MIGRATED_WITHIN)
        code = int(result.stdout.strip().splitlines()[-1])
        if code != 0:
            raise StackError(f"{service} exited with {code}:\n{self.logs(name, tail=80)}")

    def ip_addresses(self, name: str) -> set[str]:
        networks = json.loads(self.podman("inspect", "--format", "json", name).stdout)[0]["NetworkSettings"]["Networks"]
        return {network["IPAddress"] for network in networks.values() if network.get("IPAddress")}

    def exec(self, service: str, *argv: str) -> str:
        name = self.names_of(service)[0]
        return self.podman("exec", name, *argv).stdout

    # --- up and down --------------------------------------------------------------------------------

    def up(self, services: dict[str, list[str]]) -> None:
        with Phase("broker and database", self.timings):
            self.compose("up", "--detach", "--no-build", "--no-deps", "rabbitmq", "postgres")
            self.wait_healthy(["rabbitmq", "postgres"])
        with Phase("migrations and topology", self.timings):
            self.compose("up", "--detach", "--no-build", "--no-deps", "migrate")
            self.wait_exited("migrate")
        kycuong = services["web"] + services["worker"]
        with Phase(f"services ({len(kycuong)} kinds of container)", self.timings):
            self.compose("up", "--detach", "--no-build", "--no-deps", *kycuong)
            self.wait_healthy(kycuong)
        with Phase("gateway", self.timings):
            self.compose("up", "--detach", "--no-build", "--no-deps", "gateway")
            self.wait_healthy(["gateway"])

    def leftovers(self) -> dict[str, list[str]]:
        label = f"label=io.podman.compose.project={self.project}"
        found = {
            "containers": self.podman("ps", "--all", "--quiet", "--filter", label, check=False).stdout.split(),
            "pods": self.podman("pod", "ps", "--quiet", "--filter", f"name=^pod_{self.project}$",
                                check=False).stdout.split(),
            "volumes": [v for v in self.podman("volume", "ls", "--quiet", check=False).stdout.split()
                        if v.startswith(f"{self.project}_")],
            "networks": [n for n in self.podman("network", "ls", "--quiet", "--format", "{{.Name}}",
                                                check=False).stdout.split() if n.startswith(f"{self.project}_")],
        }
        return {kind: items for kind, items in found.items() if items}

    def down(self) -> dict[str, list[str]]:
        """`podman-compose down --volumes`; returns what it left behind (and removes that too). Once only."""
        if self.is_down:
            return {}
        self.is_down = True
        with Phase("down", self.timings):
            try:
                self.compose("down", "--volumes", "--timeout", "10")
            except StackError as exc:
                log(str(exc))
            left = self.leftovers()
            if left:
                log(f"left behind by down: {left}; removing")
                for kind, items in left.items():
                    command = {"containers": ["rm", "--force", "--volumes"], "pods": ["pod", "rm", "--force"],
                               "volumes": ["volume", "rm", "--force"], "networks": ["network", "rm", "--force"]}
                    self.podman(*command[kind], *items, check=False)
        return left
