"""Scheduled monitoring: crawl (which indexes and runs the watches), check health, sleep, repeat.

Each cycle's crawl is an ordinary ``crescent crawl`` in a child process: Scrapy's reactor runs
once per process, and a crawl that crashes or leaks memory takes only its own cycle with it.
Ctrl-C or SIGTERM stops the loop cleanly: during a crawl, the crawl is asked to stop as a
Ctrl-C stops it (what it fetched is archived and indexed; archive writes are atomic), and the
monitor waits for it; during the pause, the monitor ends at once. Either way it exits 0.
"""

from __future__ import annotations

import contextlib
import ctypes
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from monitor.health import changes_to_announce, mark_announced, send, source_health

# Real sites are crawled at most every 15 minutes: a crawl re-reads every listing page, and a
# news site's front page changes a few times an hour. Replicas on this machine (every target
# on a loopback address, as for the crawl's politeness settings) may go as low as 0.1 s.
FLOOR_S = 15 * 60
LOOPBACK_FLOOR_S = 0.1
UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class ScheduleError(ValueError):
    """A bad --every (unparseable, or below the floor)."""


def parse_every(text: str) -> float:
    """Seconds in a duration like ``30m``, ``1h30m``, ``90s`` or ``0.5s``."""
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)", text.strip().lower())
    rebuilt = "".join(f"{number}{unit}" for number, unit in parts)
    if not parts or rebuilt != re.sub(r"\s+", "", text.strip().lower()):
        raise ScheduleError(f"--every takes a duration like 30m, 1h or 90s, not {text!r}")
    seconds = sum(float(number) * UNITS[unit] for number, unit in parts)
    if seconds <= 0:
        raise ScheduleError(f"--every must be longer than zero, not {text!r}")
    return seconds


def check_floor(seconds: float, all_loopback: bool) -> None:
    floor = LOOPBACK_FLOOR_S if all_loopback else FLOOR_S
    if seconds < floor:
        where = ("replicas on this machine" if all_loopback
                 else "real sites (lower values only when every --base-url is a loopback "
                      "replica)")
        raise ScheduleError(f"--every must be at least {_span(floor)} for {where}, "
                            f"not {_span(seconds)}")


def _span(seconds: float) -> str:
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"


@dataclass
class Cycle:
    number: int
    exit_code: int | None = None
    seconds: float = 0.0
    flags: dict[str, list[str]] = field(default_factory=dict)
    notify_failures: list[str] = field(default_factory=list)


