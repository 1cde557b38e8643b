"""`crescent monitor` end to end: real crawls of replicas in cycles, a redesign between two of
them raising a health flag sent to a real webhook (and its clearing), a source that is down,
and SIGTERM in the middle of a crawl ending cleanly."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest
from click.testing import CliRunner

from archive.check import check_archive
from archive.store import ArchiveStore
from cli import main
from crawler.demo import ReplicaServer, build_site
from crawler.demo.redesign import redesigned
from monitor.schedule import Cycle, Monitor
from tests.conftest import crescent
from tests.test_health import Receiver

REPO = Path(__file__).resolve().parent.parent


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on: a source whose site is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Lines:
    """The monitor's standard output, line by line, as it comes."""

    def __init__(self, stream) -> None:
        self.queue: queue.Queue = queue.Queue()
        self.seen: list[str] = []
        self.stream = stream
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        """After the process ended: the reader has met the end of its output."""
        self.thread.join(timeout=10)
        self.stream.close()

    def _read(self, stream) -> None:
        for line in stream:
            self.queue.put(line.rstrip("\n"))
        self.queue.put(None)

    def wait_for(self, pattern: str, timeout: float = 90) -> str:
        deadline = time.monotonic() + timeout
        while True:
            line = self.queue.get(timeout=max(0.1, deadline - time.monotonic()))
            if line is None:
                raise AssertionError("monitor ended; output:\n" + "\n".join(self.seen[-40:]))
            self.seen.append(line)
            if re.search(pattern, line):
                return line


