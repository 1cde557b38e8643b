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

from archive.export import FORMATS as EXPORT_FORMATS

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
    return url if not decoded.isprintable() or " " in decoded else decoded


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


def frontier_option(required: bool = False, help: str = ""):
    """--frontier redis://HOST:PORT/DB (env CRESCENT_FRONTIER): crawl and worker."""
    def check(_ctx, param, value: str | None) -> str | None:
        from frontier.session import FrontierError, check_url

        try:
            return check_url(value) if value else None
        except FrontierError as error:
            raise click.BadParameter(str(error), param=param) from None

    return click.option("--frontier", metavar="redis://HOST:PORT/DB", envvar="CRESCENT_FRONTIER",
                        required=required, callback=check, help=help)


def check_sources(data_dir: Path, sources: tuple[str, ...]) -> None:
    from crawler.runner import source_names

    archived = {p.name for p in (data_dir / "archive").iterdir()} if (
        data_dir / "archive").is_dir() else set()
    known = set(source_names()) | archived
    for source in sources:
        if source not in known:
            raise CliError(f"unknown source {source!r} (known: {', '.join(sorted(known))})")


def require_archive(data_dir: Path, *, or_crawls: bool = False) -> None:
    """Read commands need a data directory that holds an archive (``or_crawls``: or crawl
    reports): a wrong --data is a one-line error naming the path, never '0 results'."""
    if not data_dir.exists():
        raise CliError(f"no data directory at {data_dir} (give --data or CRESCENT_DATA)")
    if not data_dir.is_dir():
        raise CliError(f"{data_dir} is not a directory (give --data or CRESCENT_DATA)")
    if (data_dir / "archive").is_dir() or (or_crawls and (data_dir / "crawls").is_dir()):
        return
    what = "no archive and no crawl reports" if or_crawls else "no archive"
    raise CliError(f"{data_dir} holds {what}: crawl into it first "
                   f"(crescent crawl --data {data_dir} …) or give the right --data")


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
@click.option("--warc", "warc", type=click.Choice(["articles", "all", "off"]),
              help="Pages kept as WARC in DATA/warc: those articles come from (default), all "
                   "(also listings, feeds, sitemaps) or off.")
@click.option("-s", "--set", "overrides", multiple=True, metavar="NAME=VALUE",
              help="Override a setting, e.g. -s DOWNLOAD_TIMEOUT=10 (see README, Limits).")
@frontier_option(help="Share the frontier in Redis: `crescent worker` processes fetch the pages.")
@click.option("--no-watches", is_flag=True,
              help="Do not run the watches on what this crawl archived.")
