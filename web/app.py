"""The ASGI app of `crescent serve`: pages rendered on the server (Jinja2, autoescaped) and a JSON
API under /api/, every asset served from web/static (no CDN: it works offline)."""

from __future__ import annotations

import contextlib
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import anyio
import anyio.to_thread
from jinja2 import ChainableUndefined, Environment, FileSystemLoader
from markupsafe import Markup, escape
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from archive.export import FORMATS
from search import EngineError, QueryError
from search.query import MATCH_END, MATCH_START
from search.views import timeline_csv
from web import chart
from web.balance import LoadBoard
from web.security import LOOPBACK_HOSTS, Guard
from web.service import NotFound, Service
from web.state import (
    MAX_QUERIES,
    BadInput,
    CoverageRequest,
    Selection,
    article_id,
    parse_coverage,
    parse_selection,
)
from web.watches import BrokenFile, WatchPages

HERE = Path(__file__).resolve().parent
NAV = (("/", "Search"), ("/coverage", "Coverage"), ("/sources", "Sources"),
       ("/watches", "Watches"), ("/api", "API"))
MARK_RE = re.compile(f"({MATCH_START}[^{MATCH_END}]*{MATCH_END})")
LANG_RE = re.compile(r"^[a-z]{2}$")


def snippet_parts(snippet: str) -> list[tuple[bool, str]]:
    """A snippet's pieces as (matched?, text): the template marks them, escaping each."""
    return [(part.startswith(MATCH_START), part.strip(MATCH_START + MATCH_END))
            for part in MARK_RE.split(snippet) if part]


def safe_href(url: Any) -> str | None:
    """An http(s) URL fit for a link, else None (a javascript: or data: URL is shown, not
    linked)."""
    if not isinstance(url, str) or len(url) > 4096:
        return None
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def readable_url(url: Any) -> str:
    text = str(url)
    decoded = unquote(text)
    return text if any(ch in decoded for ch in " \n\t\x00") else decoded


def lang_attr(code: Any) -> str:
    return code if isinstance(code, str) and LANG_RE.match(code) else ""


@lru_cache(maxsize=1024)  # a search page links ~36 months
def month_end(month: str) -> str:
    """``2025-02`` → ``2025-02-28``: the last day of a month facet's range."""
    import calendar

    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        return ""
    year, number = int(month[:4]), int(month[5:7])
    return f"{month}-{calendar.monthrange(year, number)[1]:02d}"


MAX_FACET_ITEMS = 36


def facet_items(sel: Selection, name: str, counts: dict[str, int]) -> Markup:
    """A facet's list items: each value a link that adds it to the search (takes it out when
    chosen: ``class="active"``) and its count; months newest first. Up to MAX_FACET_ITEMS.

    Written here, not as a template loop: ~40 items a search page, each five escaped outputs
    and a URL, were a third of the page's rendering. Every value is escaped (a source name or
    a month is the index's, which took it from scraped pages); the output is the loop's own,
    byte for byte (tests/test_web_speed.py renders both).
    """
    items = list(counts.items())
    if name == "month":
        items.sort(reverse=True)
    chosen = {"source": sel.sources, "language": sel.languages}.get(name, ())
    param = "lang" if name == "language" else name
    lines = []
    for value, count in items[:MAX_FACET_ITEMS]:
        active = value in chosen
        if name == "month":
            href = sel.url(since=f"{value}-01", until=month_end(value))
        elif active:
            href = sel.url(**{param: [other for other in chosen if other != value]})
        else:
            href = sel.url(**{param: [*chosen, value]})
        shown, number = escape(value), escape(count)
        marked = ' class="active"' if active else ""
        lines.append(f'    <li>\n      <a href="{escape(href)}" data-value="{shown}" '
                     f'data-count="{number}"{marked}>{shown}</a>\n'
                     f'      <span class="count">{number}</span>\n    </li>\n')
    return Markup("".join(lines))


def environment() -> Environment:
    # A field an old or foreign record lacks renders empty (a page, not an error).
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True,
                      undefined=ChainableUndefined, trim_blocks=True, lstrip_blocks=True,
                      auto_reload=False)
    env.filters.update(snippet_parts=snippet_parts, safe_href=safe_href,
                       readable_url=readable_url, lang_attr=lang_attr,
                       month_end=month_end, bar_elements=chart.bar_elements,
                       count_rows=chart.count_rows)
    env.globals.update(nav=NAV, formats=list(FORMATS), max_queries=MAX_QUERIES,
                       facet_items=facet_items)
    return env


