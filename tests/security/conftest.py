"""The world both security suites run against, built once per module (it takes a few seconds)."""

from __future__ import annotations

import pytest
from security_world import build_world


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from kombu.transport import memory

    memory.Channel.queues.clear()
    memory.Channel.events.clear()
    memory.Transport.global_state.clear()
    built, stop = build_world(tmp_path_factory.mktemp("security"), "memory://")
    yield built
    stop.set()
    for runtime in built.platform.runtimes.values():
        runtime.join_workers()
        runtime.dispose()