@data_option()
def crawl(sources, all_sources, base_urls, site, article_pattern, languages, since, refresh,
          resume, no_wait, contact, warc, overrides, frontier, no_watches, data_dir) -> None:
    """Crawl sources (or --site URL) into the archive and index.

    \b
    crescent crawl anadolu icrc
    crescent crawl --all --since 2025-01-01
    crescent crawl icrc --warc all
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
        extra["CRESCENT_CONTACT"] = contact  # also named in each WARC file's warcinfo
    if warc:
        extra["CRESCENT_WARC"] = warc
    watched: list = []
    results = _locked_crawl(plan, data_dir, wait=not no_wait, languages=languages, since=since,
                            refresh=refresh, resume=resume, extra_settings=extra,
                            frontier=frontier,
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
    from frontier.session import FrontierError, FrontierLostError

    note = Console(stderr=True, highlight=False).print
    try:
        # The holder's command line is whatever it was started with: shown, never markup.
        with crawl_lock(data_dir, wait=wait, on_wait=lambda message: note(escape(message))):
            store = ArchiveStore(data_dir / "archive")  # walked once, for the check and the crawl
            for repair in repair_index_if_behind(data_dir, store):
                note(repair.describe())
            results = _run_with_progress(plan, data_dir, on_note=note, store=store, **kwargs)
            _record_health(data_dir, results, note)
            if then is not None:
                then()
            return results
    except LockedError as error:
        raise CliError(f"{error}; try again later or drop --no-wait") from None
    except UnknownSourceError as error:
        raise CliError(str(error)) from None
    except CrawlFailedError as error:
        raise click.ClickException(f"crawl failed: {error} (see {data_dir}/logs)") from None
    except FrontierLostError as error:
        raise click.ClickException(f"crawl stopped: {error}; start Redis again and run the same "
                                   "command with --resume") from None
    except FrontierError as error:
        raise click.ClickException(str(error)) from None


def _record_health(data_dir: Path, results, note) -> None:
    """Append this crawl's reports to the sources' health history; name the flagged sources."""
    from monitor.health import flags_for, update_history

    try:
        histories = update_history(data_dir)
    except OSError as error:  # the crawl itself is done and safe; `crescent health` catches up
        note(f"source health history not updated: {escape(str(error))}")
        return
    flagged = {result.source: [flag.key for flag in flags_for(result.source,
                                                              histories.get(result.source, []))]
               for result in results}
    named = "; ".join(f"{source}: {', '.join(keys)}" for source, keys in flagged.items() if keys)
    if named:
        note(f"source health flags: {escape(named)} (see `crescent health`)")


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


def _run_with_progress(plan, data_dir: Path, frontier: str | None = None, **kwargs):
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
        if frontier:
            from frontier.coordinator import run_frontier_crawl

            return run_frontier_crawl(plan, data_dir, frontier, on_event=on_event, **kwargs)
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


# --- monitor -------------------------------------------------------------------------------
@main.command()
@click.argument("sources", nargs=-1)
@click.option("--all", "all_sources", is_flag=True, help="Monitor every configured source.")
@click.option("--every", default="30m", show_default=True,
              help="Time from one cycle's start to the next: 30m, 1h, 90s (at least 15 min "
                   "for real sites).")
@click.option("--notify-health", "notify_urls", multiple=True, metavar="URL",
              help="Apprise URL told when a source gets a health flag and when it clears "
                   "(repeatable; ${NAME} reads environment variable NAME).")
@click.option("--base-url", "base_urls", multiple=True, metavar="[SOURCE=]URL",
              help="Fetch from this scheme://host instead of the real site (replicas, tests).")
@click.option("--lang", "languages", callback=parse_languages,
              help="Languages to archive, comma-separated [default: tr,ru,en].")
@click.option("--since", callback=parse_day, help="Skip articles and listings before this day.")
@click.option("--contact", help="Contact e-mail or URL sent in the User-Agent.")
@click.option("-s", "--set", "overrides", multiple=True, metavar="NAME=VALUE",
              help="Override a crawl setting, e.g. -s DOWNLOAD_TIMEOUT=10.")
@click.option("--cycles", type=click.IntRange(min=1), hidden=True,
              help="Stop after this many cycles (tests, demos).")
@data_option()
def monitor(sources, all_sources, every, notify_urls, base_urls, languages, since, contact,
            overrides, cycles, data_dir) -> None:
    """Crawl (archive, index, watches), check source health, pause, repeat until stopped.

    Ctrl-C or SIGTERM lets the crawl under way stop as a Ctrl-C stops it (what it fetched is
    archived and indexed), then exits 0.

    \b
    crescent monitor --all --every 30m
    crescent monitor anadolu icrc --every 1h --notify-health 'mailtos://user:${SMTP_PASSWORD}@example.org'
    """
    from crawler.runner import CrawlPlan, UnknownSourceError, load_source, source_names
    from monitor.health import check_notify_url
    from monitor.schedule import Monitor, ScheduleError, check_floor, crawl_command, parse_every

    if all_sources:
        sources = tuple(source_names())
    if not sources:
        raise CliError(f"name one or more sources, or --all (sources: {', '.join(source_names())})")
    for name in sources:
        try:
            load_source(name)
        except UnknownSourceError as error:
            raise CliError(str(error)) from None
    mapping = _base_urls(base_urls, sources)
    _setting_overrides(overrides)
    try:
        seconds = parse_every(every)
        check_floor(seconds, CrawlPlan(sources=list(sources), base_urls=mapping).all_local())
    except ScheduleError as error:
        raise CliError(str(error)) from None
    for url in notify_urls:
        problem = check_notify_url(url)
        if problem:
            raise CliError(problem)
    arguments = [*sources, "--data", str(data_dir)]
    arguments += [arg for name, url in mapping.items() for arg in ("--base-url", f"{name}={url}")]
    if languages:
        arguments += ["--lang", ",".join(languages)]
    if since:
        arguments += ["--since", since.isoformat()]
    if contact:
        arguments += ["--contact", contact]
    arguments += [arg for value in overrides for arg in ("--set", value)]
    say = Console(highlight=False, soft_wrap=True).print
    looper = Monitor(crawl_command(arguments), data_dir, sources, seconds,
                     notify_urls=notify_urls, say=lambda line: say(escape(line)),
                     max_cycles=cycles)
    say(f"monitoring {len(sources)} source(s) every {escape(every)} into "
        f"{escape(str(data_dir))}; Ctrl-C to stop")
    sys.exit(looper.run())
# --- worker (crawls on many machines) ------------------------------------------------------
@main.command()
@frontier_option(required=True, help="The Redis frontier a `crawl --frontier` coordinates.")
@click.option("--wait", "wait_s", type=click.FloatRange(0), metavar="SECONDS",
              help="Give up if no crawl starts within SECONDS [default: wait for one].")
@click.option("-s", "--set", "overrides", multiple=True, metavar="NAME=VALUE",
              help="This machine's limits, e.g. -s CONCURRENT_REQUESTS=32.")
@data_option(default="crescent-worker")
def worker(frontier, wait_s, overrides, data_dir) -> None:
    """Fetch and extract pages of a crawl coordinated through Redis; ends with the crawl.

    \b
    crescent worker --frontier redis://10.0.0.5:6379/0
    crescent worker --frontier redis://10.0.0.5:6379/0 -s CRESCENT_EXTRACT_WORKERS=4
    """
    from frontier.session import FrontierError, FrontierLostError
    from frontier.worker import run_worker

    note = Console(stderr=True, highlight=False).print
    try:
        results = run_worker(frontier, data_dir, overrides=_setting_overrides(overrides),
                             wait_s=wait_s, on_note=note)
    except FrontierLostError as error:
        raise click.ClickException(f"worker stopped: {error}") from None
    except FrontierError as error:
        raise click.ClickException(str(error)) from None
    for result in results:
        console().print(f"{escape(result.source)}: {result.count('response_received_count')} "
                        f"pages, {result.count('crescent/frontier/sent')} articles sent "
                        f"({result.stats.get('finish_reason', '?')})")


# --- demo ----------------------------------------------------------------------------------
@main.command()
@data_option(default="demo-data")
@click.option("--keep", is_flag=True, help="Keep the existing demo data instead of starting over.")
@click.option("--serve", "then_serve", is_flag=True,
              help="Then keep the demo's data up in the web page (Ctrl-C ends it).")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True,
              help="With --serve: the web page's port on 127.0.0.1.")
def demo(data_dir: Path, keep: bool, then_serve: bool, port: int) -> None:
    """Serve the replica sites on 127.0.0.1, crawl them, summarise, search (offline, < 1 min).

    \b
    crescent demo
    crescent demo --data /tmp/demo
    crescent demo --serve
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
              f"`crescent search --data {data_dir} 'Aslanov'`"
              + ("" if then_serve else f" or `crescent serve --data {data_dir}`"))
    if then_serve:
        _serve(data_dir, host="127.0.0.1", port=port)


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
    require_archive(data_dir)
    options = {"languages": languages, "sources": sources, "since": since, "until": until,
               "engine": engine, "exact": exact}
    if by or named:
        _print_timeline(data_dir, named or {query: query}, by=by or "month", csv_path=csv_path,
                        as_json=as_json, **options)
        return
    _print_results(data_dir, query, limit=limit, page=page, sort=sort, as_json=as_json,
                   with_facets=with_facets, **options)


