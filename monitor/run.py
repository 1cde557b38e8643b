"""Running watches: find the articles new to each watch, record them, write feeds, deliver.

New means first archived after the watch's place in the archive journal, whatever the
publication date. Only the journal lines after the lowest place are read (never the whole
archive), a batch at a time; each watch's query runs through the search engine interface,
restricted to the batch's article ids, so it is the same query on Whoosh and on tantivy as
``crescent search`` runs. Each watch records a batch (its alerts, its folded reprints, its new
place) in one transaction, then deliveries go out, one digest per destination; a destination's
alerts are marked delivered only after it took the message.

The caller holds the data directory's crawl lock (``crescent crawl`` and ``crescent watch run``
do), so the index is not being written while the watches read it.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from whoosh import query as wq

from archive import journal
from monitor import feeds, notify
from monitor.state import State
from monitor.watches import Watch, WatchError, find, load_watches, parsed_query

BATCH = 1000  # journal entries matched (and recorded) at a time
LATE_AFTER = timedelta(days=7)  # published this long before it was archived: "found late"
MESSAGE_ALERTS = 200  # alerts in one message at most; the rest go in the next run's
TITLE_CHARS, SNIPPET_CHARS = 300, 600


class MonitorError(ValueError):
    """Watches cannot run here (no index to match with, …): said in one line."""


@dataclass
class WatchResult:
    name: str
    new: list[dict[str, Any]] = field(default_factory=list)
    folded: int = 0
    looked_at: int = 0  # articles new to this watch that it matched its query against
    pending: int = 0  # alerts still owed to some destination after this run
    feed: str = ""


@dataclass
class DeliveryResult:
    destination: str  # masked
    ok: bool
    alerts: int
    watches: dict[str, int]
    subject: str
    error: str = ""


@dataclass
class RunReport:
    watches: list[WatchResult] = field(default_factory=list)
    deliveries: list[DeliveryResult] = field(default_factory=list)
    seconds: float = 0.0
    recorded: bool = True

    @property
    def new_count(self) -> int:
        return sum(len(w.new) for w in self.watches)

    @property
    def failed(self) -> list[DeliveryResult]:
        return [d for d in self.deliveries if not d.ok]

    def as_json(self) -> dict[str, Any]:
        return {
            "seconds": round(self.seconds, 3), "recorded": self.recorded,
            "watches": [{"name": w.name, "new": [public(e) for e in w.new], "folded": w.folded,
                         "looked_at": w.looked_at, "pending": w.pending, "feed": w.feed}
                        for w in self.watches],
            "deliveries": [{"destination": d.destination, "ok": d.ok, "alerts": d.alerts,
                            "watches": d.watches, "subject": d.subject, "error": d.error}
                           for d in self.deliveries],
        }


def public(entry: dict[str, Any]) -> dict[str, Any]:
    """An alert for JSON output: the snippet's match marks as «»."""
    out = dict(entry)
    out["snippet"] = feeds.snippet_text(entry.get("snippet", ""))
    return out


def now_utc() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- matching --------------------------------------------------------------------------------
SCRATCH = "state/watch-batch"  # + "-PID": a run's small index of its batch (removed after it)
PATH_RE = re.compile(r"^[a-z0-9_]{1,64}/\d{4}/\d{2}/[0-9a-f]{16}\.json$")


