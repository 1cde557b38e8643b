"""Source health: history from crawl reports, flags against each source's own habits, announcements,
the replica redesigns that should raise them, and Apprise delivery to a real HTTP receiver."""

from __future__ import annotations

import json
import queue
import sys
import threading
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from crawler.demo import build_site
from crawler.demo.redesign import redesigned
from crawler.extract import DEFAULT_LANGUAGES, Article, Rejection, extract
from monitor.health import (
    changes_to_announce,
    check_notify_url,
    flags_for,
    load_history,
    mark_announced,
    send,
    source_health,
    update_history,
)
from monitor.schedule import Cycle, Monitor, ScheduleError, check_floor, parse_every
from spiders.anadolu import AnadoluSpider
from spiders.redcrescent_az import RedcrescentAzSpider
from tests.helpers import callback_output, make_spider, response_for

START = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)


def write_report(data: Path, source: str, number: int, *, every: timedelta = timedelta(hours=6),
                 links: int = 30, seen: int = 40, new: int = 5, rejected: dict | None = None,
                 page_dated: int | None = None, found: int | None = None,
                 published: list[str] | None = None, languages=("tr", "en")) -> Path:
    """A crawl report as crawler.report.CrawlReport writes it, for crawl ``number``."""
    finished = START + number * every
    found = new if found is None else found
    page_dated = found if page_dated is None else page_dated
    stats = {"finish_time": finished.isoformat(), "response_received_count": found + 3,
             "crescent/listing_pages": 3, "crescent/listing_links": links,
             "crescent/article_links": seen, "crescent/archive/new": new,
             "crescent/articles/tr": found}
    if page_dated:
        stats["crescent/date_source/text"] = page_dated
    if found - page_dated:
        stats["crescent/date_source/url"] = found - page_dated
    for reason, count in (rejected or {}).items():
        stats[f"crescent/rejected/{reason}"] = count
    day = (finished - timedelta(days=1)).date().isoformat()
    report = {"source": source, "finish_reason": "finished", "stats": stats,
              "figures": {"languages": list(languages), "listings": 3, "median_words": 180,
                          "published": published if published is not None else [day]}}
    path = data / "crawls" / f"{finished:%Y%m%dT%H%M%S}000000Z-{source}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report), "utf-8")
    return path


def keys(data: Path, source: str) -> list[str]:
    return [flag.key for flag in flags_for(source, update_history(data)[source])]


def test_history_is_appended_once_per_report_and_survives_a_broken_report(tmp_path):
    for number in range(3):
        write_report(tmp_path, "anadolu", number)
    (tmp_path / "crawls" / "20261102T000000000000Z-anadolu.json").write_text("{half")
    update_history(tmp_path)
    update_history(tmp_path)  # idempotent: nothing recorded twice
    history = load_history(tmp_path)["anadolu"]
    assert [entry["links"] for entry in history] == [30, 30, 30]
    assert len({entry["report"] for entry in history}) == 3
    assert history[0]["date_from_page"] == 1.0 and history[0]["expected_language"] == 1.0
    assert not list((tmp_path / "health").glob("*.tmp"))


def test_a_steady_source_has_no_flags(tmp_path):
    for number in range(6):
        write_report(tmp_path, "anadolu", number, rejected={"no-date": number % 3})
    assert keys(tmp_path, "anadolu") == []


def test_no_listing_links_is_flagged_with_its_figures(tmp_path):
    for number in range(4):
        write_report(tmp_path, "icrc", number)
    write_report(tmp_path, "icrc", 4, links=0, seen=0, new=0)
    flags = {f.key: f for f in flags_for("icrc", update_history(tmp_path)["icrc"])}
    assert set(flags) == {"no-links", "collapse"}
    assert "0 links on 3 listing page(s)" in flags["no-links"].message
    assert "usually 30 links" in flags["no-links"].message
    assert flags["collapse"].figures == {"seen": 0, "usual_seen": 40, "crawls_compared": 4}


def test_listings_that_never_had_article_links_are_not_flagged_but_a_down_site_is(tmp_path):
    for number in range(3):
        write_report(tmp_path, "feedonly", number, links=0)
    assert "no-links" not in keys(tmp_path, "feedonly")
    path = write_report(tmp_path, "feedonly", 3, links=0, rejected={"unreachable": 3})
    report = json.loads(path.read_text())
    report["stats"]["crescent/listing_pages"] = 0  # not one listing page could be fetched
    path.write_text(json.dumps(report))
    flags = flags_for("feedonly", update_history(tmp_path)["feedonly"])
    assert [f.key for f in flags] == ["no-links", "rejections:unreachable"]
    assert "failed requests: unreachable 3" in flags[0].message


