"""The Whoosh engine (the default): pure Python, the index under ``DATA/index``.

Whoosh writes the index and parses queries; searching is mostly done here, because stock Whoosh
spent tens to hundreds of milliseconds per query on a 100,000-article archive:

- Filters by language, source and date never go through Whoosh's range queries: the day,
  language and source of every document are read once per opened index from its columns, and a
  filter becomes a boolean per document number, compared on those columns as arrays.
- Postings are written by ``CompactCodec``: Whoosh's block layout, but a block's document numbers
  and frequencies are flat arrays compressed apart from the positions (Whoosh pickled all three
  together, so every query unpickled positions it never used), and positions are arrays too.
- ``_Executor`` runs the parsed query tree over whole posting blocks: the matching set with
  C-level set operations (exact totals, facets, counts over time), and Whoosh's own BM25F
  scores of every match as numpy arrays, a posting list at a time (ranking, facets).
  Whoosh's collector moves through a tree of matchers one document at a time in Python, and
  counted the total by running the query a second time (its block-quality skipping never
  applied to these many-field disjunctions). Phrases are checked on the positions
  of the documents that hold every word; other query nodes fall back to Whoosh's matchers.

The executor uses Whoosh internals (codec block fields, column readers) of the pinned
whoosh-reloaded 2.7 line. Segments record their codec, so an index written by stock Whoosh is
still read (by the slower path); ``crescent reindex`` rewrites it compactly.
"""

from __future__ import annotations

import bisect
import os
import shutil
import struct
import sys
import threading
import zlib
from array import array
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Sequence
from io import BytesIO
from itertools import accumulate
from math import ceil
from pathlib import Path
from pickle import dumps
from pickle import load as pickle_load
from typing import Any

import numpy as np
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3LeafMatcher,
    W3PerDocReader,
    W3PostingsWriter,
)
from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema
from whoosh.formats import Positions
from whoosh.query import Query
from whoosh.system import _INT_SIZE, pack_uint
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from search import whoosh_files  # noqa: F401  (segment parts read in place, not copied)
from search.analysis import ANALYZED_LANGUAGES, TermAnalyzer, analyzer_for
from search.engine import Engine, Filters, Page, Stored, day_number

LANGUAGE_FIELDS = (*ANALYZED_LANGUAGES, "xx")
INDEX_NAME = "articles"
WRITER_TIMEOUT_S = 60.0  # another process (a second crawl, a reindex) may hold the lock
REBUILD_LIMIT_MB = 512
_NULL = type(wq.NullQuery)


def build_schema() -> Schema:
    fields: dict[str, Any] = {
        "id": ID(stored=True, unique=True),
        "url": ID(stored=True),
        "source": ID(stored=True, sortable=True),
        "language": ID(stored=True, sortable=True),
        "month": ID(stored=True, sortable=True),
        "day": NUMERIC(int, bits=32, stored=True, sortable=True, signed=False),
        "title": STORED(),
        "path": STORED(),
        "fold": TEXT(analyzer=analyzer_for("tr", "fold"), phrase=True),
        "names": TEXT(analyzer=analyzer_for(None, "name"), phrase=True),
        "exact": TEXT(analyzer=analyzer_for(None, "exact"), phrase=True),
    }
    for lang in LANGUAGE_FIELDS:
        analyzer = analyzer_for(None if lang == "xx" else lang)
        fields[f"title_{lang}"] = TEXT(analyzer=analyzer, phrase=True)
        fields[f"text_{lang}"] = TEXT(analyzer=analyzer, phrase=True)
    for field in fields.values():
        if isinstance(field, TEXT):
            field.format = CompactPositions(field_boost=field.format.field_boost)
    return Schema(**fields)


def whoosh_document(document: dict[str, Any]) -> dict[str, Any]:
    """An engine document (``search.index.document_for``) as Whoosh fields."""
    lang = document["field_language"]
    both = f"{document['title']}\n{document['text']}"
    fields = {
        "id": document["id"], "url": document["url"], "source": document["source"],
        "language": document["language"], "month": document["month"],
        "day": document["day"], "title": document["title"], "path": document["path"],
        f"title_{lang}": document["title"], f"text_{lang}": document["text"],
        "names": both, "exact": both,
    }
    if lang == "tr":
        fields["fold"] = both
    return fields


# --- postings layout -------------------------------------------------------------------------
_BLOCK_HEAD = struct.Struct("<BI")  # weights kind, length of the (compressed) ids+weights part
_BLOCK_LENGTH = struct.Struct("!i")  # Whoosh's int before each block (its StructFile.write_int)
_ALL_ONES, _WEIGHT_ARRAY = 0, 1


def _little(values: array) -> bytes:
    if sys.byteorder == "big":
        values = array(values.typecode, values)
        values.byteswap()
    return values.tobytes()


def _from_little(typecode: str, data: bytes) -> array:
    values = array(typecode)
    values.frombytes(data)
    if sys.byteorder == "big":
        values.byteswap()
    return values


def _ids_and_weights(data: bytes, start: int, compression: int) -> tuple[int, bytes]:
    """The weights kind and the ids+weights part (decompressed) of a compact block's data,
    which begins at ``start`` of ``data``."""
    kind, size = _BLOCK_HEAD.unpack_from(data, start)
    main = data[start + _BLOCK_HEAD.size:start + _BLOCK_HEAD.size + size]
    return kind, zlib.decompress(main) if compression else main


class CompactPositions(Positions):
    """Whoosh's positions format with the positions as a flat array instead of a pickled list
    of deltas: a phrase query decodes them for every document holding all its words, and
    ``array.frombytes`` is several times faster than unpickling (the frequency prefix is
    Whoosh's, so frequency and weight decode as before)."""

    def word_values(self, value, analyzer, **kwargs):
        """(term, frequency, weight, positions) per term, as Whoosh's ``Positions`` gives them,
        straight from our analysis: Whoosh's way sets a Token object's fields for every word."""
        if (not isinstance(analyzer, TermAnalyzer) or not isinstance(value, str)
                or kwargs.get("mode") == "query"):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        positions: dict[str, list[int]] = {}
        for pos, term in analyzer.index_terms(value):
            positions.setdefault(term, []).append(pos)
        boost = self.field_boost
        for term, poslist in positions.items():
            yield term, len(poslist), float(len(poslist)) * boost, self.encode(poslist)

    def encode(self, poslist: list[int]) -> bytes:
        return pack_uint(len(poslist)) + _little(array("I", poslist))

    def decode_positions(self, valuestring: bytes) -> list[int]:
        return _from_little("I", valuestring[_INT_SIZE:]).tolist()


