"""Embedded mode: all five services in one process, one port, in-memory broker, SQLite under var/."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from flask import Flask

from kycuong import registry
from shared import migrations
from shared.clock import Clock
from shared.runtime import ServiceRuntime
from shared.settings import SERVICES, Settings
from shared.web import create_service_app

log = logging.getLogger("kycuong.embedded")


class PathDispatcher:
    """Routes a request to the service named by the first path segment; the path is kept whole, so a
    service answers the same URLs embedded and behind the gateway."""

    def __init__(self, default, apps: dict[str, object]):
        self.default = default
        self.apps = apps

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "/")
        if path == "/" and "reporting" in self.apps:
            # The public home page is reporting's (its ranking); the gateway sends "/" there the same way.
            environ = {**environ, "PATH_INFO": "/reporting/"}
            return self.apps["reporting"](environ, start_response)
        first = path.lstrip("/").split("/", 1)[0]
        return self.apps.get(first, self.default)(environ, start_response)


@dataclass
class Platform:
    runtimes: dict[str, ServiceRuntime]
    wsgi: PathDispatcher
    stop: threading.Event = field(default_factory=threading.Event)

    def start_workers(self, sweeps: bool = True) -> None:
        for rt in self.runtimes.values():
            rt.start_workers(self.stop, sweeps=sweeps)

    def start_sweeps(self) -> None:
        """The periodic jobs alone, for a platform whose relays and consumers already run (the demo starts
        them once its data is loaded, so no job acts on half of it: a report issued before the demo's
        dossiers reached reporting would be empty)."""
        for rt in self.runtimes.values():
            rt.start_workers(self.stop, relay=False, consumers=False, sweeps=True)

    def shutdown(self) -> None:
        self.stop.set()
        for rt in self.runtimes.values():
            rt.dispose()


def build(settings: Settings, clock: Clock | None = None, services: tuple[str, ...] = SERVICES,
          migrate: bool = True, portal: Flask | None = None) -> Platform:
    runtimes = {}
    for name in services:
        rt = ServiceRuntime(registry.spec(name), settings, clock=clock)
        if migrate:
            migrations.upgrade(rt.spec.migrations, rt.database_url)
        runtimes[name] = rt
    apps = {name: create_service_app(rt, root_routes=False) for name, rt in runtimes.items()}
    if portal is None:
        from kycuong.portal import create_portal

        portal = create_portal(runtimes)
    return Platform(runtimes=runtimes, wsgi=PathDispatcher(portal, apps))
