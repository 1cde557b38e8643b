"""Source health: each source's crawl history and the flags that say it broke quietly.

A redesigned or blocking site looks like a quiet news week: the crawl ends without error and
archives nothing. The history (``DATA/health/<source>.json``) keeps, per crawl, what the crawl
report says about the source; the flags compare the latest crawl with the source's own earlier
crawls, so a small Turkmen site and a large Turkish agency are each judged by their own habits.

The history is derived from the crawl reports (``DATA/crawls/*.json``): :func:`update_history`
appends every report it has not seen yet, so it catches up after a crawl that was killed before
recording, and running it twice changes nothing.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import statistics
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from archive.atomic import atomic_write_bytes, remove_temp_files

HISTORY_DIR = "health"
NOTIFIED_FILE = "notified.json"  # the flags last announced per source (see changes_to_announce)
MAX_ENTRIES = 200  # crawls kept per source
BASELINE = 10  # earlier crawls a figure is compared with (their median)
REPORT_NAME = re.compile(r"\d{8}T\d{6,12}Z-(.+)\.json")
PAGE_DATE_SOURCES = ("json-ld", "meta", "time-element", "text")  # on the page, not url/feed
INTERRUPTED = "shutdown"  # Scrapy's finish reason after Ctrl-C or SIGTERM
IGNORED_REASONS = ("before-since",)  # rejections the crawl's own options cause
# Thresholds, each relative to the source's own median over its last BASELINE crawls.
REJECTION_FACTOR, REJECTION_MARGIN = 2, 3  # flagged when count >= 2 × median + 3
COLLAPSE_SHARE, COLLAPSE_MIN = 0.25, 8  # article links seen < 25 % of a median of >= 8
QUIET_FACTOR, QUIET_MIN = 4, timedelta(days=2)  # no new article for 4 × the usual gap (>= 2 d)
QUIET_SAMPLE = 30  # latest publication days the usual gap is measured on
SHARE_DROP = 0.3  # a share (page dates, expected language) falling this far below its median
SHARE_MIN_ARTICLES = 3  # articles a crawl needs before its shares are judged


@dataclass
class Flag:
    """A reason to look at a source, with the figures that raised it."""

    source: str
    key: str  # stable identity for announcements: "no-links", "rejections:no-date", …
    message: str
    figures: dict[str, Any] = field(default_factory=dict)


@dataclass
class SourceHealth:
    source: str
    crawls: list[dict]  # the latest first
    flags: list[Flag]


# -- history ------------------------------------------------------------------------------------

def entry_from_report(name: str, report: dict) -> dict:
    """One crawl of one source, as the health history keeps it."""
    stats = report.get("stats") or {}

    def count(key: str) -> int:
        value = stats.get(key, 0)
        return int(value) if isinstance(value, int | float) else 0

    def prefixed(prefix: str) -> dict[str, int]:
        return {key[len(prefix):]: count(key) for key in sorted(stats)
                if key.startswith(prefix)}

    figures = report.get("figures")
    by_language = prefixed("crescent/articles/")
    found = sum(by_language.values())
    rejected = {reason: n for reason, n in prefixed("crescent/rejected/").items()
                if reason not in IGNORED_REASONS and n}
    entry: dict[str, Any] = {
        "report": name,
        "finished": _finished(name, stats),
        "finish_reason": report.get("finish_reason"),
        "pages": count("response_received_count"),
        "listing_pages": count("crescent/listing_pages"),
        "links": None, "seen": None, "listings": None,  # counted since source health exists
        "found": found,
        "new": count("crescent/archive/new"),
        "updated": count("crescent/archive/updated"),
        "rejected": rejected,
        "date_from_page": None, "expected_language": None, "median_words": None,
        "published": [],
    }
    if isinstance(figures, dict):
        dated = prefixed("crescent/date_source/")
        languages = [lang for lang in figures.get("languages") or [] if isinstance(lang, str)]
        expected = sum(n for lang, n in by_language.items() if lang in languages)
        entry.update(
            links=count("crescent/listing_links"), seen=count("crescent/article_links"),
            listings=int(figures.get("listings") or 0),
            date_from_page=_share(sum(dated.get(s, 0) for s in PAGE_DATE_SOURCES), found),
            expected_language=_share(expected, found) if languages else None,
            median_words=figures.get("median_words"),
            published=[day for day in figures.get("published") or [] if _is_day(day)][-200:])
    return entry


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def _is_day(value: Any) -> bool:
    return isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) is not None


def _finished(name: str, stats: dict) -> str:
    value = stats.get("finish_time")
    if isinstance(value, str):
        try:
            return _aware(datetime.fromisoformat(value)).isoformat()
        except ValueError:
            pass
    stamp = re.match(r"(\d{8}T\d{6})", name)  # report names start with the UTC time
    when = datetime.strptime(stamp[1], "%Y%m%dT%H%M%S") if stamp else datetime.now(UTC)
    return _aware(when).isoformat()


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def history_dir(data_dir: Path) -> Path:
    return data_dir / HISTORY_DIR


def _safe_source(name: Any) -> bool:
    # A source name becomes a file name: only what spider names are made of.
    return isinstance(name, str) and re.fullmatch(r"[a-z0-9_][a-z0-9_.-]{0,99}", name) is not None


def load_history(data_dir: Path) -> dict[str, list[dict]]:
    """Every source's crawl entries, oldest first."""
    histories: dict[str, list[dict]] = {}
    directory = history_dir(data_dir)
    if not directory.is_dir():
        return histories
    for path in sorted(directory.glob("*.json")):
        if path.name == NOTIFIED_FILE or not _safe_source(path.stem):
            continue
        try:
            entries = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            continue  # rebuilt from the crawl reports by update_history
        if isinstance(entries, list):
            histories[path.stem] = [e for e in entries if isinstance(e, dict)]
    return histories