def _search_setup(data_dir: Path, *, languages, sources, since, until, engine):
    from search import EngineError, Filters
    from search.views import open_for_search

    check_sources(data_dir, tuple(sources or ()))
    try:
        chosen = open_for_search(data_dir, engine)
    except EngineError as error:
        raise CliError(str(error)) from None
    filters = Filters(languages=tuple(languages or ()), sources=tuple(sources or ()),
                      since=since, until=until)
    _warn_size(chosen)
    return chosen, filters


def _warn_size(engine, articles: int | None = None) -> None:
    from search.engine import size_warning

    warning = size_warning(engine, articles)
    if warning:
        Console(stderr=True, highlight=False).print(escape(warning), style="yellow")


def _print_results(data_dir: Path, query: str, *, languages=None, sources=(), since=None,
                   until=None, limit=10, page=1, sort="relevance", as_json=False,
                   engine=None, exact=False, with_facets=False) -> None:
    from search import QueryError
    from search import search as run_search
    from search.views import facets_json

    chosen, filters = _search_setup(data_dir, languages=languages, sources=sources,
                                    since=since, until=until, engine=engine)
    try:
        results = run_search(data_dir, query, filters, limit=limit, page=page, sort=sort,
                             engine=chosen, exact=exact, with_facets=with_facets)
        counts = results.facets
    except QueryError as error:
        raise CliError(str(error)) from None
    if as_json:
        for hit in results.hits:
            click.echo(json.dumps(hit.as_json(), ensure_ascii=False))
        if counts is not None:
            click.echo(json.dumps({"facets": facets_json(counts)}, ensure_ascii=False))
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
        ordered = facets_json(counts)  # most frequent first, ties by name: on both engines
        for name in ("source", "language", "month"):
            pairs = sorted(counts[name].items()) if name == "month" else ordered[name].items()
            out.print(f"[bold]by {name}:[/] "
                      + ("  ".join(f"{escape(k)} {v}" for k, v in pairs) or "-"))


