"""The web server over HTTP: security headers, statuses and messages for bad input, the CSRF
guard, token and read-only modes, the Host check, the JSON API against the CLI's --json, the
capture download, `crescent serve` binding rules and `crescent demo --serve`; the watches page
(forms, validation, feeds, alerts, masking, read-only) and health flags on the sources page."""

from __future__ import annotations

import html
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
from markupsafe import escape

from search import reindex
from tests.conftest import REPO, crescent
from tests.web_support import (
    PROBE_ID,
    LiveServer,
    add_web_fixtures,
    alert_for,
    fetch,
    fetch_json,
)

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


def test_pages_asked_at_once_all_answer_whole(server):
    """Each process renders one page at a time (a per-process slot): pages asked together
    queue for it and all answer, with what they answer alone."""
    from concurrent.futures import ThreadPoolExecutor

    paths = ["/?q=" + quote("Kızılay"), "/coverage?q=Aslanov&q=" + quote("Kızılay"),
             "/api/search?q=Aslanov", "/api/coverage?q=Aslanov"] * 5
    alone = {path: fetch(server.url + path)[2] for path in set(paths)}
    with ThreadPoolExecutor(10) as pool:
        together = list(pool.map(lambda path: fetch(server.url + path), paths))
    for path, (status, _headers, body) in zip(paths, together, strict=True):
        assert status == 200
        if path.startswith("/api/"):
            assert json.loads(body) == json.loads(alone[path])
        else:  # the same page but for the CSRF token of each new browser
            token = re.compile(rb'content="[0-9a-f]{64}"')
            assert token.sub(b"", body) == token.sub(b"", alone[path])


def test_a_busier_worker_closes_connections_so_they_land_anew(data):
    """With another worker idle on the load board, pages answered while more wait behind them
    close their connection; pages asked one by one keep theirs."""
    import http.client
    from concurrent.futures import ThreadPoolExecutor

    from web.app import create_app
    from web.balance import Board, LoadBoard

    shared = Board(2)
    other = LoadBoard(shared.path)  # the idle worker (alive: this process)
    board = LoadBoard(shared.path)
    try:
        with LiveServer(create_app(data[0], balance=board)) as live:
            port, path = int(live.url.rsplit(":", 1)[1]), "/?q=" + quote("Kızılay")

            def ask(times: int) -> list[tuple[int, str | None]]:
                """Pages on one keep-alive connection (urllib asks to close each)."""
                connection, answers = http.client.HTTPConnection("127.0.0.1", port), []
                for _ in range(times):
                    connection.request("GET", path)
                    response = connection.getresponse()
                    response.read()
                    answers.append((response.status, response.getheader("connection")))
                connection.close()
                return answers

            assert ask(5) == [(200, None)] * 5
            with ThreadPoolExecutor(10) as pool:
                together = [a for answers in pool.map(ask, [4] * 10) for a in answers]
            assert {status for status, _connection in together} == {200}
            assert "close" in {connection for _status, connection in together}
            assert board.pages == 0  # every page answered
    finally:
        other.close()
        board.close()
        shared.close()


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
        # Past the guard, the router answers: "/" takes no POST (the watch forms do).
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


class ServeProcess:
    """`crescent serve` in a subprocess: its address, and the processes it started."""

    def __init__(self, directory, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cli", "serve", "--port", "0", "--data", str(directory),
             *args], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        found = re.search(r"on (http://127\.0\.0\.1:(\d+)/)", self.process.stdout.readline())
        assert found, self.process.stderr.read() if self.process.poll() is not None else "?"
        self.url, self.port = found[1], int(found[2])
        deadline = time.monotonic() + 60
        while True:  # every worker has opened the archive once the port answers them all
            try:
                fetch_json(self.url + "api/status")
                break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.2)

    def family(self):
        import psutil

        return psutil.Process(self.process.pid).children(recursive=True)

    def workers(self):
        """The processes that listen on the server's port (not multiprocessing's helper)."""
        return [child for child in self.family()
                if any(c.status == "LISTEN" and c.laddr.port == self.port
                       for c in child.net_connections("tcp"))]

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)
        for stream in (self.process.stdout, self.process.stderr):
            if stream:
                stream.close()