class Monitor:
    """The loop behind ``crescent monitor``; :meth:`run` returns when asked to stop."""

    def __init__(self, crawl_command: Sequence[str], data_dir: Path, sources: Sequence[str],
                 every: float, *, notify_urls: Sequence[str] = (),
                 say: Callable[[str], None] = print,
                 sender: Callable[[list[str], str, str], list[str]] = send,
                 max_cycles: int | None = None) -> None:
        self.crawl_command = list(crawl_command)
        self.data_dir = data_dir
        self.sources = set(sources)
        self.every = every
        self.notify_urls = list(notify_urls)
        self.say = say
        self.sender = sender
        self.max_cycles = max_cycles
        # The signal that asked to stop (None: none yet). A plain attribute, not an Event: the
        # handler runs in the main thread between any two bytecodes, and an Event's set() there
        # blocked for good when the signal came while that thread was inside the Event's own
        # wait() holding its lock (a Ctrl-C in the pause hung the monitor, 1 run in 8 under load).
        self.stop_signal: int | None = None
        self._announced = False
        self.child: subprocess.Popen | None = None
        self.interrupted: set[int] = set()  # crawl children already asked to stop

    # -- signals ----------------------------------------------------------------------------
    @property
    def stopping(self) -> bool:
        return self.stop_signal is not None

    def request_stop(self, signum: int = signal.SIGTERM, _frame=None) -> None:
        """Stop after the current step: the signal handler (takes no lock and prints nothing:
        the main thread may be holding one or printing), and the crawl child is passed the
        Ctrl-C once."""
        if self.stop_signal is None:
            self.stop_signal = signum
        child = self.child
        if child is not None and child.poll() is None and child.pid not in self.interrupted:
            # Once: the crawl's first Ctrl-C is its graceful stop, a second one is not.
            self.interrupted.add(child.pid)
            with contextlib.suppress(ProcessLookupError):
                child.send_signal(signal.SIGINT)

    def run(self) -> int:
        previous = {sig: signal.signal(sig, self.request_stop) for sig in STOP_SIGNALS}
        try:
            return self._loop()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _announce_stop(self) -> None:
        if self.stop_signal is not None and not self._announced:
            self._announced = True
            self.say(f"{signal.Signals(self.stop_signal).name}: finishing the current step, "
                     "then stopping")

    def _pause(self, seconds: float) -> None:
        """Sleep ``seconds``, or less when asked to stop (looked at every 0.2 s)."""
        until = time.monotonic() + seconds
        while not self.stopping and (left := until - time.monotonic()) > 0:
            time.sleep(min(left, 0.2))

    def _loop(self) -> int:
        number = 0
        while not self.stopping:
            number += 1
            started = time.monotonic()
            cycle = self.run_cycle(number)
            cycle.seconds = time.monotonic() - started
            self._announce_stop()
            flagged = "; ".join(f"{source}: {', '.join(keys)}"
                                for source, keys in sorted(cycle.flags.items()) if keys)
            self.say(f"cycle {number} done in {cycle.seconds:.1f} s (crawl exit "
                     f"{cycle.exit_code}); flags: {flagged or 'none'}")
            if self.max_cycles and number >= self.max_cycles:
                break
            if self.stopping:
                break
            # Start to start, like cron; a cycle that overran still leaves the sites a pause.
            pause = max(self.every - cycle.seconds, self.every / 10)
            self.say(f"next cycle in {_span(round(pause, 1))}")
            self._pause(pause)
        self._announce_stop()
        self.say("monitor stopped")
        return 0

    # -- one cycle --------------------------------------------------------------------------
    def run_cycle(self, number: int) -> Cycle:
        cycle = Cycle(number)
        self.say(f"cycle {number}: crawling {', '.join(sorted(self.sources))}")
        cycle.exit_code = self._crawl()
        if cycle.exit_code not in (0, None):
            # One source failing to run (its error is in the crawl log) ends that crawl with an
            # error after the others finished; the loop goes on, and health shows the source.
            self.say(f"cycle {number}: the crawl ended with exit code {cycle.exit_code} "
                     f"(see {self.data_dir}/logs); continuing")
        self.check_health(cycle)
        return cycle

    def _crawl(self) -> int | None:
        if self.stopping:
            return None
        # Its own session: a Ctrl-C at the terminal reaches the monitor only, which passes
        # it on once (two would make the crawl stop abruptly).
        self.child = subprocess.Popen(self.crawl_command, start_new_session=True,
                                      preexec_fn=_die_with_parent)
        if self.stopping:  # a signal between the check above and the start
            self.request_stop(self.stop_signal or signal.SIGTERM)
        try:
            return self.child.wait()
        finally:
            self.child = None

    def check_health(self, cycle: Cycle) -> None:
        report = [item for item in source_health(self.data_dir) if item.source in self.sources]
        cycle.flags = {item.source: [flag.key for flag in item.flags] for item in report}
        if not self.notify_urls:
            return
        announcement = changes_to_announce(self.data_dir, report)
        if announcement is None:
            return
        failures = self.sender(self.notify_urls, announcement.title, announcement.body)
        cycle.notify_failures = failures
        for failure in failures:
            self.say(f"health notification not delivered: {failure}")
        if failures:
            return  # not marked announced: the next cycle sends it again
        mark_announced(self.data_dir, report)
        self.say(f"health notification sent: {announcement.title}")


def _die_with_parent() -> None:
    """In the crawl child: a SIGTERM (a graceful stop) if the monitor itself is killed."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def crawl_command(arguments: Sequence[str]) -> list[str]:
    """The command line of one ``crescent crawl`` with ``arguments``, by this interpreter."""
    return [sys.executable, "-m", "cli", "crawl", *arguments]
