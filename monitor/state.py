"""What each watch has reported and still owes: ``DATA/watches.sqlite`` (SQLite, transactional).

Per watch: its place in the archive journal and its last run; every article it reported (once,
ever) and every reprint folded into one of them; and the outbox, one row per (alert,
destination) not yet delivered. A run records its matches and moves its place in one
transaction, and a delivery deletes its outbox rows only after the destination took the message:
a kill at any moment loses nothing, and repeats at most the one message that was being sent.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STATE_FILE = "watches.sqlite"
SCHEMA = """
CREATE TABLE IF NOT EXISTS watch (
    name TEXT PRIMARY KEY,
    created TEXT NOT NULL,
    cursor INTEGER NOT NULL,      -- byte offset in DATA/archive-journal.jsonl
    last_run TEXT
);
CREATE TABLE IF NOT EXISTS alert (
    watch TEXT NOT NULL,
    article_id TEXT NOT NULL,
    found_at TEXT NOT NULL,       -- the run that found it
    seq INTEGER NOT NULL,         -- order found, for "latest"
    entry TEXT NOT NULL,          -- JSON: headline, url, dates, source, language, snippet, also
    PRIMARY KEY (watch, article_id)
);
CREATE TABLE IF NOT EXISTS folded (
    watch TEXT NOT NULL,
    article_id TEXT NOT NULL,     -- a reprint ...
    into_id TEXT NOT NULL,        -- ... shown inside this alert
    PRIMARY KEY (watch, article_id)
);
CREATE TABLE IF NOT EXISTS outbox (
    watch TEXT NOT NULL,
    article_id TEXT NOT NULL,
    destination TEXT NOT NULL,    -- the notify URL as written (secrets as ${NAME})
    PRIMARY KEY (watch, article_id, destination)
);
CREATE TABLE IF NOT EXISTS delivery (
    destination TEXT NOT NULL,
    at TEXT NOT NULL,
    ok INTEGER NOT NULL,
    alerts INTEGER NOT NULL,
    error TEXT NOT NULL DEFAULT ''
);
"""


@dataclass
class WatchState:
    name: str
    created: str
    cursor: int
    last_run: str | None


class State:
    """The state database of one data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / STATE_FILE
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Owner only, like the watch file: a destination written with its password is kept here.
        os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
        self.db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")  # a committed run survives a power cut too
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> State:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # --- watches ------------------------------------------------------------------------
    def watch(self, name: str) -> WatchState | None:
        row = self.db.execute("SELECT name, created, cursor, last_run FROM watch WHERE name=?",
                              (name,)).fetchone()
        return WatchState(*row) if row else None

    def start(self, name: str, created: str, cursor: int) -> WatchState:
        """The watch's state, made now if it has none: a new watch starts at the journal's end."""
        self.db.execute("INSERT OR IGNORE INTO watch (name, created, cursor) VALUES (?, ?, ?)",
                        (name, created, cursor))
        found = self.watch(name)
        assert found is not None
        return found

    def forget(self, name: str) -> None:
        with self.transaction() as db:
            for table in ("watch", "alert", "folded", "outbox"):
                column = "name" if table == "watch" else "watch"
                db.execute(f"DELETE FROM {table} WHERE {column}=?", (name,))

    def rename(self, old: str, new: str) -> None:
        """A renamed watch keeps its place, its alerts and what it still owes."""
        if old == new:
            return
        with self.transaction() as db:
            for table in ("watch", "alert", "folded", "outbox"):
                column = "name" if table == "watch" else "watch"
                db.execute(f"DELETE FROM {table} WHERE {column}=?", (new,))
                db.execute(f"UPDATE {table} SET {column}=? WHERE {column}=?", (new, old))

    # --- alerts -------------------------------------------------------------------------
    def reported(self, watch: str, article_ids: Iterable[str]) -> dict[str, str]:
        """Of ``article_ids``, those this watch reported or folded → the alert they are in."""
        found: dict[str, str] = {}
        ids = list(article_ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for (article_id,) in self.db.execute(
                    f"SELECT article_id FROM alert WHERE watch=? AND article_id IN ({marks})",
                    (watch, *chunk)):
                found[article_id] = article_id
            for article_id, into in self.db.execute(
                    f"SELECT article_id, into_id FROM folded WHERE watch=? "
                    f"AND article_id IN ({marks})", (watch, *chunk)):
                found[article_id] = into
        return found

    def entry(self, watch: str, article_id: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT entry FROM alert WHERE watch=? AND article_id=?",
                              (watch, article_id)).fetchone()
        return json.loads(row[0]) if row else None

    def latest(self, watch: str, limit: int = 100) -> list[dict[str, Any]]:
        """The watch's latest alerts, newest first."""
        rows = self.db.execute("SELECT entry FROM alert WHERE watch=? ORDER BY seq DESC LIMIT ?",
                               (watch, limit))
        return [json.loads(entry) for (entry,) in rows]

    def recent(self, watch: str, limit: int = 100) -> list[tuple[str, dict[str, Any]]]:
        """The watch's latest alerts, newest first, each with when it was reported."""
        rows = self.db.execute("SELECT found_at, entry FROM alert WHERE watch=? "
                               "ORDER BY seq DESC LIMIT ?", (watch, limit))
        return [(found_at, json.loads(entry)) for found_at, entry in rows]

    def count(self, watch: str) -> int:
        return self.db.execute("SELECT COUNT(*) FROM alert WHERE watch=?", (watch,)).fetchone()[0]

    def record_batch(self, runs: list[dict[str, Any]], at: str) -> None:
        """Watches' runs over one batch of the journal, all or nothing. Each run names the
        watch, its new alerts (queued for each of its destinations), the reprints folded into
        alerts, alerts whose entry changed, and its new place (cursor)."""
        with self.transaction() as db:
            for run in runs:
                self._record(db, at=at, **run)

    def _record(self, db: sqlite3.Connection, *, name: str, cursor: int, at: str,
                new: list[dict[str, Any]], folded: list[tuple[str, str]],
                updated: list[dict[str, Any]], destinations: list[str]) -> None:
        seq = db.execute("SELECT COALESCE(MAX(seq), 0) FROM alert WHERE watch=?",
                         (name,)).fetchone()[0]
        for entry in new:
            seq += 1
            db.execute("INSERT OR IGNORE INTO alert (watch, article_id, found_at, seq, entry) "
                       "VALUES (?, ?, ?, ?, ?)",
                       (name, entry["id"], at, seq, json.dumps(entry, ensure_ascii=False)))
            db.executemany("INSERT OR IGNORE INTO outbox (watch, article_id, destination) "
                           "VALUES (?, ?, ?)", [(name, entry["id"], d) for d in destinations])
        db.executemany("INSERT OR IGNORE INTO folded (watch, article_id, into_id) "
                       "VALUES (?, ?, ?)", [(name, a, b) for a, b in folded])
        for entry in updated:
            db.execute("UPDATE alert SET entry=? WHERE watch=? AND article_id=?",
                       (json.dumps(entry, ensure_ascii=False), name, entry["id"]))
        db.execute("UPDATE watch SET cursor=MAX(cursor, ?), last_run=? WHERE name=?",
                   (cursor, at, name))

    def ran(self, places: dict[str, int], at: str) -> None:
        """Every watch of a run ran now, at its place (a watch with nothing new too)."""
        with self.transaction() as db:
            db.executemany("UPDATE watch SET last_run=?, cursor=MAX(cursor, ?) WHERE name=?",
                           [(at, place, name) for name, place in places.items()])

    # --- outbox -------------------------------------------------------------------------
    def pending(self, watches: Iterable[str]) -> dict[str, dict[str, list[dict[str, Any]]]]:
        """Undelivered alerts: destination → watch → entries (oldest first)."""
        out: dict[str, dict[str, list[dict[str, Any]]]] = {}
        names = list(watches)
        if not names:
            return out
        marks = ",".join("?" * len(names))
        rows = self.db.execute(
            "SELECT o.destination, o.watch, a.entry FROM outbox o JOIN alert a "
            "ON a.watch=o.watch AND a.article_id=o.article_id "
            f"WHERE o.watch IN ({marks}) ORDER BY o.destination, o.watch, a.seq", names)
        for destination, watch, entry in rows:
            out.setdefault(destination, {}).setdefault(watch, []).append(json.loads(entry))
        return out

    def pending_count(self, watch: str) -> int:
        return self.db.execute("SELECT COUNT(*) FROM outbox WHERE watch=?",
                               (watch,)).fetchone()[0]

    def delivered(self, destination: str, items: list[tuple[str, str]], at: str) -> None:
        """Mark (watch, article id) pairs delivered to ``destination``."""
        with self.transaction() as db:
            db.executemany("DELETE FROM outbox WHERE watch=? AND article_id=? AND destination=?",
                           [(w, a, destination) for w, a in items])
            db.execute("INSERT INTO delivery (destination, at, ok, alerts) VALUES (?, ?, 1, ?)",
                       (destination, at, len(items)))

    def failed(self, destination: str, count: int, at: str, error: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT INTO delivery (destination, at, ok, alerts, error) "
                       "VALUES (?, ?, 0, ?, ?)", (destination, at, count, error[:500]))

    def drop_destinations(self, watch: str, keep: Iterable[str]) -> int:
        """Forget undelivered alerts for destinations the watch no longer names."""
        keep = list(keep)
        marks = ",".join("?" * len(keep))
        where = f"watch=? AND destination NOT IN ({marks})" if keep else "watch=?"
        with self.transaction() as db:
            return db.execute(f"DELETE FROM outbox WHERE {where}", (watch, *keep)).rowcount

    def last_deliveries(self, destinations: Iterable[str]) -> dict[str, tuple[str, bool, str]]:
        out = {}
        for destination in destinations:
            row = self.db.execute("SELECT at, ok, error FROM delivery WHERE destination=? "
                                  "ORDER BY rowid DESC LIMIT 1", (destination,)).fetchone()
            if row:
                out[destination] = (row[0], bool(row[1]), row[2])
        return out