class Pages:
    """The routes, bound to one Service and one template environment."""

    def __init__(self, service: Service, *, read_only: bool) -> None:
        self.service = service
        self.env = environment()
        self.read_only = read_only

    def render(self, request: Request, name: str, status: int = 200, **context: Any) -> Response:
        template = self.env.get_template(name)
        body = template.render(request=request, path=request.url.path,
                               csrf_token=request.scope.get("state", {}).get("csrf_token", ""),
                               read_only=self.read_only, **context)
        return HTMLResponse(body, status_code=status)

    def error(self, request: Request, status: int, message: str) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": message, "status": status}, status_code=status)
        return self.render(request, "error.html", status=status, status_code=status,
                           message=message)

    # -- pages ----------------------------------------------------------------------------
    def search_page(self, request: Request) -> Response:
        sel = parse_selection(request.query_params)
        page = self.service.search_page(sel)
        coverage = CoverageRequest(queries=(sel.query,) if sel.query else (), selection=sel)
        return self.render(request, "search.html", sel=sel, page=page, title="Search",
                           coverage_url=coverage.url())

    def coverage_page(self, request: Request) -> Response:
        wanted = parse_coverage(request.query_params)
        table = drawn = None
        if wanted.queries:
            table = self.service.coverage(wanted)
            sel = wanted.selection
            drawn = chart.build(table, wanted.split, *_period_bounds(sel, table.by))
        slots = [*wanted.queries, *[""] * (MAX_QUERIES - len(wanted.queries))]
        return self.render(request, "coverage.html", wanted=wanted, table=table, chart=drawn,
                           slots=slots, sel=wanted.selection, title="Coverage over time")

    def coverage_csv(self, request: Request) -> Response:
        wanted = parse_coverage(request.query_params)
        if not wanted.queries:
            raise BadInput("give at least one query (q=…)")
        text = timeline_csv(self.service.coverage(wanted))
        return Response(text, media_type="text/csv; charset=utf-8", headers={
            "content-disposition": f'attachment; filename="coverage-{wanted.by}.csv"'})

    def article_page(self, request: Request) -> Response:
        found = self.service.article(article_id(request.path_params["article_id"]))
        return self.render(request, "article.html", title=found["record"].get("title", ""),
                           **found)

    def capture(self, request: Request) -> Response:
        data, name = self.service.capture_bytes(article_id(request.path_params["article_id"]))
        return Response(data, media_type="application/warc", headers={
            "content-disposition": f'attachment; filename="{name}"'})

    def sources_page(self, request: Request) -> Response:
        return self.render(request, "sources.html", sources=self.service.sources(),
                           title="Sources")

    def export(self, request: Request) -> Response:
        sel = parse_selection(request.query_params)
        fmt = request.query_params.get("format", "jsonl")
        if fmt not in FORMATS:
            raise BadInput(f"format must be one of {', '.join(FORMATS)}, not {fmt[:20]!r}")
        path, name, _manifest = self.service.export(sel, fmt)
        return FileResponse(path, media_type="application/zip", filename=name,
                            background=BackgroundTask(path.unlink, missing_ok=True))

    def api_docs(self, request: Request) -> Response:
        return self.render(request, "api.html", title="JSON API")

    # -- API ------------------------------------------------------------------------------
    def api_search(self, request: Request) -> Response:
        sel = parse_selection(request.query_params)
        return _json(self.service.search_page(sel).as_json())

    def api_article(self, request: Request) -> Response:
        return _json(self.service.load(article_id(request.path_params["article_id"])))

    def api_versions(self, request: Request) -> Response:
        found = self.service.article(article_id(request.path_params["article_id"]))
        return _json({"id": found["record"]["id"], "versions": [
            {"version": item["record"].get("version"), "fetched_at":
             item["record"].get("fetched_at"), "content_sha256":
             item["record"].get("content_sha256"),
             "diff": {name: [list(piece) for piece in pieces]
                      for name, pieces in item["diffs"].items()}}
            for item in found["history"]], "reprints": found["reprints"]})

    def api_coverage(self, request: Request) -> Response:
        wanted = parse_coverage(request.query_params)
        if not wanted.queries:
            raise BadInput("give at least one query (q=…)")
        return _json(self.service.coverage_json(wanted))

    def api_sources(self, request: Request) -> Response:
        return _json(self.service.sources())

    def api_status(self, request: Request) -> Response:
        engine = self.service.engine()
        return _json({"engine": engine.name, "articles": engine.doc_count(),
                      "reprints_ready": self.service.reprints.ready.is_set(),
                      "read_only": self.read_only})


