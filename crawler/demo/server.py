"""A small threaded HTTP server that serves one replica site from memory and logs requests."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from crawler.urls import TRACKING_PREFIXES


@dataclass
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ExpectedArticle:
    """An article the crawl must archive, as the replica published it."""

    key: str
    url: str
    language: str
    title: str
    published: str
    seed: str | None = None


@dataclass(frozen=True)
class ExcludedPage:
    """A page the replica links to that must not become an archived article."""

    url: str
    why: str


@dataclass
class ReplicaSite:
    source: str
    real_root: str  # scheme and host of the real site, e.g. https://www.aa.com.tr
    pages: dict[str, Page] = field(default_factory=dict)  # decoded path (+ '?query') → page
    articles: list[ExpectedArticle] = field(default_factory=list)
    excluded: list[ExcludedPage] = field(default_factory=list)

    def add(self, path: str, page: Page) -> str:
        self.pages[path] = page
        return self.real_root + path

    def lookup(self, raw_path: str) -> Page | None:
        parts = urlsplit(raw_path)
        path = unquote(parts.path)
        query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                 if not k.lower().startswith(TRACKING_PREFIXES)]
        key = path + (f"?{urlencode(query)}" if query else "")
        return self.pages.get(key) or self.pages.get(unquote(key))


NOT_FOUND = Page(b"<html><body><h1>404 Not Found</h1></body></html>", status=404)


class ReplicaServer:
    """Serves ``site`` on 127.0.0.1 at a free port; use as a context manager."""

    def __init__(self, site: ReplicaSite, port: int = 0) -> None:
        self.site = site
        self.requests: list[str] = []
        self._lock = threading.Lock()
        handler = self._handler_class()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True,
                                       name=f"replica-{site.source}")

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def requested_paths(self) -> list[str]:
        with self._lock:
            return [unquote(path) for path in self.requests]

    def __enter__(self) -> ReplicaServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                with server._lock:
                    server.requests.append(self.path)
                page = server.site.lookup(self.path) or NOT_FOUND
                self.send_response(page.status)
                self.send_header("Content-Type", page.content_type)
                self.send_header("Content-Length", str(len(page.body)))
                for name, value in page.headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(page.body)

            def log_message(self, format: str, *args) -> None:
                pass  # the request list is the log

        return Handler