def _ended(processes, within: float = 10.0) -> list:
    """Those of ``processes`` still running after ``within`` seconds (zombies have ended)."""
    import psutil

    deadline = time.monotonic() + within
    while True:
        alive = []
        for process in processes:
            try:
                if process.status() != psutil.STATUS_ZOMBIE:
                    alive.append(process)
            except psutil.NoSuchProcess:
                pass
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)


def test_serve_with_two_workers_answers_from_both_and_ends_on_ctrl_c(data):
    import http.client

    directory, _facts = data
    server = ServeProcess(directory, "--workers", "2")
    try:
        workers = server.workers()
        assert len(workers) == 2
        family = server.family()
        # Connections kept open until both workers have accepted (and answered) some.
        connections, answered_by = [], set()
        while answered_by != {w.pid for w in workers} and len(connections) < 200:
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            connection.request("GET", "/api/status")
            assert connection.getresponse().read()
            connections.append(connection)
            local = connection.sock.getsockname()[1]
            answered_by |= {w.pid for w in workers if any(
                c.raddr and c.raddr.port == local for c in w.net_connections("tcp"))}
        assert answered_by == {w.pid for w in workers}, f"{len(connections)} connections"
        for connection in connections:
            connection.close()
        # A token rendered by one worker passes either worker's CSRF guard: one secret.
        _status, headers, body = fetch(server.url)
        cookie = re.search(r"crescent_csrf=([^;]+)", headers["set-cookie"])[1]
        token = re.search(rb'name="csrf-token" content="([0-9a-f]{64})"', body)[1]
        posted = {fetch(server.url, method="POST", data=b"csrf_token=" + token, headers={
            "content-type": "application/x-www-form-urlencoded",
            "cookie": f"crescent_csrf={cookie}"})[0] for _ in range(8)}
        assert posted == {405}  # past the guard; "/" takes no POST
        server.process.send_signal(signal.SIGINT)  # Ctrl-C
        server.process.wait(timeout=30)
        assert not _ended(family), "a process outlived Ctrl-C"
    finally:
        server.close()


def test_workers_end_when_the_server_is_killed(data):
    """kill -9 of `crescent serve` (the OOM killer, a runtime): its workers end too, within
    moments, and free the port (they would have kept serving it, with no one to stop them)."""
    directory, _facts = data
    server = ServeProcess(directory, "--workers", "2")
    try:
        family = server.family()
        assert len(server.workers()) == 2
        server.process.kill()
        server.process.wait(timeout=30)
        assert not _ended(family), "a worker outlived its server"
        with pytest.raises(OSError):
            fetch(server.url + "api/status")
    finally:
        server.close()


def test_serve_runs_one_worker_per_core_by_default(data):
    from web.server import default_workers

    directory, _facts = data
    server = ServeProcess(directory)
    try:
        expected = default_workers()
        # One process serves alone; several are the workers of a supervising process.
        listening = server.workers() or [server.process]
        assert len(listening) == expected
    finally:
        server.process.send_signal(signal.SIGINT)
        server.process.wait(timeout=30)
        server.close()


# --- the watches page ---------------------------------------------------------------------------
class FormClient:
    """A browser's cookie and the CSRF token its page carries, for posting forms."""

    def __init__(self, url: str) -> None:
        self.url = url
        _status, headers, body = fetch(url + "/watches")
        self.cookie = re.search(r"crescent_csrf=([^;]+)", headers["set-cookie"])[1]
        self.token = re.search(rb'name="csrf-token" content="([0-9a-f]{64})"', body)[1].decode()

    def post(self, path: str, fields: dict[str, str], *, token: str | None = None,
             cookie: bool = True) -> tuple[int, dict[str, str], str]:
        from urllib.parse import urlencode

        sent = dict(fields)
        if token != "":  # "" sends no token at all
            sent["csrf_token"] = self.token if token is None else token
        headers = {"content-type": "application/x-www-form-urlencoded"}
        if cookie:
            headers["cookie"] = f"crescent_csrf={self.cookie}"
        status, answer, body = fetch(self.url + path, method="POST",
                                     data=urlencode(sent).encode(), headers=headers)
        return status, answer, body.decode()