def _print_timeline(data_dir: Path, queries: dict[str, str], *, by: str, csv_path, as_json,
                    languages, sources, since, until, engine, exact) -> None:
    from search import QueryError, timeline
    from search.views import timeline_csv

    chosen, filters = _search_setup(data_dir, languages=languages, sources=sources,
                                    since=since, until=until, engine=engine)
    try:
        table = timeline(data_dir, queries, filters, by=by, engine=chosen, exact=exact)
    except QueryError as error:
        raise CliError(str(error)) from None
    rows = table.rows()
    if csv_path:
        text = timeline_csv(table)
        if str(csv_path) == "-":
            sys.stdout.write(text)
            return
        from archive.atomic import atomic_write_bytes

        atomic_write_bytes(csv_path, text.encode("utf-8"))
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
@click.option("--format", "fmt", type=click.Choice(list(EXPORT_FORMATS)), default="jsonl",
              show_default=True, help=" ".join(
                  f"{f.name}: {f.help}{'' if f.stdout else ' (needs -o)'}."
                  for f in EXPORT_FORMATS.values()))
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Write here instead of standard output (written atomically).")
@click.option("--exact", is_flag=True, help="Match the query's words as written.")
@click.option("--manifest/--no-manifest", default=None,
              help="With -o FILE, also write FILE.manifest.json: SHA-256, counts, date range, "
                   "the selection, when and by what, and for csv and parquet "
                   "FILE.datapackage.json (default: on with -o; a bag always has both inside).")
@click.option("--csv-raw", is_flag=True,
              help="CSV cells as scraped: do not neutralise cells that a spreadsheet would run "
                   "as formulas (=, +, -, @).")
@click.option("--contact", envvar="CRESCENT_CONTACT",
              help="Who answers for the dataset, named in a bag's bag-info.txt and the "
                   "datapackage.json (env CRESCENT_CONTACT).")
@engine_option
@data_option()
def export(query, languages, sources, since, until, fmt, output, exact, manifest, csv_raw,
           contact, engine, data_dir) -> None:
    """Export matching articles with all fields: JSON Lines, CSV, Parquet, SQLite or a bag.

    \b
    crescent export --format csv --lang ru -o russian.csv
    crescent export 'Kızılay' --since 2025-01-01 > kizilay.jsonl
    crescent export --format parquet -o articles.parquet
    crescent export --format sqlite -o articles.db && datasette articles.db
    crescent export --format bagit --source tgymj -o tgymj-bag
    """
    from archive import ArchiveStore
    from archive.export import ExportError, ExportJob, RecordFilter, export_to, select, stream_to

    chosen = EXPORT_FORMATS[fmt]
    require_archive(data_dir)
    if manifest and not output:
        raise CliError("--manifest needs -o FILE (the manifest describes a written file)")
    if not output and not chosen.stdout:
        raise CliError(f"--format {fmt} needs -o {'DIR' if chosen.directory else 'FILE'}")
    if csv_raw and fmt not in ("csv", "bagit"):
        raise CliError("--csv-raw is for --format csv or bagit (the others keep text exactly)")
    if output and chosen.directory and output.exists():
        raise CliError(f"{output} already exists (--format {fmt} writes a new folder)")
    if output and not chosen.directory and output.is_dir():
        raise CliError(f"{output} is a folder (--format {fmt} writes a file)")
    check_sources(data_dir, tuple(sources))
    store = ArchiveStore(data_dir / "archive")
    flt = RecordFilter(tuple(languages or ()), tuple(sources), since, until)
    records = select(store.stream_records(), flt)  # no list of the whole archive first
    engine_name = None
    if query:
        ids, engine_name = _matching_ids(data_dir, query, flt, engine=engine, exact=exact)
        records = (record for record in records if record["id"] in ids)
    selection = {"query": query, "exact": exact, "engine": engine_name,
                 "languages": sorted(flt.languages), "sources": sorted(flt.sources),
                 "since": since.isoformat() if since else None,
                 "until": until.isoformat() if until else None}
    job = ExportJob(selection=selection, version=_crescent_version(), data_dir=data_dir,
                    contact=contact or _default_contact(), csv_raw=csv_raw,
                    manifest=manifest is not False)
    if chosen.directory:  # a bag holds the captures of its articles as WARC too
        from archive.formats.captures import bag_payload

        job.extra.append(bag_payload(data_dir, job))
    if not output:
        stream_to(records, fmt, sys.stdout, job)  # streamed: an export can be larger than memory
        return
    try:
        result = export_to(records, fmt, output, job)
    except ExportError as error:
        raise CliError(str(error)) from None
    except OSError as error:
        raise DataError(f"cannot write {output}: {error.strerror or error}") from None
    note = f"exported {result.articles} article(s) to {escape(str(output))}"
    written = [f"{label}: {path.name if path.parent == output.parent else path.relative_to(output)}"
               for label, path in (("manifest", result.manifest),
                                   ("datapackage", result.datapackage)) if path]
    if written:
        note += f" ({escape(', '.join(written))})"
    Console(stderr=True).print(note)


