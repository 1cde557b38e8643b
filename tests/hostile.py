"""A hostile site for the crawl tests: every kind of broken page, behind a replica's listing.

It serves the turkmenistanlive replica and adds, under article-shaped URLs its listing links to,
pages that are empty, binary, huge, gzip bombs, cut off, mis-encoded, redirect loops, HTTP errors,
a drip-feeding server, a robots.txt-forbidden path, an endless pagination trap, a page with
100,000 links and a script-laden article. Each case names the rejection reason it must produce.
"""

from __future__ import annotations

import gzip
import random
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

from crawler.demo import ReplicaSite, build_site

PREFIX = "/2025/09/30/"
GOOD_BODY = (
    "<p>Национальное общество Красного Полумесяца Туркменистана провело учения по оказанию "
    "первой помощи для волонтеров Ашхабада. Участники отработали действия при кровотечениях, "
    "ожогах и переломах, а инструкторы рассказали о правилах безопасности на дорогах.</p>"
    "<p>Председатель общества Марал Ачилова отметила, что такие занятия проводятся регулярно "
    "и помогают подготовить добровольцев к реагированию на чрезвычайные ситуации.</p>"
)
# case → expected rejection reason(s) (None: a good article that must be archived)
CASES = {
    "empty": "empty",
    "binary": "binary",
    "huge": "too-large",
    "gzip-bomb": "too-large",
    "cut-off": {"no-text", "too-short", "empty", "no-title"},
    "bad-utf8": None,
    "wrong-charset": "decoded",  # archived only with its Cyrillic text intact
    "redirect-loop": "redirect-loop",
    "gone-404": "http-404",
    "gone-410": "http-410",
    "error-500": "http-500",
    "busy-503": "http-503",
    "drip": "timeout",
    "scripts": None,
    "many-links": None,
}
FORBIDDEN = "/2025/09/29/secret/"  # article-shaped, but robots.txt forbids it


class QuietServer(ThreadingHTTPServer):
    """Clients hanging up on the hostile pages (the point of them) are not errors here."""

    def handle_error(self, request, client_address) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def article_html(title: str, body: str = GOOD_BODY, charset: str = "utf-8") -> str:
    return (f'<!DOCTYPE html><html lang="ru"><head><meta charset="{charset}"><title>{title}'
            '</title><meta property="article:published_time" content="2025-09-30T10:00:00+05:00">'
            f'</head><body><article><h1 class="entry-title">{title}</h1>'
            f'<time class="entry-date published" datetime="2025-09-30T10:00:00+05:00">'
            f'30 сентября 2025</time><div class="entry-content">{body}</div></article>'
            "</body></html>")


class HostileServer:
    """The replica plus the hostile cases, on 127.0.0.1; a context manager."""

    def __init__(self, seed: int = 20251130) -> None:
        self.site: ReplicaSite = build_site("turkmenistanlive")
        self.random = random.Random(seed)
        self.binary = bytes(self.random.getrandbits(8) for _ in range(64 * 1024))
        self.bomb = gzip.compress(b" " * (64 * 1024 * 1024), compresslevel=9)  # ~64 KB → 64 MB
        self._inject_links()
        self.dripping = threading.Event()  # set once a client is being fed the drip page
        handler = self._handler()
        self.httpd = QuietServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> HostileServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _inject_links(self) -> None:
        home = self.site.pages["/"]
        links = "".join(f'<a href="{PREFIX}{case}/">{case}</a>' for case in CASES)
        links += f'<a href="{FORBIDDEN}">secret</a><a href="/page/4/">4</a>'
        home.body = home.body.replace(b"</body>", links.encode() + b"</body>")
        robots = self.site.pages["/robots.txt"]
        robots.body = robots.body + b"Disallow: /2025/09/29/\n"

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def send(self, status: int, body: bytes, content_type: str = "text/html; "
                     "charset=utf-8", headers: dict | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                path = unquote(urlsplit(self.path).path)
                if path.startswith("/page/") and path.strip("/").split("/")[-1].isdigit():
                    number = int(path.strip("/").split("/")[-1])
                    if number >= 4:  # an endless pagination trap past the real last page
                        links = ""
                        if number == 4:  # ... whose first page links 100,000 "articles"
                            links = "".join(f'<a href="{PREFIX}x{i}/">x{i}</a>'
                                            for i in range(100_000))
                        body = (f'<html><body>{links}<a href="/page/{number + 1}/">next</a>'
                                "</body></html>")
                        return self.send(200, body.encode())
                if path == FORBIDDEN:
                    return self.send(200, article_html("Секрет").encode())
                if path.startswith(PREFIX):
                    return self.case(path[len(PREFIX):].strip("/").split("/")[0])
                page = server.site.lookup(self.path)
                if page is None:
                    return self.send(404, b"<html><body>404</body></html>")
                return self.send(page.status, page.body, page.content_type)

            def case(self, name: str) -> None:
                if name == "empty":
                    return self.send(200, b"")
                if name == "binary":
                    return self.send(200, server.binary)
                if name == "huge":
                    filler = b"<p>" + b"x" * 1000 + b"</p>\n"
                    return self.send(200, b"<html><body>" + filler * 20_000 + b"</body></html>")
                if name == "gzip-bomb":
                    return self.send(200, server.bomb, headers={"Content-Encoding": "gzip"})
                if name == "cut-off":
                    return self.send(200, article_html("Обрыв")[:420].encode())
                if name == "bad-utf8":
                    html = article_html("Неверная кодировка").encode()
                    return self.send(200, html.replace("учения".encode(), b"\xff\xfe\xd0"))
                if name == "wrong-charset":
                    html = article_html("Не та кодировка", charset="windows-1251")
                    return self.send(200, html.encode(), "text/html; charset=windows-1251")
                if name.startswith("redirect-loop"):
                    step = int(name.removeprefix("redirect-loop") or 0) + 1
                    location = f"{PREFIX}redirect-loop{step}/"
                    return self.send(302, b"", headers={"Location": location})
                if name.startswith(("gone-", "error-", "busy-")):
                    status = int(name.split("-")[1])
                    return self.send(status, b"<html><body>error</body></html>",
                                     headers={"Retry-After": "1"} if status == 503 else None)
                if name == "drip":
                    server.dripping.set()
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", "100000")
                    self.end_headers()
                    for _ in range(30):
                        try:
                            self.wfile.write(b" ")
                            self.wfile.flush()
                        except OSError:
                            return None
                        time.sleep(1)
                    return None
                if name == "scripts":
                    scripts = "".join(f"<script>var tracker{i} = 'СКРИПТ{i}'; "
                                      f"document.write('СКРИПТ');</script>" for i in range(200))
                    body = scripts + GOOD_BODY + scripts
                    return self.send(200, article_html("Страница со скриптами", body).encode())
                if name == "many-links":
                    links = "".join(f'<a href="/tag/t{i}/">t{i}</a>' for i in range(100_000))
                    body = GOOD_BODY + f"<div class='tags'>{links}</div>"
                    return self.send(200, article_html("Страница со ссылками", body).encode())
                return self.send(404, b"")

        return Handler
