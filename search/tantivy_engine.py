"""The tantivy engine (Rust, through its Python bindings): the index under ``DATA/index-tantivy``.

Text is analysed in Python by ``search.analysis`` (the same terms as the Whoosh engine: tantivy's
own filters cannot fold the Turkish I's) and handed to tantivy as whitespace-separated terms, or
pre-tokenized with positions for the name field; queries are parsed by the Whoosh parser and the
resulting tree is translated here. Pitfalls measured: the index format is versioned (the version
is pinned in pyproject.toml), an unsigned field rejects a plain Python int with only "index writer
was killed" (days are signed integers here).
"""

from __future__ import annotations

import contextlib
import re
import shutil
from collections import Counter
from collections.abc import Collection, Iterable
from datetime import date
from math import ceil
from pathlib import Path
from typing import Any

import tantivy
from whoosh import query as wq

from search.analysis import ANALYZED_LANGUAGES, analyse
from search.engine import Engine, Filters, Page, QueryError, Stored

LANGUAGE_FIELDS = (*ANALYZED_LANGUAGES, "xx")
TEXT_FIELDS = (*(f"{part}_{lang}" for lang in LANGUAGE_FIELDS for part in ("title", "text")),
               "fold", "names", "exact")
KEYWORD_FIELDS = ("id", "url", "source", "language", "month")
WRITER_HEAP = 256_000_000
MAX_TERMS_AGG = 65_000
FACETS = ("source", "language", "month")  # what a search page counts its matches by
_NULL = type(wq.NullQuery)


