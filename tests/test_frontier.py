"""Crawls on many machines: a real Redis, a coordinator and workers over the replica sites."""

from __future__ import annotations

import os
import re
import signal
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
from frontier.local_redis import REDIS_SERVER, LocalRedis, free_port
from tests.conftest import REPO


@pytest.fixture
def redis_server(tmp_path):
    if not REDIS_SERVER.exists():
        pytest.skip(f"SKIPPED LOUDLY: {REDIS_SERVER} is missing; `make system-packages` "
                    "installs redis-server, which the frontier tests start")
    server = LocalRedis(tmp_path / "redis")
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


# -- the adaptation layer, in this process, on a real Redis ---------------------------------
def make_scheduler(session, role: str, name: str = "src"):
    from scrapy import Spider
    from scrapy.utils.test import get_crawler

    from frontier.redis_layer import FrontierScheduler

    crawler = get_crawler(Spider)
    scheduler = FrontierScheduler(session, role, crawler.stats)
    scheduler.open(Spider(name=name))
    return scheduler


def test_a_dead_workers_leases_go_back_in_the_queue(redis_server):
    from scrapy import Request

    from frontier.session import FrontierSession

    coordinator_session = FrontierSession(redis_server.url, "coordinator")
    alive, dead = (FrontierSession(redis_server.url, "worker") for _ in range(2))
    hub = make_scheduler(coordinator_session, "coordinator")
    assert hub.enqueue_request(Request("https://example.org/a"))
    assert hub.enqueue_request(Request("https://example.org/b", priority=5))
    assert not hub.enqueue_request(Request("https://example.org/a"))  # seen: filtered
    assert hub.next_request() is None  # the coordinator fetches nothing
    assert hub.has_pending_requests() and hub.frontier_size() == 2

    alive.beat()
    dead.beat()
    taker = make_scheduler(dead, "worker")
    first = taker.next_request()
    assert first.url == "https://example.org/b"  # priority first
    helper = make_scheduler(alive, "worker")
    second = helper.next_request()
    assert helper.next_request() is None and not helper.has_pending_requests()
    assert hub.frontier_size() == 2  # both leased: not finished
    assert hub.requeue_orphans() == 0  # both workers answer

    redis_server.client().delete(dead.heartbeat_key())  # as if it was killed (no heartbeat)
    assert hub.requeue_orphans() == 1
    again = helper.next_request()
    assert again.url == first.url  # fetched by another worker

    # Finished once Scrapy lets go of the request object; acknowledged by the worker.
    del second, again
    released = helper.take_released()
    assert len(released) == 2 and helper.outstanding == 0
    redis_server.client().hdel("crescent:src:leases", *released)
    assert hub.frontier_size() == 0 and not hub.has_pending_requests()


def test_politeness_token_spaces_one_sites_requests_across_workers(redis_server):
    import asyncio

    from scrapy import Request

    from frontier.session import FrontierSession
    from frontier.worker import SharedPoliteness

    gates = [SharedPoliteness(FrontierSession(redis_server.url, "worker"), 0.3)
             for _ in range(3)]
    started: list[float] = []

    async def fetch(gate, url):
        await gate.process_request(Request(url))
        started.append(time.monotonic())

    async def crawl():
        await asyncio.gather(*(fetch(gate, f"https://one.example/{n}")
                               for n in range(2) for gate in gates))

    asyncio.run(crawl())
    gaps = [b - a for a, b in zip(sorted(started), sorted(started)[1:], strict=False)]
    assert len(started) == 6 and min(gaps) >= 0.25, gaps


def test_second_coordinator_is_refused_and_bad_frontiers_are_one_line(redis_server, tmp_path):
    from frontier.coordinator import Coordination
    from frontier.session import FrontierError, FrontierSession

    holder = Coordination(FrontierSession(redis_server.url, "coordinator"), print)
    holder.acquire()
    other = Coordination(FrontierSession(redis_server.url, "coordinator"), lambda _m: None)
    with pytest.raises(FrontierError, match="another coordinator"):
        other.acquire(wait_s=0.5)
    holder.release()
    other.acquire(wait_s=0.5)

    bad = subprocess.run([sys.executable, "-m", "cli", "worker", "--frontier", "http://x"],
                         cwd=REPO, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "redis://HOST:PORT/DB" in bad.stderr
    down = subprocess.run([sys.executable, "-m", "cli", "crawl", "icrc", "--data",
                           str(tmp_path / "d"), "--frontier", f"redis://127.0.0.1:{free_port()}/0"],
                          cwd=REPO, capture_output=True, text=True, timeout=60)
    assert down.returncode == 1 and "Traceback" not in down.stderr
    assert down.stderr.strip().startswith("Error: cannot reach the frontier at redis://127.0.0.1:")
    assert len(down.stderr.strip().splitlines()) == 1


# -- end to end: real crawls ---------------------------------------------------------------
ALL = ("redcrescent_az", "tgymj", "icrc", "anadolu", "turkmenportal", "turkmenistanlive")


@pytest.mark.slow
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


@pytest.mark.slow
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
        # Midway: requests handed out, and an article archived (on a loaded machine the first
        # five could all be in flight still, and the partial archive below empty).
        while ((sent(client) < 5 or not archived_new(data)) and time.monotonic() < deadline
               and crawl.poll() is None):
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
