"""scrapy-redis, adapted: its scheduler, queue and duplicate filter, made safe to kill a worker.

scrapy-redis 0.9.1 (the latest) runs on our Scrapy (2.14 and later) with three gaps this layer
closes, each by subclassing, none by a scheduler of our own:

1. Its scheduler passes ``spider=`` to the stats collector and logs through ``Spider.log``,
   both deprecated since Scrapy 2.14 (a warning on every request; an error once Scrapy drops
   them). Ours does neither. (Its item pipeline takes ``spider`` too: we do not use it.)
2. A popped request lives only in the worker's memory: ``kill -9`` loses it. Our queue's pop
   moves the request into a lease hash in the same Lua script; the worker acknowledges the
   lease once Scrapy has finished with the request (its follow-up requests queued and its
   article sent), and the coordinator puts the leases of a worker whose heartbeat stopped back
   in the queue. A lease is finished when Scrapy drops its last reference to the request
   object (a weakref callback), or at the latest when the worker's engine goes idle.
3. Its enqueue is two calls (mark the fingerprint seen, then push): a kill between them would
   mark a request seen that no queue holds. Ours does both in one Lua script, with
   scrapy-redis's own fingerprint and request encoding.

The coordinator uses the same scheduler with ``role="coordinator"``: it queues the start
requests (so they go through the shared duplicate filter) but fetches nothing; its
``has_pending_requests`` is true until the frontier (queue, leases and extracted articles
waiting) is empty, which is when every worker is idle.
"""

from __future__ import annotations

import contextlib
import itertools
import weakref
from typing import Any

from scrapy import Request
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from frontier.session import FrontierSession, guarded, key, source_key

# KEYS: queue, leases; ARGV: lease id. The lowest-score request, moved into the lease hash
# as "score|request" so that it can be queued again with its priority.
POP_AND_LEASE = """
local top = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #top == 0 then return false end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, 0)
redis.call('HSET', KEYS[2], ARGV[1], top[2] .. '|' .. top[1])
return top[1]
"""

# KEYS: dupefilter, queue; ARGV: fingerprint, score, dont_filter, request.
SEEN_OR_PUSH = """
if ARGV[3] == '1' or redis.call('SADD', KEYS[1], ARGV[1]) == 1 then
  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[4])
  return 1
end
return 0
"""

# KEYS: leases, queue; ARGV: heartbeat key prefix. Leases whose worker has no heartbeat go
# back in the queue; returns how many.
REQUEUE_ORPHANS = """
local all = redis.call('HGETALL', KEYS[1])
local moved = 0
for i = 1, #all, 2 do
  local lease, value = all[i], all[i + 1]
  local owner = string.match(lease, '^([^|]+)|')
  if owner == nil or redis.call('EXISTS', ARGV[1] .. owner) == 0 then
    local bar = string.find(value, '|', 1, true)
    redis.call('ZADD', KEYS[2], string.sub(value, 1, bar - 1), string.sub(value, bar + 1))
    redis.call('HDEL', KEYS[1], lease)
    moved = moved + 1
  end
end
return moved
"""


class LeasedPriorityQueue(PriorityQueue):
    """scrapy-redis's priority queue (a sorted set) whose pop leaves a lease (see point 2)."""

    def __init__(self, server, spider, key, serializer=None) -> None:
        super().__init__(server, spider, key, serializer)
        self.leases_key = source_key(spider.name, "leases")
        self._pop = server.register_script(POP_AND_LEASE)

    def pop_leased(self, lease_id: str) -> Request | None:
        data = self._pop(keys=[self.key, self.leases_key], args=[lease_id])
        return self._decode_request(data) if data else None

    def encode(self, request: Request) -> bytes:
        return self._encode_request(request)


