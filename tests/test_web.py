"""The web server over HTTP: security headers, statuses and messages for bad input, the CSRF
guard, token and read-only modes, the Host check, the JSON API against the CLI's --json, the
capture download, `crescent serve` binding rules and `crescent demo --serve`."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from urllib.parse import quote

import pytest

from search import reindex
from tests.conftest import REPO, crescent
from tests.web_support import PROBE_ID, LiveServer, add_web_fixtures, fetch, fetch_json

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def data(crawled, tmp_path_factory):
    source, _result = crawled
    target = tmp_path_factory.mktemp("web-http") / "data"
    shutil.copytree(source, target)
    facts = add_web_fixtures(target)
    reindex(target, "tantivy")
    return target, facts


@pytest.fixture(scope="module")
def server(data):
    from web.app import create_app

    with LiveServer(create_app(data[0])) as live:
        yield live


def test_every_answer_carries_the_security_headers(server):
    for path in ("/", "/coverage?q=Aslanov", "/api/search?q=x", "/article/zz", "/nope",
                 "/static/style.css"):
        _status, headers, _body = fetch(server.url + path)
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize(("path", "status", "message"), [
    ("/?q=" + quote('"Kızılay'), 400, "unbalanced quotes"),
    ("/?q=" + quote("(a OR b"), 400, "unbalanced parentheses"),
    ("/?q=" + quote("nosuchfield:x"), 400, "unknown field"),
    ("/?lang=turkish", 400, "ISO 639-1"),
    ("/?since=2025-13-01", 400, "YYYY-MM-DD"),
    ("/?since=2025-05-01&until=2025-01-01", 400, "is after"),
    ("/?page=0", 400, "page must be"),
    ("/?source=" + quote("../etc"), 400, "not a source name"),
    ("/coverage?q=a&q=b&q=c&q=d&q=e&q=f", 400, "at most 5"),
    ("/coverage?q=a&by=year", 400, "by must be"),
    ("/article/" + quote("../../etc/passwd"), 404, "no such page"),
    ("/article/XYZ", 400, "not an article id"),
    ("/article/0123456789abcdef", 404, "no article 0123456789abcdef"),
    ("/export?format=exe", 400, "format must be"),
])
def test_bad_input_gets_a_page_with_a_clear_message(server, path, status, message):
    got, headers, body = fetch(server.url + path)
    assert got == status
    assert headers["content-type"].startswith("text/html")
    assert message in body.decode()
    assert "Traceback" not in body.decode()
    api_path = "/api" + path if path.startswith("/article/") else path.replace("/", "/api/", 1)
    if path.startswith("/?"):
        api_path = "/api/search" + path[1:]
    if api_path.startswith(("/api/search", "/api/article/0", "/api/article/X")):
        got, headers, body = fetch(server.url + api_path)
        assert got == status and json.loads(body)["error"]


def test_api_search_and_article_are_the_cli_json(server, data):
    directory, facts = data
    api = fetch_json(server.url + "/api/search?q=" + quote("Kızılay") + "&lang=tr")
    cli = crescent("search", "Kızılay", "--lang", "tr", "--json", "--facets", data=directory)
    assert cli.returncode == 0, cli.stderr
    lines = [json.loads(line) for line in cli.stdout.splitlines()]
    assert api["hits"] == lines[:-1]
    assert api["facets"] == lines[-1]["facets"]
    assert api["total"] == sum(api["facets"]["language"].values())
    shown = crescent("show", facts["versioned"], "--json", data=directory)
    assert fetch_json(f"{server.url}/api/article/{facts['versioned']}") == json.loads(shown.stdout)
    versions = fetch_json(f"{server.url}/api/article/{facts['versioned']}/versions")
    assert [v["version"] for v in versions["versions"]] == [1, 2]
    assert ["+", "Güncelleme: yardım sürüyor."] in versions["versions"][1]["diff"]["text"]


def test_api_coverage_is_the_cli_table(server, data):
    directory, _facts = data
    api = fetch_json(server.url + "/api/coverage?q=Aslanov&q=IFRC&by=week&split=source")
    cli = crescent("search", "-q", "Aslanov=Aslanov", "-q", "IFRC=IFRC", "--by", "week",
                   "--json", data=directory)
    by_language = [json.loads(line) for line in cli.stdout.splitlines()]
    assert [(r["period"], r["query"], r["total"]) for r in api["rows"]] == [
        (r["period"], r["query"], r["total"]) for r in by_language]
    assert api["split"] == "source" and "anadolu" in api["columns"]
    status, headers, body = fetch(server.url + "/coverage.csv?q=Aslanov&by=month")
    assert status == 200 and "attachment" in headers["content-disposition"]
    cli_csv = crescent("search", "Aslanov", "--by", "month", "--csv", "-", data=directory)
    assert body.decode().replace("\r\n", "\n") == cli_csv.stdout  # CSV rows end in CRLF


def test_sources_count_by_language_and_the_last_crawl(server, data):
    rows = {row["name"]: row for row in fetch_json(server.url + "/api/sources")}
    cli = {row["name"]: row for row in json.loads(crescent("sources", "--json",
                                                           data=data[0]).stdout)}
    for name, row in cli.items():
        assert {k: rows[name][k] for k in row} == row
    stats = json.loads(crescent("stats", "--json", data=data[0]).stdout)
    assert {name: row["articles"] for name, row in rows.items() if row["articles"]} == \
        stats["by_source"]
    assert sum(rows["anadolu"]["by_language"].values()) == rows["anadolu"]["articles"]
    assert rows["anadolu"]["last_crawl"]["pages"] > 0
    assert rows["xssprobe"]["last_crawl"] is None


def test_capture_is_served_from_its_pointer_only(server, data):
    _directory, facts = data
    status, headers, body = fetch(f"{server.url}/article/{facts['versioned']}/capture")
    assert status == 200 and body == facts["member"]
    assert headers["content-type"].startswith("application/warc")
    status, _headers, _body = fetch(f"{server.url}/article/{PROBE_ID}/capture")
    assert status == 404


def test_the_tantivy_engine_serves_the_same_results(data):
    from web.app import create_app

    directory, _facts = data
    with LiveServer(create_app(directory, engine="tantivy")) as live:
        tantivy = fetch_json(live.url + "/api/search?q=" + quote("Асланов") + "&sort=date")
    whoosh = crescent("search", "Асланов", "--sort", "date", "--json", data=directory)
    assert tantivy["engine"] == "tantivy"
    assert [h["id"] for h in tantivy["hits"]] == [
        json.loads(line)["id"] for line in whoosh.stdout.splitlines()]


def test_state_changing_requests_need_the_csrf_token(server):
    _status, headers, _body = fetch(server.url + "/")
    cookie = re.search(r"crescent_csrf=([^;]+)", headers["set-cookie"])[1]
    from web.security import csrf_token

    form = b"q=x"
    refused, _h, body = fetch(server.url + "/", method="POST", data=form, headers={
        "content-type": "application/x-www-form-urlencoded", "cookie": f"crescent_csrf={cookie}"})
    assert refused == 403 and b"security token" in body
    # A token signed with any other secret than the server's is refused too.
    forged, _h, _b = fetch(server.url + "/", method="POST",
                           data=b"csrf_token=" + csrf_token(b"guess", cookie).encode(),
                           headers={"content-type": "application/x-www-form-urlencoded",
                                    "cookie": f"crescent_csrf={cookie}"})
    assert forged == 403


def test_csrf_token_from_the_page_lets_a_form_through(data):
    from web.app import create_app
    from web.security import csrf_token

    secret = b"s" * 32
    with LiveServer(create_app(data[0], secret=secret)) as live:
        _status, headers, _body = fetch(live.url + "/")
        cookie = re.search(r"crescent_csrf=([^;]+)", headers["set-cookie"])[1]
        token = csrf_token(secret, cookie)
        form_headers = {"content-type": "application/x-www-form-urlencoded",
                        "cookie": f"crescent_csrf={cookie}"}
        # Past the guard, the router answers: no route changes state yet (the watches will).
        passed, _h, _b = fetch(live.url + "/", method="POST",
                               data=f"csrf_token={token}".encode(), headers=form_headers)
        assert passed == 405
        no_cookie, _h, _b = fetch(live.url + "/", method="POST",
                                  data=f"csrf_token={token}".encode(), headers={
                                      "content-type": "application/x-www-form-urlencoded"})
        assert no_cookie == 403
    with LiveServer(create_app(data[0], secret=secret, read_only=True)) as live:
        refused, _h, body = fetch(live.url + "/", method="POST",
                                  data=f"csrf_token={token}".encode(), headers=form_headers)
        assert refused == 405 and b"read-only" in body


def test_token_mode_asks_every_request(data):
    from web.app import create_app

    token = "a-long-enough-secret-token"
    with LiveServer(create_app(data[0], token=token, allowed_hosts=None)) as live:
        for path in ("/", "/api/search?q=x", "/static/style.css", f"/article/{PROBE_ID}"):
            assert fetch(live.url + path)[0] == 401
        assert fetch(live.url + "/api/status", headers={"authorization": "Bearer nope"})[0] == 401
        assert fetch(live.url + "/api/status",
                     headers={"authorization": f"Bearer {token}"})[0] == 200
        status, headers, _body = fetch(f"{live.url}/?q=Aslanov&token={token}")
        assert status == 303 and headers["location"] == "/?q=Aslanov"
        cookie = re.search(r"crescent_token=([^;]+)", headers["set-cookie"])[1]
        assert fetch(live.url + "/?q=Aslanov", headers={"cookie": f"crescent_token={cookie}"}
                     )[0] == 200


def test_other_host_names_are_refused_on_loopback(server):
    status, _headers, body = fetch(server.url + "/", headers={"host": "evil.example"})
    assert status == 400 and b"only to its own address" in body
    assert fetch(server.url + "/", headers={"host": "localhost"})[0] == 200


def test_serve_refuses_an_open_address_without_token_or_read_only(data):
    result = crescent("serve", "--host", "0.0.0.0", "--port", "0", data=data[0])
    assert result.returncode == 2
    assert "needs --token TOKEN" in result.stderr and "Traceback" not in result.stderr
    short = crescent("serve", "--host", "0.0.0.0", "--token", "short", data=data[0])
    assert short.returncode == 2 and "at least 16 characters" in short.stderr


def test_demo_serve_keeps_the_demo_up_and_prints_its_address(tmp_path):
    env = {**os.environ, "CRESCENT_DATA": str(tmp_path / "demo")}
    with subprocess.Popen([sys.executable, "-m", "cli", "demo", "--serve", "--port", "0",
                           "--data", str(tmp_path / "demo")], cwd=REPO, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        try:
            deadline, url = time.monotonic() + 150, None
            assert process.stdout is not None and process.stderr is not None
            while url is None and time.monotonic() < deadline:
                line = process.stdout.readline()
                if not line and process.poll() is not None:
                    pytest.fail(f"demo ended: {process.stderr.read()[-2000:]}")
                found = re.search(r"serves .* on (http://127\.0\.0\.1:\d+/)", line)
                url = found[1] if found else None
            assert url, "demo --serve printed no address"
            status = fetch_json(url + "api/status")
            assert status["articles"] > 50
            page = fetch(url + "?q=" + quote("Kızılay"))[2].decode()
            assert "<mark>Kızılay</mark>" in page
        finally:
            process.send_signal(signal.SIGINT)  # Ctrl-C: the server and its replicas end
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                raise
    assert process.returncode in (0, 1, 130, -signal.SIGINT)


def test_serve_with_two_workers_answers_and_ends_on_ctrl_c(data):
    directory, _facts = data
    with subprocess.Popen([sys.executable, "-m", "cli", "serve", "--workers", "2", "--port", "0",
                           "--data", str(directory)], cwd=REPO, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            found = re.search(r"on (http://127\.0\.0\.1:\d+/)", process.stdout.readline())
            assert found, process.stderr.read() if process.poll() is not None else "no address"
            deadline = time.monotonic() + 60
            while True:
                try:
                    answers = [fetch_json(found[1] + "api/status") for _ in range(6)]
                    break
                except OSError:
                    assert time.monotonic() < deadline
                    time.sleep(0.2)
            assert {a["articles"] for a in answers} == {answers[0]["articles"]} != {0}
            # A token rendered by one worker passes either worker's CSRF guard: one secret.
            _status, headers, body = fetch(found[1])
            cookie = re.search(r"crescent_csrf=([^;]+)", headers["set-cookie"])[1]
            token = re.search(rb'name="csrf-token" content="([0-9a-f]{64})"', body)[1]
            posted = {fetch(found[1], method="POST", data=b"csrf_token=" + token, headers={
                "content-type": "application/x-www-form-urlencoded",
                "cookie": f"crescent_csrf={cookie}"})[0] for _ in range(8)}
            assert posted == {405}  # past the guard; no route changes state yet
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                raise
