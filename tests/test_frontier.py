"""Crawls on many machines: a real Redis, a coordinator and workers over the replica sites."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

import psutil
import pytest
import redis

from archive.store import ArchiveStore
from crawler.demo import ReplicaServer, build_site
from crawler.urls import article_id
from tests.conftest import REPO

REDIS_SERVER = Path("/usr/bin/redis-server")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """redis-server on 127.0.0.1 at a free port, its files (append-only log) in ``directory``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        directory.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=5)

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(REDIS_SERVER), "--port", str(self.port), "--bind", "127.0.0.1",
             "--dir", str(self.directory), "--appendonly", "yes", "--save", "",
             "--logfile", str(self.directory / "redis.log"), "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                self.client().ping()
                return
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: Redis writes its append-only log and exits
            self.process.wait(timeout=10)


@pytest.fixture
def redis_server(tmp_path):
    if not REDIS_SERVER.exists():
        pytest.skip(f"SKIPPED LOUDLY: {REDIS_SERVER} is missing; `make system-packages` "
                    "installs redis-server, which the frontier tests start")
    server = RedisServer(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


class SlowReplica(ReplicaServer):
    """A replica site that answers each request after ``delay`` seconds (a far-away site)."""

    def __init__(self, site, delay: float) -> None:
        self.delay = delay
        super().__init__(site)

    def _handler_class(self):
        base, delay = super()._handler_class(), self.delay

        class Slow(base):
            def do_GET(self) -> None:
                time.sleep(delay)
                super().do_GET()

        return Slow


def serve(stack: ExitStack, sources: tuple[str, ...], delay: float) -> dict[str, ReplicaServer]:
    return {name: stack.enter_context(SlowReplica(build_site(name), delay)) for name in sources}


def cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cli", *args], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def coordinator(servers, frontier: str, data: Path, *extra: str) -> subprocess.Popen:
    bases = [arg for name, server in servers.items()
             for arg in ("--base-url", f"{name}={server.base_url}")]
    return cli("crawl", *servers, *bases, "--frontier", frontier, "--data", str(data), *extra)


def worker(frontier: str, data: Path, *extra: str) -> subprocess.Popen:
    # A short heartbeat: a killed worker's requests go back in the queue after 2 s.
    return cli("worker", "--frontier", frontier, "--data", str(data), "--wait", "120",
               "-s", "CRESCENT_FRONTIER_HEARTBEAT_S=2", *extra)


def finish(process: subprocess.Popen, timeout: float = 240) -> tuple[int, str, str]:
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
        raise AssertionError(f"timed out: {process.args}\n{err[-3000:]}") from None
    return process.returncode, out, err


def archived_new(data: Path) -> Counter:
    """How many times each id was logged as newly archived, over every crawl log."""
    counts: Counter = Counter()
    for log in (data / "logs").glob("crawl-*.log"):
        counts.update(re.findall(r"archived new ([0-9a-f]{16}) ", log.read_text()))
    return counts


def expected_ids(servers) -> set[str]:
    return {article_id(article.url) for server in servers.values()
            for article in server.site.articles}


def lease_owners(client: redis.Redis) -> Counter:
    owners: Counter = Counter()
    for name in client.scan_iter(match="crescent:*:leases"):
        for lease in client.hkeys(name):
            owners[int(lease.decode().split("|")[0].rsplit("-", 2)[1])] += 1
    return owners


def sent(client: redis.Redis) -> int:
    return sum(int(client.hget(name, "crescent/frontier/sent") or 0)
               for name in client.scan_iter(match="crescent:*:stats"))


pytestmark = pytest.mark.slow

ALL = ("redcrescent_az", "tgymj", "icrc", "anadolu", "turkmenportal", "turkmenistanlive")


def test_three_workers_one_killed_every_article_archived_once(redis_server, tmp_path):
    client = redis_server.client()
    with ExitStack() as stack:
        servers = serve(stack, ALL, delay=0.15)
        data = tmp_path / "data"
        crawl = coordinator(servers, redis_server.url, data)
        workers = [worker(redis_server.url, tmp_path / f"w{n}") for n in range(3)]
        pids = {process.pid: process for process in workers}
        victim, victim_leases, children = None, 0, []
        deadline = time.monotonic() + 150
        while victim is None and time.monotonic() < deadline and crawl.poll() is None:
            owners = lease_owners(client)
            busy = [pid for pid in owners if pid in pids]
            if busy and sent(client) >= 10:  # midway: some articles are through already
                victim = busy[0]
                children = psutil.Process(victim).children(recursive=True)
                os.kill(victim, signal.SIGKILL)  # the worker process alone
                victim_leases = lease_owners(client)[victim]
            time.sleep(0.05)
        assert victim is not None, "no worker held a request while the crawl ran"
        code, out, err = finish(crawl)
        assert code == 0, err[-3000:]
        for process in workers:
            rc, _, worker_err = finish(process, timeout=60)
            if process.pid != victim:
                assert rc == 0, worker_err[-2000:]
        records = {record["id"] for record in ArchiveStore(data / "archive").iter_records()}
        assert records == expected_ids(servers)
        assert set(archived_new(data).values()) == {1}  # each article archived exactly once
        assert set(archived_new(data)) == records
        if victim_leases:  # what the killed worker held was fetched by another
            reports = "".join(path.read_text() for path in (data / "crawls").glob("*.json"))
            assert re.search(r'"crescent/frontier/requeued": [1-9]', reports)
        time.sleep(1)
        assert not [child for child in children if child.is_running()
                    and child.status() != psutil.STATUS_ZOMBIE], "stray extraction workers"
        assert "archived: " in out and "Traceback" not in err
        # A finished crawl leaves only its status in Redis.
        assert {name.decode() for name in client.scan_iter(match="crescent:*")
                if not name.startswith(b"crescent:worker:")} == {"crescent:status"}


def test_redis_restart_stops_the_crawl_and_resume_completes_it(redis_server, tmp_path):
    client = redis_server.client()
    sources = ("anadolu", "turkmenportal")
    slow = ("-s", "CONCURRENT_REQUESTS=2")  # a slow crawl, so that Redis goes away midway
    with ExitStack() as stack:
        servers = serve(stack, sources, delay=0.2)
        data = tmp_path / "data"
        crawl = coordinator(servers, redis_server.url, data)
        workers = [worker(redis_server.url, tmp_path / f"w{n}", *slow) for n in range(2)]
        deadline = time.monotonic() + 150
        while sent(client) < 5 and time.monotonic() < deadline and crawl.poll() is None:
            time.sleep(0.05)
        assert crawl.poll() is None, "the crawl ended before Redis could be restarted"
        redis_server.stop()
        code, _, err = finish(crawl, timeout=60)
        assert code == 1
        last = err.strip().splitlines()[-1]
        assert re.fullmatch(r"Error: crawl stopped: lost the frontier at redis://127\.0\.0\.1:"
                            r"\d+/0 \(.+\); start Redis again and run the same command with "
                            r"--resume", last), err[-2000:]
        assert "Traceback" not in err
        for process in workers:
            rc, _, worker_err = finish(process, timeout=60)
            assert rc == 1 and "worker stopped: lost the frontier" in worker_err, worker_err
        partial = {record["id"] for record in ArchiveStore(data / "archive").iter_records()}
        assert partial and partial < expected_ids(servers)

        redis_server.start()  # the same port and files: the frontier as it was saved
        crawl = coordinator(servers, redis_server.url, data, "--resume")
        workers = [worker(redis_server.url, tmp_path / f"v{n}") for n in range(2)]
        code, _, err = finish(crawl)
        assert code == 0, err[-3000:]
        assert "resuming the frontier" in err
        for process in workers:
            assert finish(process, timeout=60)[0] == 0
        records = {record["id"] for record in ArchiveStore(data / "archive").iter_records()}
        assert records == expected_ids(servers)
        assert set(archived_new(data).values()) == {1}
        assert set(archived_new(data)) == records
