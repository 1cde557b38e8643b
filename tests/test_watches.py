"""Watches end to end with real parts: replicas that publish news between two real crawls, an
SMTP server (aiosmtpd) and a JSON webhook on 127.0.0.1, feedparser on the feeds, kill -9."""

from __future__ import annotations

import html
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from types import SimpleNamespace

import feedparser
import pytest

from archive.store import ArchiveStore
from crawler.demo import ReplicaServer, build_site, publish_next_day
from search.engine import engines_to_update
from search.index import document_for
from tests.conftest import REPO, crescent
from tests.receivers import SmtpInbox, Webhook, free_port

pytestmark = pytest.mark.slow

SOURCES = ("anadolu", "redcrescent_az")
SECRET = "s3cr@t/pw"  # '@' and '/' must survive the trip from the environment into the URL
VAN = "Kızılay, Van'daki sel felaketinin ardından bölgeye 40 tır yardım ulaştırdı"
LATE = "Kızılay, 6 Şubat depremlerinin yıl dönümünde afetzedelerle buluştu"
ASLANOV = ("Новруз Асланов: Красный Полумесяц Азербайджана направил помощь пострадавшим от "
           "наводнения")


def crawl(data: Path, servers, *extra: str) -> subprocess.CompletedProcess:
    args = [arg for name, server in servers.items()
            for arg in ("--base-url", f"{name}={server.base_url}")]
    result = crescent("crawl", *SOURCES, *args, *extra, data=data)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def by_title(data: Path) -> dict[str, dict]:
    return {r["title"]: r for r in ArchiveStore(data / "archive").iter_records()}


@pytest.fixture(scope="module")
def servers():
    with ExitStack() as stack:
        yield {name: stack.enter_context(ReplicaServer(build_site(name))) for name in SOURCES}


@pytest.fixture(scope="module")
def day_one(servers, tmp_path_factory):
    """The replicas crawled as they stand today; then they publish the next day's news."""
    data = tmp_path_factory.mktemp("day-one")
    crawl(data, servers)
    publish_next_day(servers)
    return data


@pytest.fixture(scope="module")
def day_two(day_one, servers, tmp_path_factory):
    """Two watches added after the first crawl, notifying e-mail (password from the
    environment), a webhook and a destination that is down; the second crawl runs them."""
    data = tmp_path_factory.mktemp("day-two") / "data"
    shutil.copytree(day_one, data)
    saved = os.environ.get("SMTP_PASS")
    os.environ["SMTP_PASS"] = SECRET
    with SmtpInbox("crescent", SECRET) as inbox, Webhook() as hook:
        mail = (f"mailto://crescent:${{SMTP_PASS}}@127.0.0.1:{inbox.port}"
                "?from=crescent@example.org&to=comms@example.org")
        down_port = free_port()
        down = f"json://127.0.0.1:{down_port}/hook"
        for args in (("Kızılay", "Kızılay", "--lang", "tr,ru", "--notify", mail,
                      "--notify", hook.url),
                     ("Aslanov", "Aslanov", "--notify", mail, "--notify", hook.url,
                      "--notify", down)):
            added = crescent("watch", "add", *args, data=data)
            assert added.returncode == 0, added.stderr
        result = crawl(data, servers)
        yield SimpleNamespace(data=data, result=result, inbox=inbox, hook=hook,
                              down_port=down_port)
    if saved is None:
        os.environ.pop("SMTP_PASS", None)
    else:
        os.environ["SMTP_PASS"] = saved


def test_the_crawl_runs_the_watches_and_a_down_destination_does_not_fail_it(day_two):
    out = day_two.result.stdout
    assert "watch Kızılay: 2 new" in out
    assert "watch Aslanov: 1 new" in out and "1 reprint(s) folded" in out
    assert f"not delivered to json://127.0.0.1:{day_two.down_port}/hook" in out