def watch_fields(name: str, query: str, **extra: str) -> dict[str, str]:
    return {"name": name, "query": query, "languages": "", "sources": "", "notify": "", **extra}


def watch_file(directory) -> dict[str, dict]:
    import tomllib

    path = directory / "watches.toml"
    text = path.read_text("utf-8") if path.exists() else ""
    return {w["name"]: w for w in tomllib.loads(text).get("watch", [])}


@pytest.fixture(scope="module")
def watch_site(data, tmp_path_factory):
    """A copy of the data directory of its own (watches change it), served."""
    from web.app import create_app

    directory = tmp_path_factory.mktemp("web-watches") / "data"
    shutil.copytree(data[0], directory)
    with LiveServer(create_app(directory)) as live:
        yield live, directory, FormClient(live.url)


def test_a_watch_made_through_the_form_is_in_the_file_and_the_cli_list(watch_site):
    live, directory, client = watch_site
    status, headers, _body = client.post("/watches", watch_fields(
        "Kızılay", 'Kızılay OR "Turkish Red Crescent"', languages="tr, en",
        sources="anadolu", exact="1"))
    assert status == 303, _body[:500]
    assert headers["location"] == "/watches/" + quote("Kızılay", safe="") + "?done=added"
    stored = watch_file(directory)["Kızılay"]
    assert stored["query"] == 'Kızılay OR "Turkish Red Crescent"'
    assert stored["languages"] == ["tr", "en"] and stored["sources"] == ["anadolu"]
    assert stored["exact"] is True
    listed = crescent("watch", "list", "--json", data=directory)
    assert listed.returncode == 0, listed.stderr
    cli = {row["name"]: row for row in json.loads(listed.stdout)}
    api = {row["name"]: row for row in fetch_json(live.url + "/api/watches")}
    assert api["Kızılay"] == cli["Kızılay"] and api.keys() == cli.keys()
    page = fetch(live.url + "/watches")[2].decode()
    assert 'data-watch="Kızılay"' in page and "lang tr" in page and "source anadolu" in page
    shown = fetch(live.url + headers["location"])
    assert shown[0] == 200 and "Watch added" in shown[2].decode()
    assert "Watch added" not in fetch(live.url + "/watches/" + quote("Kızılay"))[2].decode()


def test_watch_forms_without_the_right_csrf_token_are_refused(watch_site):
    _live, directory, client = watch_site
    before = (directory / "watches.toml").read_bytes() if (directory / "watches.toml").exists() \
        else b""
    fields = watch_fields("forged", "Aslanov")
    from web.security import csrf_token

    for answer in (client.post("/watches", fields, token=""),
                   client.post("/watches", fields, token="0" * 64),
                   client.post("/watches", fields, token=csrf_token(b"guess", client.cookie)),
                   client.post("/watches", fields, cookie=False)):
        assert answer[0] == 403 and "security token" in answer[2]
    after = (directory / "watches.toml").read_bytes() if (directory / "watches.toml").exists() \
        else b""
    assert after == before and b"forged" not in after


