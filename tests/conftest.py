"""Fixtures: replica sites served on 127.0.0.1 and one real crawl of them, shared by the suite."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

import pytest

from crawler.demo import REPLICA_SOURCES, ReplicaServer, build_site

REPO = Path(__file__).resolve().parent.parent


def crescent(*args: str, data: Path, timeout: int = 180) -> subprocess.CompletedProcess:
    """Run the real `crescent` entry point in a subprocess."""
    env = {**os.environ, "CRESCENT_DATA": str(data)}
    return subprocess.run([sys.executable, "-m", "cli", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture(scope="session")
def replicas():
    """Every replica site, each on its own port on 127.0.0.1."""
    with ExitStack() as stack:
        servers = {name: stack.enter_context(ReplicaServer(build_site(name)))
                   for name in REPLICA_SOURCES}
        yield servers


def base_url_args(servers) -> list[str]:
    return [arg for name, server in servers.items()
            for arg in ("--base-url", f"{name}={server.base_url}")]


@pytest.fixture(scope="session")
def crawled(replicas, tmp_path_factory):
    """A data directory filled by one real crawl of every replica (the first run)."""
    data = tmp_path_factory.mktemp("crawl")
    result = crescent("crawl", *REPLICA_SOURCES, *base_url_args(replicas), data=data)
    assert result.returncode == 0, result.stderr[-3000:]
    return data, result