class Matcher:
    """Runs watch queries on one batch of new articles through the engine interface.

    The batch's articles are matched in the data directory's own index, restricted to their
    ids (``Engine.matching_ids``: on Whoosh it reads only the segments that hold them, the
    newest). An article the index does not hold yet (a crawl killed between archiving it and
    its index commit) is indexed with the others like it in a scratch index of the same engine,
    so that no alert waits for a reindex. Matching is the same as `crescent search`'s: same
    analysis, same parsed query, same engine.
    """

    def __init__(self, data_dir: Path, engine: str | None = None) -> None:
        from search.engine import configured_engine

        self.data_dir = Path(data_dir)
        self.engine_name = engine or configured_engine(self.data_dir)
        self.scratch = self.data_dir / f"{SCRATCH}-{os.getpid()}"
        _remove_dead_scratch(self.scratch.parent)
        self.records: dict[str, dict[str, Any]] = {}
        self.paths: dict[str, str] = {}
        self.newest: dict[str, str] = {}
        self._store = None
        self.engine = None  # the scratch index of the articles the main index lacks
        self.main = None
        self.indexed: set[str] = set()  # the batch's articles the main index holds

    def parsed(self, watch: Watch) -> wq.Query:
        return parsed_query(watch.query, watch.exact)

    def _path(self, entry: journal.Entry) -> str | None:
        """Where a journaled article is now: as journaled, else found by walking the archive
        (its month moved, or the journal line predates paths)."""
        if PATH_RE.match(entry.path) and (self.data_dir / "archive" / entry.path).is_file():
            return entry.path
        if self._store is None:
            from archive.store import ArchiveStore

            self._store = ArchiveStore(self.data_dir / "archive")
        found = self._store.path_of(entry.id)
        return self._store.relative(found) if found else None

    def load(self, entries: list[journal.Entry]) -> None:
        """Read the batch's new articles and index them in a fresh scratch index."""
        from search.engine import open_engine
        from search.index import document_for

        self.close()
        self.records, self.paths = {}, {}
        documents = []
        for entry in entries:
            if entry.kind != "new" or entry.id in self.records:
                continue
            relative = self._path(entry)
            record = _read_record(self.data_dir, relative) if relative else None
            if record is None or record.get("id") != entry.id:
                continue  # journaled, then killed before its file was written: next crawl
            try:
                documents.append(document_for(record, relative))
            except (KeyError, TypeError, ValueError):
                continue  # not a valid article (`crescent check` names it)
            self.records[entry.id], self.paths[entry.id] = record, relative
        self.newest = {}  # source → the latest publication time among the batch's articles
        for record in self.records.values():
            source, published = str(record.get("source")), str(record.get("published") or "")
            if feeds.parse_time(published) > feeds.parse_time(self.newest.get(source)):
                self.newest[source] = published
        if not documents:
            return
        if self.main is None:
            self.main = open_engine(self.data_dir, self.engine_name)
        self.indexed = self.main.present_ids(self.records) if self.main.exists() else set()
        # The main index holds what it holds now: a version of an article newer than the one
        # indexed would be matched as indexed (the crawl indexes each version as it saves it).
        missing = [document for document in documents if document["id"] not in self.indexed]
        if missing:
            engine_class = type(self.main)
            engine_class(self.scratch).rebuild(missing)
            self.engine = engine_class(self.scratch)

    def matches(self, watch: Watch, ids: list[str]) -> set[str]:
        """Of ``ids`` (in the loaded batch), those ``watch`` matches."""
        from search.engine import Filters

        wanted = set(ids) & set(self.records)
        if not wanted:
            return set()
        filters = Filters(languages=tuple(watch.languages), sources=tuple(watch.sources))
        found: set[str] = set()
        in_main = wanted & self.indexed
        if in_main and self.main is not None:
            found |= self.main.matching_ids(self.parsed(watch), filters, in_main)
        if wanted - in_main and self.engine is not None:
            found |= self.engine.matching_ids(self.parsed(watch), filters, wanted - in_main)
        return found & wanted

    def close(self) -> None:
        self.engine = None
        self.indexed = set()
        shutil.rmtree(self.scratch, ignore_errors=True)
        for leftover in self.scratch.parent.glob(f"{self.scratch.name}.*"):  # .new / .old
            shutil.rmtree(leftover, ignore_errors=True)