def _default_contact() -> str:
    from crawler.settings import CRESCENT_CONTACT

    return CRESCENT_CONTACT


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
    from search.views import matching_ids

    chosen, filters = _search_setup(data_dir, languages=flt.languages, sources=flt.sources,
                                    since=flt.since, until=flt.until, engine=engine)
    try:
        ids = matching_ids(data_dir, query, filters, engine=chosen, exact=exact)
    except QueryError as error:
        raise CliError(str(error)) from None
    return ids, chosen.name


@main.command()
@click.argument("article_id")
@click.option("--json", "as_json", is_flag=True, help="Print the stored JSON.")
@click.option("--raw", is_flag=True,
              help="Print the captured page (from its WARC record, content encoding undone).")
@data_option()
def show(article_id: str, as_json: bool, raw: bool, data_dir: Path) -> None:
    """Show one archived article by id (or the page it was extracted from).

    \b
    crescent show 66f75d4a95b6a6f9
    crescent show 66f75d4a95b6a6f9 --raw > page.html
    """
    from archive import ArchiveStore
    from crawler.urls import is_article_id

    if not is_article_id(article_id):
        raise CliError(f"{article_id!r} is not an article id (16 hex digits)")
    require_archive(data_dir)
    record = ArchiveStore(data_dir / "archive").load(article_id)
    if record is None:
        raise click.ClickException(f"no article {article_id} in {data_dir}")
    if as_json:
        click.echo(json.dumps(record, ensure_ascii=False, indent=2, sort_keys=True))
        return
    if raw:
        _print_raw_capture(data_dir, record)
        return
    out = console()
    out.print(f"[bold]{escape(record['title'])}[/]")
    out.print(f"{record['published']} · {escape(record['source'])} · {record['language']} · "
              f"{', '.join(escape(a) for a in record['authors']) or 'no author'} · "
              f"{record['word_count']} words · version {record['version']}")
    out.print(f"[blue]{escape(readable_url(record['url']))}[/]\n")
    out.print(escape(record["text"]))


def _print_raw_capture(data_dir: Path, record: dict) -> None:
    from archive.warc import CaptureError, for_terminal, read_capture

    if not record.get("capture"):
        raise click.ClickException(f"article {record['id']} has no capture (archived without "
                                   "WARC, or before captures were kept)")
    try:
        page = read_capture(data_dir, record["capture"]).decoded()
    except CaptureError as error:
        raise DataError(f"capture of {record['id']} unreadable: {error}") from None
    stream = click.get_binary_stream("stdout")
    stream.write(for_terminal(page) if sys.stdout.isatty() else page)
    stream.flush()


@main.command()
@click.option("--json", "as_json", is_flag=True)
@click.option("--rejected", is_flag=True,
              help="Pages the latest crawl of each source did not archive: reason, detail, URL.")
@click.option("--source", help="With --rejected: only this source.")
@data_option()
def stats(as_json: bool, rejected: bool, source: str | None, data_dir: Path) -> None:
    """Count archived articles by source, language and month (or list rejected pages).

    \b
    crescent stats
    crescent stats --rejected
    crescent stats --rejected --source anadolu --json
    """
    from archive import ArchiveStore
    from archive.export import summarise

    if source and not rejected:
        raise CliError("--source goes with --rejected")
    if rejected:
        require_archive(data_dir, or_crawls=True)
        _print_rejected(data_dir, as_json, source)
        return
    require_archive(data_dir)
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
    from crawler.runner import source_rows

    rows = source_rows()
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