def test_one_digest_by_email_with_both_parts_in_turkish_and_russian(day_two):
    [(sender, recipients, message)] = day_two.inbox.messages  # one message for both watches
    assert day_two.inbox.logins == [b"crescent"]  # logged in with the environment's password
    assert sender == "crescent@example.org" and recipients == ["comms@example.org"]
    assert message["Subject"] == "crescent: 3 new mentions (Kızılay 2, Aslanov 1)"
    text = message.get_body(("plain",)).get_content()
    part = message.get_body(("html",)).get_content()
    records = by_title(day_two.data)
    for title in (VAN, LATE, ASLANOV):
        assert title in text and title.replace("'", "&#x27;") in part
        assert f'href="{records[title]["url"]}"' in part
    assert "<mark>Асланов</mark>" in part and "<mark>Kızılay</mark>" in part
    reprint = next(r for r in records.values() if r.get("duplicate_of") == records[ASLANOV]["id"])
    assert reprint["source"] == "redcrescent_az"
    assert f'also published by <a href="{reprint["url"]}">redcrescent_az</a>' in part
    assert "published 2024-02-06 — <strong>found late</strong>" in part
    assert part.index("<h2>Kızılay: 2 new") < part.index("<h2>Aslanov: 1 new")


def test_the_json_webhook_gets_the_same_digest(day_two):
    [body] = day_two.hook.bodies
    assert body["title"] == "crescent: 3 new mentions (Kızılay 2, Aslanov 1)"
    message = html.unescape(body["message"])  # Apprise posts the HTML body as it is
    records = by_title(day_two.data)
    for title in (VAN, LATE, ASLANOV):
        assert title in message and records[title]["url"] in message


def test_feeds_read_by_feedparser_link_to_the_articles(day_two):
    records = by_title(day_two.data)
    kizilay = feedparser.parse(day_two.data / "feeds" / "Kızılay.atom")
    assert not kizilay.bozo and {e.title for e in kizilay.entries} == {VAN, LATE}
    for entry in kizilay.entries:
        assert entry.link == records[entry.title]["url"]
        assert {tag.term for tag in entry.tags} == {"anadolu", "tr"}
    late = next(e for e in kizilay.entries if e.title == LATE)
    assert late.published.startswith("2024-02-06") and "found late" in late.content[0].value
    fresh = next(e for e in kizilay.entries if e.title == VAN)  # as new as its source's news
    assert "found late" not in fresh.content[0].value
    aslanov = feedparser.parse(day_two.data / "feeds" / "Aslanov.atom")
    [entry] = aslanov.entries
    assert not aslanov.bozo and entry.title == ASLANOV
    assert "also published by" in entry.content[0].value
    assert entry.updated_parsed and entry.published.startswith("2025-11-20")
    day_two.feed_ids = sorted(e.id for e in kizilay.entries + aslanov.entries)


def test_running_again_delivers_nothing_new(day_two):
    again = crescent("watch", "run", "--json", data=day_two.data)
    assert again.returncode == 1  # one destination is still down
    report = json.loads(again.stdout)
    assert [w["new"] for w in report["watches"]] == [[], []]
    [failed] = report["deliveries"]  # only what the down destination is owed
    assert failed["ok"] is False and failed["watches"] == {"Aslanov": 1}
    assert len(day_two.inbox.messages) == 1 and len(day_two.hook.bodies) == 1
    feeds_now = [feedparser.parse(day_two.data / "feeds" / f"{n}.atom") for n in
                 ("Kızılay", "Aslanov")]
    assert sorted(e.id for f in feeds_now for e in f.entries) == day_two.feed_ids


def test_a_destination_down_then_up_gets_what_it_missed_once(day_two):
    with Webhook(port=day_two.down_port) as back:
        run = crescent("watch", "run", data=day_two.data)
        assert run.returncode == 0, run.stdout + run.stderr
        [body] = back.bodies
        assert body["title"] == "crescent: 1 new mention (Aslanov 1)"
        assert ASLANOV in body["message"]
        assert crescent("watch", "run", data=day_two.data).returncode == 0
        assert len(back.bodies) == 1
    assert len(day_two.inbox.messages) == 1 and len(day_two.hook.bodies) == 1