class CompactPostingsWriter(W3PostingsWriter):
    """Whoosh's postings blocks with document numbers and frequencies as flat arrays, apart
    from the positions.

    Whoosh pickles a block's ids, frequencies and positions together (each posting's positions
    a pickled list) and compresses the lot, so finding and scoring the documents of a word
    meant decompressing and unpickling every position too: most of a query's time. Here the
    ids and frequencies are one small compressed array part read with ``array.frombytes``, and
    the positions a second part decompressed only by phrase queries.
    """

    def _write_block(self, last: bool = False) -> None:
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        comp = self._compression
        weights = self._weights
        kind = _ALL_ONES if all(w == 1.0 for w in weights) else _WEIGHT_ARRAY
        main = _little(array("I", self._ids))
        if kind == _WEIGHT_ARRAY:
            main += _little(array("f", weights))
        values = self._values if self._format.fixed_value_size() != 0 else []
        offsets = array("I", [0])
        for value in values:
            offsets.append(offsets[-1] + len(value))
        rest = _little(offsets) + b"".join(values) if values else b""
        if comp:
            main = zlib.compress(main, comp)
            rest = zlib.compress(rest, comp) if rest else rest
        databytes = _BLOCK_HEAD.pack(kind, len(main)) + main + rest
        ids = self._ids
        infobytes = dumps((len(ids), ids[-1], self._maxweight, comp,
                           length_to_byte(self._minlength), length_to_byte(self._maxlength)), 2)
        blocklength = len(infobytes) + len(databytes)
        self._postfile.write_int(-blocklength if last else blocklength)
        self._postfile.write(infobytes)
        self._postfile.write(databytes)
        self._blockcount += 1
        self._new_block()


class CompactLeafMatcher(W3LeafMatcher):
    """Reads the blocks ``CompactPostingsWriter`` writes (ids and weights as arrays)."""

    def _read_data(self) -> None:
        self._data = self._postfile.get(self._dataoffset, self._nextoffset - self._dataoffset)

    def _read_ids(self) -> None:
        if self._data is None:
            self._read_data()
        kind, main = _ids_and_weights(self._data, 0, self._compression)
        count = self._blocklength
        self._ids = _from_little("I", main[:4 * count])
        if kind == _ALL_ONES:
            self._weights = array("f", [1.0]) * count
        else:
            self._weights = _from_little("f", main[4 * count:])

    def _read_weights(self) -> None:
        self._read_ids()

    def _read_values(self) -> None:
        if self._fixedsize == 0:
            if self._data is None:
                self._read_data()
            self._values = (None,) * self._blocklength
            return
        offsets, blob = self.value_blob()
        self._values = tuple(blob[offsets[i]:offsets[i + 1]] for i in range(self._blocklength))

    def value_blob(self) -> tuple[array, bytes]:
        """The block's values (positions) as one piece and each posting's offset in it: a
        phrase slices out the few postings it checks, not all 128 of the block."""
        if self._data is None:
            self._read_data()
        count = self._blocklength
        _kind, size = _BLOCK_HEAD.unpack_from(self._data)
        rest = self._data[_BLOCK_HEAD.size + size:]
        if self._compression:
            rest = zlib.decompress(rest)
        return _from_little("I", rest[:4 * (count + 1)]), rest[4 * (count + 1):]


class CompactCodec(W3Codec):
    """Whoosh's codec with ``CompactPostingsWriter`` blocks (term vectors, unused, as before).

    Each segment records its codec, so an index written before keeps being read as it was
    written; segments written or merged from now on are compact.
    """

    def postings_writer(self, dbfile, byteids: bool = False):
        if byteids:
            return super().postings_writer(dbfile, byteids)
        return CompactPostingsWriter(dbfile, blocklimit=self._blocklimit, byteids=False,
                                     compression=self._compression,
                                     inlinelimit=self._inlinelimit)

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):
        if terminfo.is_inlined():
            return super().postings_reader(dbfile, terminfo, format_, term, scorer)
        offset, length = terminfo.extent()
        return CompactLeafMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)


# A length byte's length, as Whoosh decodes it (a zero byte means no length: None).
_LENGTH_OF_BYTE = [None] + [byte_to_length(b) for b in range(1, 256)]


class _NewSegmentLengths(W3PerDocReader):
    """A segment's field lengths as its writer reads them back, each field's column read once.

    Writing a segment's postings, Whoosh asks the length of the posting's field in its document
    once per posting, a seek and a one-byte read each time: a fifth of a crawl's indexing CPU.
    Each column is read whole instead, one byte a document (100 KB for 100,000 documents).
    """

    def __init__(self, storage, segment) -> None:
        super().__init__(storage, segment)
        self._columns: dict[str, bytes] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int | None:
        column = self._columns.get(fieldname)
        if column is None:
            reader = self._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
            if reader is None:
                return default
            column = self._columns[fieldname] = bytes(reader.load())
        return _LENGTH_OF_BYTE[column[docnum]]


class BatchWriter(SegmentWriter):
    """Whoosh's segment writer for a crawl's batches: the batch is sorted in memory, merged
    segments in small runs, and the new segment's field lengths are read once (see above)."""

    BATCH_POOL_MB = 16  # a batch of ~200 articles (~60,000 postings) sorts in memory
    MERGE_POOL_MB = 4  # merged segments' postings go through the pool too: sorted runs on disk

    def __init__(self, index, **kwargs: Any) -> None:
        super().__init__(index, limitmb=self.BATCH_POOL_MB, **kwargs)

    def add_reader(self, reader) -> None:
        # A commit that merges older segments would otherwise hold up to the batch limit of their
        # postings in memory too: 12 MiB more at the crawl's peak.
        self.pool.limit = min(self.pool.limit, self.MERGE_POOL_MB * 1024 * 1024)
        super().add_reader(reader)

    def per_document_reader(self) -> _NewSegmentLengths:
        if not self.perdocwriter.is_closed:
            raise RuntimeError("per-document writer still open")
        return _NewSegmentLengths(self.storage, self.get_segment())