def _print_rejected(data_dir: Path, as_json: bool, source: str | None = None) -> None:
    from crawler.report import rejected_pages

    found = rejected_pages(data_dir, source=source)
    if source and not found:
        raise CliError(f"no crawl report of source {source!r} in {data_dir}")
    if as_json:
        click.echo(json.dumps({entry.source: entry.as_json() for entry in found},
                              ensure_ascii=False, indent=2))
        return
    out = console()
    if not found:
        out.print(f"no crawl reports in {escape(str(data_dir))}")
        return
    for entry in found:
        counts = ", ".join(f"{reason} {count}" for reason, count in entry.counts.items())
        out.print(f"[bold]{escape(entry.source)}[/] (crawl finished "
                  f"{escape(str(entry.finished or '?'))}): {escape(counts) or 'nothing rejected'}")
        if entry.counts and not entry.pages:
            out.print("  (this crawl's report lists no pages: crawled by an older crescent)")
            continue
        if not entry.pages:
            continue
        table = Table(show_header=True, box=None, pad_edge=False)
        for column in ("reason", "detail", "url"):
            table.add_column(column, overflow="fold")
        for page in entry.pages:
            table.add_row(escape(page["reason"]), escape(page["detail"]),
                          escape(readable_url(page["url"])))
        out.print(table)
        if entry.unlisted:
            out.print(f"  … and {entry.unlisted} more, counted only")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the histories and flags as JSON.")
@click.option("--last", type=click.IntRange(1, 50), default=5, show_default=True,
              help="Crawls shown per source.")
@click.option("--source", "sources", multiple=True, help="Only this source (repeatable).")
@data_option()
def health(as_json: bool, last: int, sources: tuple[str, ...], data_dir: Path) -> None:
    """Each source's latest crawls and the flags that say it may have broken quietly.

    \b
    crescent health
    crescent health --source anadolu --last 10
    crescent health --json
    """
    from monitor.health import health_json, source_health

    if not data_dir.is_dir():
        raise CliError(f"no data directory {data_dir}")
    check_sources(data_dir, sources)
    report = [item for item in source_health(data_dir, last=last)
              if not sources or item.source in sources]
    if as_json:
        click.echo(json.dumps(health_json(report), ensure_ascii=False, indent=2))
        return
    out = console()
    if not report:
        out.print(f"no crawl history in {escape(str(data_dir))} yet: run `crescent crawl`")
        return
    for item in report:
        state = (f"[bold red]{len(item.flags)} flag(s)[/]" if item.flags
                 else "[green]no flags[/]")
        table = Table(title=f"{escape(item.source)}: {state}", title_justify="left")
        for column in ("crawl finished (UTC)", "pages", "listing links", "article links",
                       "articles", "new", "rejected", "dated by page", "own language",
                       "median words"):
            table.add_column(column, overflow="fold")
        for entry in item.crawls:
            table.add_row(*(escape(cell) for cell in _health_row(entry)))
        out.print(table)
        for flag in item.flags:
            out.print(f"  [bold red]{escape(flag.key)}[/]: {escape(flag.message)}")
    flagged = sum(1 for item in report if item.flags)
    out.print(f"{len(report)} source(s), {flagged} flagged")


def _health_row(entry: dict) -> list[str]:
    def share(value) -> str:
        return "-" if value is None else f"{value:.0%}"

    def number(value) -> str:
        return "-" if value is None else str(value)

    rejected = " ".join(f"{k}:{v}" for k, v in sorted(entry.get("rejected", {}).items()))
    finished = str(entry.get("finished", ""))[:19].replace("T", " ")
    if entry.get("finish_reason") == "shutdown":
        finished += " (stopped)"  # interrupted by hand: not judged (see monitor.health)
    return [finished, number(entry.get("pages")),
            number(entry.get("links")), number(entry.get("seen")), number(entry.get("found")),
            number(entry.get("new")), rejected or "-", share(entry.get("date_from_page")),
            share(entry.get("expected_language")), number(entry.get("median_words"))]