def test_a_rejection_reason_jumping_above_its_median_is_flagged(tmp_path):
    for number, count in enumerate([1, 0, 2, 1]):
        write_report(tmp_path, "tgymj", number, rejected={"too-short": count})
    write_report(tmp_path, "tgymj", 4, rejected={"too-short": 4})  # within 2 × median + 3
    assert keys(tmp_path, "tgymj") == []
    write_report(tmp_path, "tgymj", 5, rejected={"too-short": 9, "http-503": 6})
    flags = {f.key: f for f in flags_for("tgymj", update_history(tmp_path)["tgymj"])}
    assert set(flags) == {"rejections:too-short", "rejections:http-503"}
    assert flags["rejections:too-short"].figures["usual"] == 1
    assert "9 this crawl, usually 1" in flags["rejections:too-short"].message


@pytest.mark.parametrize(("usual_seen", "latest", "flagged"),
                         [(400, 90, True), (400, 120, False), (12, 2, True), (12, 4, False),
                          (6, 0, False)])  # too few links for a collapse to mean anything
def test_collapse_is_relative_to_the_source_size(tmp_path, usual_seen, latest, flagged):
    for number in range(5):
        write_report(tmp_path, "s", number, seen=usual_seen)
    write_report(tmp_path, "s", 5, seen=latest)
    assert ("collapse" in keys(tmp_path, "s")) is flagged


def test_pages_losing_their_dates_are_flagged(tmp_path):
    for number in range(3):
        write_report(tmp_path, "anadolu", number, new=10)
    write_report(tmp_path, "anadolu", 3, new=10, page_dated=2)
    flag = next(f for f in flags_for("anadolu", update_history(tmp_path)["anadolu"])
                if f.key == "date_from_page")
    assert flag.figures == {"share": 0.2, "usual_share": 1.0, "articles": 10}


def days_back(end: date, count: int, step: int) -> list[str]:
    return [(end - timedelta(days=step * i)).isoformat() for i in range(count)]


def test_quiet_is_judged_against_the_source_rhythm(tmp_path):
    day = timedelta(days=1)
    # A daily source: one crawl a day, then five days without a new article.
    write_report(tmp_path, "daily", 0, every=day, published=days_back(START.date(), 20, 1))
    for number in range(1, 7):
        write_report(tmp_path, "daily", number, every=day, new=0, published=[])
    flags = flags_for("daily", update_history(tmp_path)["daily"])
    assert [f.key for f in flags] == ["quiet"]
    assert flags[0].figures["usual_gap_days"] == 1 and flags[0].figures["silent_days"] == 6
    # A weekly source, equally silent for six days, is not.
    write_report(tmp_path, "weekly", 0, every=day, published=days_back(START.date(), 20, 7))
    for number in range(1, 7):
        write_report(tmp_path, "weekly", number, every=day, new=0, published=[])
    assert keys(tmp_path, "weekly") == []


def test_new_flags_are_announced_once_and_their_clearing_once(tmp_path):
    for number in range(3):
        write_report(tmp_path, "icrc", number)
    write_report(tmp_path, "icrc", 3, links=0)
    report = source_health(tmp_path)
    first = changes_to_announce(tmp_path, report)
    assert first is not None and [f.key for f in first.raised] == ["no-links"]
    assert "NEW  icrc: no article links" in first.body and "icrc" in first.title
    mark_announced(tmp_path, report)
    assert changes_to_announce(tmp_path, source_health(tmp_path)) is None  # not twice
    write_report(tmp_path, "icrc", 4)
    report = source_health(tmp_path)
    cleared = changes_to_announce(tmp_path, report)
    assert cleared is not None and cleared.cleared == [("icrc", "no-links")]
    assert cleared.body.startswith("CLEARED  icrc: no article links")
    mark_announced(tmp_path, report)
    assert changes_to_announce(tmp_path, source_health(tmp_path)) is None