def _remove_dead_scratch(folder: Path) -> None:
    """Scratch indexes left by runs that were killed (their process is gone)."""
    prefix = Path(SCRATCH).name + "-"
    for path in folder.glob(f"{prefix}*") if folder.is_dir() else ():
        pid = path.name[len(prefix):].split(".")[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
        except PermissionError:
            pass  # another user's live process


def _read_record(data_dir: Path, relative: str) -> dict[str, Any] | None:
    import json

    try:
        record = json.loads((Path(data_dir) / "archive" / relative).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def make_entry(record: dict[str, Any], archived_at: str, snippet: str,
               newest: str | None = None) -> dict[str, Any]:
    """An alert. "Found late": published over a week before it was archived and before the
    newest article its source published in the same batch (a crawl of a site's archive
    pages is not all late)."""
    published = str(record.get("published") or "")
    reference = min(feeds.parse_time(archived_at), feeds.parse_time(newest or archived_at))
    late = reference - feeds.parse_time(published) > LATE_AFTER
    return {
        "id": record["id"], "url": str(record.get("url", ""))[:2000],
        "title": str(record.get("title", ""))[:TITLE_CHARS],
        "source": str(record.get("source", "")), "language": str(record.get("language", "")),
        "published": published, "archived_at": archived_at, "late": bool(late),
        "snippet": snippet[:SNIPPET_CHARS], "also": [],
    }


def _also(record: dict[str, Any]) -> dict[str, Any]:
    return {"id": record["id"], "source": str(record.get("source", "")),
            "url": str(record.get("url", ""))[:2000],
            "title": str(record.get("title", ""))[:TITLE_CHARS],
            "language": str(record.get("language", ""))}


def _batch_for_watch(data_dir: Path, watch: Watch, state: State, matcher: Matcher,
                     window: list[journal.Entry]) -> tuple[list, list, list, int]:
    """A watch's alerts in one window of the journal: (new, folded, updated, looked at)."""
    from search.snippets import SnippetMatcher, make_snippet

    archived_at: dict[str, str] = {}
    for entry in window:
        if entry.kind == "new":
            archived_at.setdefault(entry.id, entry.at)
    # Reprint links made in this window: R now points at X (X arrived after R).
    pointed_at: dict[str, list[str]] = {}
    for entry in window:
        if entry.kind == "duplicate" and entry.duplicate_of:
            pointed_at.setdefault(entry.duplicate_of, []).append(entry.id)
    already = state.reported(watch.name, archived_at)
    candidates = [i for i in archived_at if i not in already]
    hits = matcher.matches(watch, candidates)
    new: list[dict[str, Any]] = []
    by_id: dict[str, dict[str, Any]] = {}  # this batch's alerts, and earlier ones it touched
    folded: list[tuple[str, str]] = []
    touched: dict[str, dict[str, Any]] = {}
    into: dict[str, str] = {}  # reprint → alert, for this batch
    snippets = None

    def alert_of(article_id: str) -> dict[str, Any] | None:
        target = into.get(article_id, article_id)
        if target in by_id:
            return by_id[target]
        target = state.reported(watch.name, [target]).get(target)
        if target is None:
            return None
        if target not in touched:
            found = state.entry(watch.name, target)
            if found is None:
                return None
            touched[target] = found
        return touched[target]

    records = {i: matcher.records[i] for i in candidates if i in hits}
    # An original found in the same batch as its reprint becomes the alert, whichever of the
    # two the crawl archived first.
    order = sorted(records, key=lambda i: records[i].get("duplicate_of") in records)
    for article_id in order:
        record = records[article_id]
        original = record.get("duplicate_of")
        target = alert_of(original) if original else None
        if target is None:
            for reprint in pointed_at.get(article_id, ()):
                target = alert_of(reprint)
                if target is not None:
                    break
        if target is not None:
            if article_id not in {a["id"] for a in target["also"]}:
                target["also"].append(_also(record))
                target["updated"] = archived_at[article_id]
            folded.append((article_id, target["id"]))
            into[article_id] = target["id"]
            continue
        if snippets is None:
            snippets = SnippetMatcher(matcher.parsed(watch))
        snippet = make_snippet(str(record.get("text", ""))[:200_000],
                               str(record.get("language", "")), snippets)
        entry = make_entry(record, archived_at[article_id], snippet,
                           matcher.newest.get(str(record.get("source"))))
        if original:
            entry["reprint_of"] = original
        new.append(entry)
        by_id[article_id] = entry
    updated = [entry for entry in touched.values()]
    return new, folded, updated, len(candidates)


# --- the run ---------------------------------------------------------------------------------
def select(data_dir: Path, names: list[str] | None) -> list[Watch]:
    watches = load_watches(data_dir)
    if not names:
        return watches
    return [find(watches, name) for name in dict.fromkeys(names)]


def run_watches(data_dir: Path, names: list[str] | None = None, *, engine: str | None = None,
                record: bool = True, deliver: bool = True,
                environ: dict[str, str] | None = None) -> RunReport:
    """Run the watches (all, or ``names``): match what is new to each, record, write feeds and
    deliver. ``record=False`` (``watch test``) reports what would be found and records nothing.
    """
    started = time.monotonic()
    data_dir = Path(data_dir)
    watches = select(data_dir, names)
    report = RunReport(recorded=record)
    if not watches:
        return report
    path = journal.journal_path(data_dir / "archive")
    end = journal.end_offset(path)
    state = State(data_dir)
    try:
        at = now_utc()
        places = {}
        for watch in watches:
            if record:
                places[watch.name] = state.start(watch.name, watch.created or at, end).cursor
            else:
                known = state.watch(watch.name)
                places[watch.name] = known.cursor if known else end
            report.watches.append(WatchResult(watch.name))
        results = {r.name: r for r in report.watches}
        changed: set[str] = set()
        _match_all(data_dir, watches, state, places, results, changed, path, end, engine,
                   record, at)
        if record:
            for watch in watches:
                state.drop_destinations(watch.name, watch.notify)
                if watch.name in changed or not feeds.feed_path(data_dir, watch.name).exists():
                    feeds.write_feed(data_dir, watch.name, watch.query, state.latest(watch.name))
                results[watch.name].feed = str(feeds.feed_path(data_dir, watch.name))
            if deliver:
                report.deliveries = deliver_pending(data_dir, watches, state, environ=environ)
            for watch in watches:
                results[watch.name].pending = state.pending_count(watch.name)
    finally:
        state.close()
    report.seconds = time.monotonic() - started
    return report


def _match_all(data_dir: Path, watches: list[Watch], state: State, places: dict[str, int],
               results: dict[str, WatchResult], changed: set[str], path: Path, end: int,
               engine: str | None, record: bool, at: str) -> None:
    low = min(places.values())
    if low >= end:
        if record:
            state.ran(places, at)
        return
    matcher = Matcher(data_dir, engine)
    try:
        _match_batches(data_dir, watches, state, places, results, changed, path, end, matcher,
                       record, at, low)
    finally:
        matcher.close()
    if record:
        state.ran(places, at)


def _match_batches(data_dir: Path, watches: list[Watch], state: State, places: dict[str, int],
                   results: dict[str, WatchResult], changed: set[str], path: Path, end: int,
                   matcher: Matcher, record: bool, at: str, low: int) -> None:
    position = low
    while position < end:
        batch = [(e, p) for e, p in journal.read_from(path, position, limit=BATCH) if p <= end]
        if not batch:
            break
        batch_end = batch[-1][1]
        matcher.load([e for e, p in batch if p > low])
        runs = []
        for watch in watches:
            place = places[watch.name]
            if place >= batch_end:
                continue
            window = [e for e, p in batch if p > place]
            new, folded, updated, looked = _batch_for_watch(data_dir, watch, state, matcher,
                                                            window)
            result = results[watch.name]
            result.new.extend(new)
            result.folded += len(folded)
            result.looked_at += looked
            if new or folded:
                changed.add(watch.name)
            runs.append({"name": watch.name, "cursor": batch_end, "new": new,
                         "folded": folded, "updated": updated,
                         "destinations": list(watch.notify)})
            places[watch.name] = batch_end
        if record:  # the batch's alerts and places of every watch, in one transaction
            state.record_batch(runs, at)
        position = batch_end


# --- delivery --------------------------------------------------------------------------------
def subject_of(counts: dict[str, int]) -> str:
    total = sum(counts.values())
    parts = ", ".join(f"{name} {count}" for name, count in
                      sorted(counts.items(), key=lambda item: (-item[1], item[0])))
    return f"crescent: {total} new mention{'s' if total != 1 else ''} ({parts})"


def digest_html(sections: dict[str, list[dict[str, Any]]], watches: dict[str, Watch],
                data_dir: Path) -> str:
    """One message with a section per watch: headline, source, language, date, link, snippet."""
    parts = []
    for name, entries in sections.items():
        watch = watches.get(name)
        query = f" — <code>{html.escape(watch.query)}</code>" if watch else ""
        parts.append(f"<h2>{html.escape(name)}: {len(entries)} new{query}</h2>")
        items = []
        for entry in entries:
            url = html.escape(feeds.clean(entry.get("url"), 2000))
            title = html.escape(feeds.clean(entry.get("title"), TITLE_CHARS))
            items.append(f'<li><p><a href="{url}"><strong>{title}</strong></a><br>'
                         f"{feeds.entry_summary_html(entry)}<br>"
                         f'<a href="{url}">{url}</a></p></li>')
        parts.append("<ul>" + "".join(items) + "</ul>")
        feed = feeds.feed_path(data_dir, name)
        parts.append(f"<p>Feed: {html.escape(str(feed))}</p>")
    return "\n".join(parts)


def deliver_pending(data_dir: Path, watches: list[Watch], state: State, *,
                    environ: dict[str, str] | None = None) -> list[DeliveryResult]:
    """Send each destination one digest of what it is owed by ``watches``; mark delivered
    only what it took."""
    by_name = {w.name: w for w in watches}
    results = []
    for destination, sections in state.pending(by_name).items():
        shown: dict[str, list[dict[str, Any]]] = {}
        room = MESSAGE_ALERTS
        for name, entries in sections.items():
            if room <= 0:
                break
            shown[name] = entries[:room]
            room -= len(shown[name])
        # Sections in the subject's order: most mentions first.
        shown = dict(sorted(shown.items(), key=lambda item: (-len(item[1]), item[0])))
        counts = {name: len(entries) for name, entries in shown.items()}
        subject = subject_of(counts)
        body = digest_html(shown, by_name, data_dir)
        sent = notify.send(destination, subject, body, environ=environ)
        at = now_utc()
        items = [(name, e["id"]) for name, entries in shown.items() for e in entries]
        if sent.ok:
            state.delivered(destination, items, at)
        else:
            state.failed(destination, len(items), at, sent.error)
        results.append(DeliveryResult(notify.mask(destination), sent.ok, len(items), counts,
                                      subject, sent.error))
    return results


def describe(data_dir: Path, name: str, *, latest: int = 10,
             marked: bool = False) -> dict[str, Any]:
    """A watch's settings, state, latest alerts (each with ``reported_at``, when its run found
    it) and deliveries (``watch show``). ``marked`` keeps the snippets' match marks for a page
    that marks them itself; otherwise they are shown as «»."""
    watch = find(load_watches(data_dir), name)
    with State(data_dir) as state:
        known = state.watch(name)
        deliveries = state.last_deliveries(watch.notify)
        return {
            **watch.as_json(),
            "last_run": known.last_run if known else None,
            "alerts": state.count(name), "pending": state.pending_count(name),
            "feed": str(feeds.feed_path(data_dir, name)),
            "latest": [{**(dict(entry) if marked else public(entry)), "reported_at": at}
                       for at, entry in state.recent(name, latest)],
            "deliveries": {notify.mask(d): {"at": at, "ok": ok, "error": error}
                           for d, (at, ok, error) in deliveries.items()},
        }


def summaries(data_dir: Path) -> list[dict[str, Any]]:
    """Every watch with its counts (``watch list``)."""
    watches = load_watches(data_dir)
    out = []
    with State(data_dir) as state:
        for watch in watches:
            known = state.watch(watch.name)
            out.append({**watch.as_json(), "last_run": known.last_run if known else None,
                        "alerts": state.count(watch.name),
                        "pending": state.pending_count(watch.name)})
    return out


def forget(data_dir: Path, name: str) -> Watch:
    """Remove a watch: from the file, its state and its feed."""
    from monitor.watches import remove_watch

    watch = remove_watch(data_dir, name)
    with State(data_dir) as state:
        state.forget(name)
    feeds.remove_feed(data_dir, name)
    return watch


def create(data_dir: Path, watch: Watch) -> Watch:
    """Add a watch to the file and start it at the journal's end: only what is archived from
    now on is new to it."""
    from monitor.watches import add_watch

    watch = add_watch(data_dir, watch)
    end = journal.end_offset(journal.journal_path(Path(data_dir) / "archive"))
    with State(data_dir) as state:
        state.forget(watch.name)  # a state left by an earlier watch of that name, removed by hand
        state.start(watch.name, watch.created, end)
    return watch


def change(data_dir: Path, name: str, watch: Watch) -> Watch:
    """Replace watch ``name`` by ``watch``, checked as ``create`` checks a new one. It keeps its
    place in the journal and its alerts (under its new name if renamed); a changed query
    applies to what is archived from now on. Its feed is rewritten at once (title, query)."""
    from monitor.watches import update_watch

    old, watch = update_watch(data_dir, name, watch)
    with State(data_dir) as state:
        state.rename(old.name, watch.name)
        if old.name != watch.name:
            feeds.remove_feed(data_dir, old.name)
        if state.watch(watch.name) is not None:
            feeds.write_feed(data_dir, watch.name, watch.query, state.latest(watch.name))
    return watch


__all__ = ["MonitorError", "RunReport", "WatchError", "change", "create", "describe", "forget",
           "run_watches", "subject_of", "summaries"]
