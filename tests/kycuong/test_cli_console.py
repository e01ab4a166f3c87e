"""What a newcomer sees of the command line: a version, help on every option, readable lines in a terminal
(JSON otherwise), no chatter from the libraries, and a clear error at once when the port is taken."""

from __future__ import annotations

import argparse
import logging
import os
import socket
import subprocess
import sys
import time
import tomllib

from kycuong.cli import build_parser
from kycuong.local_stack import ROOT
from shared import logging as platform_logging


def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KYCUONG_")}
    return subprocess.run([sys.executable, "-m", "kycuong.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_the_version_is_the_projects():
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert run("--version").stdout.strip() == f"kycuong {version}"


def test_every_option_of_every_command_says_what_it_does():
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    silent = []

    def walk(name: str, sub: argparse.ArgumentParser) -> None:
        for action in sub._actions:
            if isinstance(action, argparse._SubParsersAction):
                for child_name, child in action.choices.items():
                    walk(f"{name} {child_name}", child)
            elif not isinstance(action, argparse._HelpAction) and not action.help:
                silent.append(f"{name} {'/'.join(action.option_strings) or action.dest}")

    for name, sub in commands.choices.items():
        walk(name, sub)
    assert silent == []


def test_a_taken_port_is_said_at_once_before_any_demo_is_loaded():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        port = holder.getsockname()[1]
        started = time.monotonic()
        result = run("up", "--demo", "--port", str(port))
    assert result.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr and "--port" in result.stderr
    assert "demo 1/5" not in result.stderr  # nothing was loaded first
    assert time.monotonic() - started < 60


def test_a_terminal_reads_lines_and_a_collector_reads_json_without_library_chatter(capsys):
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    quiet = {name: logging.getLogger(name).level for name in platform_logging.QUIET}  # put back after
    try:
        root.handlers[:] = []
        platform_logging.configure("INFO", fmt="console")
        logging.getLogger("kycuong.test").info("demo loaded: %d dossiers", 24)
        logging.getLogger("fontTools.subset").info("maxp pruned")  # WeasyPrint's font subsetting
        logging.getLogger("weasyprint").info("Step 4 - Creating layout")
        console = capsys.readouterr().err.strip().splitlines()
        assert len(console) == 1 and console[0].endswith("info    kycuong.test: demo loaded: 24 dossiers")
        root.handlers[:] = []
        platform_logging.configure("INFO", fmt="json")
        logging.getLogger("kycuong.test").info("demo loaded")
        assert '"message": "demo loaded"' in capsys.readouterr().err
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
        for name, level in quiet.items():
            logging.getLogger(name).setLevel(level)