def _json(data: Any) -> Response:
    return Response(json.dumps(data, ensure_ascii=False), media_type="application/json")


def _period_bounds(sel: Selection, by: str) -> tuple[str | None, str | None]:
    from search.engine import day_number
    from search.query import period_of

    return tuple(period_of(day_number(day), by) if day else None  # type: ignore[return-value]
                 for day in (sel.since, sel.until))


def create_app(data_dir: Path, *, engine: str | None = None, read_only: bool = False,
               token: str | None = None, allowed_hosts: tuple[str, ...] | None = LOOPBACK_HOSTS,
               secret: bytes | None = None, balance: LoadBoard | None = None) -> Guard:
    """The whole app, wrapped in its guards (see web.security). ``balance``: the load board
    of one of several server processes (web/balance.py)."""
    service = Service(data_dir, engine)
    pages = Pages(service, read_only=read_only)

    def answer(request: Request, error: Exception) -> Response:
        """An expected failure as its page (or JSON): the status says whose fault it is."""
        if isinstance(error, (BadInput, QueryError)):
            return pages.error(request, 400, str(error))
        if isinstance(error, NotFound):
            return pages.error(request, 404, str(error))
        if isinstance(error, EngineError):
            return pages.error(request, 503, str(error))
        return pages.error(request, 500, str(error))  # BrokenFile: the watch file, by hand

    expected = (BadInput, QueryError, NotFound, EngineError, BrokenFile)

    def handled(method):
        def endpoint(request: Request) -> Response:
            try:
                return method(request)
            except expected as error:
                return answer(request, error)
        return endpoint

    # The pages are Python on the CPU: threads of one process only take turns on the GIL, and
    # ten pages at once paid for the switching (bench-web, 10 clients: tantivy search 5.3-5.7
    # → 4.2-4.9 ms of CPU a page, coverage 12.5 → 10.6-11.1 ms, and a shorter tail, with one
    # at a time). So each process renders one page at a time, on one worker thread, and the
    # processes use the cores (serve --workers). Exports, the sources page and the watch
    # forms stay on the shared pool: a long export does not hold the pages up.
    slot: list[anyio.CapacityLimiter] = []

    def page(method):
        endpoint = handled(method)

        async def one_at_a_time(request: Request) -> Response:
            if not slot:  # made in the server's event loop, on its first page
                slot.append(anyio.CapacityLimiter(1))
            if balance is None:
                return await anyio.to_thread.run_sync(endpoint, request, limiter=slot[0])
            balance.taken()
            try:
                response = await anyio.to_thread.run_sync(endpoint, request, limiter=slot[0])
            finally:
                crowded = balance.answered()
            if crowded:  # another worker has fewer pages in hand: the next request goes anew
                response.headers["connection"] = "close"
            return response
        return one_at_a_time

    def handled_async(method):
        async def endpoint(request: Request) -> Response:
            try:
                return await method(request)
            except expected as error:
                return answer(request, error)
        return endpoint

    routes = [
        Route("/", page(pages.search_page)),
        Route("/search", lambda request: RedirectResponse(
            "/?" + request.url.query if request.url.query else "/", status_code=301)),
        Route("/coverage", page(pages.coverage_page)),
        Route("/coverage.csv", page(pages.coverage_csv)),
        Route("/article/{article_id}", page(pages.article_page)),
        Route("/article/{article_id}/capture", handled(pages.capture)),
        Route("/sources", handled(pages.sources_page)),
        Route("/export", handled(pages.export)),
        Route("/api", page(pages.api_docs)),
        Route("/api/search", page(pages.api_search)),
        Route("/api/article/{article_id}", page(pages.api_article)),
        Route("/api/article/{article_id}/versions", page(pages.api_versions)),
        Route("/api/coverage", page(pages.api_coverage)),
        Route("/api/sources", handled(pages.api_sources)),
        Route("/api/status", page(pages.api_status)),
        *WatchPages(pages, data_dir, read_only=read_only).routes(handled, handled_async),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]

    async def not_found(request: Request, exc: HTTPException) -> Response:
        return pages.error(request, exc.status_code, "no such page" if exc.status_code == 404
                           else str(exc.detail))

    async def server_error(request: Request, exc: Exception) -> Response:
        return pages.error(request, 500, "the server met an error it did not expect; the "
                                         "server's log has the details")

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        service.start()
        yield

    app = Starlette(routes=routes, exception_handlers={HTTPException: not_found,
                                                       Exception: server_error},
                    lifespan=lifespan)
    app.state.service = service
    return Guard(app, token=token, read_only=read_only, allowed_hosts=allowed_hosts,
                 secret=secret)
