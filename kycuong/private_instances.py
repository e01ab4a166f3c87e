"""Private RabbitMQ nodes and PostgreSQL clusters, for the tests that stop, kill or restart them.

The machine's own broker and database serve everyone's tests at once: a fault test never touches them.
It starts its own node (own node name, ports, Erlang cookie and data directory under a temporary
directory) or its own cluster (initdb into a temporary directory, its own port and socket directory),
faults that, and removes it afterwards.

Ports: RabbitMQ and PostgreSQL bind their own listeners, so a port is asked of the kernel and released just
before the server starts; if another process took it meanwhile, the server fails to bind and is started
again on a new port (a bounded number of times), so nothing depends on a port staying free by luck.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import time
from pathlib import Path

RABBITMQ_BIN = Path("/usr/lib/rabbitmq/bin")


def _postgres_bin() -> Path:
    """The server binaries of the newest PostgreSQL Debian installed (KYCUONG_POSTGRES_BIN overrides)."""
    if os.environ.get("KYCUONG_POSTGRES_BIN"):
        return Path(os.environ["KYCUONG_POSTGRES_BIN"])
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]) if
                   p.parts[-3].isdigit() else 0)
    return found[-1].parent if found else Path("/usr/lib/postgresql/15/bin")


POSTGRES_BIN = _postgres_bin()
START_ATTEMPTS = 3


class InstanceError(RuntimeError):
    pass


def free_port() -> int:
    """A port the kernel says is free now (released on return: see the module's note on ports)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- RabbitMQ -------------------------------------------------------------------------------------------


def rabbitmq_available() -> str | None:
    """None when a private node can be started here, else what to install."""
    if not (RABBITMQ_BIN / "rabbitmq-server").exists() or not (RABBITMQ_BIN / "rabbitmqctl").exists():
        return f"rabbitmq-server is not installed ({RABBITMQ_BIN}): apt-get install rabbitmq-server"
    return None


class RabbitNode:
    """One RabbitMQ node of our own: `rabbit-<name>@localhost`, AMQP and distribution ports from the kernel,
    its cookie, configuration, database and logs under `base`. Several nodes given the same `cookie_home`
    share one Erlang cookie and can be clustered."""

    def __init__(self, base: Path, name: str, cookie_home: Path | None = None):
        self.base = base
        self.node = f"kyc-{name}@localhost"
        self.home = cookie_home or base / "home"
        self.port = 0
        self.dist_port = 0
        self.process: subprocess.Popen | None = None
        self.log_path = base / "server.log"

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}//"

    def env(self) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("RABBITMQ_", "ERL_"))}
        return {
            **keep,
            "HOME": str(self.home),  # the Erlang cookie: ours, shared only with our other nodes
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_CONF_ENV_FILE": str(self.base / "rabbitmq-env.conf"),
            "RABBITMQ_CONFIG_FILE": str(self.base / "rabbitmq.conf"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(self.base / "advanced.config"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.base / "enabled_plugins"),
            "RABBITMQ_MNESIA_BASE": str(self.base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.base / "log"),
            "RABBITMQ_PID_FILE": str(self.base / "rabbit.pid"),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "ERL_CRASH_DUMP": str(self.base / "erl_crash.dump"),
            # Mnesia writes its core dumps to the VM's working directory unless told: keep them in ours.
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": f'-mnesia core_dir "{self.base}"',
        }

    def _prepare(self) -> None:
        self.base.mkdir(parents=True, exist_ok=True)
        self.home.mkdir(parents=True, exist_ok=True)
        cookie = self.home / ".erlang.cookie"
        if not cookie.exists():
            cookie.write_text(secrets.token_hex(20).upper())
            cookie.chmod(0o400)
        (self.base / "rabbitmq-env.conf").write_text("")  # not the machine's (it names the machine's node)
        (self.base / "enabled_plugins").write_text("[].\n")
        (self.base / "advanced.config").write_text("[].\n")

    def start(self, timeout: float = 90) -> RabbitNode:
        if why := rabbitmq_available():
            raise InstanceError(why)
        self._prepare()
        for attempt in range(START_ATTEMPTS):
            self.port, self.dist_port = free_port(), free_port()
            (self.base / "rabbitmq.conf").write_text(
                f"listeners.tcp.1 = 127.0.0.1:{self.port}\nloopback_users = none\n"
                # The tests fill no disk and no memory worth an alarm; a busy CI disk must not block publishes.
                "disk_free_limit.absolute = 1MB\n")
            if self._launch(timeout):
                return self
            self.stop()
            if attempt == START_ATTEMPTS - 1:
                raise InstanceError(f"RabbitMQ node {self.node} did not start; see {self.log_path}:\n"
                                    f"{self.log_tail()}")
        return self

    def _launch(self, timeout: float) -> bool:
        log = open(self.log_path, "ab")  # noqa: SIM115 (kept open for the child's life)
        # cwd: where Erlang writes what it dumps (MnesiaCore.*), never the caller's directory.
        self.process = subprocess.Popen([str(RABBITMQ_BIN / "rabbitmq-server")], env=self.env(), stdout=log,
                                        stderr=subprocess.STDOUT, start_new_session=True, cwd=self.base)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            result = self.ctl("await_startup", "--timeout", "5", check=False, timeout=30)
            if result.returncode == 0:
                return True
        return False

    def ctl(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
        result = subprocess.run([str(RABBITMQ_BIN / "rabbitmqctl"), "-q", "-n", self.node, *args],
                                env=self.env(), capture_output=True, text=True, timeout=timeout, cwd=self.base)
        if check and result.returncode != 0:
            raise InstanceError(f"rabbitmqctl -n {self.node} {' '.join(args)}: {result.stderr or result.stdout}")
        return result

    def stop_app(self) -> None:
        self.ctl("stop_app")

    def start_app(self) -> None:
        self.ctl("start_app")
        self.ctl("await_startup")

    def stop(self) -> None:
        """Stop the whole node (the Erlang VM) and wait for it to exit."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.ctl("stop", check=False, timeout=60)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait()
        self.process = None

    def log_tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


class RabbitCluster:
    """`size` private nodes sharing one cookie, joined to the first."""

    def __init__(self, base: Path, name: str, size: int = 3):
        home = base / "home"
        self.nodes = [RabbitNode(base / f"node{i}", f"{name}-{i}", cookie_home=home) for i in range(1, size + 1)]

    def start(self) -> RabbitCluster:
        for node in self.nodes:
            node.start()
        first = self.nodes[0]
        for node in self.nodes[1:]:
            node.stop_app()
            node.ctl("join_cluster", first.node)
            node.start_app()
        return self

    def running_nodes(self, via: RabbitNode) -> list[str]:
        import json

        status = json.loads(via.ctl("cluster_status", "--formatter", "json").stdout)
        return sorted(status.get("running_nodes", []))

    @property
    def broker_url(self) -> str:
        """Every node, as kombu takes several brokers: it fails over to the next when one is down."""
        return ";".join(node.url for node in self.nodes)

    def stop(self) -> None:
        for node in reversed(self.nodes):
            node.stop()


# -- PostgreSQL ------------------------------------------------------------------------------------------


def postgres_available() -> str | None:
    if not (POSTGRES_BIN / "initdb").exists() or not (POSTGRES_BIN / "pg_ctl").exists():
        return (f"PostgreSQL server binaries (initdb, pg_ctl) are not in {POSTGRES_BIN}: apt-get install postgresql "
                "(or set KYCUONG_POSTGRES_BIN)")
    return None


class PostgresCluster:
    """A PostgreSQL cluster of our own: initdb into `base`, trust authentication, listening on 127.0.0.1
    on a port from the kernel, its socket in `base`. PostgreSQL refuses to run as root: as root, the
    server runs as the `postgres` user, which then owns `base`."""

    def __init__(self, base: Path):
        self.base = base
        self.data = base / "data"
        self.port = 0
        self.log_path = base / "postgres.log"

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(POSTGRES_BIN / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd="/")
        if check and result.returncode != 0:
            raise InstanceError(f"{args[0]} failed: {result.stderr or result.stdout}\n{self.log_tail()}")
        return result

    def start(self) -> PostgresCluster:
        if why := postgres_available():
            raise InstanceError(why)
        self.base.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            for path in (self.base, *self.base.parents):
                if str(path) in ("/", "/tmp"):
                    break
                os.chmod(path, os.stat(path).st_mode | 0o711)  # postgres must reach its directory
            shutil.chown(self.base, user.pw_uid, user.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        for attempt in range(START_ATTEMPTS):
            self.port = free_port()
            with open(self.data / "postgresql.auto.conf", "a") as conf:
                conf.write(f"port = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                           f"unix_socket_directories = '{self.base}'\nmax_connections = 300\n"
                           "fsync = off\nfull_page_writes = off\nsynchronous_commit = off\n")
            if self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log_path), "-w", "-t", "60", "start",
                         check=False).returncode == 0:
                return self
            if attempt == START_ATTEMPTS - 1:
                raise InstanceError(f"PostgreSQL did not start; see {self.log_path}:\n{self.log_tail()}")
        return self

    def restart(self) -> None:
        """`pg_ctl restart -m fast`: every session is cut, the server comes back on the same port."""
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log_path), "-w", "-t", "60", "-m", "fast",
                  "restart")

    def stop(self) -> None:
        if self.data.exists():
            self._run("pg_ctl", "-D", str(self.data), "-w", "-t", "60", "-m", "immediate", "stop", check=False)

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])