def test_a_new_version_of_a_reported_article_is_not_reported_again(day_two):
    store = ArchiveStore(day_two.data / "archive")
    record = by_title(day_two.data)[VAN]
    changed = {**record, "text": record["text"] + " Kızılay yardımların süreceğini açıkladı."}
    assert store.save(changed).value == "updated"  # what a crawl with --refresh does
    path = store.path_of(record["id"])
    for engine in engines_to_update(day_two.data):
        engine.update([document_for(store.read(path), store.relative(path))])
    run = crescent("watch", "run", "--json", data=day_two.data)
    assert run.returncode == 0, run.stderr
    assert [w["new"] for w in json.loads(run.stdout)["watches"]] == [[], []]
    shown = json.loads(crescent("watch", "show", "Kızılay", "--json", data=day_two.data).stdout)
    assert shown["alerts"] == 2 and shown["pending"] == 0


def test_the_watch_file_keeps_secrets_out_and_is_private(day_two):
    path = day_two.data / "watches.toml"
    assert path.stat().st_mode & 0o777 == 0o600
    assert SECRET not in path.read_text() and "${SMTP_PASS}" in path.read_text()
    added = crescent("watch", "add", "literal", "IFRC",
                     "--notify", "mailto://bob:hunter2@example.org", data=day_two.data)
    assert added.returncode == 0, added.stderr
    listed = crescent("watch", "list", data=day_two.data)
    as_json = crescent("watch", "list", "--json", data=day_two.data)
    for out in (listed.stdout, as_json.stdout):
        assert "hunter2" not in out and SECRET not in out
    notify = {w["name"]: w["notify"] for w in json.loads(as_json.stdout)}
    assert notify["literal"] == ["mailto://bob:****@example.org/"]
    assert any("${SMTP_PASS}" in url for url in notify["Aslanov"])


# --- kill -9 during `watch run`, on tantivy ----------------------------------------------------
def test_kill_9_while_delivering_repeats_at_most_that_message(day_one, servers, tmp_path):
    """The matches of a run are recorded before delivery; a run killed while a destination
    was taking its message sends that message again, once, and loses nothing."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "config.toml").write_text('[search]\nengine = "tantivy"\n')
    with Webhook(hold=True) as hook:
        added = crescent("watch", "add", "movement", "Kızılay OR Aslanov OR Полумесяца",
                         "--notify", hook.url, data=data)
        assert added.returncode == 0, added.stderr
        crawl(data, servers, "--no-watches")  # everything (today's and the next day's) is new
        test = json.loads(crescent("watch", "test", "movement", "--json", data=data).stdout)
        expected = {e["id"] for e in test["watches"][0]["new"]}
        assert len(expected) >= 10
        env = {**os.environ, "CRESCENT_DATA": str(data)}
        run = subprocess.Popen([sys.executable, "-m", "cli", "watch", "run"], cwd=REPO,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert hook.received.wait(90), "the run never reached the destination"
        os.kill(run.pid, signal.SIGKILL)  # while the webhook holds the message
        run.communicate(timeout=30)
        hook.released.set()
        again = crescent("watch", "run", "--json", data=data)
        assert again.returncode == 0, again.stderr
        assert json.loads(again.stdout)["watches"][0]["new"] == []  # recorded before the kill
        first, second = hook.bodies
        assert first == second  # the one message in flight, sent again
        records = {r["id"]: r for r in ArchiveStore(data / "archive").iter_records()}
        assert all(records[i]["title"] in html.unescape(second["message"]) for i in expected)
        time.sleep(0.1)
        assert crescent("watch", "run", data=data).returncode == 0
        assert len(hook.bodies) == 2
    assert not list((data / "state").glob("watch-batch*"))  # the killed run's scratch is gone
    assert not list(data.rglob("*.tmp"))
