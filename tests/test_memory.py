"""crawler.memory: freed heap goes back to the system (glibc), as the index writer relies on."""

import pytest

from crawler.memory import _MALLOC_TRIM, release_free_heap


def resident_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(_MALLOC_TRIM is None, reason="no malloc_trim in this C library")
def test_freed_heap_pages_are_handed_back():
    blocks = [bytes(1_000) + bytes([n % 256]) for n in range(60_000)]  # ~60 MiB of heap
    keep = blocks[-1]  # holds the top of the heap: glibc cannot shrink it on its own
    del blocks
    before = resident_mib()
    assert release_free_heap() is True
    assert resident_mib() < before - 30, "freed pages stayed resident"
    assert keep[-1] == (59_999 % 256)


PAGES_FREED = """
import sys
from crawler.memory import tune_allocator
if sys.argv[1] == "tuned":
    assert tune_allocator()
first = bytearray(300 * 1024)
del first  # one page freed: from now on glibc takes blocks that size from its heap
pinned, pages = [], []
for n in range(150):  # downloaded pages, each followed by a small object that lives on
    pages.append(bytearray(300 * 1024))
    pinned.append(bytearray(600))
pages.clear()
for line in open("/proc/self/status"):
    if line.startswith("VmRSS:"):
        print(int(line.split()[1]) // 1024)
"""


@pytest.mark.skipif(_MALLOC_TRIM is None, reason="not glibc")
def test_tuned_allocator_returns_freed_pages_that_small_objects_would_pin():
    import subprocess
    import sys

    def resident_after_freeing(mode: str) -> int:
        run = subprocess.run([sys.executable, "-c", PAGES_FREED, mode], capture_output=True,
                             text=True, check=True)
        return int(run.stdout)

    # glibc's own rules: after the first page is freed, pages come from the heap and stay.
    assert resident_after_freeing("default") - resident_after_freeing("tuned") > 25
