"""search.whoosh_files: segment parts are read from the memory map in place, not copied."""

import io
import random
import tracemalloc

from search.whoosh_engine import WhooshEngine
from search.whoosh_files import MappedBufferFile, MemoryViewReader


def test_reader_behaves_like_a_bytes_file_under_random_reads_and_seeks():
    data = bytes(random.Random(7).randrange(256) for _ in range(5_000)).replace(b"\x00", b"\n")
    ours, reference = MemoryViewReader(memoryview(data)), io.BytesIO(data)
    rng = random.Random(11)
    for _ in range(2_000):
        action = rng.choice(("read", "readline", "seek", "seek_relative", "seek_end"))
        if action == "read":
            size = rng.choice((-1, 0, 1, 7, 300, 9_000))
            assert ours.read(size) == reference.read(size)
        elif action == "readline":
            size = rng.choice((-1, 5, 1_000))
            assert ours.readline(size) == reference.readline(size)
        elif action == "seek":
            position = rng.randrange(0, 6_000)
            assert ours.seek(position) == reference.seek(position)
        elif action == "seek_relative":
            offset = rng.randrange(-50, 50)
            if reference.tell() + offset >= 0:
                assert ours.seek(offset, 1) == reference.seek(offset, 1)
        else:
            offset = rng.randrange(-300, 10)
            assert ours.seek(offset, 2) == reference.seek(offset, 2)
        assert ours.tell() == reference.tell()


def test_a_mapped_part_shares_the_buffer_instead_of_copying_it():
    buffer = bytearray(b"x" * 1_000_000)
    part = MappedBufferFile(memoryview(buffer))
    buffer[:5] = b"hello"  # a copy (BytesIO) would not see this
    assert part.read(5) == b"hello"
    assert part.get(0, 5) == b"hello"


def test_opening_an_index_does_not_copy_its_segments_into_memory(tmp_path):
    rng = random.Random(3)
    vocabulary = [f"word{n}" for n in range(20_000)]
    documents = [{
        "id": f"doc{n}", "url": f"https://example.org/{n}", "source": "example",
        "language": "en", "field_language": "en", "month": "2025-01", "day": 20_000 + n % 300,
        "title": f"Title {n}", "text": " ".join(rng.choice(vocabulary) for _ in range(300)),
        "path": f"example/{n}.json",
    } for n in range(600)]
    engine = WhooshEngine(tmp_path / "index")
    engine.update(documents)
    segments = sum(path.stat().st_size for path in (tmp_path / "index").glob("*.seg"))
    assert segments > 1_500_000

    reader = WhooshEngine(tmp_path / "index")
    tracemalloc.start()
    try:
        searcher = reader.open().searcher()
        assert searcher.doc_count() == 600
        assert searcher.document(id="doc42")["url"] == "https://example.org/42"
        held, _peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    searcher.close()
    # Whoosh's own BufferFile copied every part it opened (postings, terms, columns): more
    # than half the segment bytes. In place, an open searcher holds a small fraction.
    assert held < segments / 10, (held, segments)