@pytest.mark.parametrize(("fields", "cli_args", "message"), [
    (watch_fields("badquery", '"Kızılay'), ["badquery", '"Kızılay'], "unbalanced quotes"),
    (watch_fields("badlang", "Aslanov", languages="tr, xx"),
     ["badlang", "Aslanov", "--lang", "tr,xx"], "unknown language(s) xx"),
    (watch_fields("badsource", "Aslanov", sources="nosuchsource"),
     ["badsource", "Aslanov", "--source", "nosuchsource"], "unknown source(s) nosuchsource"),
    (watch_fields("taken", "Aslanov"), ["taken", "Aslanov"], "exists already"),
    (watch_fields("badurl", "Aslanov", notify="nosuchscheme://x"),
     ["badurl", "Aslanov", "--notify", "nosuchscheme://x"], "cannot parse notification URL"),
])
def test_bad_watch_settings_come_back_on_the_form(watch_site, fields, cli_args, message):
    _live, directory, client = watch_site
    if fields["name"] == "taken":
        assert client.post("/watches", watch_fields("taken", "IFRC"))[0] == 303
    status, headers, body = client.post("/watches", fields)
    assert status == 400 and headers["content-type"].startswith("text/html")
    shown = re.search(r'<p class="error" id="form-error"[^>]*>(.*?)</p>', body, re.S)
    assert shown and message in html.unescape(shown[1])
    # What was typed is kept in the form, escaped.
    assert f'name="name" value="{escape(fields["name"])}"' in body
    assert f'name="query" value="{escape(fields["query"])}"' in body
    assert 'id="watch-form"' in body and "Traceback" not in body
    # `crescent watch add` refuses the same settings with the same words (exit 2).
    cli = crescent("watch", "add", *cli_args, data=directory)
    assert cli.returncode == 2 and message in cli.stderr
    assert [n for n in watch_file(directory) if n == fields["name"]] == (
        ["taken"] if fields["name"] == "taken" else [])


def test_passwords_are_masked_and_an_edit_keeps_them(watch_site):
    live, directory, client = watch_site
    secret_url = "mailto://bob:hunter2@example.org"
    assert client.post("/watches", watch_fields("Masked", "IFRC", notify=secret_url))[0] == 303
    for path in ("/watches", "/watches/Masked", "/watches/Masked/edit", "/api/watches",
                 "/api/watches/Masked"):
        body = fetch(live.url + path)[2].decode()
        assert "hunter2" not in body, path
        assert "mailto://bob:****@example.org" in body, path
    cli = json.loads(crescent("watch", "list", "--json", data=directory).stdout)
    masked = next(row["notify"] for row in cli if row["name"] == "Masked")
    assert fetch_json(live.url + "/api/watches/Masked")["notify"] == masked
    # The edit form sends the masked URL back unchanged: the stored password survives.
    form = fetch(live.url + "/watches/Masked/edit")[2].decode()
    shown_url = html.unescape(re.search(r'<textarea name="notify"[^>]*>(.*?)</textarea>',
                                        form, re.S)[1]).strip()
    status, headers, _body = client.post("/watches/Masked/edit", watch_fields(
        "Unmasked", "IFRC OR Aslanov", notify=shown_url))
    assert status == 303 and headers["location"] == "/watches/Unmasked?done=saved"
    stored = watch_file(directory)
    assert "Masked" not in stored
    assert stored["Unmasked"]["notify"] == [secret_url]
    assert stored["Unmasked"]["query"] == "IFRC OR Aslanov"
    assert fetch(live.url + "/watches/Masked")[0] == 404
    assert fetch(live.url + "/api/watches/Masked")[0] == 404
    # An edit is checked like a new watch: the form comes back with the message.
    status, _headers, body = client.post("/watches/Unmasked/edit", watch_fields(
        "Unmasked", "(IFRC", notify=shown_url))
    assert status == 400 and "unbalanced parentheses" in body
    assert watch_file(directory)["Unmasked"]["query"] == "IFRC OR Aslanov"


