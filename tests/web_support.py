"""The web page's test fixtures: a data directory from a real crawl of the replicas plus a
second version, a capture and an XSS probe article written through the archive library; the
real app served by uvicorn on 127.0.0.1 port 0; headless Debian Chromium via Selenium."""

from __future__ import annotations

import contextlib
import gzip
import json
import shutil
import socket
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from archive.store import ArchiveStore

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "test-artifacts" / "web"
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
PROBE_ID, JS_URL_ID = "0bad0bad0bad0bad", "0bad0bad0bad0bae"
# What the probe's payloads would do if they ran: set this global, or open a dialog.
XSS = "window.__xss=1;alert(1)"
PROBE_TITLE = (f'xssprobe <script>{XSS}</script> <img src=x onerror="{XSS}"> '
               f'"><svg onload="{XSS}"> Kızılay\'ın')
PROBE_TEXT = (f'xssprobe body <script>{XSS}</script> <a href="javascript:{XSS}">click</a>\n'
              f'second paragraph <img src=x onerror={XSS}> "><svg/onload={XSS}> Красного')
PROBE_AUTHOR = f'<img src=x onerror="{XSS}"> "><svg onload={XSS}>'
PROBE_URL = f'https://probe.example/"><svg onload={XSS}>/<script>{XSS}</script>'


def add_web_fixtures(data: Path) -> dict[str, Any]:
    """Write what the crawl does not make: a new version, a capture, the XSS probes."""
    store = ArchiveStore(data / "archive")
    records = list(store.iter_records())
    base = next(r for r in records if r["language"] == "tr" and "Kızılay" in r["text"]
                and not r.get("duplicate_of"))
    changed = {**base, "text": base["text"].replace("Kızılay", "Türk Kızılay", 1)
               + "\nGüncelleme: yardım sürüyor.", "fetched_at": "2026-01-02T03:04:05+00:00"}
    assert store.save(changed).value == "updated"
    # A WARC record as branch `warc` points at it: one gzip member in warc/<source>/.
    member = gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\nWARC-Record-ID: "
                           b"<urn:uuid:12345678-1234-5678-1234-567812345678>\r\n"
                           b"Content-Length: 0\r\n\r\n\r\n\r\n")
    warc = data / "warc" / base["source"] / "test-00000.warc.gz"
    warc.parent.mkdir(parents=True, exist_ok=True)
    padding = gzip.compress(b"WARC/1.1\r\nWARC-Type: warcinfo\r\nContent-Length: 0\r\n\r\n\r\n\r\n")
    warc.write_bytes(padding + member)
    store.annotate(base["id"], capture={
        "file": f"warc/{base['source']}/test-00000.warc.gz", "offset": len(padding),
        "length": len(member), "record_id": "<urn:uuid:12345678-1234-5678-1234-567812345678>",
        "payload_digest": "sha1:AAAA", "status": 200})
    probe = {"id": PROBE_ID, "url": PROBE_URL, "source": "xssprobe", "language": "tr",
             "title": PROBE_TITLE, "text": PROBE_TEXT, "published": "2025-06-15",
             "authors": [PROBE_AUTHOR], "description": f"<script>{XSS}</script>",
             "date_source": "meta", "date_raw": f"<img src=x onerror={XSS}>",
             "fetched_at": "2025-06-16T00:00:00+00:00", "word_count": 20}
    store.save(probe)
    store.save({**probe, "id": JS_URL_ID, "url": f"javascript:{XSS}",
                "title": "xssprobe javascript link"})
    from search import reindex

    reindex(data)
    duplicate = next(r for r in records if r.get("duplicate_of"))
    return {"versioned": base["id"], "reprint": duplicate["id"],
            "original": duplicate["duplicate_of"], "member": member}


class LiveServer:
    """The real app under uvicorn in a thread, on 127.0.0.1 and a free port."""

    def __init__(self, app) -> None:
        import uvicorn

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "the web server did not start"
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


def fetch(url: str, *, method: str = "GET", data: bytes | None = None,
          headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of a request; error statuses are answers too, redirects not
    followed."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, \
                response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def fetch_json(url: str) -> Any:
    status, _headers, body = fetch(url)
    assert status == 200, body[:500]
    return json.loads(body)


def browser(download_dir: Path):
    """Headless Debian Chromium; skipped, loudly, only where it is not installed."""
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        pytest.skip("CHROMIUM MISSING: the web page's browser tests did NOT run: install "
                    "Debian's chromium and chromium-driver (make system-packages)")
    from selenium import webdriver
    from selenium.common.exceptions import SessionNotCreatedException
    from selenium.webdriver.chrome.service import Service

    last_error: Exception | None = None
    for attempt in range(3):  # a loaded machine can miss chromedriver's start-up wait
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        profile = download_dir.parent / f"chromium-profile-{attempt}"
        for argument in ("--headless", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync", "--no-first-run",
                         f"--user-data-dir={profile}", "--window-size=1280,1000",
                         "--lang=en-US", "--remote-debugging-pipe"):
            options.add_argument(argument)
        options.add_experimental_option("prefs", {
            "download.default_directory": str(download_dir),
            "download.prompt_for_download": False})
        try:
            driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
            break
        except SessionNotCreatedException as error:
            last_error = error
            time.sleep(2)
    else:
        raise AssertionError(f"Chromium did not start three times: {last_error}")
    driver.set_page_load_timeout(60)
    with contextlib.suppress(Exception):
        driver.execute_cdp_cmd("Browser.setDownloadBehavior",
                               {"behavior": "allow", "downloadPath": str(download_dir)})
    return driver


def screenshot(driver, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))


def alert_for(directory: Path, watch: str, article_id: str, *, title: str, text: str,
              language: str, url: str) -> dict[str, Any]:
    """Archive one new article (scraped text of the test's choosing) and run ``watch`` without
    delivering: the watch reports exactly that article. Returns the record."""
    from monitor.run import run_watches

    record = {"id": article_id, "url": url, "source": "anadolu", "language": language,
              "title": title, "text": text, "published": "2026-12-05",
              "fetched_at": "2026-12-05T10:00:00+00:00", "authors": [],
              "word_count": len(text.split())}
    assert ArchiveStore(directory / "archive").save(record).value == "new"
    ran = run_watches(directory, [watch], deliver=False)
    assert [e["id"] for e in ran.watches[0].new] == [article_id]
    return record
