"""The five services, by name. The composition root is the only place that knows them all."""

from __future__ import annotations

import importlib

from shared.runtime import ServiceSpec
from shared.settings import SERVICES


def spec(name: str) -> ServiceSpec:
    if name not in SERVICES:
        raise SystemExit(f"unknown service {name!r}; the services are: {', '.join(SERVICES)}")
    return importlib.import_module(f"services.{name}.app").build()