@main.command()
@click.option("--repair", is_flag=True, help="Rebuild the index from the archive, drop temp files.")
@data_option()
def check(repair: bool, data_dir: Path) -> None:
    """Verify the data directory: schema, ids, versions, index against archive, captures.

    \b
    crescent check
    crescent check --repair
    """
    from crawler.maintenance import check_data
    from crawler.maintenance import repair as repair_data

    require_archive(data_dir)
    report = check_data(data_dir)
    out = console()
    out.print(f"{report.archive.articles} article(s), {report.archive.versions} earlier "
              f"version(s) in {escape(str(data_dir))}")
    for problem in report.archive.problems[:200]:
        out.print(f"archive: {escape(problem)}")
    for problem in report.warc.problems[:200]:
        out.print(f"warc: {escape(problem)}")
    for index in report.indexes:
        if index.error:
            out.print(f"index ({index.engine}): unreadable ({escape(index.error)})")
        elif index.missing or index.extra:
            out.print(f"index ({index.engine}): {len(index.missing)} archived article(s) "
                      f"missing, {len(index.extra)} not in the archive")
    if report.ok:
        engines = ", ".join(index.engine for index in report.indexes)
        out.print(f"ok: archive valid, index ({engines}) holds exactly the archive's articles"
                  f"; {report.warc.files} WARC file(s), every capture pointer verified")
        return
    if repair:
        count = repair_data(data_dir)
        after = check_data(data_dir)
        out.print(f"repaired: index rebuilt from the archive ({count} articles)"
                  + (f", {len(report.warc.torn)} torn WARC file(s) cut back to their last whole "
                     "record" if report.warc.torn else ""))
        if after.ok:
            return
        raise click.ClickException("problems remain in the archive itself (see above)")
    raise click.ClickException("problems found; `crescent check --repair` rebuilds the index "
                               "and cuts torn WARC files back")


@main.command()
@click.argument("article_id")
@data_option()
def history(article_id: str, data_dir: Path) -> None:
    """Each version of an article: fetch time, capture, extractor and a word-level diff.

    \b
    crescent history 66f75d4a95b6a6f9
    """
    from archive import ArchiveStore
    from archive.diff import word_diff
    from crawler.urls import is_article_id

    if not is_article_id(article_id):
        raise CliError(f"{article_id!r} is not an article id (16 hex digits)")
    require_archive(data_dir)
    store = ArchiveStore(data_dir / "archive")
    current = store.load(article_id)
    if current is None:
        raise click.ClickException(f"no article {article_id} in {data_dir}")
    versions = [*store.versions(article_id, current), current]
    out = console()
    out.print(f"[bold]{escape(current['title'])}[/] — {len(versions)} version(s)")
    previous = None
    for record in versions:
        out.print(f"\n[bold]version {record['version']}[/] fetched {record['fetched_at']}")
        out.print(f"  {_capture_line(record)}")
        if previous is None:
            out.print(f"  {record['word_count']} words")
        else:
            for name in ("title", "text"):
                diff = word_diff(previous[name], record[name])
                out.print(f"  {name}: " + (_rich_diff(diff) if diff else "unchanged"))
        previous = record


def _capture_line(record: dict) -> str:
    capture = record.get("capture")
    extractor = f"; extractor {escape(str(record['extractor']))}" if record.get(
        "extractor") else ""
    if not capture:
        return f"capture: none{extractor}"
    return (f"capture: {escape(str(capture.get('file')))} @ {capture.get('offset')} "
            f"(HTTP {capture.get('status')}, {escape(str(capture.get('payload_digest')))}, "
            f"{escape(str(capture.get('record_id')))}){extractor}")


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
@click.argument("sources", nargs=-1)
@click.option("--since", callback=parse_day, help="Only articles published on or after this day.")
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--no-wait", is_flag=True,
              help="Exit with an error instead of waiting when a crawl holds DATA.")
@data_option()
def reextract(sources, since, dry_run, as_json, no_wait, data_dir: Path) -> None:
    """Run today's extractor over the captured pages, offline; new versions where it differs.

    \b
    crescent reextract
    crescent reextract turkmenportal --since 2025-01-01 --dry-run
    """
    from archive.lock import LockedError, crawl_lock
    from crawler.reextract import reextract as run_reextract
    from crawler.rules import RulesError

    if not (data_dir / "archive").is_dir():
        raise CliError(f"no archive in {data_dir}")
    check_sources(data_dir, tuple(sources))
    note = Console(stderr=True, highlight=False).print
    try:
        with crawl_lock(data_dir, wait=not no_wait, on_wait=note):
            report = run_reextract(data_dir, sources=sources, since=since, dry_run=dry_run)
    except LockedError as error:
        raise CliError(f"{error}; try again later or drop --no-wait") from None
    except RulesError as error:
        raise CliError(str(error)) from None
    if as_json:
        click.echo(json.dumps({
            "read": report.read, "changed": report.changed, "by_field": dict(report.by_field),
            "without_capture": report.without_capture, "unreadable": report.unreadable,
            "rejected": report.rejected, "indexed": report.indexed, "dry_run": dry_run,
            "changed_ids": report.changed_ids}, ensure_ascii=False, indent=2))
        return
    out = console()
    fields = ", ".join(f"{name} {count}" for name, count in sorted(report.by_field.items()))
    verb = "would change" if dry_run else "changed (new version)"
    out.print(f"read {report.read} article(s); {verb}: {report.changed}"
              + (f" ({escape(fields)})" if fields else "")
              + f"; without a capture: {report.without_capture}; captures unreadable: "
              f"{len(report.unreadable)}; now rejected (kept as they were): "
              f"{len(report.rejected)}")
    for line in report.unreadable[:50]:
        out.print(f"unreadable: {escape(line)}")
    for line in report.rejected[:50]:
        out.print(f"rejected: {escape(line)}")
    if not dry_run and report.changed:
        out.print(f"index updated ({report.indexed} article(s))")


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
        _warn_size(open_engine(data_dir, name), count)