def test_alerts_feed_and_delete(watch_site):
    """A watch's page lists its alerts (headline linked to the article, escaped), its feed is
    served as Atom, only for a name that fits the rule; delete removes file entry and feed."""
    import feedparser

    live, directory, client = watch_site
    assert client.post("/watches", watch_fields("Novruz", "Aslanov", languages="en"))[0] == 303
    assert fetch(live.url + "/watches/Novruz.atom")[0] == 404  # no run yet, no feed
    headline = "Aslanov <script>window.__xss=1</script> & volunteers"
    record = alert_for(directory, "Novruz", "0bad0bad0bad0baf", title=headline, language="en",
                       text="Novruz Aslanov met the volunteers of the Red Crescent in Baku today.",
                       url="https://probe.example/aslanov-new")

    page = fetch(live.url + "/watches/Novruz")[2].decode()
    assert f'href="/article/{record["id"]}"' in page
    assert html.escape(headline, quote=False) in page and "<script>window" not in page
    row = re.search(r'<tr class="alert" data-id="0bad0bad0bad0baf">(.*?)</tr>', page, re.S)[1]
    assert "anadolu" in row and "2026-12-05" in row and "<mark>Aslanov</mark>" in row
    api = fetch_json(live.url + "/api/watches/Novruz")
    [alert] = api["latest"]
    assert alert["title"] == headline and alert["reported_at"]
    assert alert["reported_at"] in row
    cli = crescent("watch", "show", "Novruz", "--json", data=directory)
    assert json.loads(cli.stdout)["latest"] == api["latest"][:10]

    status, headers, body = fetch(live.url + "/watches/Novruz.atom")
    assert status == 200 and headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(body)
    assert [entry.link for entry in feed.entries] == [record["url"]]
    assert "Aslanov" in feed.entries[0].title
    assert 'href="/watches/Novruz.atom"' in fetch(live.url + "/watches")[2].decode()
    (directory / "feeds" / "ghost.atom").write_text("<feed/>")  # a feed file, but no watch
    for path in ("/watches/ghost.atom", "/watches/..%2Fwatches.toml%00.atom",
                 "/watches/..%2F..%2Fetc%2Fpasswd.atom", "/watches/%2E%2E.atom",
                 "/watches/.hidden.atom", "/api/watches/..%2Fwatches.toml",
                 "/watches/..%2Fwatches.toml"):
        status, _headers, body = fetch(live.url + path)
        assert status == 404, path
        assert b"hunter2" not in body and b"[[watch]]" not in body

    confirm = fetch(live.url + "/watches/Novruz/delete")[2].decode()
    assert 'action="/watches/Novruz/delete"' in confirm and 'name="csrf_token"' in confirm
    assert client.post("/watches/Novruz/delete", {}, token="")[0] == 403
    status, headers, _body = client.post("/watches/Novruz/delete", {})
    assert status == 303 and headers["location"] == "/watches?removed=Novruz"
    assert "Novruz" not in watch_file(directory)
    assert "Novruz" not in {r["name"] for r in json.loads(
        crescent("watch", "list", "--json", data=directory).stdout)}
    assert not (directory / "feeds" / "Novruz.atom").exists()
    assert fetch(live.url + "/watches/Novruz.atom")[0] == 404
    assert fetch(live.url + "/watches/Novruz")[0] == 404
    assert client.post("/watches/Novruz/delete", {})[0] == 404


def test_a_hostile_watch_query_is_shown_literally(watch_site):
    live, _directory, client = watch_site
    query = 'Aslanov OR "<script>window.__xss=1</script> <svg onload=alert(1)>"'
    status, _headers, body = client.post("/watches", watch_fields("hostile", query))
    assert status == 303, body[:600]
    for path in ("/watches", "/watches/hostile", "/watches/hostile/edit"):
        page = fetch(live.url + path)[2].decode()
        assert "<script>window" not in page and "<svg onload" not in page, path
        assert str(escape(query)) in page, path
    assert fetch_json(live.url + "/api/watches/hostile")["query"] == query
    # Refused, it comes back on the form as typed, escaped too.
    status, _headers, body = client.post("/watches", watch_fields("hostile2", query + " ("))
    assert status == 400 and "<script>window" not in body and str(escape(query)) in body


