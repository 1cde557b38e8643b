"""One process's link to the shared frontier: Redis keys, leases, heartbeats, and losing Redis.

Every key lives under ``crescent:`` in the Redis database of the frontier URL, so one Redis
database holds one crawl at a time (the coordinator's lock key says whose). Per source:

    crescent:<source>:requests    the queue (scrapy-redis sorted set, pickled requests)
    crescent:<source>:dupefilter  fingerprints of every request seen (scrapy-redis set)
    crescent:<source>:leases      requests a worker has taken and not finished (hash)
    crescent:<source>:items       extracted articles waiting for the coordinator (list, JSON)
    crescent:<source>:stats       counters the workers add up (hash)

and for the crawl: ``status`` (running, stopped, finished), ``plan`` (what to crawl, JSON),
``known`` (ids the archive holds), ``coordinator`` (the lock) and ``worker:<id>`` (heartbeats).
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

PREFIX = "crescent"
LOST_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


class FrontierError(RuntimeError):
    """The frontier cannot be used (unreachable, busy, or a bad URL): said in one line."""


class FrontierLostError(FrontierError):
    """Redis went away during a crawl."""


def key(*parts: str) -> str:
    return ":".join((PREFIX, *parts))


def source_key(source: str, kind: str) -> str:
    return key(source, kind)


def shown_url(url: str) -> str:
    """The frontier URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def check_url(url: str) -> str:
    """``url`` if it is a redis:// (or rediss://, unix://) URL, else a FrontierError."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss", "unix") or not (parts.hostname or parts.path):
        raise FrontierError(f"--frontier takes redis://HOST:PORT/DB, not {url!r}")
    path = parts.path.strip("/")
    if parts.scheme != "unix" and path and not path.isdigit():
        raise FrontierError(f"the database in {shown_url(url)!r} must be a number")
    return url


def connect(url: str, timeout: float = 5.0) -> redis.Redis:
    # A few quick retries ride out a dropped connection; a Redis that is down is reported
    # within about a second instead of after redis-py's default backoff.
    retry = Retry(ExponentialBackoff(cap=0.5, base=0.05), 3)
    return redis.Redis.from_url(check_url(url), socket_timeout=timeout,
                                socket_connect_timeout=timeout, retry=retry)


class FrontierSession:
    """A crawl process's connection to the frontier, shared by its crawlers (one per source).

    ``fail()`` is called wherever a Redis call meets a connection error: it records one message
    and tells the process to stop (the callbacks close the spiders); nothing is acknowledged
    after that, so whatever this process held is taken up again when the crawl resumes.
    """

    def __init__(self, url: str, role: str, *, heartbeat_s: float = 10.0) -> None:
        self.url = check_url(url)
        self.role = role
        self.redis = connect(url)
        self.heartbeat_s = heartbeat_s
        # No "|" (the lease separator) nor spaces: the host's name is cleaned.
        self.worker_id = f"{self.host_name()}-{os.getpid()}-{secrets.token_hex(3)}"
        self.lost: str | None = None
        self._on_lost: list[Callable[[], None]] = []
        self.keepalive: Callable[[], Any] = lambda: None  # the coordinator renews its lock

    @staticmethod
    def host_name() -> str:
        """This host's name without "|" (the lease separator), spaces or other oddities."""
        return "".join(ch if ch.isalnum() or ch in "-._" else "_" for ch in socket.gethostname())

    def describe(self, error: BaseException) -> str:
        return f"lost the frontier at {shown_url(self.url)} ({error})"

    def ping(self) -> None:
        try:
            self.redis.ping()
        except LOST_ERRORS as error:
            raise FrontierError(f"cannot reach the frontier at {shown_url(self.url)} "
                                f"({error})") from None

    def on_lost(self, callback: Callable[[], None]) -> None:
        self._on_lost.append(callback)

    def fail(self, error: BaseException) -> None:
        if self.lost is not None:
            return
        self.lost = self.describe(error)
        for callback in self._on_lost:
            callback()

    def heartbeat_key(self, worker_id: str | None = None) -> str:
        return key("worker", worker_id or self.worker_id)

    def beat(self) -> None:
        """This worker is alive for the next ``heartbeat_s`` seconds (its leases stay its own)."""
        self.redis.set(self.heartbeat_key(), f"{socket.gethostname()} pid {os.getpid()}",
                       px=int(self.heartbeat_s * 1000))

    def status(self) -> str | None:
        value = self.redis.get(key("status"))
        return value.decode() if value else None

    # One session serves every crawler of the process; Scrapy deep-copies settings per crawler.
    def __deepcopy__(self, memo: dict) -> FrontierSession:
        return self

    def __copy__(self) -> FrontierSession:
        return self

    def __repr__(self) -> str:
        return f"FrontierSession({shown_url(self.url)!r}, {self.role})"


def guarded(session: FrontierSession, call: Callable[[], Any], default: Any) -> Any:
    """``call()``, or ``default`` after telling the session that Redis is gone."""
    if session.lost is not None:
        return default
    try:
        return call()
    except LOST_ERRORS as error:
        session.fail(error)
        return default
