"""Freed heap handed back to the system, for the long-lived processes of a crawl.

glibc keeps the pages of freed allocations mapped for reuse. A process whose work comes in
bursts (a 200 KiB page parsed by lxml, an index commit sorting postings) would otherwise stay at
its highest burst for the rest of the crawl, and a crawl's memory is the sum of four of them.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util


def _malloc_trim():
    with contextlib.suppress(OSError, AttributeError, TypeError):
        return ctypes.CDLL(ctypes.util.find_library("c")).malloc_trim
    return None


_MALLOC_TRIM = _malloc_trim()


def release_free_heap() -> bool:
    """``malloc_trim(0)`` where the C library has it (glibc; ~30 µs); False elsewhere."""
    if _MALLOC_TRIM is None:
        return False
    _MALLOC_TRIM(0)
    return True


class HeapRelease:
    """Extension: the crawl process hands its freed heap back every CRESCENT_HEAP_RELEASE_INTERVAL
    seconds (default 2; 0 switches it off). Downloaded pages come and go by the megabyte."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.timer = None

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy import signals
        from scrapy.exceptions import NotConfigured

        interval = crawler.settings.getfloat("CRESCENT_HEAP_RELEASE_INTERVAL", 2.0)
        if interval <= 0 or _MALLOC_TRIM is None:
            raise NotConfigured("no malloc_trim here, or CRESCENT_HEAP_RELEASE_INTERVAL is 0")
        extension = cls(interval)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider) -> None:
        from twisted.internet import task

        self.timer = task.LoopingCall(release_free_heap)
        self.timer.start(self.interval, now=False)

    def spider_closed(self, spider) -> None:
        if self.timer is not None and self.timer.running:
            self.timer.stop()