@pytest.mark.slow
def test_monitor_flags_a_redesign_sends_it_and_its_clearing_and_stops_on_sigterm(tmp_path):
    data = tmp_path / "data"
    with ReplicaServer(build_site("redcrescent_az")) as site, Receiver() as receiver:
        original = site.site
        monitor = subprocess.Popen(
            [sys.executable, "-m", "cli", "monitor", "redcrescent_az", "tgymj",
             "--base-url", f"redcrescent_az={site.base_url}",
             "--base-url", f"tgymj=http://127.0.0.1:{closed_port()}",
             "--every", "0.5s", "--notify-health", receiver.url, "--data", str(data)],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        lines = Lines(monitor.stdout)
        try:
            # Cycle 1: the source that is down is flagged; the other one is archived anyway.
            lines.wait_for(r"^cycle 1 done .*flags: tgymj: no-links")
            first = receiver.next()
            assert "NEW  tgymj: no article links" in first["message"]
            assert "0 listing page(s) fetched of 2" in first["message"]
            assert "unreachable" in first["message"]
            assert len(ArchiveStore(data / "archive").ids()) == 13
            # Between two crawls the replica is redesigned: its listings show no links.
            site.site = redesigned(original, "no-listing-links")
            lines.wait_for(r"^cycle 2 done .*redcrescent_az: no-links, collapse")
            second = receiver.next()
            assert "redcrescent_az" in second["title"]
            assert "NEW  redcrescent_az: no article links found on its listing pages: 0 links " \
                   "on 2 listing page(s) fetched of 2 (usually 15 links)" in second["message"]
            assert "NEW  redcrescent_az: articles per crawl collapsed: 0 article links seen, " \
                   "usually 15" in second["message"]
            assert "tgymj" not in second["message"]  # its flag was announced already
            # It recovers: one message says so, once.
            site.site = original
            lines.wait_for(r"^cycle 3 done .*flags: tgymj: no-links$")
            third = receiver.next()
            assert "CLEARED  redcrescent_az: no article links" in third["message"]
            assert "CLEARED  redcrescent_az: articles per crawl collapsed" in third["message"]
            assert "NEW" not in third["message"]
            # SIGTERM while the fourth crawl is fetching.
            lines.wait_for(r"^cycle 4: crawling")
            served = len(site.requested_paths())
            deadline = time.monotonic() + 60
            while len(site.requested_paths()) == served and time.monotonic() < deadline:
                time.sleep(0.05)
            family = psutil.Process(monitor.pid).children(recursive=True)
            assert family, "the crawl runs in a child process"
            monitor.send_signal(signal.SIGTERM)
            assert monitor.wait(timeout=60) == 0
            lines.wait_for(r"^monitor stopped$", timeout=5)
        finally:
            if monitor.poll() is None:
                monitor.kill()
                monitor.wait()
            lines.close()
        assert not [p.pid for p in family if p.is_running() and p.status() != "zombie"]
        assert receiver.messages.empty()  # nothing changed in cycle 4: nothing sent
    assert not [p for p in data.rglob("*.tmp")], "nothing half-written"
    result = CliRunner().invoke(main, ["check", "--data", str(data)])
    assert result.exit_code == 0, result.output
    health = CliRunner().invoke(main, ["health", "--json", "--data", str(data)])
    report = json.loads(health.output)
    assert [f["key"] for f in report["tgymj"]["flags"]] == ["no-links"]
    assert report["redcrescent_az"]["flags"] == []
    assert [c["links"] for c in report["redcrescent_az"]["crawls"]][-3:] == [15, 0, 15]


@pytest.mark.slow
def test_ctrl_c_in_the_pause_stops_at_once(tmp_path):
    with ReplicaServer(build_site("redcrescent_az")) as site:
        monitor = subprocess.Popen(
            [sys.executable, "-m", "cli", "monitor", "redcrescent_az",
             "--base-url", site.base_url, "--every", "1h", "--data", str(tmp_path)],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        lines = Lines(monitor.stdout)
        try:
            lines.wait_for(r"^next cycle in ")
            started = time.monotonic()
            os.kill(monitor.pid, signal.SIGINT)
            assert monitor.wait(timeout=30) == 0
            assert time.monotonic() - started < 10
        finally:
            if monitor.poll() is None:
                monitor.kill()
                monitor.wait()
            lines.close()


@pytest.mark.slow
def test_a_monitor_killed_with_sigkill_leaves_no_crawl_behind(tmp_path):
    with ReplicaServer(build_site("redcrescent_az")) as site:
        monitor = subprocess.Popen(
            [sys.executable, "-m", "cli", "monitor", "redcrescent_az", "--every", "1s",
             "--base-url", site.base_url, "--data", str(tmp_path),
             "-s", "DOWNLOAD_DELAY=1"],  # a slow crawl: still running when the monitor dies
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        lines = Lines(monitor.stdout)
        try:
            lines.wait_for(r"^cycle 1: crawling")
            deadline = time.monotonic() + 60
            while len(site.requested_paths()) < 3 and time.monotonic() < deadline:
                time.sleep(0.05)
            family = psutil.Process(monitor.pid).children(recursive=True)
            monitor.kill()  # SIGKILL to the monitor alone
            monitor.wait()
            assert any(p.is_running() for p in family), "the crawl outlived the monitor"
            _gone, alive = psutil.wait_procs(family, timeout=45)
            assert not alive, f"stray processes: {alive}"
        finally:
            if monitor.poll() is None:
                monitor.kill()
                monitor.wait()
            lines.close()
    assert not [p for p in tmp_path.rglob("*.tmp")], "nothing half-written"
    # The crawl stopped as after Ctrl-C: the archive is whole (an index batch cut short by the
    # crawl's grace period is rebuilt by the next crawl, see crawler.maintenance).
    assert check_archive(tmp_path / "archive").problems == []


@pytest.mark.slow
def test_article_pages_losing_their_dates_raise_a_flag_that_is_sent(tmp_path):
    data = tmp_path / "data"
    with ReplicaServer(build_site("anadolu")) as site, Receiver() as receiver:
        first = crescent("crawl", "anadolu", "--base-url", site.base_url, data=data)
        assert first.returncode == 0, first.stderr[-2000:]
        site.site = redesigned(site.site, "no-dates")
        # --refresh: the articles already archived are read again, now without their dates.
        second = crescent("crawl", "anadolu", "--refresh", "--base-url", site.base_url,
                          data=data)
        assert second.returncode == 0, second.stderr[-2000:]
        assert "source health flags: anadolu: rejections:no-date" in second.stderr
        said: list[str] = []
        Monitor([], data, ["anadolu"], 60, notify_urls=[receiver.url],
                say=said.append).check_health(Cycle(1))
        message = receiver.next(10)["message"]
    report = json.loads(CliRunner().invoke(main, ["health", "--json", "--data",
                                                  str(data)]).output)
    flags = {flag["key"]: flag for flag in report["anadolu"]["flags"]}
    assert set(flags) == {"rejections:no-date", "date_from_page"}
    # Every page that was an article before is now either dated by a feed or rejected.
    dated_by_feed = flags["date_from_page"]["figures"]["articles"]
    undated = report["anadolu"]["crawls"][1]["found"] - dated_by_feed
    assert flags["date_from_page"]["figures"]["share"] == 0
    assert flags["rejections:no-date"]["figures"] == {
        "reason": "no-date", "count": undated, "usual": 0,
        "crawls_compared": 1}
    assert (f"NEW  anadolu: 'no-date' rejections jumped: {undated}"
            " this crawl, usually 0") in message
    assert "NEW  anadolu: articles dated from the page itself fell to 0%" in message