def update_history(data_dir: Path, *, write: bool = True) -> dict[str, list[dict]]:
    """Append the crawl reports not yet in the history; return every source's history.

    Idempotent: a report already recorded (by its file name) is skipped. With ``write`` false
    (a read-only data directory) the histories are brought up to date in memory only.
    """
    histories = load_history(data_dir)
    recorded = {source: {e.get("report") for e in entries} for source, entries in
                histories.items()}
    # A full history has dropped its oldest crawls: reports older than what it keeps stay out.
    kept_from = {source: min(str(e.get("report")) for e in entries)
                 for source, entries in histories.items() if len(entries) >= MAX_ENTRIES}
    changed: set[str] = set()
    reports = data_dir / "crawls"
    for path in sorted(reports.glob("*.json")) if reports.is_dir() else ():
        named = REPORT_NAME.fullmatch(path.name)  # "<UTC stamp>-<source>.json"
        if named and (path.name in recorded.get(named[1], ())
                      or path.name < kept_from.get(named[1], "")):
            continue  # known without reading it: the common case, thousands of reports
        try:
            report = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            continue
        source = report.get("source") if isinstance(report, dict) else None
        if not _safe_source(source) or path.name in recorded.get(source, ()):
            continue
        histories.setdefault(source, []).append(entry_from_report(path.name, report))
        recorded.setdefault(source, set()).add(path.name)
        changed.add(source)
    for source in changed:
        entries = sorted(histories[source], key=lambda e: (e.get("finished") or "",
                                                           e.get("report") or ""))
        histories[source] = entries[-MAX_ENTRIES:]
        if write:
            atomic_write_bytes(history_dir(data_dir) / f"{source}.json",
                               json.dumps(histories[source], ensure_ascii=False,
                                          indent=1).encode("utf-8"))
    if write and history_dir(data_dir).is_dir():
        remove_temp_files(history_dir(data_dir))
    return histories


# -- flags --------------------------------------------------------------------------------------

def flags_for(source: str, entries: list[dict]) -> list[Flag]:
    """The flags of a source's latest crawl, judged against its earlier crawls.

    A crawl stopped by hand (Ctrl-C, SIGTERM: finish reason ``shutdown``) saw only part of
    the site; it is neither judged nor used as a yardstick.
    """
    entries = [e for e in entries if e.get("finish_reason") != INTERRUPTED]
    if not entries:
        return []
    latest, earlier = entries[-1], entries[:-1][-BASELINE:]
    flags = [flag for check in (_no_links, _collapse, _rejections, _page_dates, _language)
             for flag in check(source, latest, earlier)]
    quiet = _quiet(source, entries)
    return flags + ([quiet] if quiet else [])