def test_health_json_and_table(tmp_path):
    for number in range(3):
        write_report(tmp_path, "icrc", number)
    write_report(tmp_path, "icrc", 3, links=0)
    write_report(tmp_path, "anadolu", 0)
    runner = CliRunner()
    result = runner.invoke(main, ["health", "--json", "--data", str(tmp_path)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert set(report) == {"anadolu", "icrc"}
    assert report["anadolu"]["flags"] == []
    assert [f["key"] for f in report["icrc"]["flags"]] == ["no-links"]
    assert report["icrc"]["flags"][0]["figures"]["usual_links"] == 30
    assert [c["links"] for c in report["icrc"]["crawls"]] == [0, 30, 30, 30]  # newest first
    table = runner.invoke(main, ["health", "--data", str(tmp_path), "--last", "2"])
    assert table.exit_code == 0
    assert "icrc: 1 flag(s)" in table.output and "no-links" in table.output
    assert "2 source(s), 1 flagged" in table.output


@pytest.mark.parametrize(("args", "message"), [
    (["health", "--source", "nosuch"], "unknown source 'nosuch'"),
    (["health", "--last", "0"], "Invalid value for '--last'"),
    (["monitor"], "name one or more sources"),
    (["monitor", "nosuch"], "unknown source 'nosuch'"),
    (["monitor", "anadolu", "--every", "soon"], "duration like 30m"),
    (["monitor", "anadolu", "--every", "0s"], "longer than zero"),
    (["monitor", "anadolu", "--every", "5m"], "at least 15 min for real sites"),
    (["monitor", "anadolu", "--every", "1m", "--base-url", "http://10.0.0.1:8000"],
     "at least 15 min for real sites"),
    (["monitor", "anadolu", "--every", "50ms", "--base-url", "http://127.0.0.1:8000"],
     "at least 0.1 s for replicas"),
    (["monitor", "anadolu", "--notify-health", "nonsense://x"], "cannot parse notification URL"),
    (["monitor", "anadolu", "--base-url", "ftp://x"], "--base-url must be"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, message):
    result = CliRunner().invoke(main, [*args, "--data", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_health_of_a_missing_data_directory_is_an_error(tmp_path):
    result = CliRunner().invoke(main, ["health", "--data", str(tmp_path / "nothing")])
    assert result.exit_code == 2 and "no data directory" in result.output


def test_every_parses_durations_and_keeps_the_floor():
    assert parse_every("30m") == 1800 and parse_every("1h30m") == 5400
    assert parse_every("0.5s") == 0.5 and parse_every("2d") == 172800
    check_floor(900, all_loopback=False)
    check_floor(0.1, all_loopback=True)
    with pytest.raises(ScheduleError):
        check_floor(899, all_loopback=False)
    with pytest.raises(ScheduleError):
        parse_every("30")


# -- redesigned replicas ---------------------------------------------------------------------

def test_listing_redesign_hides_every_article_link_from_the_spider(tmp_path):
    site = build_site("redcrescent_az")
    spider = make_spider(RedcrescentAzSpider, tmp_path)
    url = RedcrescentAzSpider.start_urls[0]
    before = callback_output(spider, response_for(site, url), spider.parse_listing)
    after_site = redesigned(site, "no-listing-links")
    after = callback_output(spider, response_for(after_site, url), spider.parse_listing)
    assert len(before) >= 6 and after == []
    assert spider.crawler.stats.get_value("crescent/listing_links") == len(
        {r.url for r in before if "/news/" in r.url})
    # Article pages are as they were; the original site is untouched.
    article = site.articles[0].url.removeprefix(site.real_root)
    assert after_site.lookup(article).body == site.lookup(article).body
    assert b"data-href" not in site.lookup("/en/").body


def test_date_redesign_leaves_article_pages_without_a_date():
    site = build_site("anadolu")
    after = redesigned(site, "no-dates")
    hints = AnadoluSpider.hints_for(frozenset(DEFAULT_LANGUAGES))
    for expected in site.articles[:5]:
        path = expected.url.removeprefix(site.real_root)
        assert isinstance(extract(site.lookup(path).body, expected.url, hints), Article)
        result = extract(after.lookup(path).body, expected.url, hints)
        assert isinstance(result, Rejection) and result.reason == "no-date"
    with pytest.raises(ValueError, match="unknown redesign"):
        redesigned(site, "prettier")


# -- delivery -----------------------------------------------------------------------------------

class Receiver:
    """A real HTTP server on 127.0.0.1 collecting the JSON Apprise posts (or answering 503)."""

    def __init__(self) -> None:
        self.messages: queue.Queue = queue.Queue()
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if receiver.status == 200:
                    receiver.messages.put((self.path, json.loads(body)))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.httpd.server_address[1]}/hook"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def next(self, timeout: float = 60) -> dict:
        return self.messages.get(timeout=timeout)[1]


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


def test_send_posts_to_a_real_webhook_and_reports_failures(receiver, monkeypatch):
    assert send([receiver.url], "crescent: Kızılay", "Красный Полумесяц\n") == []
    message = receiver.next(5)
    assert message["title"] == "crescent: Kızılay"
    assert message["message"].strip() == "Красный Полумесяц"
    receiver.status = 503
    failures = send([receiver.url], "t", "b")
    assert len(failures) == 1 and "error=503" in failures[0]
    secret = receiver.url.replace("json://", "json://user:${HOOK_PASSWORD}@")
    missing = send([secret], "t", "b")
    assert missing == [f"{secret}: environment variable HOOK_PASSWORD is not set"]
    monkeypatch.setenv("HOOK_PASSWORD", "s3cret")
    receiver.status = 200
    assert send([secret], "with secret", "b") == []
    assert receiver.next(5)["title"] == "with secret"
    assert check_notify_url("mailtos://user:${SMTP_PASSWORD}@example.org") is None
    assert check_notify_url("nonsense://x") is not None


def test_a_crawl_stopped_by_hand_is_not_judged(tmp_path):
    for number in range(3):
        write_report(tmp_path, "icrc", number)
    path = write_report(tmp_path, "icrc", 3, links=2, seen=2, new=0)
    report = json.loads(path.read_text())
    report["finish_reason"] = "shutdown"
    path.write_text(json.dumps(report))
    assert keys(tmp_path, "icrc") == []
    table = CliRunner().invoke(main, ["health", "--data", str(tmp_path)])
    assert "(stopped)" in table.output


def test_an_undelivered_health_message_is_sent_again_after_the_next_cycle(tmp_path, receiver):
    for number in range(3):
        write_report(tmp_path, "icrc", number)
    write_report(tmp_path, "icrc", 3, links=0)
    said: list[str] = []
    looper = Monitor([], tmp_path, ["icrc"], 60, notify_urls=[receiver.url], say=said.append)
    receiver.status = 503  # the destination is down
    down = Cycle(1)
    looper.check_health(down)
    assert down.flags == {"icrc": ["no-links"]} and len(down.notify_failures) == 1
    assert receiver.messages.empty() and "not delivered" in said[-1]
    receiver.status = 200  # and up again
    up = Cycle(2)
    looper.check_health(up)
    assert up.notify_failures == []
    assert "NEW  icrc: no article links" in receiver.next(5)["message"]
    looper.check_health(Cycle(3))
    assert receiver.messages.empty()  # delivered once, not again


def test_shares_of_crawls_with_few_articles_are_not_a_yardstick(tmp_path):
    write_report(tmp_path, "icrc", 0, new=20)  # all dated by the page
    for number in range(1, 6):  # then crawls with one article each, dated by its URL
        write_report(tmp_path, "icrc", number, new=1, page_dated=0)
    write_report(tmp_path, "icrc", 6, new=5, page_dated=4)
    assert keys(tmp_path, "icrc") == []  # 80 % against 100 %, not against the 0 % of singles
    write_report(tmp_path, "icrc", 7, new=5, page_dated=1)
    assert keys(tmp_path, "icrc") == ["date_from_page"]


def test_expected_language_counts_the_articles_kept(tmp_path):
    for number in range(3):
        write_report(tmp_path, "anadolu", number, new=6, rejected={"language": 2})
    history = update_history(tmp_path)["anadolu"]
    assert [e["expected_language"] for e in history] == [1.0, 1.0, 1.0]
    write_report(tmp_path, "anadolu", 3, new=6, languages=("en",))  # tr is not its language
    flags = flags_for("anadolu", update_history(tmp_path)["anadolu"])
    assert [f.key for f in flags] == ["expected_language"]
    assert flags[0].figures == {"share": 0.0, "usual_share": 1.0, "articles": 6}


def test_a_failed_crawl_does_not_stop_the_loop(tmp_path):
    said: list[str] = []
    failing = [sys.executable, "-c", "raise SystemExit(3)"]  # a crawl that ends in an error
    looper = Monitor(failing, tmp_path, ["icrc"], 0.1, say=said.append, max_cycles=2)
    assert looper.run() == 0
    assert any(line.startswith("cycle 2 done") and "crawl exit 3" in line for line in said)
    assert sum("ended with exit code 3" in line for line in said) == 2
    assert said[-1] == "monitor stopped"
