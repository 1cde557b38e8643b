"""crescent's command line: a thin click layer over the crawler, archive and search libraries."""

from __future__ import annotations

import contextlib
import errno
import json
import re
import shutil
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

DEFAULT_DATA = "crescent-data"
DEMO_MARKER = ".crescent-demo"
DEMO_QUERIES = (("tr", "Kızılay"), ("ru", "Красного Полумесяца"))


class CliError(click.ClickException):
    """A domain error shown as one line; bad input exits with 2."""

    exit_code = 2


class DataError(click.ClickException):
    """The data directory needs a human (an unreadable archive file): one line, exit 1."""


class CrescentGroup(click.Group):
    def invoke(self, ctx: click.Context):
        from archive.store import ArchiveError

        try:
            return super().invoke(ctx)
        except ArchiveError as error:  # whichever command met it: search, export, crawl, …
            raise DataError(str(error)) from None
        except OSError as error:  # a disk full, a folder not writable, …: said in one line
            if error.errno == errno.EPIPE:
                raise  # click ends quietly when the reader of our output went away
            where = f": {error.filename}" if error.filename else ""
            raise DataError(f"{error.strerror or error}{where}") from None


def console() -> Console:
    # Piped output (files, tests, CI logs) gets a wide fixed width so tables stay one per line.
    return Console(highlight=False, width=None if sys.stdout.isatty() else 160)


def data_option(default: str = DEFAULT_DATA):
    return click.option(
        "--data", "data_dir", type=click.Path(file_okay=False, path_type=Path),
        envvar="CRESCENT_DATA", default=default, show_default=True,
        help="Data directory: archive, index and crawl state (env CRESCENT_DATA).",
    )


def readable_url(url: str) -> str:
    """Percent-encoded Cyrillic paths shown as people read them (the archive keeps them encoded)."""
    from urllib.parse import unquote

    decoded = unquote(url)
    return url if any(ch in decoded for ch in " \n\t\x00") else decoded


def parse_day(_ctx, param, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param=param) from None


def parse_languages(_ctx, param, value: str | None) -> list[str] | None:
    if not value:
        return None
    codes = [code.strip().lower() for code in value.split(",") if code.strip()]
    bad = [code for code in codes if not re.fullmatch(r"[a-z]{2}", code)]
    if bad:
        raise click.BadParameter(f"not ISO 639-1 codes: {', '.join(bad)}", param=param)
    return codes


def filter_options(func):
    """--lang, --source, --since, --until: shared by search and export."""
    func = click.option("--until", callback=parse_day,
                        help="Published on or before YYYY-MM-DD.")(func)
    func = click.option("--since", callback=parse_day,
                        help="Published on or after YYYY-MM-DD.")(func)
    func = click.option("--source", "sources", multiple=True,
                        help="Only this source (repeatable).")(func)
    return click.option("--lang", "languages", callback=parse_languages,
                        help="Only these languages, comma-separated (tr,ru,en).")(func)


def check_sources(data_dir: Path, sources: tuple[str, ...]) -> None:
    from crawler.runner import source_names

    archived = {p.name for p in (data_dir / "archive").iterdir()} if (
        data_dir / "archive").is_dir() else set()
    known = set(source_names()) | archived
    for source in sources:
        if source not in known:
            raise CliError(f"unknown source {source!r} (known: {', '.join(sorted(known))})")


