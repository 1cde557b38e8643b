"""Crash safety for real: SIGKILL a crawl at 20 seeded moments (its whole process group, or
the crawl process alone as the OOM killer does), Ctrl-C one, run two at once."""

from __future__ import annotations

import fcntl
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archive.check import check_archive
from archive.store import ArchiveStore
from crawler.maintenance import check_data
from crawler.urls import article_id
from tests.conftest import REPO, base_url_args, crescent
from tests.helpers import group_members
from tests.hostile import HostileServer

pytestmark = pytest.mark.slow

KILLS = 20
SEED = 5


def start_crawl(data: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "CRESCENT_DATA": str(data)}
    return subprocess.Popen([sys.executable, "-m", "cli", "crawl", *args], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def reported_archived(data: Path) -> set[str]:
    ids = set()
    for log in (data / "logs").glob("*.log"):
        ids |= set(re.findall(r"archived (?:new|updated) ([0-9a-f]{16}) ", log.read_text()))
    return ids


def lock_is_free(data: Path) -> bool:
    path = data / ".crawl.lock"
    if not path.exists():
        return True
    with path.open("rb") as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True


@pytest.mark.parametrize("kill", ["group", "main"])
def test_sigkill_at_twenty_moments_loses_nothing(replicas, tmp_path, kill):
    data = tmp_path / "data"
    args = ["--all", "--resume", *base_url_args(replicas),
            "-s", "CRESCENT_INDEX_BATCH=3"]  # small batches: kills land in index commits too
    if kill == "main":
        args.append("--no-wait")  # a crawl that would wait for a lock says so and exits
    delays = random.Random(SEED).sample([0.2 + 0.15 * i for i in range(30)], KILLS)
    with_workers = 0
    for delay in delays:
        crawl = start_crawl(data, *args)
        if kill == "group":
            time.sleep(delay)
            os.killpg(crawl.pid, signal.SIGKILL)  # the crawl and its extraction workers
            crawl.communicate(timeout=30)
            continue
        # Counted from the moment the workers are up: a kill before then has none to orphan.
        up_by = time.monotonic() + 60
        while len(group_members(crawl.pid)) < 2 and time.monotonic() < up_by:
            time.sleep(0.05)
        time.sleep(delay / 3)  # soon after: resumed crawls have little left and end quickly
        with_workers += len(group_members(crawl.pid)) > 1
        os.kill(crawl.pid, signal.SIGKILL)  # the crawl process alone, as the OOM killer does
        crawl.stdout.close()  # an orphaned worker would hold these pipes open
        crawl.stderr.close()
        crawl.wait(timeout=30)
        gone_by = time.monotonic() + 5
        while group_members(crawl.pid) and time.monotonic() < gone_by:
            time.sleep(0.1)
        left = group_members(crawl.pid)
        for pid in left:  # not to leave them running whatever the assertion says
            os.kill(pid, signal.SIGKILL)
        assert left == [], f"processes of the killed crawl still alive 5 s later: {left}"
        assert lock_is_free(data)  # the next crawl (--no-wait) starts at once
    # Most kills landed mid-crawl (later resumed crawls, with little left, may end first).
    assert kill == "group" or with_workers >= KILLS // 4, with_workers
    final = crescent("crawl", *args, data=data, timeout=180)
    assert final.returncode == 0, final.stderr[-3000:]

    archive = check_archive(data / "archive")
    assert archive.problems == [] and archive.temp_files == []
    assert not list(data.rglob("*.tmp"))
    assert reported_archived(data) <= archive.current_ids  # nothing reported was lost
    expected = {article_id(a.url) for s in replicas.values() for a in s.site.articles}
    assert archive.current_ids == expected  # every replica article, once, and nothing else
    assert archive.versions == 0
    report = check_data(data)
    assert report.index_in_line, report.indexes


def test_a_crawl_removes_what_killed_writes_left_in_its_folders(replicas, tmp_path):
    data = tmp_path / "data"
    left = [data / "crawls" / ".20261122T063355743520Z-tgymj.json.a2v2ba_3.tmp",
            data / "state" / ".fingerprints.npz.x1y2z3.tmp"]
    for path in left:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{half")
    keep = data / "state" / "notes.tmp"  # not one of crescent's temporary files
    keep.write_text("someone else's")
    result = crescent("crawl", "turkmenistanlive", "--base-url",
                      replicas["turkmenistanlive"].base_url, data=data)
    assert result.returncode == 0, result.stderr[-2000:]
    assert not any(path.exists() for path in left) and keep.exists()
    assert list((data / "crawls").glob("*.json"))  # this crawl's own report was written


def test_check_finds_and_repairs_an_index_behind_the_archive(crawled, tmp_path):
    import shutil

    source, _ = crawled
    data = tmp_path / "copy"
    shutil.copytree(source / "archive", data / "archive")
    shutil.copytree(source / "index", data / "index")
    shutil.copytree(source / "warc", data / "warc")  # the captures the articles point at
    record = next(ArchiveStore(data / "archive").iter_records())
    shutil.rmtree(data / "index")  # the index is gone: the archive alone must suffice
    broken = crescent("check", data=data)
    assert broken.returncode == 1 and "index" in broken.stdout
    repaired = crescent("check", "--repair", data=data)
    assert repaired.returncode == 0 and "repaired" in repaired.stdout
    assert crescent("check", data=data).returncode == 0
    assert record["id"] in json.dumps(
        [json.loads(line) for line in crescent("search", f"id:{record['id']}", "--json",
                                               data=data).stdout.splitlines()])


def test_ctrl_c_stops_within_seconds_with_a_summary(tmp_path):
    with HostileServer() as server:  # its drip page keeps a download open for 30 s
        crawl = start_crawl(tmp_path, "turkmenistanlive", "--base-url", server.base_url,
                            "-s", "DOWNLOAD_TIMEOUT=60")
        # Interrupted mid-crawl, with a download open (not while it is still starting up).
        assert server.dripping.wait(timeout=60), "the crawl never reached the drip page"
        time.sleep(0.5)
        started = time.monotonic()
        os.killpg(crawl.pid, signal.SIGINT)
        out, err = crawl.communicate(timeout=30)
        stopped_in = time.monotonic() - started
    assert stopped_in < 8, stopped_in
    assert "Crawl summary" in out
    assert "Traceback" not in out + err
    assert check_archive(tmp_path / "archive").problems == []


def test_second_crawl_waits_or_exits_and_search_works_meanwhile(replicas, tmp_path):
    with HostileServer() as server:
        first = start_crawl(tmp_path, "turkmenistanlive", "--base-url", server.base_url,
                            "-s", "DOWNLOAD_TIMEOUT=20", "-s", "CRESCENT_INDEX_BATCH=2")
        deadline = time.monotonic() + 30
        while not (tmp_path / ".crawl.lock").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert server.dripping.wait(timeout=60)  # the crawl holds a download open for ~20 s
        searched = crescent("search", "Красного", "--json", data=tmp_path)
        committed_by = time.monotonic() + 15
        while not searched.stdout.strip() and time.monotonic() < committed_by:
            time.sleep(0.5)  # until a batch is committed
            searched = crescent("search", "Красного", "--json", data=tmp_path)
        refused = crescent("crawl", "anadolu", "--no-wait", "--base-url",
                           replicas["anadolu"].base_url, data=tmp_path)
        waiting = start_crawl(tmp_path, "anadolu", "--base-url", replicas["anadolu"].base_url)
        time.sleep(1)
        still_waiting = waiting.poll() is None
        os.killpg(first.pid, signal.SIGINT)
        first.communicate(timeout=30)
        _out, waited_err = waiting.communicate(timeout=60)
    assert refused.returncode == 2
    assert "is crawling into" in refused.stderr + refused.stdout
    # The holder is named: its pid and command line.
    assert f"process {first.pid} (" in refused.stderr
    assert "cli crawl turkmenistanlive --base-url" in refused.stderr
    assert searched.returncode == 0 and searched.stdout.strip()  # committed articles are found
    waited = " ".join(waited_err.split())  # the console wraps long lines
    assert still_waiting and f"waiting for process {first.pid} (" in waited
    assert waiting.returncode == 0


def test_sigkill_while_writing_warc_leaves_every_capture_pointer_whole(replicas, tmp_path):
    """kill -9 during WARC writes (every page captured): the next start cuts each torn file back
    to its last whole record, and no article points at a record that is not there."""
    from archive.warc import check_warc, open_markers, scan_file
    from tests.test_warc import WARCIO

    data = tmp_path / "data"
    args = ["--all", *base_url_args(replicas), "--warc", "all"]
    left_open = 0
    for delay in random.Random(SEED + 1).sample([0.05 * i for i in range(20)], 4):
        crawl = start_crawl(data, *args)
        deadline = time.monotonic() + 60
        while not open_markers(data) and time.monotonic() < deadline and crawl.poll() is None:
            time.sleep(0.02)  # until the crawl writes WARC, then a moment into it
        time.sleep(delay)
        os.killpg(crawl.pid, signal.SIGKILL)
        crawl.communicate(timeout=30)
        left_open += len(open_markers(data))
        # Between kills too, every archived article's pointer must resolve (none waits for a
        # repair): its record was on disk before the article was.
        archived = ArchiveStore(data / "archive").iter_records()
        assert check_warc(data, archived, include_open=False).problems == []
    assert left_open  # the kills did land while files were open
    final = crescent("crawl", *args, data=data, timeout=180)
    assert final.returncode == 0, final.stderr[-3000:]
    assert not open_markers(data)
    files = sorted((data / "warc").glob("*/*.warc.gz"))
    assert files and all(not scan_file(path).torn for path in files)
    checked = subprocess.run([*WARCIO, "check", *map(str, files)], capture_output=True,
                             text=True, check=False)
    assert checked.returncode == 0, checked.stdout[-2000:]
    records = list(ArchiveStore(data / "archive").iter_records())
    assert records and all(record.get("capture") for record in records)
    assert check_warc(data, records).problems == []
    assert crescent("check", data=data).returncode == 0