def _median(values: Iterable[float | int | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def _fetch_failures(entry: dict) -> dict[str, int]:
    return {reason: n for reason, n in entry["rejected"].items()
            if reason.startswith("http-") or reason in ("unreachable", "timeout",
                                                        "robots-disallowed", "broken-response")}


def _no_links(source: str, latest: dict, earlier: list[dict]) -> list[Flag]:
    if latest.get("links") != 0 or not latest.get("listings"):
        return []
    usual = _median(e.get("links") for e in earlier)
    if usual == 0 and latest["listing_pages"]:
        return []  # listings read as ever, and as ever without article links (fed by a feed)
    failed = _fetch_failures(latest)
    message = (f"no article links found on its listing pages: 0 links on "
               f"{latest['listing_pages']} listing page(s) fetched of {latest['listings']}")
    if usual is not None:
        message += f" (usually {usual:g} links)"
    if failed:
        message += "; failed requests: " + ", ".join(f"{k} {v}" for k, v in failed.items())
    return [Flag(source, "no-links", message,
                 {"links": 0, "listing_pages": latest["listing_pages"],
                  "listings": latest["listings"], "usual_links": usual, "failed": failed})]


def _collapse(source: str, latest: dict, earlier: list[dict]) -> list[Flag]:
    usual = _median(e.get("seen") for e in earlier)
    seen = latest.get("seen")
    if seen is None or usual is None or usual < COLLAPSE_MIN or seen >= COLLAPSE_SHARE * usual:
        return []
    return [Flag(source, "collapse",
                 f"articles per crawl collapsed: {seen} article links seen, usually {usual:g} "
                 f"(median of the {len(earlier)} crawl(s) before)",
                 {"seen": seen, "usual_seen": usual, "crawls_compared": len(earlier)})]


def _rejections(source: str, latest: dict, earlier: list[dict]) -> list[Flag]:
    if not earlier:
        return []
    flags = []
    for reason, count in sorted(latest["rejected"].items()):
        usual = statistics.median(e["rejected"].get(reason, 0) for e in earlier)
        if count >= REJECTION_FACTOR * usual + REJECTION_MARGIN:
            flags.append(Flag(source, f"rejections:{reason}",
                              f"'{reason}' rejections jumped: {count} this crawl, usually "
                              f"{usual:g} (median of the {len(earlier)} crawl(s) before)",
                              {"reason": reason, "count": count, "usual": usual,
                               "crawls_compared": len(earlier)}))
    return flags


def _share_drop(source: str, key: str, latest: dict, earlier: list[dict], what: str,
                ) -> list[Flag]:
    # Shares of a crawl with one or two articles are noise: neither judged nor a yardstick.
    share = latest.get(key)
    usual = _median(e.get(key) for e in earlier if e["found"] >= SHARE_MIN_ARTICLES)
    if (share is None or usual is None or latest["found"] < SHARE_MIN_ARTICLES
            or share > usual - SHARE_DROP):
        return []
    return [Flag(source, key, f"{what} fell to {share:.0%} of {latest['found']} article(s), "
                              f"usually {usual:.0%}",
                 {"share": share, "usual_share": usual, "articles": latest["found"]})]


def _page_dates(source: str, latest: dict, earlier: list[dict]) -> list[Flag]:
    return _share_drop(source, "date_from_page", latest, earlier,
                       "articles dated from the page itself")


def _language(source: str, latest: dict, earlier: list[dict]) -> list[Flag]:
    return _share_drop(source, "expected_language", latest, earlier,
                       "articles in the source's own languages")


def usual_gap(entries: list[dict]) -> timedelta | None:
    """The median gap between the source's latest publication days (at least one day)."""
    days = sorted({day for e in entries for day in e.get("published") or []})[-QUIET_SAMPLE:]
    if len(days) < 2:
        return None
    parsed = [date.fromisoformat(day) for day in days]
    gaps = [(b - a).days for a, b in itertools.pairwise(parsed)]
    return timedelta(days=max(1, statistics.median(gaps)))


def _quiet(source: str, entries: list[dict]) -> Flag | None:
    gap = usual_gap(entries)
    if gap is None:
        return None
    latest = datetime.fromisoformat(entries[-1]["finished"])
    with_new = [e for e in entries if e.get("new")]
    since = datetime.fromisoformat((with_new or entries)[-1]["finished"])
    limit = max(QUIET_FACTOR * gap, QUIET_MIN)
    silent = latest - since
    if silent <= limit:
        return None
    last = f"last one archived {since:%Y-%m-%d}" if with_new else "none since the first crawl"
    return Flag(source, "quiet",
                f"no new article for {_days(silent)} ({last}); it usually publishes every "
                f"{_days(gap)}", {"silent_days": round(silent / timedelta(days=1), 1),
                                  "usual_gap_days": round(gap / timedelta(days=1), 1),
                                  "since": since.isoformat()})


def _days(span: timedelta) -> str:
    days = span / timedelta(days=1)
    return f"{days:.0f} day{'s' if round(days) != 1 else ''}" if days >= 1 else \
        f"{span / timedelta(hours=1):.0f} hours"


# -- reports ------------------------------------------------------------------------------------

def source_health(data_dir: Path, *, last: int = 5, write: bool = True) -> list[SourceHealth]:
    """Every source with a history: its latest crawls (newest first) and current flags."""
    histories = update_history(data_dir, write=write and os.access(data_dir, os.W_OK))
    return [SourceHealth(source, list(reversed(entries[-last:])), flags_for(source, entries))
            for source, entries in sorted(histories.items())]


def health_json(report: list[SourceHealth]) -> dict[str, Any]:
    return {item.source: {"flags": [asdict(flag) for flag in item.flags],
                          "crawls": item.crawls} for item in report}


# -- announcements ------------------------------------------------------------------------------

@dataclass
class Announcement:
    title: str
    body: str
    raised: list[Flag]
    cleared: list[tuple[str, str]]  # (source, flag key)


def announced(data_dir: Path) -> dict[str, dict[str, str]]:
    """The flags already announced, by source and key (with the message sent)."""
    try:
        value = json.loads((history_dir(data_dir) / NOTIFIED_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return {source: {k: str(v) for k, v in flags.items()} for source, flags in value.items()
            if isinstance(flags, dict)} if isinstance(value, dict) else {}


def changes_to_announce(data_dir: Path, report: list[SourceHealth]) -> Announcement | None:
    """New flags and cleared ones since the last announcement, as one message (or None)."""
    before = announced(data_dir)
    raised = [flag for item in report for flag in item.flags
              if flag.key not in before.get(item.source, {})]
    current = {(item.source, flag.key) for item in report for flag in item.flags}
    known = {item.source for item in report}
    cleared = [(source, key) for source, flags in sorted(before.items()) if source in known
               for key in sorted(flags) if (source, key) not in current]
    if not raised and not cleared:
        return None
    sources = sorted({flag.source for flag in raised} | {source for source, _ in cleared})
    parts = []
    if raised:
        parts.append(f"{len(raised)} new flag(s)")
    if cleared:
        parts.append(f"{len(cleared)} cleared")
    title = f"crescent source health: {', '.join(parts)} ({', '.join(sources)})"
    lines = [f"NEW  {flag.source}: {flag.message}" for flag in raised]
    lines += [f"CLEARED  {source}: {before[source][key]}" for source, key in cleared]
    return Announcement(title, "\n".join(lines) + "\n", raised, cleared)


def mark_announced(data_dir: Path, report: list[SourceHealth]) -> None:
    """Record the current flags as announced (after the message went out)."""
    before = announced(data_dir)
    known = {item.source for item in report}
    state = {source: flags for source, flags in before.items() if source not in known}
    for item in report:
        if item.flags:
            state[item.source] = {flag.key: flag.message for flag in item.flags}
    atomic_write_bytes(history_dir(data_dir) / NOTIFIED_FILE,
                       json.dumps(state, ensure_ascii=False, indent=1).encode("utf-8"))


def check_notify_url(url: str) -> str | None:
    """Why Apprise cannot use ``url`` (None when it can): the watches' rule (monitor.notify)."""
    from monitor.notify import check_url  # Apprise loads only where messages are sent

    return check_url(url)


def send(urls: list[str], title: str, body: str) -> list[str]:
    """Send the health message to each Apprise URL; return the failures, one line each.

    Through monitor.notify, as the watches' digests: ``${NAME}`` in a URL is replaced by the
    environment variable NAME, passwords are masked in every line it returns.
    """
    from monitor.notify import send_all

    return send_all(urls, title, body, text=True)