def build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    for name in KEYWORD_FIELDS:
        builder.add_text_field(name, stored=True, fast=name in ("source", "language", "month"),
                               tokenizer_name="raw")
    builder.add_integer_field("day", stored=True, indexed=True, fast=True)
    builder.add_text_field("title", stored=True, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("path", stored=True, tokenizer_name="raw", index_option="basic")
    for name in TEXT_FIELDS:
        builder.add_text_field(name, stored=False, tokenizer_name="whitespace",
                               index_option="position")
    return builder.build()


def tantivy_document(document: dict[str, Any]) -> tantivy.Document:
    """An engine document (``search.index.document_for``) with its analysed terms."""
    doc = tantivy.Document()
    for name in KEYWORD_FIELDS:
        doc.add_text(name, document[name])
    doc.add_integer("day", int(document["day"]))
    doc.add_text("title", document["title"])
    doc.add_text("path", document["path"])
    lang = document["field_language"]
    title = analyse(document["title"], lang)
    text = analyse(document["text"], lang)
    if title.stem:
        doc.add_text(f"title_{lang}", " ".join(title.stem))
    if text.stem:
        doc.add_text(f"text_{lang}", " ".join(text.stem))
    # Title then text in the fold, names and exact fields, as the Whoosh engine indexes them.
    if title.exact or text.exact:
        doc.add_text("exact", " ".join(title.exact + text.exact))
    shift = len(title.stem)
    for name, first, second in (("fold", title.fold, text.fold),
                                ("names", title.names, text.names)):
        if first or second:
            tokens = [tantivy.Token(term, pos, 0, 0) for pos, term in first]
            tokens += [tantivy.Token(term, pos + shift, 0, 0) for pos, term in second]
            doc.add_pre_tokenized_text(name, tantivy.PreTokenizedString("", tokens))
    return doc


class TantivyEngine(Engine):
    name = "tantivy"

    def __init__(self, directory: Path, threads: int = 0) -> None:
        super().__init__(directory)
        self.threads = threads
        self._index: tantivy.Index | None = None
        self._schema = build_schema()
        self._seen: tuple[int, int, int] | None = None  # meta.json as the reader last read it

    def exists(self) -> bool:
        return (self.directory / "meta.json").is_file()

    def index(self) -> tantivy.Index:
        if self._index is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._seen = self._meta_stamp()  # before opening: a commit in between reloads
            self._index = tantivy.Index(self._schema, path=str(self.directory), reuse=True)
        return self._index

    def _write(self, index: tantivy.Index, documents: Iterable[dict[str, Any]],
               replace: bool) -> int:
        writer = index.writer(WRITER_HEAP, self.threads)
        count = 0
        try:
            for document in documents:
                if replace:
                    writer.delete_documents_by_term("id", document["id"])
                writer.add_document(tantivy_document(document))
                count += 1
        except BaseException:
            writer.rollback()
            raise
        writer.commit()
        writer.wait_merging_threads()
        return count

    def update(self, documents: Iterable[dict[str, Any]]) -> int:
        documents = list(documents)
        if not documents:
            return 0
        count = self._write(self.index(), documents, replace=True)
        self.index().reload()
        return count

    def delete(self, ids: Iterable[str]) -> int:
        ids = list(ids)
        if not ids or not self.exists():
            return 0
        writer = self.index().writer(WRITER_HEAP, self.threads)
        for doc_id in ids:
            writer.delete_documents_by_term("id", doc_id)
        writer.commit()
        writer.wait_merging_threads()
        self.index().reload()
        return len(ids)

    def rebuild(self, documents: Iterable[dict[str, Any]]) -> int:
        fresh = self.directory.with_name(self.directory.name + ".new")
        shutil.rmtree(fresh, ignore_errors=True)
        fresh.mkdir(parents=True)
        index = tantivy.Index(self._schema, path=str(fresh), reuse=False)
        count = self._write(index, documents, replace=False)
        del index
        self._index = None
        self._seen = None
        old = self.directory.with_name(self.directory.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if self.directory.exists():
            self.directory.rename(old)
        fresh.rename(self.directory)
        shutil.rmtree(old, ignore_errors=True)
        return count

    # --- reading ------------------------------------------------------------------------
    def _filtered(self, query: wq.Query, filters: Filters) -> tantivy.Query:
        main = translate(query, self._schema)
        musts: list[tuple[tantivy.Occur, tantivy.Query]] = [(tantivy.Occur.Must, main)]
        for field, values in (("language", filters.languages), ("source", filters.sources)):
            if values:
                musts.append((tantivy.Occur.Must, tantivy.Query.const_score_query(
                    tantivy.Query.term_set_query(self._schema, field, list(values)), 0.0)))
        days = filters.day_range()
        if days:
            musts.append((tantivy.Occur.Must, tantivy.Query.const_score_query(
                tantivy.Query.range_query(self._schema, "day", tantivy.FieldType.Integer,
                                          days[0], days[1]), 0.0)))
        return main if len(musts) == 1 else tantivy.Query.boolean_query(musts)

    def searcher(self) -> tantivy.Searcher:
        """A searcher of the latest commit. tantivy's reader reloads by itself only ~0.5 s
        after another process (a crawl, a reindex) commits; a server keeps its engine open, so
        each query looks at meta.json (one stat) and reloads at once when it changed."""
        index = self.index()
        stamp = self._meta_stamp()
        # None: a rebuild is swapping the directory this instant; the open reader still reads
        # the files it mapped, and the next query reloads.
        if stamp is not None and stamp != self._seen:
            with contextlib.suppress(ValueError):  # failed: the old reader stays; retried next
                index.reload()
                self._seen = stamp
        return index.searcher()

    def _meta_stamp(self) -> tuple[int, int, int] | None:
        try:
            meta = (self.directory / "meta.json").stat()
        except FileNotFoundError:
            return None
        return meta.st_ino, meta.st_mtime_ns, meta.st_size

    def search(self, query: wq.Query, filters: Filters, *, limit: int, page: int,
               sort: str) -> Page:
        if not self.exists():
            return Page(0, [])
        searcher = self.searcher()
        return self._page(searcher, self._filtered(query, filters), query, filters,
                          limit=limit, page=page, sort=sort)

    def search_with_facets(self, query: wq.Query, filters: Filters, *, limit: int, page: int,
                           sort: str) -> tuple[Page, dict[str, Counter]]:
        # One translation of the query and one searcher for both answers.
        if not self.exists():
            return Page(0, []), {name: Counter() for name in FACETS}
        searcher = self.searcher()
        q = self._filtered(query, filters)
        return (self._page(searcher, q, query, filters, limit=limit, page=page, sort=sort),
                self._facet_counts(searcher, q))

    def _page(self, searcher: tantivy.Searcher, q: tantivy.Query, query: wq.Query,
              filters: Filters, *, limit: int, page: int, sort: str) -> Page:
        """A page of ``q`` (``query`` under ``filters``, translated)."""
        if sort == "date":
            return self._by_date(searcher, q, query, filters, limit=limit, page=page)
        result = searcher.search(q, limit=limit, offset=(page - 1) * limit, count=True)
        last = max(1, ceil(result.count / limit))
        if page > last:  # a page past the last shows the last page, as the Whoosh engine does
            result = searcher.search(q, limit=limit, offset=(last - 1) * limit, count=True)
        return Page(result.count, [_stored(searcher.doc(address), float(score))
                                   for score, address in result.hits])

    def _by_date(self, searcher: tantivy.Searcher, q: tantivy.Query, query: wq.Query,
                 filters: Filters, *, limit: int, page: int) -> Page:
        """Newest first, articles of the same day by id: the order the Whoosh engine gives.

        tantivy orders ties on the day by document address, which differs between engines and
        changes with merges; the documents of the window's last day are all fetched (by day
        range), so that the ties are cut by id wherever the window ends.
        """
        result = searcher.search(q, limit=page * limit, order_by_field="day",
                                 order=tantivy.Order.Desc, count=True)
        total = result.count
        if page > max(1, ceil(total / limit)):  # past the last page: the last page
            page = max(1, ceil(total / limit))
            result = searcher.search(q, limit=page * limit, order_by_field="day",
                                     order=tantivy.Order.Desc)
        window = page * limit
        docs = [searcher.doc(address) for _key, address in result.hits]
        if len(docs) == window and total > window:
            last = docs[-1].get_first("day")
            docs = [doc for doc in docs if doc.get_first("day") != last]
            same_day = self._filtered(query, Filters(filters.languages, filters.sources,
                                                     *_day_bounds(last)))
            ties = searcher.search(same_day, limit=1, count=True).count
            docs += [searcher.doc(address)
                     for _key, address in searcher.search(same_day, limit=ties).hits]
        docs.sort(key=lambda doc: (-doc.get_first("day"), doc.get_first("id")))
        return Page(total, [_stored(doc, None) for doc in docs[(page - 1) * limit:window]])

    def facets(self, query: wq.Query, filters: Filters) -> dict[str, Counter]:
        if not self.exists():
            return {name: Counter() for name in FACETS}
        return self._facet_counts(self.searcher(), self._filtered(query, filters))

    def _facet_counts(self, searcher: tantivy.Searcher, q: tantivy.Query) -> dict[str, Counter]:
        counts: dict[str, Counter] = {name: Counter() for name in FACETS}
        agg = {name: {"terms": {"field": name, "size": MAX_TERMS_AGG}} for name in counts}
        result = searcher.aggregate(q, agg)
        for name in counts:
            for bucket in result[name]["buckets"]:
                counts[name][bucket["key"]] = bucket["doc_count"]
        return counts

    def day_counts(self, query: wq.Query, filters: Filters, split: str = "language",
                   month_only: bool = False) -> Counter:
        counts: Counter = Counter()
        if not self.exists():
            return counts
        field = "source" if split == "source" else "language"
        # Per month, 12 buckets a year instead of 365: each counted on the month's first day.
        period = "month" if month_only else "day"
        # By language (or source) first, then by period: a few buckets with a period
        # breakdown each, where the other way round gave every period its own language
        # breakdown (the same counts; a 5-query coverage page's counts by month 6.0 -> 2.7 ms).
        agg = {"split": {"terms": {"field": field, "size": MAX_TERMS_AGG},
                         "aggs": {"day": {"terms": {"field": period, "size": MAX_TERMS_AGG}}}}}
        result = self.searcher().aggregate(self._filtered(query, filters), agg)
        for bucket in result["split"]["buckets"]:
            value = bucket["key"]
            for inner in bucket["day"]["buckets"]:
                key = inner["key"]
                day = int(key.replace("-", "")) * 100 + 1 if month_only else int(key)
                counts[(day, value)] = counts.get((day, value), 0) + inner["doc_count"]
        return counts

    def indexed_ids(self) -> set[str]:
        if not self.exists():
            return set()
        # The id terms of live documents, from the term dictionary: 2.1 s for a million
        # articles, where reading each document's stored id took 4.1 s. The filter leaves out
        # a deleted document's term (it stays in the dictionary until a merge).
        terms = self.searcher().terms_with_prefix("id", "",
                                                  filter_query=tantivy.Query.all_query())
        return {term for term, _count in terms}

    def _id_set(self, ids: Collection[str]) -> tantivy.Query:
        return tantivy.Query.const_score_query(
            tantivy.Query.term_set_query(self._schema, "id", list(ids)), 0.0)

    def present_ids(self, ids: Collection[str]) -> set[str]:
        if not ids or not self.exists():
            return set()
        searcher = self.searcher()
        result = searcher.search(self._id_set(ids), limit=len(ids))
        return {searcher.doc(address).get_first("id") for _score, address in result.hits}

    def matching_ids(self, query: wq.Query, filters: Filters, ids: Collection[str]) -> set[str]:
        if not ids or not self.exists():
            return set()
        searcher = self.searcher()
        both = tantivy.Query.boolean_query([
            (tantivy.Occur.Must, self._filtered(query, filters)),
            (tantivy.Occur.Must, self._id_set(ids))])
        result = searcher.search(both, limit=len(ids))
        return {searcher.doc(address).get_first("id") for _score, address in result.hits}

    def doc_count(self) -> int:
        return self.searcher().num_docs if self.exists() else 0

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.directory.rglob("*") if p.is_file())


def _day_bounds(day: int) -> tuple[date, date]:
    """20251119 → (2025-11-19, 2025-11-19): a filter for one day."""
    one = date(day // 10000, day // 100 % 100, day % 100)
    return one, one


def _stored(doc: tantivy.Document, score: float | None) -> Stored:
    return Stored(id=doc.get_first("id"), url=doc.get_first("url"),
                  source=doc.get_first("source"), language=doc.get_first("language"),
                  title=doc.get_first("title"), day=doc.get_first("day"),
                  path=doc.get_first("path"), score=score)


def _wildcard_regex(pattern: str) -> str:
    return "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)


def translate(q: wq.Query, schema: tantivy.Schema) -> tantivy.Query:
    """A Whoosh query tree (from the shared parser) as a tantivy query."""
    result = _translate(q, schema)
    boost = getattr(q, "boost", 1.0)
    if boost != 1.0 and not isinstance(q, wq.Every | _NULL):
        result = tantivy.Query.boost_query(result, boost)
    return result


def _translate(q: wq.Query, schema: tantivy.Schema) -> tantivy.Query:
    if isinstance(q, _NULL):
        return tantivy.Query.empty_query()
    if isinstance(q, wq.Every):
        return tantivy.Query.all_query()
    if isinstance(q, wq.Term):
        if q.fieldname == "day":
            return tantivy.Query.term_query(schema, "day", int(q.text))
        return tantivy.Query.term_query(schema, q.fieldname, q.text)
    if isinstance(q, wq.Phrase):
        if not q.words:
            return tantivy.Query.empty_query()
        if len(q.words) == 1:
            return tantivy.Query.term_query(schema, q.fieldname, q.words[0])
        return tantivy.Query.phrase_query(schema, q.fieldname, list(q.words),
                                          max(0, q.slop - 1))
    if isinstance(q, wq.Prefix):
        return tantivy.Query.regex_query(schema, q.fieldname, re.escape(q.text) + ".*")
    if isinstance(q, wq.Wildcard):
        return tantivy.Query.regex_query(schema, q.fieldname, _wildcard_regex(q.text))
    if isinstance(q, wq.Not):
        return tantivy.Query.boolean_query([(tantivy.Occur.Must, tantivy.Query.all_query()),
                                            (tantivy.Occur.MustNot, translate(q.query, schema))])
    if isinstance(q, wq.AndNot):
        return tantivy.Query.boolean_query([(tantivy.Occur.Must, translate(q.a, schema)),
                                            (tantivy.Occur.MustNot, translate(q.b, schema))])
    if isinstance(q, wq.AndMaybe):
        return tantivy.Query.boolean_query([(tantivy.Occur.Must, translate(q.a, schema)),
                                            (tantivy.Occur.Should, translate(q.b, schema))])
    if isinstance(q, wq.And | wq.Or | wq.DisjunctionMax):
        occur = tantivy.Occur.Must if isinstance(q, wq.And) else tantivy.Occur.Should
        parts = []
        for sub in q.subqueries:
            if isinstance(q, wq.And) and isinstance(sub, wq.Not):
                parts.append((tantivy.Occur.MustNot, translate(sub.query, schema)))
            else:
                parts.append((occur, translate(sub, schema)))
        if isinstance(q, wq.And) and parts and all(o == tantivy.Occur.MustNot
                                                    for o, _ in parts):
            parts.append((tantivy.Occur.Must, tantivy.Query.all_query()))
        if not parts:
            return tantivy.Query.empty_query()
        return tantivy.Query.boolean_query(parts)
    raise QueryError(f"the tantivy engine does not support this part of the query: {q}")
