"""Fixture plumbing of the end-to-end tests: a LocalStack per test module, failing (never skipping)
when RabbitMQ or PostgreSQL is missing."""

from __future__ import annotations

import pytest
import requests

from kycuong.local_stack import LocalStack, StackError, restart_broker  # noqa: F401  (re-exported)


class Stack(LocalStack):
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
