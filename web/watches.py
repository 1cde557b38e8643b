"""The watches page: list, create, edit and delete watches, read a watch's alerts and its Atom
feed, and the same as JSON, all through monitor/ (the library `crescent watch` calls).

Forms are plain POSTs carrying the CSRF token (web.security's Guard checks it before any route
runs); a form the library refuses comes back with status 400, the message on it and what was
typed kept. In read-only mode the routes that change anything are not registered at all.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from monitor import feeds, run
from monitor.watches import (
    NAME_RE,
    Watch,
    WatchError,
    build_watch,
    load_watches,
    problem_field,
)
from web.service import NotFound
from web.state import MAX_QUERY_CHARS

LATEST_ALERTS = 50  # alerts on a watch's page (its feed keeps 100)
MAX_NOTIFY_URLS = 20
FIELDS = ("name", "query", "languages", "sources", "notify")


class BrokenFile(RuntimeError):
    """DATA/watches.toml has a mistake made by hand: every watch page says which (status 500)."""


@dataclass
class WatchForm:
    """What the create and edit forms hold, as typed (kept when the form is sent back)."""

    name: str = ""
    query: str = ""
    languages: str = ""
    sources: str = ""
    exact: bool = False
    notify: str = ""  # one URL a line

    @classmethod
    def from_body(cls, body: bytes) -> WatchForm:
        values = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)

        def first(key: str) -> str:
            return (values.get(key) or [""])[0]

        return cls(name=first("name").strip(), query=first("query"),
                   languages=first("languages"), sources=first("sources"),
                   exact=first("exact") in ("1", "on", "true"), notify=first("notify"))

    @classmethod
    def of(cls, watch: Watch) -> WatchForm:
        """A stored watch in its edit form: notification URLs masked (never a password on a
        page; a masked URL sent back unchanged keeps the stored one, see keep_secrets)."""
        shown = watch.as_json()
        return cls(name=watch.name, query=watch.query, languages=", ".join(watch.languages),
                   sources=", ".join(watch.sources), exact=watch.exact,
                   notify="\n".join(shown["notify"]))

    def watch(self) -> Watch:
        """The watch it describes (checked by the library, not here), or WatchError for what
        only a form can get wrong (sizes)."""
        if len(self.query) > MAX_QUERY_CHARS:
            raise WatchError(f"the query is longer than {MAX_QUERY_CHARS} characters")
        built = build_watch(self.name, self.query, languages=self.languages,
                            sources=self.sources, exact=self.exact, notify=self.notify)
        if len(built.notify) > MAX_NOTIFY_URLS:
            raise WatchError(f"at most {MAX_NOTIFY_URLS} notify URLs")
        return built


def _json(data: Any) -> Response:
    return Response(json.dumps(data, ensure_ascii=False), media_type="application/json")


def checked_name(request: Request) -> str:
    """The watch name in the URL, refused (404) unless it fits the name rule: it names a file
    (DATA/feeds/NAME.atom), so nothing else ever reaches the file system."""
    name = request.path_params["name"]
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise NotFound("no such watch: a watch name is letters, digits, '.', '-', '_'")
    return name


class WatchPages:
    """The watch routes, rendered through the app's Pages (same templates and errors)."""

    def __init__(self, pages: Any, data_dir: Path, *, read_only: bool) -> None:
        self.pages = pages
        self.data_dir = Path(data_dir)
        self.read_only = read_only

    # -- reading --------------------------------------------------------------------------
    def _watches(self) -> list[Watch]:
        try:
            return load_watches(self.data_dir)
        except WatchError as error:
            raise BrokenFile(f"the watch file needs fixing: {error}") from None

    def _find(self, name: str) -> Watch:
        for watch in self._watches():
            if watch.name == name:
                return watch
        raise NotFound(f"no watch named {name!r}")

    def _rows(self) -> list[dict[str, Any]]:
        """``crescent watch list --json``'s objects, plus whether the feed exists yet."""
        try:
            rows = run.summaries(self.data_dir)
        except WatchError as error:
            raise BrokenFile(f"the watch file needs fixing: {error}") from None
        for row in rows:
            row["has_feed"] = feeds.feed_path(self.data_dir, row["name"]).is_file()
        return rows

    def _describe(self, name: str, *, marked: bool) -> dict[str, Any]:
        self._find(name)
        return run.describe(self.data_dir, name, latest=LATEST_ALERTS, marked=marked)

    def list_page(self, request: Request, form: WatchForm | None = None, error: str = "",
                  status: int = 200) -> Response:
        return self.pages.render(request, "watches.html", status=status, title="Watches",
                                 rows=self._rows(), form=form or WatchForm(), error=error,
                                 error_field=problem_field(error) if error else "",
                                 removed=request.query_params.get("removed", "")[:64])

    def watch_page(self, request: Request) -> Response:
        info = self._describe(checked_name(request), marked=True)
        info["has_feed"] = feeds.feed_path(self.data_dir, info["name"]).is_file()
        return self.pages.render(request, "watch.html", title=f"Watch {info['name']}",
                                 watch=info, done=request.query_params.get("done", ""))

    def feed(self, request: Request) -> Response:
        name = checked_name(request)
        self._find(name)
        path = feeds.feed_path(self.data_dir, name)
        if not path.is_file():
            raise NotFound(f"watch {name!r} has no feed yet: its first run writes it "
                           "(`crescent watch run`, or the next crawl)")
        return FileResponse(path, media_type="application/atom+xml")

    def api_list(self, request: Request) -> Response:
        """``crescent watch list --json``."""
        try:
            return _json(run.summaries(self.data_dir))
        except WatchError as error:
            raise BrokenFile(f"the watch file needs fixing: {error}") from None

    def api_watch(self, request: Request) -> Response:
        """``crescent watch show NAME --json``: settings and latest alerts."""
        return _json(self._describe(checked_name(request), marked=False))

    # -- changing (not registered in read-only mode) --------------------------------------
    def edit_form(self, request: Request, form: WatchForm | None = None, error: str = "",
                  status: int = 200) -> Response:
        name = checked_name(request)
        watch = self._find(name)
        return self.pages.render(request, "watch_edit.html", status=status,
                                 title=f"Edit watch {name}", watch_name=name,
                                 form=form or WatchForm.of(watch), error=error,
                                 error_field=problem_field(error) if error else "")

    def delete_form(self, request: Request) -> Response:
        name = checked_name(request)
        self._find(name)
        return self.pages.render(request, "watch_delete.html", title=f"Delete watch {name}",
                                 watch_name=name)

    async def create(self, request: Request) -> Response:
        form = WatchForm.from_body(await request.body())
        try:
            added = await run_in_threadpool(lambda: run.create(self.data_dir, form.watch()))
        except WatchError as error:
            return await run_in_threadpool(self.list_page, request, form, str(error), 400)
        return RedirectResponse(f"/watches/{quote(added.name, safe='')}?done=added",
                                status_code=303)

    async def edit(self, request: Request) -> Response:
        name = checked_name(request)
        form = WatchForm.from_body(await request.body())
        try:
            saved = await run_in_threadpool(lambda: run.change(self.data_dir, name,
                                                               form.watch()))
        except WatchError as error:
            if str(error).startswith("no watch named"):
                raise NotFound(f"no watch named {name!r}") from None
            return await run_in_threadpool(self.edit_form, request, form, str(error), 400)
        return RedirectResponse(f"/watches/{quote(saved.name, safe='')}?done=saved",
                                status_code=303)

    async def delete(self, request: Request) -> Response:
        name = checked_name(request)
        try:
            await run_in_threadpool(run.forget, self.data_dir, name)
        except WatchError as error:
            if str(error).startswith("no watch named"):
                raise NotFound(f"no watch named {name!r}") from None
            raise BrokenFile(str(error)) from None
        return RedirectResponse(f"/watches?removed={quote(name, safe='')}", status_code=303)

    # -- routes ---------------------------------------------------------------------------
    def routes(self, handled: Callable[[Callable], Callable],
               handled_async: Callable[[Callable[[Request], Awaitable[Response]]], Callable]
               ) -> list[Route]:
        """The watch routes; without the changing ones in read-only mode (404/405 there)."""
        get = ["GET", "HEAD"]
        routes = [
            Route("/watches", handled(self.list_page), methods=get),
            Route("/watches/{name}.atom", handled(self.feed), methods=get),
            Route("/watches/{name}", handled(self.watch_page), methods=get),
            Route("/api/watches", handled(self.api_list), methods=get),
            Route("/api/watches/{name}", handled(self.api_watch), methods=get),
        ]
        if not self.read_only:
            routes[1:1] = [Route("/watches", handled_async(self.create), methods=["POST"])]
            routes += [
                Route("/watches/{name}/edit", handled(self.edit_form), methods=get),
                Route("/watches/{name}/edit", handled_async(self.edit), methods=["POST"]),
                Route("/watches/{name}/delete", handled(self.delete_form), methods=get),
                Route("/watches/{name}/delete", handled_async(self.delete), methods=["POST"]),
            ]
        return routes