def test_read_only_mode_has_no_watch_forms(watch_site):
    from web.app import create_app

    _live, directory, client = watch_site
    assert client.post("/watches", watch_fields("Kept", "IFRC"))[0] == 303
    with LiveServer(create_app(directory, read_only=True)) as live:
        page = fetch(live.url + "/watches")
        assert page[0] == 200 and b'method="post"' not in page[2] and b"<form" not in page[2]
        assert b'data-watch="Kept"' in page[2]
        shown = fetch(live.url + "/watches/Kept")
        assert shown[0] == 200 and b"<form" not in shown[2] and b"/edit" not in shown[2]
        for path in ("/watches/Kept/edit", "/watches/Kept/delete"):
            assert fetch(live.url + path)[0] == 404, path
        reader = FormClient(live.url)
        for path in ("/watches", "/watches/Kept/edit", "/watches/Kept/delete"):
            assert reader.post(path, watch_fields("x", "y"))[0] == 405, path
        assert "Kept" in {row["name"] for row in fetch_json(live.url + "/api/watches")}
    assert "Kept" in watch_file(directory) and "x" not in watch_file(directory)


def test_sources_show_each_sources_health_flags(tmp_path):
    """A source whose latest crawl saw a tenth of its usual links: the page and the API show
    its `collapse` flag with the figures, as `crescent health --json` does."""
    from archive.store import ArchiveStore
    from tests.test_health import write_report
    from web.app import create_app

    directory = tmp_path / "data"
    ArchiveStore(directory / "archive").save({
        "id": "0123456789abcdef", "url": "https://example.org/a", "source": "anadolu",
        "language": "tr", "title": "Kızılay", "text": "Kızılay yardım", "authors": [],
        "published": "2026-11-01", "fetched_at": "2026-11-01T00:00:00+00:00",
        "word_count": 2})
    reindex(directory)
    for number in range(10):
        write_report(directory, "anadolu", number, seen=40)
    write_report(directory, "anadolu", 10, seen=3)
    with LiveServer(create_app(directory, read_only=True)) as live:
        rows = {row["name"]: row for row in fetch_json(live.url + "/api/sources")}
        page = fetch(live.url + "/sources")[2].decode()
    cli = json.loads(crescent("health", "--json", data=directory).stdout)
    flags = {flag["key"]: flag for flag in rows["anadolu"]["flags"]}
    assert flags["collapse"]["figures"] == {"seen": 3, "usual_seen": 40, "crawls_compared": 10}
    assert flags["collapse"] == next(f for f in cli["anadolu"]["flags"]
                                     if f["key"] == "collapse")
    assert set(flags) == {f["key"] for f in cli["anadolu"]["flags"]}
    row = re.search(r'<tr data-source="anadolu"[^>]*>(.*?)</tr>', page, re.S)[1]
    assert 'data-flag="collapse"' in row and "seen 3" in row and "usual_seen 40" in row
    assert flags["collapse"]["message"] in html.unescape(row)
    assert all(not row["flags"] for name, row in rows.items() if name != "anadolu")


def test_the_api_page_documents_every_endpoint(server):
    """Every route that is not a page (JSON, CSV, feed, download, form POST) has its row, with
    an example, on /api."""
    from starlette.routing import Route

    page = fetch(server.url + "/api")[2].decode()
    rows = dict(re.findall(r'<tr data-endpoint="([^"]+)">(.*?)</tr>', page, re.S))
    wanted = set()
    for route in server.server.config.app.app.routes:  # the Guard wraps the Starlette app
        if not isinstance(route, Route):
            continue
        path = route.path.replace("{article_id}", "ID").replace("{name}", "NAME")
        if "POST" in (route.methods or ()):
            wanted.add(f"POST {path}")
        elif path.startswith("/api/") or path.endswith((".atom", ".csv", "/capture")) \
                or path == "/export":
            wanted.add(path)
    assert {"/api/watches", "/api/watches/NAME", "/watches/NAME.atom", "POST /watches"} <= wanted
    assert wanted <= set(rows), wanted - set(rows)
    for endpoint, row in rows.items():
        assert row.count("<td") == 4 and re.search(r"<td>\s*<(a|code)", row.split("</td>")[3]), \
            endpoint