# --- serve ---------------------------------------------------------------------------------
@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; other than this machine's needs --token or --read-only.")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True)
@click.option("--token", envvar="CRESCENT_TOKEN",
              help="Ask every request for this secret (env CRESCENT_TOKEN; 16+ characters).")
@click.option("--read-only", is_flag=True, help="Remove every route that changes anything.")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Server processes on one port (default: one per core of this machine).")
@engine_option
@data_option()
def serve(host: str, port: int, token: str | None, read_only: bool, workers: int | None,
          engine: str | None, data_dir: Path) -> None:
    """The web page: search, coverage chart, articles, sources, exports, JSON API under /api/.

    \b
    crescent serve
    crescent serve --data demo-data --port 8000 --engine tantivy
    crescent serve --host 0.0.0.0 --read-only --workers 2
    """
    if not (data_dir / "archive").is_dir():
        raise CliError(f"no archive in {data_dir}: crawl first (or `crescent demo --serve`)")
    _serve(data_dir, host=host, port=port, token=token, read_only=read_only, engine=engine,
           workers=workers)


def _serve(data_dir: Path, **options) -> None:
    from search import EngineError
    from search.views import open_for_search
    from web.server import BindingError, serve_forever

    try:
        open_for_search(data_dir, options.get("engine"))
        serve_forever(data_dir, on_ready=lambda url: console().print(
            f"crescent serves {escape(str(data_dir))} on [bold]{escape(url)}[/] (Ctrl-C ends)"),
            **options)
    except (BindingError, EngineError) as error:
        raise CliError(str(error)) from None

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
    from monitor.watches import build_watch

    added = create(data_dir, build_watch(name, query, languages=languages, sources=sources,
                                         exact=exact, notify=urls))
    console().print(f"added watch [bold]{escape(added.name)}[/]: {escape(added.query)} "
                    f"(in {escape(str(data_dir / 'watches.toml'))}); it reports articles "
                    "archived from now on")


@watch.command("edit")
@click.argument("name")
@click.option("--rename", "new_name", metavar="NAME",
              help="A new name (its alerts and its place go with it).")
@click.option("--query", help="A new query (it applies to articles archived from now on).")
@click.option("--lang", "languages", callback=parse_languages,
              help="Only these languages, comma-separated (replaces the old ones).")
@click.option("--any-lang", is_flag=True, help="Drop the language filter.")
@click.option("--source", "sources", multiple=True,
              help="Only this source (repeatable; replaces the old ones).")
@click.option("--any-source", is_flag=True, help="Drop the source filter.")
@click.option("--exact/--no-exact", default=None, help="Match the words as written, or not.")
@click.option("--notify", "urls", multiple=True, metavar="URL",
              help="Apprise URL (repeatable; replaces the old destinations).")
@click.option("--no-notify", is_flag=True, help="Drop every destination (the feed stays).")
@data_option()
@_watch_errors
def watch_edit(name, new_name, query, languages, any_lang, sources, any_source, exact, urls,
               no_notify, data_dir) -> None:
    """Change a watch; what is not given stays. Checked as `watch add` checks (exit 2).

    \b
    crescent watch edit Kızılay --query 'Kızılay OR "Türk Kızılay"' --lang tr
    crescent watch edit Aslanov --rename Novruz --no-notify
    """
    from monitor.run import change
    from monitor.watches import build_watch, find, load_watches

    old = find(load_watches(data_dir), name)
    saved = change(data_dir, name, build_watch(
        new_name or old.name, old.query if query is None else query,
        languages=[] if any_lang else (languages or old.languages),
        sources=[] if any_source else (sources or old.sources),
        exact=old.exact if exact is None else exact,
        notify=[] if no_notify else (urls or old.notify)))
    console().print(f"saved watch [bold]{escape(saved.name)}[/]: {escape(saved.query)}; new "
                    "settings apply to articles archived from now on")


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
