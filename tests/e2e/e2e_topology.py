"""Fixture plumbing of the end-to-end tests: a LocalStack per test module, failing (never skipping)
when RabbitMQ or PostgreSQL is missing."""

from __future__ import annotations

import pytest
import requests

from kycuong.local_stack import LocalStack, StackError, rabbitmqctl, restart_broker  # noqa: F401  (re-exported)

PUBLISHER_PASSWORD = "e2e-only"


class Stack(LocalStack):
    def add_publishers(self, names) -> None:
        """RabbitMQ users for external one-stop systems, as deploy/rabbitmq/definitions.json has them: they
        may write to `kycuong.ingest` and nothing else. Users belong to the whole broker, so callers name
        them with the run id; `close()` deletes them."""
        for name in names:
            rabbitmqctl("add_user", name, PUBLISHER_PASSWORD)
            self.publisher_users.append(name)
            rabbitmqctl("set_permissions", "-p", self.vhost, name, "^$", r"^kycuong\.ingest$", "^$")

    @property
    def publisher_users(self) -> list[str]:
        return self.__dict__.setdefault("_publisher_users", [])

    def close(self) -> None:
        for name in self.publisher_users:
            rabbitmqctl("delete_user", name)
        super().close()

    def get(self, service: str, path: str, **kw) -> requests.Response:
        return requests.get(f"{self.urls[service]}{path}", timeout=10, **kw)

    def post(self, service: str, path: str, **kw) -> requests.Response:
        return requests.post(f"{self.urls[service]}{path}", timeout=10, **kw)

    def auth(self, sub="e2e", unit=None, roles=("admin",)) -> dict:
        return {"Authorization": f"Bearer {self.token(sub, unit, roles)}"}


def running_topology(tmp_path_factory):
    """Generator for a module-scoped fixture: the five services, web and worker each, then clean-up."""
    stack = Stack(tmp_path_factory.mktemp("e2e-logs"))
    try:
        stack.open()
    except StackError as exc:
        stack.close()
        pytest.fail(str(exc))
    yield stack
    stack.close()
