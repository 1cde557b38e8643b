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