class _Columns:
    """Day, language and source of every document of one reader, for filters and counts."""

    def __init__(self, reader) -> None:
        self.days: list[int] = list(reader.column_reader("day"))
        self.languages: list[str] = list(reader.column_reader("language"))
        self.sources: list[str] = list(reader.column_reader("source"))
        self.day_array = np.array(self.days, dtype=np.int64)
        self._day_keys: dict[tuple[str, bool], tuple[np.ndarray, list[int], list[str]]] = {}
        self._arrays: dict[str, tuple[np.ndarray, list[str]]] = {}

    def facet_counts(self, docs: Collection[int] | np.ndarray) -> dict[str, Counter]:
        """Counts of ``docs`` (a set, or an array of document numbers) by source, language
        and month: one ``bincount`` per facet over the documents' value numbers."""
        if not isinstance(docs, np.ndarray):
            docs = np.fromiter(docs, np.int64, len(docs))
        counts: dict[str, Counter] = {}
        for facet in ("source", "language", "month"):
            codes, names = self._coded(facet)
            tally = np.bincount(codes[docs], minlength=len(names))
            present = np.flatnonzero(tally)
            counts[facet] = Counter(dict(zip([names[i] for i in present.tolist()],
                                             tally[present].tolist(), strict=True)))
        return counts

    def day_language_counts(self, docs: Collection[int] | np.ndarray, split: str = "language",
                            month_only: bool = False) -> Counter:
        """Counts of ``docs`` by (day number, language or source), counted as ``facet_counts``
        is: one ``bincount`` over a number per (day, value) pair. ``month_only``: by month,
        each counted on the month's first day (as the tantivy engine does)."""
        cache = (split, month_only)
        if cache not in self._day_keys:
            codes, values = self._coded("source" if split == "source" else "language")
            days = self.day_array
            if month_only:
                days = days // 100 * 100 + 1
            distinct, day_codes = np.unique(days, return_inverse=True)
            keys = day_codes.reshape(-1).astype(np.int64) * len(values) + codes
            self._day_keys[cache] = (keys, distinct.tolist(), values)
        keys, distinct, values = self._day_keys[cache]
        if not isinstance(docs, np.ndarray):
            docs = np.fromiter(docs, np.int64, len(docs))
        tally = np.bincount(keys[docs], minlength=len(distinct) * len(values))
        present = np.flatnonzero(tally)
        return Counter({(distinct[key // len(values)], values[key % len(values)]): count
                        for key, count in zip(present.tolist(), tally[present].tolist(),
                                              strict=True)})

    def _coded(self, column: str) -> tuple[np.ndarray, list[str]]:
        """A column (language, source, month) as one small integer per document, and the
        values they stand for."""
        if column not in self._arrays:
            if column == "month":
                months, codes = np.unique(self.day_array // 100, return_inverse=True)
                self._arrays[column] = (codes.reshape(-1).astype(np.int32),
                                        [_month(month * 100) for month in months.tolist()])
                return self._arrays[column]
            values = self.languages if column == "language" else self.sources
            names = sorted(set(values))
            index = {name: i for i, name in enumerate(names)}
            self._arrays[column] = (np.fromiter(map(index.__getitem__, values), np.int32,
                                                len(values)), names)
        return self._arrays[column]

    def allowed_mask(self, filters: Filters) -> np.ndarray | None:
        """The document numbers the filters let through, as a boolean per document number
        (None: all)."""
        mask: np.ndarray | None = None
        for column, wanted in (("language", filters.languages), ("source", filters.sources)):
            if wanted:
                codes, names = self._coded(column)
                keep = np.isin(codes, [i for i, name in enumerate(names) if name in wanted])
                mask = keep if mask is None else mask & keep
        days = filters.day_range()
        if days:
            keep = (self.day_array >= days[0]) & (self.day_array <= days[1])
            mask = keep if mask is None else mask & keep
        return mask


# --- query execution -------------------------------------------------------------------------
class _Segment:
    """One segment of the opened index: its reader, its first global document number, and the
    per-document length bytes of the fields scored so far (read whole, once)."""

    def __init__(self, searcher, offset: int) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.offset = offset
        self.doc_count = self.reader.doc_count_all()
        self._lengths: dict[str, bytes] = {}
        self._length_arrays: dict[str, np.ndarray] = {}

    def length_array(self, fieldname: str) -> np.ndarray:
        """``lengths`` as an array of bytes, for scoring whole posting lists at once."""
        found = self._length_arrays.get(fieldname)
        if found is None:
            found = self._length_arrays[fieldname] = np.frombuffer(self.lengths(fieldname),
                                                                   dtype=np.uint8)
        return found

    def posting_arrays(self, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
        """A word's whole posting list in the segment: its document numbers (int64) and
        frequencies (float64), the blocks of ``blocks`` joined.

        A compact list is read in one piece and its blocks cut from it here (``_compact_
        postings``); walking them through the block matcher cost ~25 µs a block, most of a
        ranked query's time on a frequent word.
        """
        terms = self.reader._terms
        if (fieldname, btext) not in terms:
            return _NO_IDS, _NO_WEIGHTS
        matcher = terms.matcher(fieldname, btext, self.reader.schema[fieldname].format)
        if isinstance(matcher, CompactLeafMatcher):
            return _compact_postings(matcher._postfile, matcher._startoffset)
        ids, weights = [], []
        for block_ids, block_weights in self.blocks(fieldname, btext):
            ids.append(np.asarray(block_ids, dtype=np.int64))
            weights.append(np.asarray(block_weights, dtype=np.float64))
        if not ids:
            return _NO_IDS, _NO_WEIGHTS
        if len(ids) == 1:
            return ids[0], weights[0]
        return np.concatenate(ids), np.concatenate(weights)

    def lengths(self, fieldname: str) -> bytes:
        """Whoosh's length byte of ``fieldname`` for every document of the segment."""
        lengths = self._lengths.get(fieldname)
        if lengths is None:
            column = self.reader._perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
            raw = b"" if column is None else column._dbfile.get(column._basepos, column._count)
            lengths = self._lengths[fieldname] = raw.ljust(self.doc_count, b"\0")
        return lengths

    def blocks(self, fieldname: str, btext: bytes) -> Iterator[tuple[Sequence[int],
                                                                      Sequence[float]]]:
        """The (document numbers, term frequencies) of a posting list, one block at a time.

        Whoosh hands out postings one document at a time in Python; whole blocks come here as
        arrays (compact blocks) or pickled tuples with the delta coding undone by
        ``accumulate`` (an older index), which is what makes scoring every match cheap.
        """
        terms = self.reader._terms
        if (fieldname, btext) not in terms:
            return
        matcher = terms.matcher(fieldname, btext, self.reader.schema[fieldname].format)
        if isinstance(matcher, CompactLeafMatcher):
            while matcher.is_active():
                matcher._read_ids()
                yield matcher._ids, matcher._weights
                matcher._next_block()
            return
        if isinstance(matcher, W3LeafMatcher) and not matcher._byteids:  # an older index
            while matcher.is_active():
                if matcher._data is None:
                    matcher._read_data()
                matcher._read_weights()
                yield tuple(accumulate(matcher._data[0])), matcher._weights
                matcher._next_block()
            return
        ids, weights = [], []  # short posting lists are stored inline: a plain matcher
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
        yield ids, weights

    def position_keys(self, fieldname: str, btext: bytes, fmt: Any,
                      local: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """A word's frequency in each of the sorted documents ``local`` (which all hold it),
        and each of its occurrences there as one number: document << 32 | position.

        Compact blocks with none of ``local`` are passed over on their last id; in the others
        the wanted postings' positions are cut from the block's values as arrays (a phrase over
        common words checks thousands of documents).
        """
        matcher = self.reader._terms.matcher(fieldname, btext, fmt)
        if not isinstance(matcher, CompactLeafMatcher) or not isinstance(fmt, CompactPositions):
            found = self.positions(fieldname, btext, fmt, local.tolist())
            tf = np.array([found[doc][1] for doc in local.tolist()], dtype=np.float64)
            keys = [(doc << 32) + np.array(found[doc][0], dtype=np.int64)
                    for doc in local.tolist()]
            return tf, np.concatenate(keys) if keys else _NO_IDS
        tfs: list[np.ndarray] = []
        keys = []
        first = 0
        while matcher.is_active() and first < len(local):
            last = matcher.block_max_id()
            if local[first] <= last:
                stop = int(np.searchsorted(local, last, side="right"))
                wanted = local[first:stop]
                matcher._read_ids()
                where = np.searchsorted(np.frombuffer(matcher._ids, dtype=np.uint32), wanted)
                offsets, blob = matcher.value_blob()
                # Each value is a 4-byte count, then the positions as little-endian uint32.
                bounds = np.frombuffer(offsets, dtype=np.uint32).astype(np.int64) // 4
                starts, ends = bounds[where] + 1, bounds[where + 1]
                counts = ends - starts
                steps = np.arange(int(counts.sum()), dtype=np.int64)
                steps += np.repeat(starts - (np.cumsum(counts) - counts), counts)
                positions = np.frombuffer(blob, dtype="<u4")[steps].astype(np.int64)
                keys.append((np.repeat(wanted, counts) << 32) | positions)
                tfs.append(np.frombuffer(matcher._weights, dtype=np.float32)[where])
                first = stop
            matcher._next_block()
        if not keys:
            return _NO_WEIGHTS, _NO_IDS
        return np.concatenate(tfs).astype(np.float64), np.concatenate(keys)

    def positions(self, fieldname: str, btext: bytes, fmt: Any,
                  local: list[int]) -> dict[int, tuple[list[int], float]]:
        """(positions, frequency) of a word in each of the sorted documents ``local``.

        Compact blocks that hold none of them are passed over on their last id, without
        being read; in the others only the wanted postings' positions are decoded.
        """
        out: dict[int, tuple[list[int], float]] = {}
        matcher = self.reader._terms.matcher(fieldname, btext, fmt)
        if isinstance(matcher, CompactLeafMatcher):
            wanted, first = set(local), 0
            while matcher.is_active() and first < len(local):
                last = matcher.block_max_id()
                if local[first] <= last:
                    matcher._read_ids()
                    ids = matcher._ids
                    present = wanted.intersection(ids)
                    if present:
                        offsets, blob = matcher.value_blob()
                        weights = matcher._weights
                        for doc in present:
                            i = bisect.bisect_left(ids, doc)  # a block's ids ascend
                            out[doc] = (fmt.decode_positions(blob[offsets[i]:offsets[i + 1]]),
                                        weights[i])
                    first = bisect.bisect_right(local, last, first)
                matcher._next_block()
            return out
        for target in local:  # inline postings, an older index: Whoosh's matcher
            if not matcher.is_active():
                break
            if matcher.id() < target:
                matcher.skip_to(target)
                if not matcher.is_active():
                    break
            if matcher.id() == target:
                out[target] = (matcher.value_as("positions"), matcher.weight())
        return out


def _compact_postings(postfile: Any, start: int) -> tuple[np.ndarray, np.ndarray]:
    """The document numbers (int64) and weights (float64) of a whole posting list as
    ``CompactPostingsWriter`` writes it at ``start`` of ``postfile``: a tag, then blocks, each
    its length (negative for the last), Whoosh's pickled block info (the count first) and
    ``_BLOCK_HEAD`` + ids + weights, compressed as the info says, + the positions."""
    if postfile.get(start, 4) != WHOOSH3_HEADER_MAGIC:
        raise ValueError("not a posting list")
    ids, weights = [], []
    position = start + 4
    while True:
        length = _BLOCK_LENGTH.unpack(postfile.get(position, 4))[0]
        block = postfile.get(position + 4, abs(length))
        reader = BytesIO(block)
        count, _maxid, _maxweight, compression, _minlength, _maxlength = pickle_load(reader)
        head = reader.tell()
        kind, main = _ids_and_weights(block, head, compression)
        ids.append(np.frombuffer(main, dtype="<u4", count=count))
        weights.append(np.ones(count, dtype=np.float32) if kind == _ALL_ONES else
                       np.frombuffer(main, dtype="<f4", count=count, offset=4 * count))
        if length < 0:
            return (np.concatenate(ids).astype(np.int64),
                    np.concatenate(weights).astype(np.float64))
        position += 4 + length


Scores = dict[int, float]
# A query's scores over the whole index: the score of each document number (0.0 where it does
# not match) and whether it matches.
Dense = tuple[np.ndarray, np.ndarray]
_NO_IDS = np.zeros(0, dtype=np.int64)
_NO_WEIGHTS = np.zeros(0, dtype=np.float64)


class _Executor:
    """Runs a parsed query tree on an opened searcher: the set of matching documents (totals,
    facets, counts over time) or their BM25F scores (ranking), the scores being Whoosh's own.

    Term postings are read a block at a time into sets (matching) or whole posting lists into
    arrays (scores, a few vector operations per word); And, Or, Not, AndNot, AndMaybe, prefixes
    and wildcards
    combine them as Whoosh's matchers would, phrases are checked on positions, and any other
    node is run by Whoosh's own matcher.
    """

    def __init__(self, searcher) -> None:
        self.searcher = searcher
        self.segments = [_Segment(sub, offset) for sub, offset in searcher.leaf_searchers()]
        self.doc_count_all = searcher.doc_count_all()
        self.deleted: set[int] = set()
        for segment in self.segments:
            if segment.reader.has_deletions():
                self.deleted.update(segment.offset + n
                                    for n in segment.reader.deleted_docs_set)
        self.schema = searcher.schema
        self.weighting = searcher.weighting
        self._norms: dict[str, list[float]] = {}
        self._norm_arrays: dict[str, np.ndarray] = {}
        self._live: np.ndarray | None = None
        self._id_numbers: dict[str, tuple[int, ...]] = {}
        self._facts: dict[int, tuple[str, str, int]] = {}

    # --- entry points -------------------------------------------------------------------
    def docs(self, query: Query, within: set[int] | None) -> set[int]:
        """Every live document ``query`` matches (only among ``within`` when given)."""
        docs = self._docs(query, within)
        if within is not None:
            docs &= within
        docs.difference_update(self.deleted)
        return docs

    def ranked(self, query: Query, within: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Every live document ``query`` matches (only where the mask ``within`` is true), in
        document order, and its score: what ``scores`` gives, as two arrays.

        A ranked query on a large index matches tens of thousands of documents in several
        fields; scoring them a posting list at a time with array arithmetic, instead of a
        dict update per posting, is what keeps a search page's CPU near tantivy's.
        """
        scores, matched = self._dense(query)
        matched &= self.live()
        if within is not None:
            matched &= within
        docs = np.flatnonzero(matched)
        return docs, scores[docs]

    def matching(self, query: Query, within: np.ndarray | None) -> np.ndarray:
        """Every live document ``query`` matches (only where the mask ``within`` is true), in
        document order: ``ranked``'s documents without their scores (for counting)."""
        _scores, matched = self._dense(query, score=False)
        matched &= self.live()
        if within is not None:
            matched &= within
        return np.flatnonzero(matched)

    def live(self) -> np.ndarray:
        """True for each document number that is not deleted."""
        if self._live is None:
            live = np.ones(self.doc_count_all, dtype=bool)
            if self.deleted:
                live[np.fromiter(self.deleted, np.int64, len(self.deleted))] = False
            self._live = live
        return self._live

    # --- terms --------------------------------------------------------------------------
    def _btext(self, fieldname: str, text: Any) -> bytes | None:
        if fieldname not in self.schema:
            return None
        try:
            return self.schema[fieldname].to_bytes(text)
        except ValueError:
            return None

    def _term_docs(self, out: set[int], fieldname: str, btext: bytes,
                   within: set[int] | None = None) -> None:
        for segment in self._segments_holding(within):
            offset = segment.offset
            for ids, _weights in segment.blocks(fieldname, btext):
                out.update(map(offset.__add__, ids) if offset else ids)

    def _segments_holding(self, within: set[int] | None) -> list[_Segment]:
        """The segments that hold a document of ``within`` (all when None): a query over a few
        new articles reads the postings of the new segments only."""
        if within is None or len(within) > self.doc_count_all // 4:
            return self.segments
        starts = [segment.offset for segment in self.segments]
        used = {bisect.bisect_right(starts, doc) - 1 for doc in within}
        return [segment for number, segment in enumerate(self.segments) if number in used]

    def id_docs(self, ids: Collection[str]) -> dict[int, str]:
        """The live document number of each of ``ids`` the index holds (kept with the open
        searcher: a watch run asks for the same thousand ids once per watch, ~0.4 ms each)."""
        found: dict[int, str] = {}
        known = self._id_numbers
        for doc_id in ids:
            numbers = known.get(doc_id)
            if numbers is None:
                numbers = known[doc_id] = self._live_numbers(doc_id)
            for number in numbers:
                found[number] = doc_id
        return found

    def doc_facts(self, docs: Iterable[int]) -> dict[int, tuple[str, str, int]]:
        """(language, source, day) of each of ``docs``, from their stored fields (kept)."""
        known = self._facts
        for doc in docs:
            if doc not in known:
                stored = self.searcher.stored_fields(doc)
                known[doc] = (stored["language"], stored["source"], int(stored["day"]))
        return known

    def _live_numbers(self, doc_id: str) -> tuple[int, ...]:
        btext = self._btext("id", doc_id)
        if btext is None:
            return ()
        return tuple(number + segment.offset for segment in self.segments
                     for numbers, _weights in segment.blocks("id", btext)
                     for number in numbers if number + segment.offset not in self.deleted)

    def _norm(self, fieldname: str) -> list[float]:
        """BM25's length normalisation for each of Whoosh's 256 length bytes of a field."""
        norm = self._norms.get(fieldname)
        if norm is None:
            weighting = self.weighting
            b = getattr(weighting, "_field_B", {}).get(fieldname, weighting.B)
            avgfl = self.searcher.avg_field_length(fieldname) or 1
            k1 = weighting.K1
            norm = [k1 * ((1 - b) + b * byte_to_length(n or 1) / avgfl) for n in range(256)]
            self._norms[fieldname] = norm
        return norm

    def _expansions(self, query: wq.MultiTerm) -> list[bytes]:
        fieldname = query.field()
        found: set[bytes] = set()
        for segment in self.segments:
            found.update(t for t in query._btexts(segment.reader) if t)
        return sorted(found) if fieldname in self.schema else []

    # --- document sets ------------------------------------------------------------------
    def _all(self, within: set[int] | None) -> set[int]:
        return set(within) if within is not None else set(range(self.doc_count_all))

    def _docs(self, q: Query, within: set[int] | None) -> set[int]:
        if isinstance(q, wq.Term):
            out: set[int] = set()
            btext = self._btext(q.fieldname, q.text)
            if btext is not None:
                self._term_docs(out, q.fieldname, btext, within)
            return out
        if isinstance(q, wq.Or) and not (q.minmatch or q.scale):
            out = set()
            for sub in q.subqueries:
                if isinstance(sub, wq.Term):  # a word's fields: straight into one set
                    btext = self._btext(sub.fieldname, sub.text)
                    if btext is not None:
                        self._term_docs(out, sub.fieldname, btext, within)
                else:
                    out |= self._docs(sub, within)
            return out
        if isinstance(q, wq.And):
            positive = [s for s in q.subqueries if not isinstance(s, wq.Not)]
            if not positive:
                return self._fallback_docs(q, within)
            sets = sorted((self._docs(s, within) for s in positive), key=len)
            out = sets[0].intersection(*sets[1:])
            for sub in q.subqueries:
                if isinstance(sub, wq.Not) and out:
                    out -= self._docs(sub.query, within)
            return out
        if isinstance(q, wq.AndNot):
            return self._docs(q.a, within) - self._docs(q.b, within)
        if isinstance(q, wq.AndMaybe):
            return self._docs(q.a, within)
        if isinstance(q, wq.Not):
            return self._all(within) - self._docs(q.query, within)
        if isinstance(q, wq.Every) and not q.fieldname:
            return self._all(within)
        if isinstance(q, _NULL):
            return set()
        if isinstance(q, wq.MultiTerm):
            out = set()
            for btext in self._expansions(q):
                self._term_docs(out, q.field(), btext, within)
            return out
        return self._fallback_docs(q, within)

    # --- scores -------------------------------------------------------------------------
    # Each node of the tree gives (scores, matched) over every document number, a score being
    # 0.0 wherever its node does not match, so that a union adds whole arrays. The arithmetic
    # is Whoosh's BM25F, a posting list at a time: a union sums its parts' scores (Whoosh's
    # UnionMatcher), an intersection too, an inverse matcher adds 1 to what it lets through.
    def _zeros(self) -> Dense:
        return (np.zeros(self.doc_count_all, dtype=np.float64),
                np.zeros(self.doc_count_all, dtype=bool))

    def _mask(self, docs: Collection[int]) -> np.ndarray:
        mask = np.zeros(self.doc_count_all, dtype=bool)
        if docs:
            mask[np.fromiter(docs, np.int64, len(docs))] = True
        return mask

    def _dense(self, q: Query, score: bool = True) -> Dense:
        """(scores, matched) of ``q`` over every document number; ``score=False``: the
        matched flags only (the words' scores left at 0.0, where counting needs no ranking)."""
        boost = getattr(q, "boost", 1.0)
        if isinstance(q, wq.Term):
            found = self._zeros()
            btext = self._btext(q.fieldname, q.text)
            if btext is not None:
                self._term_dense(found, q.fieldname, btext, boost, score)
            return found
        if isinstance(q, wq.Or) and not (q.minmatch or q.scale):
            acc, matched = found = self._zeros()
            for sub in q.subqueries:
                if isinstance(sub, wq.Term):
                    btext = self._btext(sub.fieldname, sub.text)
                    if btext is not None:
                        self._term_dense(found, sub.fieldname, btext, sub.boost * boost,
                                         score)
                    continue
                part, part_matched = self._dense(sub, score)
                acc += part * boost if boost != 1.0 else part
                matched |= part_matched
            return found
        if isinstance(q, wq.And):
            positive = [s for s in q.subqueries if not isinstance(s, wq.Not)]
            if not positive:
                return self._dense_of(self._fallback_scores(q, None))
            parts = [self._dense(s, score) for s in positive]
            # The parts are added from the one with the fewest matches up.
            parts.sort(key=lambda part: int(np.count_nonzero(part[1])))
            acc, matched = parts[0]
            for part, part_matched in parts[1:]:
                acc = acc + part
                matched = matched & part_matched
            for sub in q.subqueries:
                if isinstance(sub, wq.Not) and matched.any():
                    # Whoosh's inverse matcher adds 1 to the score of what it lets through.
                    matched = matched & ~self._mask(self._docs(sub.query, None))
                    acc = acc + 1.0
            return self._boosted((acc, matched), boost)
        if isinstance(q, wq.AndNot):
            acc, matched = self._dense(q.a, score)
            matched &= ~self._mask(self._docs(q.b, None))
            return self._boosted((acc, matched), boost)
        if isinstance(q, wq.AndMaybe):
            acc, matched = self._dense(q.a, score)
            extra, _extra_matched = self._dense(q.b, score)
            return self._boosted((acc + extra, matched), boost)
        if isinstance(q, _NULL):
            return self._zeros()
        if isinstance(q, wq.Not):
            matched = ~self._mask(self._docs(q.query, None))
            return matched.astype(np.float64), matched
        if isinstance(q, wq.Every) and not q.fieldname:
            return (np.full(self.doc_count_all, float(boost)),
                    np.ones(self.doc_count_all, dtype=bool))
        if isinstance(q, wq.MultiTerm):
            found = self._zeros()
            for btext in self._expansions(q):
                self._term_dense(found, q.field(), btext, boost, score)
            return found
        return self._dense_of(self._fallback_scores(q, None))

    def _boosted(self, found: Dense, boost: float) -> Dense:
        """Scores kept only where matched (0.0 elsewhere), times ``boost``."""
        acc, matched = found
        acc = np.where(matched, acc * boost if boost != 1.0 else acc, 0.0)
        return acc, matched

    def _dense_of(self, scores: Scores) -> Dense:
        acc, matched = found = self._zeros()
        if scores:
            docs = np.fromiter(scores.keys(), np.int64, len(scores))
            acc[docs] = np.fromiter(scores.values(), np.float64, len(scores))
            matched[docs] = True
        return found

    def _term_dense(self, found: Dense, fieldname: str, btext: bytes, boost: float,
                    score: bool = True) -> None:
        """Add BM25F(term) × boost of each document to the scores, with Whoosh's formula and
        statistics, a whole posting list at once (``score=False``: only flag the matches)."""
        acc, matched = found
        if not score:
            for segment in self.segments:
                ids, _tf = segment.posting_arrays(fieldname, btext)
                matched[ids + segment.offset if segment.offset else ids] = True
            return
        scorable = self.schema[fieldname].scorable
        if scorable:
            scale = (self.searcher.idf(fieldname, btext.decode("utf-8"))
                     * (self.weighting.K1 + 1) * boost)
            norm = self._norm_array(fieldname)
        for segment in self.segments:
            ids, tf = segment.posting_arrays(fieldname, btext)
            if not len(ids):
                continue
            if scorable:
                score = scale * tf / (tf + norm[segment.length_array(fieldname)[ids]])
            else:  # ID fields score their weight, as in Whoosh
                score = boost * tf
            if segment.offset:
                ids = ids + segment.offset
            # A posting list names each document once, so the fancy-indexed add is exact.
            acc[ids] += score
            matched[ids] = True

    def _norm_array(self, fieldname: str) -> np.ndarray:
        norm = self._norm_arrays.get(fieldname)
        if norm is None:
            norm = self._norm_arrays[fieldname] = np.array(self._norm(fieldname),
                                                           dtype=np.float64)
        return norm

    # --- phrases ------------------------------------------------------------------------
    def _phrase(self, q: wq.Phrase, within: set[int] | None, score: bool) -> Scores:
        """Documents with the words of ``q`` in order, at most ``slop`` positions apart, and
        Whoosh's phrase score: the sum of the words' scores.

        Only the documents holding every word (a set intersection) have their positions read,
        and they are compared as arrays of (document, position) numbers; Whoosh's phrase
        matcher walked and compared every document of its words.
        """
        fieldname = q.fieldname
        btexts = [self._btext(fieldname, word) for word in q.words]
        if not btexts or None in btexts:
            return {}
        fmt = self.schema[fieldname].format
        scales = [self.searcher.idf(fieldname, b.decode("utf-8")) * (self.weighting.K1 + 1)
                  * q.boost for b in btexts] if score else []
        out: Scores = {}
        for segment in self.segments:
            offset = segment.offset
            candidates: set[int] | None = None
            for btext in sorted(set(btexts)):
                ids: set[int] = set()
                for block_ids, _weights in segment.blocks(fieldname, btext):
                    ids.update(block_ids)
                candidates = ids if candidates is None else candidates & ids
                if not candidates:
                    break
            if within is not None and candidates:
                candidates = {d for d in candidates if d + offset in within}
            if not candidates:
                continue
            local = np.array(sorted(candidates), dtype=np.int64)
            found = {btext: segment.position_keys(fieldname, btext, fmt, local)
                     for btext in set(btexts)}
            # A word's occurrences that follow one of the previous word's within the slop.
            ends = found[btexts[0]][1]
            for btext in btexts[1:]:
                keys = found[btext][1]
                follows = np.zeros(len(keys), dtype=bool)
                for gap in range(1, q.slop + 1):
                    follows |= np.isin(keys - gap, ends)
                ends = keys[follows]
                if not len(ends):
                    break
            docs = np.unique(ends >> 32)
            if not len(docs):
                continue
            if score:
                rows = np.searchsorted(local, docs)
                norm = self._norm_array(fieldname)[segment.length_array(fieldname)[docs]]
                totals = np.zeros(len(docs), dtype=np.float64)
                for btext, scale in zip(btexts, scales, strict=True):
                    tf = found[btext][0][rows]
                    totals += scale * tf / (tf + norm)
                out.update(zip((docs + offset).tolist(), totals.tolist(), strict=True))
            else:
                out.update(dict.fromkeys((docs + offset).tolist(), 1.0))
        return out

    # --- Whoosh's own matchers, for everything else -------------------------------------
    def _walk(self, q: Query, within: set[int] | None, score: bool) -> Scores:
        context = self.searcher.context() if score else self.searcher.boolean_context()
        out: Scores = {}
        for segment in self.segments:
            matcher = q.matcher(segment.searcher, context)
            offset = segment.offset
            while matcher.is_active():
                doc = matcher.id() + offset
                if within is None or doc in within:
                    out[doc] = matcher.score() if score else 1.0
                matcher.next()
        return out

    def _fallback_docs(self, q: Query, within: set[int] | None) -> set[int]:
        if _is_phrase(q, self.schema):
            return set(self._phrase(q, within, score=False))
        return set(self._walk(q, within, score=False))

    def _fallback_scores(self, q: Query, within: set[int] | None) -> Scores:
        if _is_phrase(q, self.schema):
            return self._phrase(q, within, score=True)
        return self._walk(q, within, score=True)


def _best(docs: np.ndarray, scores: np.ndarray, count: int) -> list[tuple[int, float | None]]:
    """The ``count`` best-scored documents, best first; equal scores by document number (the
    lowest first, also for the ties at the cut)."""
    if len(docs) > count:
        cut = np.partition(scores, len(scores) - count)[len(scores) - count]
        above = np.flatnonzero(scores > cut)
        ties = np.flatnonzero(scores == cut)[:count - len(above)]
        chosen = np.concatenate([above, ties])
    else:
        chosen = np.arange(len(docs))
    order = chosen[np.lexsort((docs[chosen], -scores[chosen]))]
    return list(zip(docs[order].tolist(), scores[order].tolist(), strict=True))


def _passes(facts: tuple[str, str, int], filters: Filters,
            days: tuple[int, int] | None) -> bool:
    language, source, day = facts
    return ((not filters.languages or language in filters.languages)
            and (not filters.sources or source in filters.sources)
            and (days is None or days[0] <= day <= days[1]))


def _is_phrase(q: Query, schema: Schema) -> bool:
    """A phrase this module matches itself (Whoosh reports the other cases' errors)."""
    return (isinstance(q, wq.Phrase) and q.fieldname in schema
            and bool(schema[q.fieldname].format)
            and schema[q.fieldname].format.supports("positions"))


def _boost(scores: Scores, boost: float) -> Scores:
    return scores if boost == 1.0 else {d: s * boost for d, s in scores.items()}


class WhooshEngine(Engine):
    """Whoosh index with per-language stemmed fields, ASCII, name and exact fields."""

    name = "whoosh"

    def __init__(self, directory: Path) -> None:
        super().__init__(directory)
        self._searcher = None
        self._columns: _Columns | None = None
        self._executor: _Executor | None = None

    # --- writing ------------------------------------------------------------------------
    def exists(self) -> bool:
        return whoosh_index.exists_in(self.directory, indexname=INDEX_NAME)

    def open(self):
        if not self.exists():
            self.directory.mkdir(parents=True, exist_ok=True)
            return whoosh_index.create_in(self.directory, build_schema(), indexname=INDEX_NAME)
        return whoosh_index.open_dir(self.directory, indexname=INDEX_NAME)

    def update(self, documents: Iterable[dict[str, Any]]) -> int:
        documents = list(documents)
        if not documents:
            return 0
        # A crawl adds batches of ~200 articles (~60,000 postings), sorted in memory: a 4 MiB pool
        # spilled each batch to sorted runs on disk, pickled and merged back, a third of the
        # indexing CPU (3.5 ms an article against 2.2 at 16 MiB).
        writer = BatchWriter(self.open(), timeout=WRITER_TIMEOUT_S, codec=CompactCodec())
        try:
            for document in documents:
                writer.update_document(**whoosh_document(document))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        self._close()
        return len(documents)

    def delete(self, ids: Iterable[str]) -> int:
        ids = list(ids)
        if not ids or not self.exists():
            return 0
        writer = self.open().writer(timeout=WRITER_TIMEOUT_S, codec=CompactCodec())
        try:
            for doc_id in ids:
                writer.delete_by_term("id", doc_id)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        self._close()
        return len(ids)

    def rebuild(self, documents: Iterable[dict[str, Any]]) -> int:
        fresh = self.directory.with_name(self.directory.name + ".new")
        shutil.rmtree(fresh, ignore_errors=True)
        fresh.mkdir(parents=True)
        index = whoosh_index.create_in(fresh, build_schema(), indexname=INDEX_NAME)
        # A large in-memory pool, and the analysis spread over the cores in worker processes
        # (one segment each, not merged at the end). Forking is only safe with no other thread.
        procs = min(2, os.cpu_count() or 1) if threading.active_count() == 1 else 1
        writer = index.writer(limitmb=REBUILD_LIMIT_MB // procs, procs=procs,
                              multisegment=procs > 1, codec=CompactCodec())
        count = 0
        try:
            for document in documents:
                writer.add_document(**whoosh_document(document))
                count += 1
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        self._close()
        _swap(fresh, self.directory)
        return count

    # --- reading ------------------------------------------------------------------------
    def _readable(self) -> bool:
        """Whether there is an index to read; if so, the open searcher is of its latest commit
        (reopened when not). Each query asks once, first, and its parts then use what
        ``_parts()`` gives without asking again: asking lists the index's folder (~14 us),
        and the searcher, its columns and its executor each asked (five listings a search
        page, twenty for a coverage page; now one and five). The open searcher answers when
        it is current: ``exists()`` opens the index and reads its table of contents (0.12 ms)."""
        if self._searcher is not None:
            try:
                if self._searcher.up_to_date():
                    return True
            except OSError:  # the directory went away (a rebuild swaps it): ask the files
                pass
            self._close()
        if not self.exists():
            return False
        self.searcher()
        return True

    def _parts(self) -> tuple[Any, _Columns, _Executor]:
        """The open searcher, its columns and its executor, as ``_readable()`` left them."""
        if self._searcher is None:
            self.searcher()
        if self._columns is None:
            self._columns = _Columns(self._searcher.reader())
        if self._executor is None:
            self._executor = _Executor(self._searcher)
        return self._searcher, self._columns, self._executor

    def _close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
        self._searcher = None
        self._columns = None
        self._executor = None

    def searcher(self):
        """A searcher kept open between queries (reopened when the index has changed)."""
        if self._searcher is not None and not self._searcher.up_to_date():
            self._close()
        if self._searcher is None:
            self._searcher = self.open().searcher()
            self._columns = None
            self._executor = None
        return self._searcher

    def executor(self) -> _Executor:
        """The query executor of the open searcher (its length arrays are kept with it)."""
        searcher = self.searcher()
        if self._executor is None:
            self._executor = _Executor(searcher)
        return self._executor

    def columns(self) -> _Columns:
        searcher = self.searcher()
        if self._columns is None:
            self._columns = _Columns(searcher.reader())
        return self._columns

    def search(self, query: Query, filters: Filters, *, limit: int, page: int,
               sort: str) -> Page:
        if not self._readable():
            return Page(0, [])
        return self._search(query, filters, limit=limit, page=page, sort=sort)[0]

    def search_with_facets(self, query: Query, filters: Filters, *, limit: int, page: int,
                           sort: str) -> tuple[Page, dict[str, Counter]]:
        # Ranking already found every match: counting them again through facets() ran the
        # whole query a second time (3.6-10 ms of a 100,000-article search page).
        if not self._readable():
            return Page(0, []), {name: Counter() for name in ("source", "language", "month")}
        found, matching = self._search(query, filters, limit=limit, page=page, sort=sort)
        return found, self._parts()[1].facet_counts(matching)

    def _search(self, query: Query, filters: Filters, *, limit: int, page: int,
                sort: str) -> tuple[Page, np.ndarray]:
        """The page, and every matching document number."""
        searcher, columns, executor = self._parts()
        # Exact totals come with the matching set; only the top page*limit are sorted.
        ranked: list[tuple[int, float | None]]
        fetched: dict[int, dict[str, Any]] = {}
        if sort == "date":
            matching = executor.matching(query, columns.allowed_mask(filters))
            total = len(matching)
            page = min(page, max(1, ceil(total / limit)))
            window = page * limit
            newest = matching
            if total > window:
                # Every match on or after the window's last day, so that ties are cut by id
                # wherever the window ends: the same order as the tantivy engine's, whatever
                # the doc numbers.
                match_days = columns.day_array[matching]
                last = np.partition(match_days, total - window)[total - window]
                newest = matching[match_days >= last]
            days = columns.days
            fetched = {d: searcher.stored_fields(d) for d in newest.tolist()}  # the page's too
            ranked = [(doc, None) for doc in sorted(
                fetched, key=lambda d: (-days[d], fetched[d]["id"]))]
        else:
            matching, scores = executor.ranked(query, columns.allowed_mask(filters))
            total = len(matching)
            ranked = _best(matching, scores, page * limit)
        # A page past the last shows the last page, as Whoosh's search_page does.
        page = min(page, max(1, ceil(total / limit)))
        hits = []
        for doc, score in ranked[(page - 1) * limit:page * limit]:
            stored = fetched[doc] if doc in fetched else searcher.stored_fields(doc)
            hits.append(Stored(
                id=stored["id"], url=stored["url"], source=stored["source"],
                language=stored["language"], title=stored["title"], day=stored["day"],
                path=stored["path"], score=score))
        return Page(total, hits), matching

    def _matching(self, query: Query, filters: Filters) -> np.ndarray:
        """Every live document ``query`` matches under ``filters``, as an array: the scoring
        path's whole posting lists read into arrays beat the set path's block-by-block sets,
        even when it scored them (bench one-word queries' counts over time 2.4-2.7 -> 1.7-1.9
        ms); it no longer does."""
        _searcher, columns, executor = self._parts()
        return executor.matching(query, columns.allowed_mask(filters))

    def facets(self, query: Query, filters: Filters) -> dict[str, Counter]:
        if not self._readable():
            return {name: Counter() for name in ("source", "language", "month")}
        return self._parts()[1].facet_counts(self._matching(query, filters))

    def day_counts(self, query: Query, filters: Filters, split: str = "language",
                   month_only: bool = False) -> Counter:
        if not self._readable():
            return Counter()
        return self._parts()[1].day_language_counts(self._matching(query, filters), split,
                                                    month_only)

    def indexed_ids(self) -> set[str]:
        if not self.exists():
            return set()
        ids: set[str] = set()
        with self.open().searcher() as searcher:
            for reader, _offset in searcher.reader().leaf_readers():
                if reader.has_deletions():  # a deleted document's terms stay until a merge
                    ids.update(fields["id"] for fields in reader.all_stored_fields())
                else:  # the terms alone: 0.18 s for 100,000 articles, stored fields 0.66 s
                    ids.update(term.decode() for term in reader.lexicon("id"))
        return ids

    def present_ids(self, ids: Collection[str]) -> set[str]:
        if not ids or not self._readable():
            return set()
        return set(self._parts()[2].id_docs(ids).values())

    def matching_ids(self, query: Query, filters: Filters, ids: Collection[str]) -> set[str]:
        if not ids or not self._readable():
            return set()
        executor = self._parts()[2]
        by_doc = executor.id_docs(ids)
        # The filters read the few documents' stored fields, not the index's whole columns
        # (1.3 s to load at 100,000 articles).
        days = filters.day_range()
        within = set(by_doc)
        if filters.languages or filters.sources or days:
            facts = executor.doc_facts(within)
            within = {doc for doc in within if _passes(facts[doc], filters, days)}
        if not within:
            return set()
        return {by_doc[doc] for doc in executor.docs(query, within)}

    def doc_count(self) -> int:
        if not self.exists():
            return 0
        with self.open().searcher() as searcher:
            return searcher.doc_count()

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.directory.rglob("*") if p.is_file())


def _month(day: int) -> str:
    return f"{day // 10000:04d}-{day // 100 % 100:02d}"


def _swap(fresh: Path, directory: Path) -> None:
    old = directory.with_name(directory.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if directory.exists():
        directory.rename(old)
    os.replace(fresh, directory)
    shutil.rmtree(old, ignore_errors=True)


__all__ = ["WhooshEngine", "build_schema", "day_number"]
