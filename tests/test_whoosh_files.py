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


def test_pickles_read_through_peek_leave_the_reader_just_past_each_one():
    """pickle's unpickler prefetches through ``peek`` and reads only what it used: a posting
    block's info tuple, then its data, are where Whoosh expects them."""
    import pickle

    objects = [(12, 4093, 1.5, 1, 3, 200), ["a" * 300, 7], {"x": 1.25}, (), 2**40]
    data = b"".join(pickle.dumps(o, 2) + b"DATA" for o in objects)
    reader = MemoryViewReader(memoryview(data))
    assert reader.peek(3) == data[:3] and reader.tell() == 0
    for expected in objects:
        assert pickle.load(reader) == expected
        assert reader.read(4) == b"DATA"
    assert reader.peek(10) == b""


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


def _documents(count: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    vocabulary = [f"word{n}" for n in range(3_000)]
    return [{
        "id": f"doc{n}", "url": f"https://example.org/{n}", "source": "example",
        "language": "en", "field_language": "en", "month": "2025-01", "day": 20_000 + n % 300,
        "title": f"Title {n} " + " ".join(rng.choice(vocabulary) for _ in range(rng.randint(1, 9))),
        "text": " ".join(rng.choice(vocabulary) for _ in range(rng.randint(5, 400))),
        "path": f"example/{n}.json",
    } for n in range(count)]


def _term_stats(directory) -> list[tuple]:
    with WhooshEngine(directory).open().reader() as reader:
        infos = [(field, text, reader.term_info(field, text)) for field, text in reader.all_terms()]
        return [(field, text, info.doc_frequency(), info.weight(), info.min_length(),
                 info.max_length()) for field, text, info in infos]


def test_batch_writer_records_the_same_postings_as_whooshs_writer(tmp_path):
    """The batch writer reads a new segment's lengths once instead of per posting; every term's
    document count, weight and length bounds (what scoring reads) must come out as Whoosh's."""
    from whoosh.writing import SegmentWriter

    from search.whoosh_engine import CompactCodec, whoosh_document

    documents = _documents(300, seed=11)
    engine = WhooshEngine(tmp_path / "batch")
    engine.update(documents[:150])
    engine.update(documents[150:])  # a second segment, and a merge of the first

    reference = WhooshEngine(tmp_path / "whoosh")
    for batch in (documents[:150], documents[150:]):
        writer = SegmentWriter(reference.open(), limitmb=16, codec=CompactCodec())
        for document in batch:
            writer.update_document(**whoosh_document(document))
        writer.commit()

    ours, theirs = _term_stats(tmp_path / "batch"), _term_stats(tmp_path / "whoosh")
    assert len(ours) > 3_000
    assert ours == theirs


def test_new_segment_lengths_match_whooshs_column_reader(tmp_path):
    from whoosh.codec.whoosh3 import W3PerDocReader

    from search.whoosh_engine import _NewSegmentLengths

    engine = WhooshEngine(tmp_path / "index")
    engine.update(_documents(120, seed=5))
    index = engine.open()
    (segment,) = index._segments()
    fields = [name for name in index.schema.names() if index.schema[name].scorable]
    storage = segment.open_compound_file(index.storage) if segment.is_compound() \
        else index.storage
    cached = _NewSegmentLengths(storage, segment)
    plain = W3PerDocReader(storage, segment)
    pairs = [(doc, field) for doc in range(segment.doc_count_all()) for field in fields]
    assert [cached.doc_field_length(d, f) for d, f in pairs] == \
        [plain.doc_field_length(d, f) for d, f in pairs]
    assert sum(1 for d, f in pairs if plain.doc_field_length(d, f)) > 200


def test_positions_straight_from_the_analysis_are_whooshs_positions():
    from whoosh.formats import Positions

    from search.whoosh_engine import build_schema

    schema = build_schema()
    texts = {
        "tr": "Türk Kızılay'ın Başkanı Fatma Meriç Yılmaz, İstanbul'da KIZILAY gönüllüleriyle "
              "buluştu. Kızılay yardım tırları Aşkabat'a ulaştı; yardım sürüyor.",
        "ru": "Председатель Общества Красного Полумесяца Туркменистана встретился с Асланова. "
              "Асланов и Асланова обсудили помощь беженцам; беженцы получили помощь.",
        "en": "The ICRC's delegation in Baku met Aslanov. Aslanov's team and the ICRC delegation "
              "discussed aid, aid deliveries and the delegation's plans.",
    }
    compared = 0
    for language, text in texts.items():
        for name in (f"text_{language}", "names", "exact", "fold"):
            field = schema[name]
            ours = list(field.format.word_values(text, field.analyzer, mode="index"))
            whooshs = list(Positions.word_values(field.format, text, field.analyzer, mode="index"))
            assert ours == whooshs, (language, name)
            compared += len(ours)
    assert compared > 100


def test_a_batch_sorts_in_memory_and_merged_segments_in_small_runs(tmp_path):
    from search.whoosh_engine import BatchWriter, CompactCodec

    engine = WhooshEngine(tmp_path / "index")
    engine.update(_documents(40, seed=2))
    index = engine.open()
    writer = BatchWriter(index, codec=CompactCodec())
    try:
        assert writer.pool.limit == BatchWriter.BATCH_POOL_MB * 1024 * 1024
        with index.reader() as reader:
            writer.add_reader(reader)  # what a merging commit does with each older segment
        assert writer.pool.limit == BatchWriter.MERGE_POOL_MB * 1024 * 1024
        assert writer.docnum == 40
    finally:
        writer.cancel()