class FrontierScheduler(Scheduler):
    """scrapy-redis's scheduler on the session's connection, with leases (see module docstring).

    Settings: CRESCENT_FRONTIER_SESSION (a FrontierSession) and CRESCENT_FRONTIER_ROLE
    ("coordinator" or "worker"). The state always persists: the coordinator clears it.
    """

    def __init__(self, session: FrontierSession, role: str, stats) -> None:
        super().__init__(server=session.redis, persist=True,
                         queue_key=source_key("%(spider)s", "requests"),
                         dupefilter_key=source_key("%(spider)s", "dupefilter"),
                         dupefilter_cls="scrapy_redis.dupefilter.RFPDupeFilter")
        self.session = session
        self.role = role
        self.stats = stats
        self._lease_numbers = itertools.count(1)
        self._outstanding: set[str] = set()  # leases whose request Scrapy still holds
        self._released: list[str] = []  # leases finished, not yet acknowledged in Redis

    @classmethod
    def from_crawler(cls, crawler) -> FrontierScheduler:
        settings = crawler.settings
        return cls(settings.get("CRESCENT_FRONTIER_SESSION"),
                   settings.get("CRESCENT_FRONTIER_ROLE", "worker"), crawler.stats)

    def open(self, spider) -> None:
        # The duplicate filter on our connection (scrapy-redis would open its own from settings).
        self.df = RFPDupeFilter(self.server, key=self.dupefilter_key % {"spider": spider.name})
        self.leases_key = source_key(spider.name, "leases")
        self.items_key = source_key(spider.name, "items")
        self._push = self.server.register_script(SEEN_OR_PUSH)
        self._requeue = self.server.register_script(REQUEUE_ORPHANS)
        # scrapy-redis's open, less its Spider.log call (deprecated in Scrapy 2.14).
        self.spider = spider
        self.queue = LeasedPriorityQueue(self.server, spider, self.queue_key,
                                         serializer=self.serializer)

    # -- the engine's interface ----------------------------------------------------------
    def enqueue_request(self, request: Request) -> bool:
        def push() -> bool:
            return bool(self._push(
                keys=[self.df.key, self.queue.key],
                args=[self.df.request_fingerprint(request), -request.priority,
                      "1" if request.dont_filter else "0", self.queue.encode(request)]))

        queued = guarded(self.session, push, False)
        self.stats.inc_value("scheduler/enqueued/redis" if queued
                             else "crescent/frontier/duplicates")
        return queued

    def next_request(self) -> Request | None:
        if self.role != "worker":
            return None  # the coordinator fetches nothing
        lease = f"{self.session.worker_id}|{next(self._lease_numbers)}"
        request = guarded(self.session, lambda: self.queue.pop_leased(lease), None)
        if request is None:
            return None
        self._outstanding.add(lease)
        weakref.finalize(request, self._release, lease)
        self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        if self.role == "worker":
            return guarded(self.session, lambda: len(self.queue) > 0, False)
        # Unknown means not finished: a coordinator that lost Redis must not close "finished".
        return guarded(self.session, lambda: self.frontier_size() > 0, True)

    # -- leases --------------------------------------------------------------------------
    def _release(self, lease: str) -> None:
        if lease in self._outstanding:
            self._outstanding.discard(lease)
            self._released.append(lease)

    def release_all(self) -> None:
        """The engine is idle: every request this worker took is finished."""
        for lease in list(self._outstanding):
            self._release(lease)

    def take_released(self) -> list[str]:
        released, self._released = self._released, []
        return released

    @property
    def outstanding(self) -> int:
        return len(self._outstanding)

    # -- the coordinator's view ----------------------------------------------------------
    def frontier_size(self) -> int:
        """Requests queued + leased + extracted articles waiting, read in one transaction."""
        pipe = self.server.pipeline(transaction=True)
        pipe.zcard(self.queue.key).hlen(self.leases_key).llen(self.items_key)
        return sum(pipe.execute())

    def requeue_orphans(self) -> int:
        """Leases of workers without a heartbeat (killed, or gone) go back in the queue."""
        return int(self._requeue(keys=[self.leases_key, self.queue.key],
                                 args=[key("worker", "")]))


def scheduler_of(crawler) -> Any:
    """The crawler's scheduler (``engine.scheduler`` is public from Scrapy 2.19)."""
    engine = crawler.engine
    with contextlib.suppress(AttributeError):
        return engine.scheduler
    slot = getattr(engine, "_slot", None)
    return slot.scheduler if slot is not None else None


def wake(crawler) -> None:
    """Ask an idle engine to look at the scheduler now, not at its next 5-second heartbeat.

    A worker whose queue was empty learns of new requests only by asking; Scrapy has no
    public call for this, so it uses the engine's own CallLaterOnce (private, checked by the
    tests on the Scrapy version we install).
    """
    slot = getattr(crawler.engine, "_slot", None)
    nextcall = getattr(slot, "nextcall", None)
    if nextcall is not None:
        nextcall.schedule()