@click.group(cls=CrescentGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option("0.1.0", prog_name="crescent")
def main() -> None:
    """crescent: crawl, archive and search news of the Red Cross and Red Crescent Movement."""


# --- crawl ---------------------------------------------------------------------------------
@main.command()
@click.argument("sources", nargs=-1)
@click.option("--all", "all_sources", is_flag=True, help="Crawl every configured source.")
@click.option("--base-url", "base_urls", multiple=True, metavar="[SOURCE=]URL",
              help="Fetch from this scheme://host instead of the real site (replicas, tests).")
@click.option("--site", help="Crawl any site with the generic spider.")
@click.option("--article-pattern", help="With --site: regex that article URLs match.")
@click.option("--lang", "languages", callback=parse_languages,
              help="Languages to archive, comma-separated [default: tr,ru,en].")
@click.option("--since", callback=parse_day, help="Skip articles and listings before this day.")
@click.option("--refresh", is_flag=True, help="Fetch again articles already archived.")
@click.option("--resume", is_flag=True,
              help="Keep job state under DATA/jobs and continue a paused crawl.")
@click.option("--no-wait", is_flag=True,
              help="Exit with an error instead of waiting when another crawl holds DATA.")
@click.option("--contact", help="Contact e-mail or URL sent in the User-Agent.")
@click.option("-s", "--set", "overrides", multiple=True, metavar="NAME=VALUE",
              help="Override a setting, e.g. -s DOWNLOAD_TIMEOUT=10 (see README, Limits).")
@click.option("--no-watches", is_flag=True,
              help="Do not run the watches on what this crawl archived.")
@data_option()
def crawl(sources, all_sources, base_urls, site, article_pattern, languages, since, refresh,
          resume, no_wait, contact, overrides, no_watches, data_dir) -> None:
    """Crawl sources (or --site URL) into the archive and index.

    \b
    crescent crawl anadolu icrc
    crescent crawl --all --since 2025-01-01
    crescent crawl anadolu --base-url http://127.0.0.1:8000
    crescent crawl --site https://example.org/news --lang en --article-pattern '/news/\\d+'
    """
    from crawler.runner import CrawlPlan, UnknownSourceError, load_source, source_names

    if all_sources:
        sources = tuple(source_names())
    for name in sources:
        try:
            load_source(name)
        except UnknownSourceError as error:
            raise CliError(str(error)) from None
    if not sources and not site:
        raise CliError("name one or more sources, --all, or --site URL "
                       f"(sources: {', '.join(source_names())})")
    if article_pattern:
        try:
            re.compile(article_pattern)
        except re.error as error:
            raise CliError(f"bad --article-pattern: {error}") from None
    if site and not re.match(r"^https?://[^/\s]+", site):
        raise CliError(f"--site must be an http(s) URL, not {site!r}")
    if site and not sources and len(base_urls) == 1 and "=" not in base_urls[0]:
        plan = CrawlPlan(site=site, site_base_url=_base_urls(base_urls, ("site",))["site"],
                         article_pattern=article_pattern)
    else:
        plan = CrawlPlan(sources=list(sources), base_urls=_base_urls(base_urls, sources),
                         site=site, article_pattern=article_pattern)
    extra = _setting_overrides(overrides)
    if contact:
        extra["USER_AGENT"] = _user_agent(contact)
    watched: list = []
    results = _locked_crawl(plan, data_dir, wait=not no_wait, languages=languages, since=since,
                            refresh=refresh, resume=resume, extra_settings=extra,
                            then=None if no_watches else lambda: watched.append(
                                _watches_after_crawl(data_dir)))
    print_crawl_summary(results)
    for report in watched:
        _print_watches_after_crawl(report)


def _watches_after_crawl(data_dir: Path):
    """Run every watch on what the crawl archived; a broken watch file or a destination that
    is down is said, never a failed crawl (the crawl's articles are archived already)."""
    from monitor.run import MonitorError, run_watches
    from monitor.watches import WatchError

    try:
        return run_watches(data_dir)
    except (WatchError, MonitorError) as error:
        return f"watches not run: {error}"


def _print_watches_after_crawl(report) -> None:
    if isinstance(report, str):
        console().print(f"[bold red]{escape(report)}[/]")
    elif report.watches:
        print_watch_report(report)


def _locked_crawl(plan, data_dir: Path, *, wait: bool = True, then=None, **kwargs):
    """Hold the data directory's crawl lock, bring the index in line, then crawl (and call
    ``then()`` still holding the lock: the watches run on what the crawl archived)."""
    from archive.lock import LockedError, crawl_lock
    from archive.store import ArchiveStore
    from crawler.maintenance import repair_index_if_behind
    from crawler.runner import CrawlFailedError, UnknownSourceError

    note = Console(stderr=True, highlight=False).print
    try:
        with crawl_lock(data_dir, wait=wait, on_wait=note):
            store = ArchiveStore(data_dir / "archive")  # walked once, for the check and the crawl
            repaired = repair_index_if_behind(data_dir, store)
            if repaired is not None:
                note(f"the index was behind the archive: rebuilt it ({repaired} articles)")
            results = _run_with_progress(plan, data_dir, on_note=note, store=store, **kwargs)
            if then is not None:
                then()
            return results
    except LockedError as error:
        raise CliError(f"{error}; try again later or drop --no-wait") from None
    except UnknownSourceError as error:
        raise CliError(str(error)) from None
    except CrawlFailedError as error:
        raise click.ClickException(f"crawl failed: {error} (see {data_dir}/logs)") from None


def _base_urls(values: tuple[str, ...], sources: tuple[str, ...]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for value in values:
        named = re.match(r"^([a-z0-9_]+)=(.*)$", value)
        name, url = (named[1], named[2]) if named else ("", value)
        if not re.match(r"^https?://[^/\s]+/?$", url):
            raise CliError(f"--base-url must be scheme://host[:port], not {url!r}")
        if name:
            mapping[name] = url
        elif len(sources) == 1:
            mapping[sources[0]] = url
        else:
            raise CliError("with several sources, write --base-url SOURCE=URL")
    return mapping


def _setting_overrides(values: tuple[str, ...]) -> dict[str, str]:
    overrides = {}
    for value in values:
        name, sep, setting = value.partition("=")
        if not sep or not re.fullmatch(r"[A-Z][A-Z0-9_]*", name):
            raise CliError(f"--set takes NAME=VALUE with an upper-case setting name, not {value!r}")
        overrides[name] = setting
    return overrides


def _user_agent(contact: str) -> str:
    from crawler import settings

    return settings.USER_AGENT.replace(settings.CRESCENT_CONTACT, contact)


def _run_with_progress(plan, data_dir: Path, **kwargs):
    from crawler.runner import run_crawl

    out = Console(stderr=True, highlight=False)
    progress = Progress(TextColumn("{task.description:<18}"), BarColumn(bar_width=None),
                        TextColumn("{task.fields[pages]:>5} pages  {task.fields[items]:>4} "
                                   "articles"), TimeElapsedColumn(), console=out,
                        transient=False)
    tasks: dict[str, Any] = {}

    def on_event(source: str, event: str) -> None:
        if source not in tasks:
            tasks[source] = progress.add_task(source, total=None, pages=0, items=0)
        task = progress.tasks[tasks[source]]
        key = "pages" if event == "page" else "items"
        progress.update(tasks[source], **{key: task.fields[key] + 1})

    with progress:
        return run_crawl(plan, data_dir, on_event=on_event, **kwargs)


def print_crawl_summary(results) -> None:
    out = console()
    table = Table(title="Crawl summary", show_lines=False)
    for column in ("source", "pages", "new", "updated", "unchanged", "by language", "rejected"):
        table.add_column(column, overflow="fold")
    totals: Counter = Counter()
    rejected_total: Counter = Counter()
    rejected_languages: Counter = Counter()
    for result in results:
        languages = result.prefixed("crescent/articles/")
        rejected = result.prefixed("crescent/rejected/")
        if result.count("crescent/rejected/language"):
            rejected["language"] = result.count("crescent/rejected/language")
            details = result.prefixed("crescent/rejected_language/")
            rejected = {**rejected, "language": ",".join(f"{k}:{v}" for k, v in details.items())}
        rejected_total.update({k: result.count(f"crescent/rejected/{k}") for k in rejected})
        rejected_languages.update(result.prefixed("crescent/rejected_language/"))
        row = [result.source, str(result.count("response_received_count")),
               str(result.count("crescent/archive/new")),
               str(result.count("crescent/archive/updated")),
               str(result.count("crescent/archive/unchanged")),
               " ".join(f"{k}:{v}" for k, v in languages.items()) or "-",
               " ".join(f"{k}:{v}" for k, v in rejected.items()) or "-"]
        table.add_row(*(escape(cell) for cell in row))
        totals.update({name: result.count(f"crescent/archive/{name}")
                       for name in ("new", "updated", "unchanged")})
    out.print(table)
    by_language = ", ".join(f"{lang}:{n}" for lang, n in sorted(rejected_languages.items()))
    reasons = [f"{k} {v}" + (f" ({by_language})" if k == "language" else "")
               for k, v in sorted(rejected_total.items())]
    out.print(f"archived: {totals['new']} new, {totals['updated']} updated, "
              f"{totals['unchanged']} unchanged; rejected: {', '.join(reasons) or 'none'}")


# --- demo ----------------------------------------------------------------------------------
@main.command()
@data_option(default="demo-data")
@click.option("--keep", is_flag=True, help="Keep the existing demo data instead of starting over.")
def demo(data_dir: Path, keep: bool) -> None:
    """Serve the replica sites on 127.0.0.1, crawl them, summarise, search (offline, < 1 min).

    \b
    crescent demo
    crescent demo --data /tmp/demo
    """
    from crawler.demo import REPLICA_SOURCES, ReplicaServer, build_site
    from crawler.runner import CrawlPlan

    if data_dir.exists() and not keep:
        if any(data_dir.iterdir()) and not (data_dir / DEMO_MARKER).exists():
            raise CliError(f"{data_dir} exists and is not a demo directory; choose another --data")
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / DEMO_MARKER).write_text("created by crescent demo\n")
    out = console()
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        servers = {name: stack.enter_context(ReplicaServer(build_site(name)))
                   for name in REPLICA_SOURCES}
        for name, server in servers.items():
            out.print(f"replica [bold]{name}[/] ({escape(server.site.real_root)}) "
                      f"on {server.base_url}")
        plan = CrawlPlan(sources=list(REPLICA_SOURCES),
                         base_urls={name: s.base_url for name, s in servers.items()})
        results = _locked_crawl(plan, data_dir)
        print_crawl_summary(results)
        for language, query in DEMO_QUERIES:
            out.rule(f"search ({language}): {query}")
            _print_results(data_dir, query, limit=3)
        _demo_monitoring(data_dir, servers, plan, out)
    out.print(f"demo finished in {time.monotonic() - started:.1f} s; data in {data_dir}/ — try "
              f"`crescent search --data {data_dir} 'Aslanov'`")


DEMO_WATCHES = (("Kızılay", "Kızılay"), ("Aslanov", "Aslanov"))


def _demo_monitoring(data_dir: Path, servers, plan, out: Console) -> None:
    """The monitoring act: watches are added, the replicas publish the next day's news, a
    second crawl runs the watches; print the alert they would send and the feeds."""
    import subprocess

    from crawler.demo import publish_next_day
    from monitor.run import create, describe, subject_of
    from monitor.watches import Watch, WatchError

    out.rule("monitoring: watches report what is new")
    for name, query in DEMO_WATCHES:
        with contextlib.suppress(WatchError):  # --keep: the watch is there already
            create(data_dir, Watch(name=name, query=query))
        out.print(f"crescent watch add {escape(name)} {escape(query)}")
    published = publish_next_day(servers)
    out.print(f"the next day: the replicas publish {len(published)} new article(s); "
              "`crescent crawl` again (it runs the watches) …")
    # Twisted's reactor runs once per process: the second crawl is a process of its own.
    bases = [arg for name, url in plan.base_urls.items() for arg in ("--base-url", f"{name}={url}")]
    subprocess.run([sys.executable, "-m", "cli", "crawl", *plan.sources, *bases,
                    "--data", str(data_dir)], check=False)
    shown = [describe(data_dir, name) for name, _query in DEMO_WATCHES]
    counts = {info["name"]: info["alerts"] for info in shown if info["alerts"]}
    if not counts:
        out.print("the watches found nothing new")
        return
    out.print(f"\nthe alert a --notify destination gets: [bold]{escape(subject_of(counts))}[/]")
    for info in shown:
        if info["alerts"]:
            out.print(f"[bold]{escape(info['name'])}[/]")
            _print_alerts(info["latest"])
    for info in shown:
        out.print(f"feed of {escape(info['name'])}: {escape(info['feed'])}")


# --- extract -------------------------------------------------------------------------------
@main.command()
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False,
                                                          path_type=Path))
