"""The distributed topology as local processes, for the end-to-end tests and the benchmarks.

Each stack gets its own RabbitMQ virtual host and its own five PostgreSQL databases, so it never meets
another run's queues or rows; `close()` removes them. A stack can also run on a broker and a database server
of its own (`broker_url`, `postgres_server`; see kycuong/private_instances.py), for the tests that fault them.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

from shared.settings import SERVICES

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


class StackError(RuntimeError):
    pass


def listening_socket(port: int = 0) -> socket.socket:
    """A socket bound and listening on 127.0.0.1 (a free port when 0), to hand to a server process: the
    port is held from the moment it is chosen, so no other listener can take it before the server starts."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def rabbitmqctl(*args: str, timeout: float = 180) -> str:
    try:
        result = subprocess.run(["rabbitmqctl", "-q", *args], capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError as exc:
        raise StackError("rabbitmqctl not found: RabbitMQ must run on this machine") from exc
    if result.returncode != 0:
        raise StackError(f"rabbitmqctl {' '.join(args)} failed: {result.stderr or result.stdout}")
    return result.stdout


def restart_broker(down_seconds: float = 2.0) -> None:
    """Stop and start the RabbitMQ application: every connection drops; durable queues survive."""
    rabbitmqctl("stop_app")
    time.sleep(down_seconds)
    rabbitmqctl("start_app")
    rabbitmqctl("await_startup")


class LocalStack:
    def __init__(self, logs: Path, *, web_workers: int = 1, web_threads: int = 4, extra_env: dict | None = None,
                 broker_url: str | None = None, postgres_server: str | None = None):
        """broker_url: a broker of the caller's (its default vhost is used, and left as it is by close());
        postgres_server: e.g. postgresql+psycopg://postgres@127.0.0.1:54321, the machine's when None."""
        self.run = uuid.uuid4().hex[:8]
        self.own_vhost = broker_url is None
        self.vhost = f"kyc_{self.run}" if self.own_vhost else "/"
        self.broker_url = broker_url or f"amqp://guest:guest@127.0.0.1:5672/{self.vhost}"
        self.postgres_server = postgres_server or PG_ADMIN_URL.rsplit("/", 1)[0]
        self.pg_admin_url = f"{self.postgres_server}/postgres"
        self.database_template = f"{self.postgres_server}/kyc_{self.run}_{{service}}"
        self.logs = logs
        self.web_workers = web_workers
        self.web_threads = web_threads
        self.urls: dict[str, str] = {}
        self.processes: dict[str, subprocess.Popen] = {}
        self.sockets: dict[str, socket.socket] = {}  # each web process's listening socket, kept for restarts
        # Department instances (`<service>@<instance>`): their own settings and databases.
        self.instance_env: dict[str, dict[str, str]] = {}
        self.instance_databases: list[str] = []
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("KYCUONG_")},
            "KYCUONG_BROKER_URL": self.broker_url,
            "KYCUONG_DATABASE_URL": self.database_template,
            "KYCUONG_INSTANCE": f"stack-{self.run}",
            "KYCUONG_SWEEP_INTERVAL": "0.5",
            "PYTHONUNBUFFERED": "1",
            # A real broker and databases: the processes refuse the development secret and an absent
            # publisher registry; a stack gets its own secret, and trusts any publisher unless told its own.
            "KYCUONG_JWT_SECRET": secrets.token_hex(32),
            **({} if "KYCUONG_PUBLISHERS" in (extra_env or {}) else {"KYCUONG_TRUST_ANY_PUBLISHER": "1"}),
            **(extra_env or {}),
        }

    # -- lifecycle ----------------------------------------------------------------------------------

    def open(self, services=SERVICES) -> LocalStack:
        self.logs.mkdir(parents=True, exist_ok=True)
        admin = create_engine(self.pg_admin_url)
        try:
            with admin.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:
            raise StackError(f"PostgreSQL is required at {self.postgres_server}: {exc}") from exc
        finally:
            admin.dispose()
        if self.own_vhost:
            rabbitmqctl("add_vhost", self.vhost)
            rabbitmqctl("set_permissions", "-p", self.vhost, "guest", ".*", ".*", ".*")
        self.kycuong("migrate")
        self.kycuong("topology")
        for service in services:
            self.start(service, "web")
            self.start(service, "worker")
        self.wait_ready()
        return self

    def close(self) -> None:
        for process in self.processes.values():
            process.terminate()  # all at once: each then has its own grace period, not one after another
        for name in list(self.processes):
            self.stop(name)
        for sock in self.sockets.values():
            sock.close()
        self.sockets.clear()
        admin = create_engine(self.pg_admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for service in SERVICES:
                conn.execute(text(f'DROP DATABASE IF EXISTS "kyc_{self.run}_{service}" WITH (FORCE)'))
            for name in self.instance_databases:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        if self.own_vhost:
            subprocess.run(["rabbitmqctl", "-q", "delete_vhost", self.vhost], capture_output=True, timeout=180)

    def kycuong(self, *args: str, env: dict | None = None) -> str:
        result = subprocess.run([sys.executable, "-m", "kycuong.cli", *args], env={**self.env, **(env or {})}, cwd=ROOT,
                                capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            raise StackError(f"kycuong {' '.join(args)} failed:\n{result.stderr[-4000:]}")
        return result.stdout

    def start(self, service: str, role: str) -> None:
        """Start the web or worker process of `service`, or of a department instance `service@instance`."""
        name = f"{role}_{service}"
        key, service = service, service.split("@", 1)[0]
        fds: tuple[int, ...] = ()
        if role == "web":
            if key not in self.sockets:
                self.sockets[key] = listening_socket()
            sock = self.sockets[key]
            self.urls[key] = f"http://127.0.0.1:{sock.getsockname()[1]}"
            fds = (sock.fileno(),)
            args = ["serve", service, "--fd", str(sock.fileno()), "--workers", str(self.web_workers),
                    "--threads", str(self.web_threads)]
        else:
            args = ["worker", service]
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 (kept open for the child's life)
        self.processes[name] = subprocess.Popen([sys.executable, "-m", "kycuong.cli", *args],
                                                env={**self.env, **self.instance_env.get(key, {})},
                                                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, pass_fds=fds)

    def add_instance(self, service: str, instance: str, units: list[str], env: dict | None = None) -> str:
        """Run a department's own instance of `service` (its units, its own database, the same broker),
        web and worker, as `<service>@<instance>`; returns that key (for `urls`). Call wait_ready after."""
        key = f"{service}@{instance}"
        database = f"kyc_{self.run}_{service}_{instance}".replace("-", "_")
        admin = create_engine(self.pg_admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{database}"'))
        admin.dispose()
        self.instance_databases.append(database)
        self.instance_env[key] = {
            "KYCUONG_INSTANCE": instance,
            "KYCUONG_UNITS": ",".join(units),
            f"KYCUONG_{service.upper()}_DATABASE_URL": f"{self.postgres_server}/{database}",
            **(env or {}),
        }
        self.kycuong("migrate", service, env=self.instance_env[key])
        self.start(key, "web")
        self.start(key, "worker")
        return key

    def stop(self, name: str) -> None:
        process = self.processes.pop(name)
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def kill(self, name: str) -> int:
        """SIGKILL a process (no clean-up of any kind, as when the machine loses it); returns its pid."""
        process = self.processes.pop(name)
        process.kill()
        process.wait()
        return process.pid

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        for key in self.urls:
            service = key.split("@", 1)[0]
            while True:
                try:
                    with urllib.request.urlopen(f"{self.urls[key]}/{service}/readyz", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                dead = {n: p.returncode for n, p in self.processes.items() if p.poll() is not None}
                if dead:
                    raise StackError(f"processes exited: {dead}; logs in {self.logs}")
                if time.monotonic() > deadline:
                    raise StackError(f"{service} not ready after {timeout}s; logs in {self.logs}")
                time.sleep(0.3)

    # -- conveniences -------------------------------------------------------------------------------

    def token(self, sub: str = "stack", unit: str | None = None, roles=("admin",)) -> str:
        from datetime import UTC, datetime

        from shared.auth import mint_token
        from shared.settings import DEV_JWT_SECRET

        return mint_token(self.env.get("KYCUONG_JWT_SECRET", DEV_JWT_SECRET), sub=sub, unit=unit, roles=roles,
                          now=datetime.now(UTC))

    def request(self, service: str, method: str, path: str, body=None, token: str | None = None):
        """(status, JSON body) of one HTTP call."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"{self.urls[service]}{path}", data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=15) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.logs / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""
