"""The watch file ``DATA/watches.toml``: saved searches with a name, read, checked and written.

People read and edit the file; ``crescent watch add|rm`` rewrite it atomically, readable by its
owner only (notification URLs may hold passwords). Every watch is checked the same way whether it
came from ``watch add`` or from an editor: a hand-made mistake is reported with the watch's name
and the line it is on.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import tomli_w

from archive.atomic import atomic_write
from monitor import notify

WATCH_FILE = "watches.toml"
LOCK_FILE = ".watches.lock"  # held while the file is read and rewritten (CLI and web page alike)
# A watch's name names its feed file (DATA/feeds/NAME.atom): letters in any script, digits,
# '.', '-' and '_', no leading dot or dash, and short.
NAME_RE = re.compile(r"^[^\W_][\w.-]{0,63}$")
KEYS = ("name", "query", "languages", "sources", "exact", "notify", "created")
HEADER = """\
# crescent watches: saved searches that report new articles (see README, "Monitoring").
# One [[watch]] table per watch. Edit by hand, with `crescent watch add` / `rm`, or on the web page.
# notify: Apprise URLs; write ${NAME} for a secret kept in the environment variable NAME.

"""


class WatchError(ValueError):
    """A watch (or the watch file) the user must fix: said in one line."""


@dataclass
class Watch:
    name: str
    query: str
    languages: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    exact: bool = False
    notify: list[str] = field(default_factory=list)
    created: str = ""  # UTC, ISO 8601; informative (state.py keeps the watch's place)

    def as_toml(self) -> dict[str, Any]:
        table: dict[str, Any] = {"name": self.name, "query": self.query}
        if self.languages:
            table["languages"] = list(self.languages)
        if self.sources:
            table["sources"] = list(self.sources)
        if self.exact:
            table["exact"] = True
        if self.notify:
            table["notify"] = list(self.notify)
        if self.created:
            table["created"] = self.created
        return table

    def as_json(self) -> dict[str, Any]:
        """Settings with passwords in notification URLs masked."""
        return {"name": self.name, "query": self.query, "languages": self.languages,
                "sources": self.sources, "exact": self.exact,
                "notify": [notify.mask(url) for url in self.notify], "created": self.created}


def watch_file(data_dir: Path) -> Path:
    return Path(data_dir) / WATCH_FILE


def known_languages() -> frozenset[str]:
    """The languages crescent archives and tells apart: those it analyses and their neighbours."""
    from crawler.language import NEIGHBOURS
    from search.analysis import ANALYZED_LANGUAGES

    return frozenset(ANALYZED_LANGUAGES) | {code for codes in NEIGHBOURS.values()
                                            for code in codes}


def known_sources(data_dir: Path, wanted: Iterable[str] = ()) -> set[str]:
    """Configured sources and any source already in the archive (a --site crawl's).

    The spider modules are listed without importing Scrapy (2.7 s on a busy machine, paid by
    every `watch run` otherwise); Scrapy's own spider list is asked only about a ``wanted``
    name not found that way.
    """
    import pkgutil

    import spiders

    archive = Path(data_dir) / "archive"
    archived = {p.name for p in archive.iterdir() if p.is_dir()} if archive.is_dir() else set()
    known = {module.name for module in pkgutil.iter_modules(spiders.__path__)} | archived
    if set(wanted) - known:
        from crawler.runner import source_names

        known |= set(source_names())
    return known


@lru_cache(maxsize=1024)
def parsed_query(text: str, exact: bool):
    """A watch query's tree, parsed once per process (checking and matching both need it)."""
    from search.query import parse_query

    return parse_query(text, exact)


def check_watch(watch: Watch, data_dir: Path, *, others: Iterable[str] = ()) -> None:
    """Raise WatchError naming the first problem: name, query, languages, sources, URLs."""
    from search.engine import QueryError

    if not isinstance(watch.name, str) or not NAME_RE.match(watch.name):
        raise WatchError(f"bad watch name {watch.name!r}: letters, digits, '.', '-', '_', "
                         "at most 64, starting with a letter or digit")
    if watch.name.casefold().endswith(".atom"):  # /watches/NAME.atom is the feed's address
        raise WatchError(f"bad watch name {watch.name!r}: it may not end in .atom")
    if watch.name.casefold() in {other.casefold() for other in others}:
        raise WatchError(f"a watch named {watch.name!r} exists already "
                         "(`crescent watch rm` it first, or choose another name)")
    if not isinstance(watch.query, str) or not watch.query.strip():
        raise WatchError(f"watch {watch.name!r}: empty query")
    try:
        parsed_query(watch.query, watch.exact)
    except QueryError as error:
        raise WatchError(f"watch {watch.name!r}: {error}") from None
    languages = known_languages()
    bad = [code for code in watch.languages if code not in languages]
    if bad:
        raise WatchError(f"watch {watch.name!r}: unknown language(s) {', '.join(map(str, bad))} "
                         f"(known: {', '.join(sorted(languages))})")
    sources = known_sources(data_dir, watch.sources) if watch.sources else set()
    bad = [name for name in watch.sources if name not in sources]
    if bad:
        raise WatchError(f"watch {watch.name!r}: unknown source(s) {', '.join(map(str, bad))} "
                         f"(known: {', '.join(sorted(sources))})")
    for url in watch.notify:
        problem = notify.check_url(url)
        if problem:
            raise WatchError(f"watch {watch.name!r}: {problem}")


def load_watches(data_dir: Path, *, check: bool = True) -> list[Watch]:
    """The watches of ``data_dir`` (none without a file); WatchError names a broken one's line."""
    path = watch_file(data_dir)
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as error:
        raise WatchError(f"cannot read {path}: {error}") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise WatchError(f"{path}: {error}") from None  # tomllib says "(at line N, column M)"
    tables = document.get("watch", [])
    unknown = sorted(set(document) - {"watch"})
    if unknown:
        raise WatchError(f"{path}: unknown table(s) {', '.join(unknown)} "
                         "(each watch is a [[watch]] table)")
    if not isinstance(tables, list):
        raise WatchError(f"{path} line {_line_of(text, 0, 'watch')}: write each watch as a "
                         "[[watch]] table")
    watches: list[Watch] = []
    for index, table in enumerate(tables):
        label = table.get("name") if isinstance(table.get("name"), str) else f"#{index + 1}"
        try:
            watch = _from_table(table)
            if check:
                check_watch(watch, data_dir, others=[w.name for w in watches])
        except WatchError as error:
            line = _line_of(text, index, _key_in(str(error), table))
            raise WatchError(f"{path} line {line}, watch {label!r}: {error}") from None
        watches.append(watch)
    return watches


def _from_table(table: dict[str, Any]) -> Watch:
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise WatchError(f"unknown key(s) {', '.join(unknown)} (keys: {', '.join(KEYS)})")
    for key in ("name", "query"):
        if not isinstance(table.get(key), str):
            raise WatchError(f"{key} must be a string")
    for key in ("languages", "sources", "notify"):
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise WatchError(f"{key} must be a list of strings")
    if not isinstance(table.get("exact", False), bool):
        raise WatchError("exact must be true or false")
    created = table.get("created", "")
    if isinstance(created, datetime):
        created = created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return Watch(name=table["name"], query=table["query"],
                 languages=[code.lower() for code in table.get("languages", [])],
                 sources=list(table.get("sources", [])), exact=table.get("exact", False),
                 notify=list(table.get("notify", [])), created=str(created))


def _key_in(message: str, table: dict[str, Any]) -> str:
    """Which key an error is about, to point at its line."""
    unknown = re.match(r"unknown key\(s\) ([^\s,]+)", message)
    if unknown:
        return unknown[1]
    for key, words in (("notify", ("URL", "notify")), ("languages", ("language",)),
                       ("sources", ("source",)), ("query", ("query", "field", "quotes",
                                                             "parenthes")),
                       ("exact", ("exact",)), ("name", ("name",))):
        if key in table and any(word in message for word in words):
            return key
    return "watch"


def _line_of(text: str, index: int, key: str) -> int:
    """The line of ``key`` in the ``index``-th [[watch]] table (its header if not found)."""
    lines = text.splitlines()
    headers = [n for n, line in enumerate(lines) if re.match(r"\s*\[\[\s*watch\s*\]\]", line)]
    if index >= len(headers):
        return 1
    start = headers[index]
    end = headers[index + 1] if index + 1 < len(headers) else len(lines)
    for number in range(start, end):
        if re.match(rf"\s*{re.escape(key)}\s*=", lines[number]):
            return number + 1
    return start + 1


def save_watches(data_dir: Path, watches: list[Watch]) -> None:
    """Write the watch file atomically, readable and writable by its owner only."""
    path = watch_file(data_dir)
    body = tomli_w.dumps({"watch": [w.as_toml() for w in watches]}) if watches else ""
    data = (HEADER + body).encode("utf-8")

    def write(handle) -> None:
        os.fchmod(handle.fileno(), 0o600)  # before any byte lands: URLs may hold passwords
        handle.write(data)

    atomic_write(path, write)


def split_list(values: str | Iterable[str] | None) -> list[str]:
    """``"tr, ru"`` or ``["tr,ru", "en"]`` → ``["tr", "ru", "en"]``: how ``--source``, ``--lang``
    and the web form's fields are given (commas or spaces, repeated or not)."""
    if values is None:
        return []
    items = [values] if isinstance(values, str) else list(values)
    return [part for item in items for part in re.split(r"[\s,]+", item) if part]


def build_watch(name: str, query: str, *, languages: str | Iterable[str] | None = None,
                sources: str | Iterable[str] | None = None, exact: bool = False,
                notify: str | Iterable[str] | None = None) -> Watch:
    """A watch from what a person typed (the CLI's options, the web form's fields), not yet
    checked: lists split, languages lower-cased, one notification URL per line or item."""
    urls = notify.splitlines() if isinstance(notify, str) else list(notify or [])
    return Watch(name=name.strip(), query=query.strip(),
                 languages=[code.lower() for code in split_list(languages)],
                 sources=split_list(sources), exact=bool(exact),
                 notify=[url.strip() for url in urls if url.strip()])


def problem_field(message: str) -> str:
    """Which setting a WatchError is about (``name``, ``query``, ``languages``, ``sources``,
    ``notify``), so a form can point at the field."""
    message = re.sub(r"^watch '[^']*': ", "", message)  # its name may hold "query" or "URL"
    key = _key_in(message, dict.fromkeys(KEYS))
    return key if key in KEYS else "query"


@contextlib.contextmanager
def file_lock(data_dir: Path) -> Iterator[None]:
    """One writer of the watch file at a time (two web requests, or the CLI beside the web
    page): read, change and write happen under it, so no edit is lost."""
    path = Path(data_dir) / LOCK_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # drops the lock


def add_watch(data_dir: Path, watch: Watch) -> Watch:
    """Check ``watch`` against the others and the archive, then add it to the file."""
    with file_lock(data_dir):
        watches = load_watches(data_dir)
        watch.languages = [code.lower() for code in watch.languages]
        check_watch(watch, data_dir, others=[w.name for w in watches])
        watch.created = watch.created or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        save_watches(data_dir, [*watches, watch])
    return watch


def keep_secrets(urls: list[str], stored: list[str]) -> list[str]:
    """``urls`` with each URL that is a stored one as shown masked replaced by the stored one:
    an edit form shows masked URLs (passwords as ``****``, tokens shortened), and sending one
    back unchanged must not write the mask over the secret."""
    masked = {notify.mask(url): url for url in stored}
    return [masked.get(url, url) for url in urls]


def update_watch(data_dir: Path, name: str, watch: Watch) -> tuple[Watch, Watch]:
    """Replace watch ``name`` by ``watch`` (it may be renamed), checked like a new one against
    the others; it keeps its place in the file and its creation time. Returns (old, new)."""
    with file_lock(data_dir):
        watches = load_watches(data_dir)
        old = find(watches, name)
        watch.languages = [code.lower() for code in watch.languages]
        watch.notify = keep_secrets(watch.notify, old.notify)
        check_watch(watch, data_dir, others=[w.name for w in watches if w is not old])
        watch.created = old.created
        save_watches(data_dir, [watch if w is old else w for w in watches])
    return old, watch


def remove_watch(data_dir: Path, name: str) -> Watch:
    with file_lock(data_dir):
        watches = load_watches(data_dir, check=False)
        found = find(watches, name)
        save_watches(data_dir, [w for w in watches if w is not found])
    return found


def find(watches: list[Watch], name: str) -> Watch:
    for watch in watches:
        if watch.name == name:
            return watch
    known = ", ".join(w.name for w in watches) or "none yet: `crescent watch add NAME QUERY`"
    raise WatchError(f"no watch named {name!r} (watches: {known})")
