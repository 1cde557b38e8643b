"""Helper processes (extraction workers, the index writer, `crescent serve --workers`'s server
processes) that end when the process that started them ends.

A ``kill -9`` of the crawl process alone (the OOM killer, a container runtime) used to leave
its workers running with parent 1, ~150 MiB each, holding the files they inherited (the data
directory's crawl lock among them, so the next crawl waited forever). A server's workers would
keep its port open.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import select
import signal
import threading

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
ORPHAN_POLL_S = 1.0  # where pidfds are missing: how often a worker looks for its crawl


def _end_now() -> None:
    os._exit(1)  # nothing of a dead crawl's work is worth finishing: its pages are re-fetched


def _watch_crawl(crawl_pid: int) -> None:
    """Block until process ``crawl_pid`` has ended, then end this worker."""
    try:
        pidfd = os.pidfd_open(crawl_pid)
    except ProcessLookupError:
        _end_now()
    except (AttributeError, OSError):  # no pidfd (old kernel, not Linux): poll instead
        while os.getppid() != 1 and process_alive(crawl_pid):
            threading.Event().wait(ORPHAN_POLL_S)
        _end_now()
    else:
        select.select([pidfd], [], [])  # readable once the process has exited
        _end_now()


def process_alive(pid: int) -> bool:
    """Whether a process with this pid exists (one of another user's counts)."""
    if pid <= 0:  # 0 and negative pids name process groups to kill(), not a process
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def die_with_crawl(crawl_pid: int, *, deathsig: bool = True) -> None:
    """Make this (worker) process end within moments of the crawl process ``crawl_pid``.

    ``PR_SET_PDEATHSIG`` fires when the thread that forked us ends, which is the crawl's main
    thread or a forkserver (which exits with the crawl); the pidfd watcher covers the rest
    (a pool forked from another thread, a crawl that died before the prctl).
    """
    die_with(crawl_pid, deathsig=deathsig)


def die_with(parent_pid: int, *, deathsig: bool = True) -> None:
    """Make this process end within moments of process ``parent_pid`` (see die_with_crawl)."""
    if deathsig:
        with contextlib.suppress(OSError, AttributeError):  # Linux only
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    threading.Thread(target=_watch_crawl, args=(parent_pid,), name="parent-watch",
                     daemon=True).start()


def deathsig_fits(start_method: str) -> bool:
    """Whether children started now by ``start_method`` may take a parent-death signal.

    A forked child's signal is tied to the thread that forked it, and only the main thread
    lives as long as the crawl; a forkserver is single-threaded and ends with the crawl.
    """
    return start_method != "fork" or threading.current_thread() is threading.main_thread()