@click.option("--url", help="The page's URL (needed with FILE).")
@click.option("--batch", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="TSV file of 'path<TAB>url' lines; one JSON object per line out.")
@click.option("--source", help="Use this source's hints (date selectors, noise).")
@click.option("--lang", "languages", callback=parse_languages,
              help="Languages to accept [default: tr,ru,en].")
@data_option()
def extract(file, url, batch, source, languages, data_dir) -> None:
    """Extract one saved page (or a batch) as article JSON; exit 1 if it is not an article.

    \b
    crescent extract page.html --url https://www.aa.com.tr/tr/dunya/x/3747971
    crescent extract --batch pages.tsv > articles.jsonl
    """
    from crawler.extract import Rejection
    from crawler.extract import extract as extract_page

    if bool(file) == bool(batch):
        raise CliError("give either FILE --url URL or --batch LIST.tsv")
    hints = _hints(source, languages)
    if file:
        if not url:
            raise CliError("--url is required with FILE")
        result = extract_page(file.read_bytes(), url, hints)
        if isinstance(result, Rejection):
            click.echo(json.dumps({"url": url, "rejected": str(result)}, ensure_ascii=False))
            sys.exit(1)
        click.echo(json.dumps(_article_json(result, hints.source), ensure_ascii=False, indent=2))
        return
    for number, line in enumerate(batch.read_text("utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        path_text, _, page_url = line.partition("\t")
        path = (batch.parent / path_text).resolve() if not Path(path_text).is_absolute() else Path(
            path_text)
        if not page_url or not path.is_file():
            click.echo(json.dumps({"path": path_text, "line": number,
                                   "rejected": "bad-line" if not page_url else "missing-file"}))
            continue
        result = extract_page(path.read_bytes(), page_url.strip(), hints)
        row = {"path": path_text, "url": page_url.strip()}
        if isinstance(result, Rejection):
            row["rejected"] = str(result)
        else:
            row.update(_article_json(result, hints.source))
        click.echo(json.dumps(row, ensure_ascii=False))


def _hints(source: str | None, languages: list[str] | None):
    from crawler.extract import DEFAULT_LANGUAGES, SourceHints
    from crawler.runner import UnknownSourceError, load_source

    accept = frozenset(languages or DEFAULT_LANGUAGES)
    if not source:
        return SourceHints(accept_languages=accept)
    try:
        return load_source(source).hints_for(accept)  # the same hints its spider uses
    except UnknownSourceError as error:
        raise CliError(str(error)) from None


def _article_json(article, source: str) -> dict[str, Any]:
    from crawler.items import ArticleItem

    return ArticleItem.from_article(article, source).record()


# --- search --------------------------------------------------------------------------------
def engine_option(func):
    return click.option("--engine", type=click.Choice(["whoosh", "tantivy"]),
                        help="Search engine [default: DATA/config.toml's, else whoosh].")(func)


def parse_named_queries(_ctx, param, values: tuple[str, ...]) -> dict[str, str]:
    named: dict[str, str] = {}
    for value in values:
        name, sep, text = value.partition("=")
        if not sep or not re.fullmatch(r"[\w.-]+", name.strip()) or not text.strip():
            raise click.BadParameter(f"{value!r} is not NAME=QUERY", param=param)
        named[name.strip()] = text.strip()
    return named


@main.command()
@click.argument("query", required=False)
@filter_options
@click.option("-q", "--query", "named", multiple=True, callback=parse_named_queries,
              metavar="NAME=QUERY", help="A named query to compare over time (repeatable).")
@click.option("--limit", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option("--sort", type=click.Choice(["relevance", "date"]), default="relevance",
              show_default=True)
@click.option("--exact", is_flag=True,
              help="Words as written (case-folded): no stemming, ASCII or cross-script matches.")
@click.option("--facets", "with_facets", is_flag=True,
              help="Also count all matches by source, language and month.")
@click.option("--by", type=click.Choice(["month", "week", "day"]),
              help="Coverage over time: a count table per period and language, with bars.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, allow_dash=True,
                                                   path_type=Path),
              help="With --by (or -q): write the table as CSV here ('-' for standard output).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per result.")
@engine_option
@data_option()
def search(query, languages, sources, since, until, named, limit, page, sort, exact,
           with_facets, by, csv_path, as_json, engine, data_dir):
    """Full-text search (Whoosh syntax: AND OR NOT "phrases" field:value wildcards*).

    \b
    crescent search Kızılay --lang tr
    crescent search '"Красного Полумесяца"' --since 2025-09-01 --sort date
    crescent search 'Aslanov AND source:anadolu' --json --facets
    crescent search Aslanov --by month
    crescent search -q aslanov="Aslanov" -q ifrc="IFRC OR МФОКК" --by week --csv cover.csv
    """
    if query and named:
        raise CliError("give either QUERY or -q NAME=QUERY options, not both")
    if not query and not named:
        raise CliError("give a QUERY (or * for everything), or -q NAME=QUERY")
    if csv_path and not (by or named):
        raise CliError("--csv writes the --by table: add --by month|week|day")
    options = {"languages": languages, "sources": sources, "since": since, "until": until,
               "engine": engine, "exact": exact}
    if by or named:
        _print_timeline(data_dir, named or {query: query}, by=by or "month", csv_path=csv_path,
                        as_json=as_json, **options)
        return
    _print_results(data_dir, query, limit=limit, page=page, sort=sort, as_json=as_json,
                   with_facets=with_facets, **options)


def _search_setup(data_dir: Path, *, languages, sources, since, until, engine):
    from search import EngineError, Filters, open_engine

    check_sources(data_dir, tuple(sources or ()))
    try:
        chosen = open_engine(data_dir, engine)
    except EngineError as error:
        raise CliError(str(error)) from None
    archive = data_dir / "archive"
    if not chosen.exists() and archive.is_dir() and any(archive.iterdir()):
        raise CliError(f"no {chosen.name} index in {data_dir}: build it with "
                       f"`crescent reindex --engine {chosen.name} --data {data_dir}`")
    filters = Filters(languages=tuple(languages or ()), sources=tuple(sources or ()),
                      since=since, until=until)
    return chosen, filters


def _print_results(data_dir: Path, query: str, *, languages=None, sources=(), since=None,
                   until=None, limit=10, page=1, sort="relevance", as_json=False,
                   engine=None, exact=False, with_facets=False) -> None:
    from search import QueryError, facets
    from search import search as run_search

    chosen, filters = _search_setup(data_dir, languages=languages, sources=sources,
                                    since=since, until=until, engine=engine)
    try:
        results = run_search(data_dir, query, filters, limit=limit, page=page, sort=sort,
                             engine=chosen, exact=exact)
        counts = facets(data_dir, query, filters, engine=chosen, exact=exact) if (
            with_facets) else None
    except QueryError as error:
        raise CliError(str(error)) from None
    if as_json:
        for hit in results.hits:
            click.echo(json.dumps(hit.as_json(), ensure_ascii=False))
        if counts is not None:
            click.echo(json.dumps({"facets": {name: dict(c.most_common())
                                              for name, c in counts.items()}},
                                  ensure_ascii=False))
        return
    out = console()
    first = (results.page - 1) * limit
    out.print(f"{results.total} result(s) for [bold]{escape(query)}[/]"
              + (f", page {results.page}" if results.page > 1 else ""))
    for number, hit in enumerate(results.hits, start=first + 1):
        out.print(f"\n[bold]{number}. {escape(hit.title)}[/]")
        score = "" if hit.score is None else f" · score {hit.score:.2f}"
        out.print(f"   {hit.published} · {escape(hit.source)} · {hit.language}{score}")
        out.print(f"   [blue]{escape(readable_url(hit.url))}[/]")
        if hit.snippet:
            out.print("   " + _rich_snippet(hit.snippet))
    if counts is not None:
        out.print()
        for name in ("source", "language", "month"):
            pairs = sorted(counts[name].items()) if name == "month" else counts[name].most_common()
            out.print(f"[bold]by {name}:[/] "
                      + ("  ".join(f"{escape(k)} {v}" for k, v in pairs) or "-"))


def _print_timeline(data_dir: Path, queries: dict[str, str], *, by: str, csv_path, as_json,
                    languages, sources, since, until, engine, exact) -> None:
    import csv
    import io

    from search import QueryError, timeline

    chosen, filters = _search_setup(data_dir, languages=languages, sources=sources,
                                    since=since, until=until, engine=engine)
    try:
        table = timeline(data_dir, queries, filters, by=by, engine=chosen, exact=exact)
    except QueryError as error:
        raise CliError(str(error)) from None
    rows = table.rows()
    if csv_path:
        buffer = io.StringIO(newline="")
        writer = csv.DictWriter(buffer, fieldnames=["period", "query", *table.languages,
                                                    "total"])
        writer.writeheader()
        writer.writerows(rows)
        if str(csv_path) == "-":
            sys.stdout.write(buffer.getvalue())
            return
        from archive.atomic import atomic_write_bytes

        atomic_write_bytes(csv_path, buffer.getvalue().encode("utf-8"))
        Console(stderr=True).print(f"wrote {len(rows)} row(s) to {escape(str(csv_path))}")
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    out = console()
    several = len(queries) > 1
    out.print(f"articles per {by}"
              + "".join(f" · [bold]{escape(name)}[/] = {escape(text)}" if several
                        else f" for [bold]{escape(text)}[/]" for name, text in queries.items()))
    grid = Table(show_edge=False, box=None, pad_edge=False)
    grid.add_column(by)
    if several:
        grid.add_column("query")
    for lang in table.languages:
        grid.add_column(lang, justify="right")
    grid.add_column("total", justify="right")
    grid.add_column("")
    peak = max((row["total"] for row in rows), default=0) or 1
    colours = ("cyan", "magenta", "green", "yellow", "blue", "red")
    for row in rows:
        colour = colours[table.names.index(row["query"]) % len(colours)]
        bar = "█" * max(1 if row["total"] else 0, round(BAR_WIDTH * row["total"] / peak))
        cells = [row["period"]] + ([escape(row["query"])] if several else [])
        cells += [str(row[lang]) for lang in table.languages]
        grid.add_row(*cells, str(row["total"]), f"[{colour}]{bar}[/]")
    out.print(grid)
    totals = {name: sum(row["total"] for row in rows if row["query"] == name)
              for name in table.names}
    out.print("total: " + ", ".join(f"{escape(name)} {count}" for name, count in totals.items()))


BAR_WIDTH = 40


def _rich_snippet(snippet: str) -> str:
    from search.query import MATCH_END, MATCH_START

    parts = re.split(f"({MATCH_START}[^{MATCH_END}]*{MATCH_END})", snippet)
    return "".join(
        f"[bold yellow]{escape(part[1:-1])}[/]" if part.startswith(MATCH_START) else escape(part)
        for part in parts
    )


# --- export, show, stats, sources, reindex ---------------------------------------------------
@main.command()
@click.argument("query", required=False)
@filter_options
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write here instead of standard output (written atomically).")
@click.option("--exact", is_flag=True, help="Match the query's words as written.")
@click.option("--manifest/--no-manifest", default=None,
              help="With -o FILE, also write FILE.manifest.json: SHA-256, counts, date range, "
                   "the selection, when and by what (default: on with -o).")
@engine_option
@data_option()
def export(query, languages, sources, since, until, fmt, output, exact, manifest, engine,
           data_dir) -> None:
    """Export matching articles with all fields (JSON Lines or CSV).

    \b
    crescent export --format csv --lang ru -o russian.csv
    crescent export 'Kızılay' --since 2025-01-01 > kizilay.jsonl
    """
    from archive import ArchiveStore
    from archive.atomic import atomic_write, atomic_write_bytes
    from archive.export import (
        DatasetTally,
        DigestingWriter,
        RecordFilter,
        select,
        tally,
        write_csv,
        write_jsonl,
    )
    from archive.export import manifest as dataset_manifest

    if manifest and not output:
        raise CliError("--manifest needs -o FILE (the manifest describes a written file)")
    check_sources(data_dir, tuple(sources))
    store = ArchiveStore(data_dir / "archive")
    flt = RecordFilter(tuple(languages or ()), tuple(sources), since, until)
    records = select(store.iter_records(), flt)
    engine_name = None
    if query:
        ids, engine_name = _matching_ids(data_dir, query, flt, engine=engine, exact=exact)
        records = (record for record in records if record["id"] in ids)
    counted = DatasetTally()
    records = tally(records, counted)
    write_records = write_csv if fmt == "csv" else write_jsonl
    if not output:
        write_records(records, sys.stdout)  # streamed: an export can be larger than memory
        return
    writer: DigestingWriter | None = None

    def write(handle) -> None:
        nonlocal writer
        writer = DigestingWriter(handle)
        write_records(records, writer)

    try:
        atomic_write(output, write)
    except OSError as error:
        raise DataError(f"cannot write {output}: {error.strerror or error}") from None
    note = f"exported {counted.articles} article(s) to {escape(str(output))}"
    if manifest is not False:
        selection = {"query": query, "exact": exact, "engine": engine_name,
                     "languages": sorted(flt.languages), "sources": sorted(flt.sources),
                     "since": since.isoformat() if since else None,
                     "until": until.isoformat() if until else None}
        described = dataset_manifest(file_name=output.name, fmt=fmt, writer=writer,
                                     counted=counted, selection=selection,
                                     version=_crescent_version())
        manifest_path = output.with_name(f"{output.name}.manifest.json")
        atomic_write_bytes(manifest_path, (json.dumps(described, ensure_ascii=False, indent=2)
                                           + "\n").encode("utf-8"))
        note += f" (manifest: {escape(manifest_path.name)})"
    Console(stderr=True).print(note)


def _crescent_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("crescent")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def _matching_ids(data_dir: Path, query: str, flt, *, engine=None,
                  exact=False) -> tuple[set[str], str]:
    """Ids of every article matching ``query`` and the name of the engine that answered."""
    from search import QueryError
    from search import search as run_search

    chosen, filters = _search_setup(data_dir, languages=flt.languages, sources=flt.sources,
                                    since=flt.since, until=flt.until, engine=engine)
    try:
        results = run_search(data_dir, query, filters, limit=1000, snippets=False,
                             engine=chosen, exact=exact)
        ids = {hit.id for hit in results.hits}
        page = 1
        while len(ids) < results.total and page * 1000 < results.total:
            page += 1
            more = run_search(data_dir, query, filters, limit=1000, page=page, snippets=False,
                              engine=chosen, exact=exact)
            ids |= {hit.id for hit in more.hits}
    except QueryError as error:
        raise CliError(str(error)) from None
    return ids, chosen.name


@main.command()
@click.argument("article_id")
@click.option("--json", "as_json", is_flag=True, help="Print the stored JSON.")
@data_option()
def show(article_id: str, as_json: bool, data_dir: Path) -> None:
    """Show one archived article by id.

    \b
    crescent show 66f75d4a95b6a6f9
    """
    from archive import ArchiveStore
    from crawler.urls import is_article_id

    if not is_article_id(article_id):
        raise CliError(f"{article_id!r} is not an article id (16 hex digits)")
    record = ArchiveStore(data_dir / "archive").load(article_id)
    if record is None:
        raise click.ClickException(f"no article {article_id} in {data_dir}")
    if as_json:
        click.echo(json.dumps(record, ensure_ascii=False, indent=2, sort_keys=True))
        return
    out = console()
    out.print(f"[bold]{escape(record['title'])}[/]")
    out.print(f"{record['published']} · {escape(record['source'])} · {record['language']} · "
              f"{', '.join(escape(a) for a in record['authors']) or 'no author'} · "
              f"{record['word_count']} words · version {record['version']}")
    out.print(f"[blue]{escape(readable_url(record['url']))}[/]\n")
    out.print(escape(record["text"]))


@main.command()
@click.option("--json", "as_json", is_flag=True)
@click.option("--rejected", is_flag=True,
              help="Pages of the latest crawl of each source not archived, by reason.")
@data_option()
def stats(as_json: bool, rejected: bool, data_dir: Path) -> None:
    """Count archived articles by source, language and month (or rejected pages by reason).

    \b
    crescent stats
    crescent stats --rejected
    """
    from archive import ArchiveStore
    from archive.export import summarise

    if rejected:
        _print_rejected(data_dir, as_json)
        return

    summary = summarise(ArchiveStore(data_dir / "archive").iter_records())
    if as_json:
        click.echo(json.dumps({
            "total": summary.total, "by_source": dict(summary.by_source),
            "by_language": dict(summary.by_language), "by_month": dict(sorted(
                summary.by_month.items())),
        }, ensure_ascii=False, indent=2))
        return
    out = console()
    out.print(f"{summary.total} article(s) in {escape(str(data_dir))}")
    languages = sorted(summary.by_language)
    table = Table(title="by source and language")
    table.add_column("source")
    for language in languages:
        table.add_column(language, justify="right")
    table.add_column("total", justify="right")
    for source in sorted(summary.by_source):
        table.add_row(escape(source), *(str(summary.by_source_language[(source, lang)])
                                        for lang in languages), str(summary.by_source[source]))
    out.print(table)
    months = Table(title="by month")
    months.add_column("month")
    months.add_column("articles", justify="right")
    for month, count in sorted(summary.by_month.items()):
        months.add_row(month, str(count))
    out.print(months)


@main.command()
@click.option("--json", "as_json", is_flag=True)
@data_option()
def sources(as_json: bool, data_dir: Path) -> None:
    """List the configured sources with their languages and start URLs.

    \b
    crescent sources
    """
    from crawler.runner import load_source, source_names

    rows = []
    for name in source_names():
        spider_cls = load_source(name)
        rows.append({"name": name, "title": spider_cls.source_title,
                     "languages": list(spider_cls.languages),
                     "start_urls": list(spider_cls.start_urls),
                     "feeds": list(spider_cls.feed_urls),
                     "sitemaps": list(spider_cls.sitemap_urls)})
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(title="sources")
    for column in ("name", "title", "languages", "start URLs, feeds, sitemaps"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(row["name"], row["title"], ",".join(row["languages"]),
                      "\n".join(row["start_urls"] + row["feeds"] + row["sitemaps"]))
    console().print(table)


def _print_rejected(data_dir: Path, as_json: bool) -> None:
    from crawler.report import latest_reports

    reports = latest_reports(data_dir)
    counts = {source: {key.removeprefix("crescent/rejected/"): value
                       for key, value in sorted(report["stats"].items())
                       if key.startswith("crescent/rejected/")}
              for source, report in sorted(reports.items())}
    if as_json:
        click.echo(json.dumps(counts, ensure_ascii=False, indent=2))
        return
    table = Table(title="rejected pages (latest crawl of each source)")
    for column in ("source", "reason", "pages"):
        table.add_column(column)
    for source, reasons in counts.items():
        for reason, count in reasons.items():
            table.add_row(escape(source), escape(reason), str(count))
    console().print(table if counts else f"no crawl reports in {escape(str(data_dir))}")


@main.command()
@click.option("--repair", is_flag=True, help="Rebuild the index from the archive, drop temp files.")
@data_option()
def check(repair: bool, data_dir: Path) -> None:
    """Verify the data directory: schema, ids, versions, index against archive.

    \b
    crescent check
    crescent check --repair
    """
    from crawler.maintenance import check_data
    from crawler.maintenance import repair as repair_data

    if not (data_dir / "archive").is_dir():
        raise CliError(f"no archive in {data_dir}")
    report = check_data(data_dir)
    out = console()
    out.print(f"{report.archive.articles} article(s), {report.archive.versions} earlier "
              f"version(s) in {escape(str(data_dir))}")
    for problem in report.archive.problems[:200]:
        out.print(f"archive: {escape(problem)}")
    for index in report.indexes:
        if index.error:
            out.print(f"index ({index.engine}): unreadable ({escape(index.error)})")
        elif index.missing or index.extra:
            out.print(f"index ({index.engine}): {len(index.missing)} archived article(s) "
                      f"missing, {len(index.extra)} not in the archive")
    if report.ok:
        engines = ", ".join(index.engine for index in report.indexes)
        out.print(f"ok: archive valid, index ({engines}) holds exactly the archive's articles")
        return
    if repair:
        count = repair_data(data_dir)
        after = check_data(data_dir)
        out.print(f"repaired: index rebuilt from the archive ({count} articles)")
        if after.ok:
            return
        raise click.ClickException("problems remain in the archive itself (see above)")
    raise click.ClickException("problems found; `crescent check --repair` rebuilds the index")


@main.command()
@click.argument("article_id")
@data_option()
def history(article_id: str, data_dir: Path) -> None:
    """Each version of an article with its fetch time and a word-level diff.

    \b
    crescent history 66f75d4a95b6a6f9
    """
    from archive import ArchiveStore
    from archive.diff import word_diff
    from crawler.urls import is_article_id

    if not is_article_id(article_id):
        raise CliError(f"{article_id!r} is not an article id (16 hex digits)")
    store = ArchiveStore(data_dir / "archive")
    current = store.load(article_id)
    if current is None:
        raise click.ClickException(f"no article {article_id} in {data_dir}")
    versions = [*store.versions(article_id), current]
    out = console()
    out.print(f"[bold]{escape(current['title'])}[/] — {len(versions)} version(s)")
    previous = None
    for record in versions:
        out.print(f"\n[bold]version {record['version']}[/] fetched {record['fetched_at']}")
        if previous is None:
            out.print(f"  {record['word_count']} words")
        else:
            for name in ("title", "text"):
                diff = word_diff(previous[name], record[name])
                out.print(f"  {name}: " + (_rich_diff(diff) if diff else "unchanged"))
        previous = record


def _rich_diff(pieces) -> str:
    rendered = []
    for kind, text in pieces:
        if kind == "+":
            rendered.append(f"[green]{{+{escape(text)}+}}[/]")
        elif kind == "-":
            rendered.append(f"[red][-{escape(text)}-][/]")
        else:
            rendered.append(escape(text))
    return " ".join(rendered)


@main.command()
@engine_option
@data_option()
def reindex(engine: str | None, data_dir: Path) -> None:
    """Rebuild the search index from the archive alone.

    Without --engine: the configured engine's index and every other one that exists.

    \b
    crescent reindex
    crescent reindex --engine tantivy
    """
    from search import EngineError, engines_to_update, open_engine
    from search import reindex as rebuild_index

    if not (data_dir / "archive").is_dir():
        raise CliError(f"no archive in {data_dir}")
    try:
        names = [engine] if engine else [e.name for e in engines_to_update(data_dir)]
        for name in names:
            open_engine(data_dir, name)
    except EngineError as error:
        raise CliError(str(error)) from None
    for name in names:
        started = time.monotonic()
        count = rebuild_index(data_dir, name)
        console().print(f"indexed {count} article(s) in {time.monotonic() - started:.1f} s "
                        f"({name})")

# --- watch ---------------------------------------------------------------------------------
@main.group()
def watch() -> None:
    """Watches: saved searches that report new articles by feed, e-mail, chat or webhook.

    \b
    crescent watch add Kızılay 'Kızılay' --lang tr,ru --notify 'mailtos://me:${SMTP_PASS}@example.org'
    crescent watch run
    """


def _watch_errors(func):
    """WatchError / MonitorError → one line, exit 2."""
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from monitor.run import MonitorError
        from monitor.watches import WatchError

        try:
            return func(*args, **kwargs)
        except (WatchError, MonitorError) as error:
            raise CliError(str(error)) from None

    return wrapper


@watch.command("add")
@click.argument("name")
@click.argument("query")
@click.option("--lang", "languages", callback=parse_languages,
              help="Only these languages, comma-separated (tr,ru,en).")
@click.option("--source", "sources", multiple=True, help="Only this source (repeatable).")
@click.option("--exact", is_flag=True, help="Match the query's words as written.")
@click.option("--notify", "urls", multiple=True, metavar="URL",
              help="Apprise URL to send new matches to (repeatable); ${NAME} reads a secret "
                   "from the environment variable NAME when sending.")
@data_option()
@_watch_errors
def watch_add(name, query, languages, sources, exact, urls, data_dir) -> None:
    """Add a watch: QUERY in `crescent search` syntax; reports articles archived from now on.

    \b
    crescent watch add Kızılay 'Kızılay OR "Turkish Red Crescent"' --lang tr,en
    crescent watch add Aslanov Aslanov --notify 'json://hooks.example.org/crescent'
    """
    from monitor.run import create
    from monitor.watches import Watch

    sources = [part.strip() for value in sources for part in value.split(",") if part.strip()]
    added = create(data_dir, Watch(name=name, query=query, languages=list(languages or []),
                                   sources=sources, exact=exact, notify=list(urls)))
    console().print(f"added watch [bold]{escape(added.name)}[/]: {escape(added.query)} "
                    f"(in {escape(str(data_dir / 'watches.toml'))}); it reports articles "
                    "archived from now on")


@watch.command("list")
@click.option("--json", "as_json", is_flag=True)
@data_option()
@_watch_errors
def watch_list(as_json, data_dir) -> None:
    """List the watches (passwords in notification URLs masked).

    \b
    crescent watch list
    """
    from monitor.run import summaries

    rows = summaries(data_dir)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        console().print("no watches yet: `crescent watch add NAME QUERY`")
        return
    table = Table(title="watches")
    for column in ("name", "query", "filters", "notify", "last run", "alerts", "pending"):
        table.add_column(column, overflow="fold")
    for row in rows:
        filters = " ".join([*(f"lang:{c}" for c in row["languages"]),
                            *(f"source:{s}" for s in row["sources"])]
                           + (["exact"] if row["exact"] else [])) or "-"
        table.add_row(escape(row["name"]), escape(row["query"]), escape(filters),
                      escape("\n".join(row["notify"])) or "-", row["last_run"] or "never",
                      str(row["alerts"]), str(row["pending"]))
    console().print(table)


@watch.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True)
@data_option()
@_watch_errors
def watch_show(name, as_json, data_dir) -> None:
    """A watch's settings and latest alerts.

    \b
    crescent watch show Kızılay
    """
    from monitor.run import describe

    info = describe(data_dir, name)
    if as_json:
        click.echo(json.dumps(info, ensure_ascii=False, indent=2))
        return
    out = console()
    out.print(f"[bold]{escape(info['name'])}[/]: {escape(info['query'])}")
    filters = ", ".join([*info["languages"], *info["sources"]]) or "none"
    out.print(f"filters: {escape(filters)}{' · exact' if info['exact'] else ''} · created "
              f"{info['created'] or '?'} · last run {info['last_run'] or 'never'}")
    for url in info["notify"]:
        last = info["deliveries"].get(url)
        said = (f"last sent {last['at']}" if last and last["ok"] else
                f"FAILED {last['at']}: {last['error']}" if last else "nothing sent yet")
        out.print(f"notify: {escape(url)} ({escape(said)})")
    out.print(f"{info['alerts']} alert(s), {info['pending']} not yet delivered · feed "
              f"{escape(info['feed'])}")
    _print_alerts(info["latest"])


def _print_alerts(entries, indent: str = "  ") -> None:
    out = console()
    for entry in entries:
        late = " [bold red](found late)[/]" if entry.get("late") else ""
        out.print(f"{indent}[bold]{escape(entry['title'])}[/]")
        out.print(f"{indent}{escape(entry['source'])} · {escape(entry['language'])} · "
                  f"published {escape(entry['published'][:10])}{late} · archived "
                  f"{escape(entry['archived_at'])}")
        out.print(f"{indent}[blue]{escape(readable_url(entry['url']))}[/]")
        if entry.get("snippet"):
            out.print(f"{indent}{escape(entry['snippet'])}")
        if entry.get("also"):
            out.print(f"{indent}also published by "
                      + ", ".join(f"{escape(a['source'])} ({escape(readable_url(a['url']))})"
                                  for a in entry["also"]))


@watch.command("test")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True)
@engine_option
@data_option()
@_watch_errors
def watch_test(name, as_json, engine, data_dir) -> None:
    """What a watch would report now; records and sends nothing.

    \b
    crescent watch test Kızılay
    """
    from monitor.run import run_watches

    report = run_watches(data_dir, [name], engine=engine, record=False, deliver=False)
    if as_json:
        click.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
        return
    [result] = report.watches
    console().print(f"watch {escape(name)} would report {len(result.new)} new article(s) "
                    f"(of {result.looked_at} new to it){_folded(result.folded)}")
    from monitor.run import public

    _print_alerts([public(e) for e in result.new])


def _folded(count: int) -> str:
    return f", {count} reprint(s) folded into earlier alerts" if count else ""


@watch.command("run")
@click.argument("names", nargs=-1)
@click.option("--json", "as_json", is_flag=True)
@click.option("--no-wait", is_flag=True,
              help="Exit with an error instead of waiting when a crawl holds DATA.")
@engine_option
@data_option()
@_watch_errors
def watch_run(names, as_json, no_wait, engine, data_dir) -> None:
    """Find new matches, write the feeds, deliver, record (all watches, or NAMEs).

    Exit 1 if a destination could not be reached (its alerts go out with the next run).

    \b
    crescent watch run
    crescent watch run Kızılay --json
    """
    from archive.lock import LockedError, crawl_lock
    from monitor.run import run_watches

    note = Console(stderr=True, highlight=False).print
    try:
        with crawl_lock(data_dir, wait=not no_wait, on_wait=note):
            report = run_watches(data_dir, list(names), engine=engine)
    except LockedError as error:
        raise CliError(f"{error}; try again later or drop --no-wait") from None
    if as_json:
        click.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        print_watch_report(report)
    if report.failed:
        sys.exit(1)


def print_watch_report(report, out: Console | None = None) -> None:
    out = out or console()
    for result in report.watches:
        out.print(f"watch [bold]{escape(result.name)}[/]: {len(result.new)} new "
                  f"(of {result.looked_at} new article(s)){_folded(result.folded)}"
                  + (f", {result.pending} awaiting delivery" if result.pending else "")
                  + f" · feed {escape(result.feed)}")
    for delivery in report.deliveries:
        if delivery.ok:
            out.print(f"sent to {escape(delivery.destination)}: {escape(delivery.subject)}")
        else:
            out.print(f"[bold red]not delivered[/] to {escape(delivery.destination)} "
                      f"({delivery.alerts} alert(s), kept for the next run): "
                      f"{escape(delivery.error)}")
    out.print(f"watches ran in {report.seconds:.2f} s")


@watch.command("rm")
@click.argument("name")
@data_option()
@_watch_errors
def watch_rm(name, data_dir) -> None:
    """Remove a watch, its record of alerts and its feed.

    \b
    crescent watch rm Kızılay
    """
    from monitor.run import forget

    removed = forget(data_dir, name)
    console().print(f"removed watch {escape(removed.name)}")


if __name__ == "__main__":
    main()
