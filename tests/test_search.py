"""search: Turkish and Russian analysis, both engines (Whoosh, tantivy), queries, filters, reindex.

The index fixture is built once per engine; the data directory's config.toml selects it, so every
call below goes through the configured engine.
"""

import time

import numpy as np
import pytest

from archive.store import ArchiveStore
from crawler.urls import article_id
from search import Filters, QueryError, open_engine, reindex, search
from search.analysis import analyzer_for, fold_case, name_key
from search.index import document_for

ARTICLES = [
    ("tr", "anadolu", "2025-11-19", "Türk Devletleri Kızılay Ağı toplantısı",
     "Bakü'de Azerbaycan Kızılay Başkanı Novruz Aslanov'un ev sahipliğinde toplantı yapıldı. "
     "KIZILAY temsilcileri İSTANBUL ve Aşkabat'tan geldi."),
    ("tr", "anadolu", "2025-03-02", "Kızılaydan yardım",
     "Kızılaya bağış yapan vatandaşlar kampanyaya destek verdi. Kızıl elma ağaçları çiçek açtı."),
    ("tr", "anadolu", "2025-03-03", "Kızıl elma bahçeleri",
     "Bahçelerde kızıl elmalar hasat edildi; yardım kampanyası yoktu."),
    ("ru", "turkmenistanlive", "2025-09-05", "Встреча обществ Красного Полумесяца в Ашхабаде",
     "Сегодня в Ашхабаде стартовала встреча руководителей Национальных обществ Красного Креста "
     "и Красного Полумесяца. Мероприятие открыла Марал Ачилова."),
    ("ru", "turkmenportal", "2025-10-01", "Красному Полумесяцу передали помощь",
     "Красный Полумесяц Туркменистана получил гуманитарную помощь для беженцев."),
    ("en", "icrc", "2024-08-15", "Azerbaijan: Activity highlights",
     "Volunteers of the Azerbaijan Red Crescent Society disseminated knowledge about mines. "
     "The volunteer network keeps growing."),
]


@pytest.fixture(scope="module", params=["whoosh", "tantivy"])
def data_dir(request, tmp_path_factory):
    root = tmp_path_factory.mktemp(f"data-{request.param}")
    (root / "config.toml").write_text(f'[search]\nengine = "{request.param}"\n')
    store = ArchiveStore(root / "archive")
    documents = []
    for number, (language, source, published, title, text) in enumerate(ARTICLES):
        url = f"https://example.org/{source}/{number}"
        record = {"id": article_id(url), "url": url, "source": source, "language": language,
                  "title": title, "text": text, "published": published, "authors": [],
                  "fetched_at": "2025-12-01T00:00:00Z", "word_count": len(text.split())}
        store.save(record)
        documents.append(document_for(store.load(record["id"]),
                                      store.relative(store.path_of(record["id"]))))
    open_engine(root).update(documents)
    return root


def titles(data_dir, query, **kwargs):
    return [hit.title for hit in search(data_dir, query, **kwargs).hits]


def test_turkish_case_folding_treats_the_four_is_alike():
    assert fold_case("KIZILAY") == fold_case("Kızılay") == fold_case("kizilay")
    assert fold_case("İSTANBUL") == fold_case("istanbul") == fold_case("Istanbul")


@pytest.mark.parametrize("language", ["tr", "ru", "en", None])
def test_apostrophe_suffix_is_split(language):
    tokens = [t.text for t in analyzer_for(language)("Aslanov'un")]
    assert tokens == [t.text for t in analyzer_for(language)("Aslanov")]


def test_russian_cases_share_a_stem():
    analyzer = analyzer_for("ru")
    stems = {next(iter(analyzer(word))).text for word in ("Полумесяц", "Полумесяца",
                                                          "Полумесяцу", "Полумесяцем")}
    assert len(stems) == 1


@pytest.mark.parametrize("query", ["Kızılay", "KIZILAY", "kizilay", "Kızılay'ın", "Kızılaydan"])
def test_any_casing_and_suffix_finds_kizilay(data_dir, query):
    found = titles(data_dir, query)
    assert "Türk Devletleri Kızılay Ağı toplantısı" in found
    assert "Kızılaydan yardım" in found
    assert "Kızıl elma bahçeleri" not in found  # "kızıl" alone is another word


def test_istanbul_in_any_casing(data_dir):
    for query in ("İstanbul", "istanbul", "ISTANBUL"):
        assert titles(data_dir, query) == ["Türk Devletleri Kızılay Ağı toplantısı"]


def test_russian_inflections_and_phrase(data_dir):
    for query in ("Красный Полумесяц", "Красного Полумесяца", "Красному Полумесяцу"):
        found = titles(data_dir, query)
        assert "Встреча обществ Красного Полумесяца в Ашхабаде" in found
        assert "Красному Полумесяцу передали помощь" in found
    assert "Встреча обществ Красного Полумесяца в Ашхабаде" in titles(
        data_dir, '"Красный Полумесяц"')


def test_english_plural_and_query_syntax(data_dir):
    assert titles(data_dir, "volunteer") == ["Azerbaijan: Activity highlights"]
    assert titles(data_dir, "Aslanov OR Ачилова", sort="date") == [
        "Türk Devletleri Kızılay Ağı toplantısı", "Встреча обществ Красного Полумесяца в Ашхабаде"]
    assert titles(data_dir, "Kızılay NOT Aslanov") == ["Kızılaydan yardım"]
    assert titles(data_dir, "title:yardım") == ["Kızılaydan yardım"]
    assert titles(data_dir, "source:icrc") == ["Azerbaijan: Activity highlights"]


def test_filters_and_paging(data_dir):
    russian = titles(data_dir, "Kızılay OR Полумесяц", filters=Filters(languages=("ru",)))
    assert sorted(russian) == ["Встреча обществ Красного Полумесяца в Ашхабаде",
                               "Красному Полумесяцу передали помощь"]
    assert titles(data_dir, "Kızılay", filters=Filters(sources=("icrc",))) == []
    from datetime import date

    dated = Filters(since=date(2025, 9, 1), until=date(2025, 9, 30))
    assert titles(data_dir, "*", filters=dated) == [
        "Встреча обществ Красного Полумесяца в Ашхабаде"]
    first = search(data_dir, "*", limit=2, page=1, sort="date")
    second = search(data_dir, "*", limit=2, page=2, sort="date")
    assert first.total == len(ARTICLES)
    assert [h.published for h in first.hits + second.hits] == sorted(
        [a[2] for a in ARTICLES], reverse=True)[:4]


def test_snippets_mark_matches_and_escape_html(data_dir):
    [hit] = search(data_dir, "Ачилова").hits
    assert "\x02Ачилова\x03" in hit.snippet
    assert "<mark>Ачилова</mark>" in hit.as_json()["snippet"]


def test_a_wildcard_marks_the_words_it_matches_in_the_snippet():
    from search.query import parse_query
    from search.snippets import SnippetMatcher, make_snippet

    text = "Türk Kızılay'ın gönüllüleri Kızılcahamam'da toplandı; kızak yarışı yapıldı."
    snippet = make_snippet(text, "tr", SnippetMatcher(parse_query("Kızıl*")))
    assert "\x02Kızılay'ın\x03" in snippet and "\x02Kızılcahamam'da\x03" in snippet
    assert "\x02kızak" not in snippet


def _filler(words: int) -> str:
    return " ".join(f"söz{n % 97} kitaplık, tören." for n in range(words // 3))


def test_a_match_deep_in_a_long_text_is_still_marked():
    """The snippet reads a bounded start of the text, and on to the first match past it."""
    from search.query import parse_query
    from search.snippets import SNIPPET_SCAN_CHARS, SnippetMatcher, make_snippet

    matcher = SnippetMatcher(parse_query("Kızılay"))
    deep = _filler(3_000) + " Türk Kızılay'ın başkanı geldi. " + _filler(3_000)
    assert deep.index("Kızılay") > 4 * SNIPPET_SCAN_CHARS
    snippet = make_snippet(deep, "tr", matcher)
    assert "\x02Kızılay'ın\x03 başkanı" in snippet
    # Near the scanned part's end, a fragment that runs past it is completed.
    edge = _filler(700)[:SNIPPET_SCAN_CHARS - 30] + " Kızılay ve Kızılay'dan yardım "
    assert make_snippet(edge + _filler(300), "tr", matcher).count("\x02") == 2
    # No match in the text (the title matched): its first 40 words, as before.
    plain = _filler(6_000)
    assert make_snippet(plain, "tr", matcher) == " ".join(plain.split()[:40])


def test_snippets_of_texts_within_the_scanned_part_are_cut_from_the_whole_text():
    """Up to SNIPPET_SCAN_CHARS, the best two fragments of the whole text, as before."""
    from search.query import parse_query
    from search.snippets import SNIPPET_SCAN_CHARS, SnippetMatcher, make_snippet

    matcher = SnippetMatcher(parse_query("Kızılay OR yardım"))
    text = (_filler(60) + " Kızılay " + _filler(200) + " Kızılay yardım Kızılay "
            + _filler(120) + " yardım")
    assert len(text) < SNIPPET_SCAN_CHARS
    snippet = make_snippet(text, "tr", matcher)
    assert "\x02Kızılay\x03 \x02yardım\x03 \x02Kızılay\x03" in snippet
    assert snippet.count("\x02") >= 4 and " … " in snippet


def _judged_one_by_one(text: str, lang: str, matcher) -> list[tuple[int, int]]:
    """The spans a scan of every word, each judged on its own, finds: what the vocabulary's
    set operations and the search for each matched word must agree with."""
    from search.analysis import WORD_PATTERN, word_terms

    def matches(word: str) -> bool:
        terms = word_terms(word, lang)
        return (terms.stem in matcher.stems.get(lang, ()) or terms.exact in matcher.exacts
                or terms.name in matcher.names or bool(set(terms.fold) & matcher.folds)
                or any(pattern.match(terms.exact if kind == "exact" else terms.stem)
                       for kind, pattern in matcher.patterns))

    return [m.span() for m in WORD_PATTERN.finditer(text) if matches(m[0])]


@pytest.mark.parametrize("vocabulary_words", [20_000, 7])
def test_matched_words_found_by_the_vocabulary_are_the_words_judged_one_by_one(
        monkeypatch, vocabulary_words):
    """Words inside longer words, after an apostrophe, next to punctuation, in three scripts
    and cases; with a vocabulary so small it starts again on nearly every text."""
    import random

    import search.snippets as snippets
    from search.query import parse_query

    monkeypatch.setattr(snippets, "VOCABULARY_WORDS", vocabulary_words)
    monkeypatch.setattr(snippets, "_VOCABULARIES", {})
    pieces = ["Kızılay", "kızılay", "Kızılay'ın", "KIZILAY", "ay", "Kızılaylar", "yardım",
              "yardımı", "ve", "devlet", "Aslanov", "Асланова", "Красного", "красный",
              "Полумесяца", "Red", "Crescent", "red", "Cross", "crossing", "'", "’", "`", "-",
              ".", ",", "«", "»", "_", "2025", "Ashgabat", "Ашхабад", "Aşkabat", "askabat",
              "'ay", "’ve", "'red"]
    rng = random.Random(7)
    queries = ["Kızılay", "ay", "ve", "Aslanov", "Красного Полумесяца", "red OR cross",
               "askabat", "Ashgabat", '"Red Crescent"', "yardım OR devlet", "title:ve",
               "Kızıl*", "cross* OR ve", "Аслан*"]
    for _ in range(300):
        text = "".join(rng.choice(pieces) + rng.choice(["", " ", " ", "  ", "\n"])
                       for _ in range(rng.randrange(1, 40)))
        lang = rng.choice(["tr", "ru", "en"])
        for query in rng.sample(queries, 3):
            matcher = snippets.SnippetMatcher(parse_query(query))
            assert snippets.matched_spans(text, 0, len(text), matcher, lang) == \
                _judged_one_by_one(text, lang, matcher), (query, lang, text)


def test_a_snippet_is_cut_from_the_archived_record_or_left_empty(tmp_path):
    """A record that is gone, unreadable or not JSON gives an empty snippet, not an error."""
    import json

    from search.query import parse_query
    from search.snippets import SnippetMatcher, archived_snippet

    matcher = SnippetMatcher(parse_query("Kızılay"))
    folder = tmp_path / "archive" / "src" / "2025" / "11"
    folder.mkdir(parents=True)
    text = "Türk Kızılay'ın gönüllüleri " + "söz " * 30_000  # past one 64 KiB read
    (folder / "a.json").write_text(json.dumps({"text": text}, ensure_ascii=False))
    (folder / "b.json").write_bytes(b'{"text": "Kiz')
    assert "\x02Kızılay'ın\x03" in archived_snippet(tmp_path, "src/2025/11/a.json", "tr",
                                                      matcher)
    for path in ("src/2025/11/b.json", "src/2025/11/none.json", "src/2025"):
        assert archived_snippet(tmp_path, path, "tr", matcher) == ""


def test_snippets_cut_by_threads_while_the_vocabulary_starts_again(monkeypatch):
    """The vocabulary starts again when full, under the lock the other threads wait on: each
    thread's snippets still mark what the one-by-one judgement marks."""
    import random
    import threading

    import search.snippets as snippets
    from search.query import parse_query

    monkeypatch.setattr(snippets, "VOCABULARY_WORDS", 40)
    monkeypatch.setattr(snippets, "_VOCABULARIES", {})
    lock = snippets._vocabulary("tr").lock
    words = ["Kızılay", "Kızılay'ın", "yardım", "ve", "devlet", "gönüllü", "Aslanov", "deprem"]
    failures: list[str] = []

    def cut(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(200):
            text = " ".join(rng.choice(words) + str(rng.randrange(30)) * rng.randrange(2)
                            for _ in range(30))
            matcher = snippets.SnippetMatcher(parse_query(rng.choice(["Kızılay", "ve"])))
            if (snippets.matched_spans(text, 0, len(text), matcher, "tr")
                    != _judged_one_by_one(text, "tr", matcher)):
                failures.append(text)

    threads = [threading.Thread(target=cut, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures[:1]
    assert snippets._vocabulary("tr").lock is lock  # started again, on the same lock


def test_a_query_word_inside_a_longer_word_is_not_marked():
    from search.query import parse_query
    from search.snippets import SnippetMatcher, make_snippet

    snippet = make_snippet("Devlet ve halk, kervan ve Kızılay'ın ekipleri.", "tr",
                           SnippetMatcher(parse_query("ve")))
    assert snippet.count("\x02") == 2 and "\x02ve\x03 halk" in snippet
    assert "Dev\x02" not in snippet and "ker\x02" not in snippet


@pytest.mark.parametrize("exact", [False, True])
def test_a_query_of_plain_words_gets_the_tree_the_parser_makes(exact):
    """The search box's usual query skips Whoosh's parser: the same tree, boosts and all."""
    import random

    from search.query import _parser, _plain_words_query, expand_aliases

    words = ["Kızılay", "kizilay", "KIZILAY", "İstanbul", "ıslak", "Aslanov", "Асланова",
             "Красного", "Полумесяца", "ЁЛКА", "Red", "crescent", "volunteers", "2025", "a_b",
             "Straße", "ﬁnance", "ve", "and", "or", "not", "Ashgabat", "Aşkabat", "x²"]
    rng = random.Random(11)
    queries = words + [" ".join(rng.sample(words, rng.randrange(2, 6))) for _ in range(200)]
    for query in queries:
        built = _plain_words_query(query, exact)
        assert built is not None, query
        parsed = _parser(exact).parse(expand_aliases(query, exact)).normalize()
        assert built == parsed and repr(built) == repr(parsed), query
    for other in ["Kızılay AND Aslanov", "NOT Red", "Kızıl*", '"Red Crescent"', "title:Red",
                  "Kızılay'ın", "Red-Cross", "(Red)", "Red^2", "x TO y", "source:anadolu"]:
        assert _plain_words_query(other, exact) is None, other


@pytest.mark.parametrize("query", ['"unclosed', "nosuchfield:x", "(Kızılay OR Aslanov"])
def test_bad_queries_raise_query_error(data_dir, query):
    with pytest.raises(QueryError):
        search(data_dir, query)


def test_reindex_rebuilds_the_same_index_from_the_archive(data_dir):
    before = open_engine(data_dir).indexed_ids()
    assert reindex(data_dir) == len(ARTICLES)
    assert open_engine(data_dir).indexed_ids() == before
    assert titles(data_dir, "Kizilay'a") == titles(data_dir, "Kızılay")


def test_names_meet_across_scripts_and_romanisations():
    assert name_key("Aslanov") == name_key("Асланов") == name_key("Асланова")
    assert name_key("Achilova") == name_key("Ачилова") == name_key("Acilova")
    assert name_key("Ashgabat") == name_key("Ашхабад") == name_key("Aşkabat")
    assert name_key("Асланов") != name_key("Аслан")
    assert name_key("Kızılay") != name_key("kızıl")


def test_delete_removes_from_the_index(data_dir, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(data_dir, copy)
    engine = open_engine(copy)
    [hit] = search(copy, "Ачилова", engine=engine).hits
    assert engine.delete([hit.id]) == 1
    assert search(copy, "Ачилова", engine=engine).total == 0
    assert hit.id not in engine.indexed_ids()


def test_facets_and_counts_over_time(data_dir):
    from search import facets, timeline

    counts = facets(data_dir, "Kızılay OR Полумесяц")
    assert counts["language"] == {"tr": 2, "ru": 2}
    assert counts["month"]["2025-11"] == 1 and sum(counts["source"].values()) == 4
    table = timeline(data_dir, {"tr": "Kızılay", "ru": "Полумесяц"}, by="month")
    rows = {(row["period"], row["query"]): row for row in table.rows()}
    assert rows[("2025-03", "tr")]["tr"] == 1 and rows[("2025-09", "ru")]["ru"] == 1
    assert rows[("2025-03", "ru")]["total"] == 0
    weeks = timeline(data_dir, {"q": "Kızılay"}, by="week").periods()
    assert weeks == ["2025-W09", "2025-W47"]  # 2025-03-02 is the Sunday of week 9


# --- the Whoosh engine's own query executor -------------------------------------------------
def _synthetic_documents(count, start=0):
    from benchmarks.search import Corpus, relative_path

    corpus = Corpus(11)
    return [document_for(record, relative_path(record))
            for record in map(corpus.article, range(start, start + count))]


def _executor_queries(documents):
    """Queries of every shape the parser makes, from words the documents really contain."""
    from search.analysis import words

    by_lang = {}
    for document in documents:
        by_lang.setdefault(document["language"], []).append(document)
    queries = ["Aslanov", "Ашхабад", "Acilova", "*", "source:icrc", "language:tr Aslanov"]
    for _lang, docs in sorted(by_lang.items()):
        text = words(docs[0]["text"])
        long = [w for w in text if len(w) > 5]
        queries += [long[0], f"{long[1]} {long[2]}", f'"{text[3]} {text[4]}"',
                    f"{long[0]} OR {long[3]}", f"{long[0]} NOT {long[1]}", f"{long[4][:4]}*",
                    f"title:{words(docs[1]['title'])[2]}", f'"{long[0]}"',
                    f'"{text[3]} {text[5]}"~2', f'"{text[2]} {text[3]} {text[4]}"']
    return queries


def _whoosh_reference(engine, text, allowed):
    """Whoosh's own top ten scores and its count of matching documents.

    Every match is scored (``limit=None``): Whoosh's top-N collector drops documents of a later
    segment that belong in the top ten (a conjunction's bound is carried across segments).
    """
    from search.query import parse_query

    query = parse_query(text)
    searcher = engine.searcher()
    results = searcher.search(query, limit=None, filter=allowed)
    matching = {n for n in searcher.docs_for_query(query) if allowed is None or n in allowed}
    return sorted((round(hit.score, 5) for hit in results), reverse=True)[:10], len(matching)


def test_whoosh_executor_gives_whoosh_scores_and_totals(tmp_path):
    """Totals, facets and the ranking equal stock Whoosh's across segments and deletions."""
    from datetime import date

    from search.query import parse_query
    from search.whoosh_engine import WhooshEngine

    documents = _synthetic_documents(300)
    engine = WhooshEngine(tmp_path / "index")
    engine.update(documents[:200])
    engine.update(documents[200:])  # a second segment
    engine.delete([documents[5]["id"], documents[250]["id"]])
    assert len(engine.searcher().leaf_searchers()) == 2
    filters = [Filters(), Filters(languages=("ru",)),
               Filters(since=date(2016, 1, 1), until=date(2020, 12, 31))]
    checked = 0
    for text in _executor_queries(documents):
        for flt in filters:
            mask = engine.columns().allowed_mask(flt)
            allowed = None if mask is None else set(np.flatnonzero(mask).tolist())
            scores, total = _whoosh_reference(engine, text, allowed)
            page = engine.search(parse_query(text), flt, limit=10, page=1, sort="relevance")
            assert page.total == total, text
            if not text.endswith("*"):  # Whoosh scores a prefix's terms ORed by index size
                assert [round(hit.score, 5) for hit in page.hits] == scores, text
            assert sum(engine.facets(parse_query(text), flt)["language"].values()) == total
            # Counting matches without their scores matches the same documents.
            executor = engine.executor()
            assert (executor.matching(parse_query(text), mask).tolist()
                    == executor.ranked(parse_query(text), mask)[0].tolist()), text
            checked += total > 0
    assert checked > 30


@pytest.mark.parametrize("engine_name", ["whoosh", "tantivy"])
def test_search_with_facets_is_search_and_facets_apart(tmp_path, engine_name):
    """The search page's one call (Whoosh counts the facets from the set it ranked) gives the
    page and the counts that the two calls give, across segments and deletions."""
    from datetime import date

    from search.query import parse_query

    documents = _synthetic_documents(300)
    engine = open_engine(tmp_path, engine_name)
    engine.update(documents[:200])
    engine.update(documents[200:])
    engine.delete([documents[5]["id"], documents[250]["id"]])
    checked = 0
    for text in _executor_queries(documents):
        query = parse_query(text)
        for flt in (Filters(), Filters(languages=("ru",)),
                    Filters(since=date(2016, 1, 1), until=date(2020, 12, 31))):
            for sort, page in (("relevance", 1), ("relevance", 2), ("date", 1), ("date", 99)):
                found, counts = engine.search_with_facets(query, flt, limit=10, page=page,
                                                          sort=sort)
                alone = engine.search(query, flt, limit=10, page=page, sort=sort)
                assert found == alone, (text, sort, page)
                assert counts == engine.facets(query, flt), text
                assert sum(counts["language"].values()) == found.total
                checked += found.total > 0
    assert checked > 100


@pytest.mark.parametrize("engine_name", ["whoosh", "tantivy"])
def test_an_engine_kept_open_reads_what_another_writer_commits(tmp_path, engine_name):
    """A server keeps its engine open while a crawl writes: every kind of read answers from
    the latest commit (each query looks once, and its parts use what that look found)."""
    from search.query import parse_query

    documents = _synthetic_documents(120)
    reading = open_engine(tmp_path, engine_name)
    open_engine(tmp_path, engine_name).update(documents[:60])
    everything = parse_query("*")
    ids = [doc["id"] for doc in documents]

    def answers() -> tuple[int, int, int, int, int]:
        found, counts = reading.search_with_facets(everything, Filters(), limit=5, page=1,
                                                   sort="date")
        return (found.total, sum(counts["language"].values()),
                sum(reading.facets(everything, Filters())["source"].values()),
                sum(reading.day_counts(everything, Filters()).values()),
                len(reading.present_ids(ids)))

    assert answers() == (60,) * 5
    writer = open_engine(tmp_path, engine_name)
    writer.update(documents[60:])
    if engine_name == "tantivy":
        time.sleep(0.01)  # meta.json's mtime is the reader's sign of a commit
    assert answers() == (120,) * 5
    writer.delete(ids[:30])
    if engine_name == "tantivy":
        time.sleep(0.01)
    assert answers() == (90,) * 5


@pytest.mark.parametrize("engine_name", ["whoosh", "tantivy"])
def test_counts_by_month_are_the_day_counts_folded_into_months(tmp_path, engine_name):
    """``month_only`` counts each month on its first day; the months hold what the days do."""
    from collections import Counter

    from search.query import parse_query

    documents = _synthetic_documents(300)
    engine = open_engine(tmp_path, engine_name)
    engine.update(documents[:200])
    engine.update(documents[200:])
    engine.delete([documents[7]["id"]])
    for text in ("*", *_executor_queries(documents)[:12]):
        for split in ("language", "source"):
            days = engine.day_counts(parse_query(text), Filters(), split)
            folded: Counter = Counter()
            for (day, value), count in days.items():
                folded[(day // 100 * 100 + 1, value)] += count
            assert engine.day_counts(parse_query(text), Filters(), split,
                                     month_only=True) == folded, (text, split)


def test_facet_ties_are_ordered_by_name():
    from collections import Counter

    from search.views import facets_json

    counts = {"source": Counter({"tgymj": 3, "icrc": 3, "anadolu": 5, "azertac": 3})}
    assert list(facets_json(counts)["source"].items()) == [
        ("anadolu", 5), ("azertac", 3), ("icrc", 3), ("tgymj", 3)]


def test_an_index_written_by_stock_whoosh_is_still_read(tmp_path):
    from whoosh import index as whoosh_index
    from whoosh.codec.whoosh3 import W3Codec
    from whoosh.formats import Positions

    from search.query import parse_query
    from search.whoosh_engine import (
        INDEX_NAME,
        CompactCodec,
        WhooshEngine,
        build_schema,
        whoosh_document,
    )

    documents = _synthetic_documents(120)
    schema = build_schema()
    for name in schema.names():
        if schema[name].format and schema[name].format.supports("positions"):
            schema[name].format = Positions()
    (tmp_path / "stock").mkdir()
    stock = whoosh_index.create_in(tmp_path / "stock", schema, indexname=INDEX_NAME)
    writer = stock.writer()  # Whoosh's own codec: pickled blocks and positions
    for document in documents:
        writer.add_document(**whoosh_document(document))
    writer.commit()
    old, new = WhooshEngine(tmp_path / "stock"), WhooshEngine(tmp_path / "compact")
    new.update(documents)
    assert type(old.searcher().reader().codec()) is W3Codec
    assert type(new.searcher().reader().codec()) is CompactCodec
    for text in _executor_queries(documents):
        query = parse_query(text)
        pages = [engine.search(query, Filters(), limit=10, page=1, sort="relevance")
                 for engine in (old, new)]
        assert pages[0].total == pages[1].total, text
        assert [h.id for h in pages[0].hits] == [h.id for h in pages[1].hits], text
    old.update(_synthetic_documents(10, start=500))  # a compact segment beside stock ones
    assert old.search(parse_query("*"), Filters(), limit=1, page=1, sort="date").total == 130


def test_the_word_cache_stays_bounded_and_keeps_its_recent_words():
    from search import analysis

    analysis._CACHE.clear()
    recent = None
    for number in range(analysis._CACHE_LIMIT * 2 + 7):
        recent = analysis.word_terms(f"kelime{number}", "tr")
        assert len(analysis._CACHE) <= analysis._CACHE_LIMIT
    assert len(analysis._CACHE) > analysis._CACHE_LIMIT // 2  # evicted by halves, never emptied
    assert analysis.word_terms(f"kelime{analysis._CACHE_LIMIT * 2 + 6}", "tr") is recent


def test_an_article_analysed_for_several_fields_gets_each_languages_terms():
    from search import analysis

    text = "Kızılay'ın gönüllüleri Aşkabat'ta yardım dağıttı"
    turkish = analysis.analyse(text, "tr")
    neutral = analysis.analyse(text, "xx")
    assert analysis.analyse(text, "tr") is turkish  # the same text again: kept
    assert turkish.stem != neutral.stem and turkish.fold and not neutral.fold
    other = "Kızılay'ın gönüllüleri Bakü'de yardım dağıttı"
    assert analysis.analyse(other, "tr").stem[2] != turkish.stem[2]
    assert analysis.analyse(text, "tr") is not turkish
    assert analysis.analyse(text, "tr") == turkish


def test_indexed_ids_are_the_live_documents_across_segments_with_deletions(tmp_path):
    from search.whoosh_engine import WhooshEngine

    engine = WhooshEngine(tmp_path / "index")
    documents = _synthetic_documents(30)
    engine.update(documents[:20])  # one segment per batch
    engine.update(documents[20:])
    every = {document["id"] for document in documents}
    assert engine.indexed_ids() == every
    changed = dict(documents[3], title="A new headline")  # replaces its document: a deletion
    engine.update([changed])
    engine.delete([documents[25]["id"]])
    with engine.open().searcher() as searcher:
        leaves = [reader for reader, _ in searcher.reader().leaf_readers()]
        assert len(leaves) > 1 and any(reader.has_deletions() for reader in leaves)
        # The deleted article's id is still a term of its segment, as Whoosh keeps it.
        assert any(documents[25]["id"].encode() in set(reader.lexicon("id"))
                   for reader in leaves)
    assert engine.indexed_ids() == every - {documents[25]["id"]}


@pytest.mark.parametrize("engine_name", ["whoosh", "tantivy"])
def test_date_order_cuts_same_day_ties_by_id_on_every_page(tmp_path, engine_name):
    """Articles of one day come in id order, whatever order (and batches) they were indexed in,
    so both engines give the same pages and a page boundary inside a day skips or repeats none."""
    documents = _synthetic_documents(60)
    for n, document in enumerate(documents):  # three days, twenty articles each
        document["published"] = f"2025-06-0{1 + n % 3}"
        document["day"] = 20250601 + n % 3
    root = tmp_path / "data"
    (root / "archive").mkdir(parents=True)
    (root / "config.toml").write_text(f'[search]\nengine = "{engine_name}"\n')
    engine = open_engine(root)
    shuffled = documents[::-1][::2] + documents[::-1][1::2]
    for start in range(0, 60, 13):  # several batches: several segments
        engine.update(shuffled[start:start + 13])
    expected = [d["id"] for d in sorted(documents, key=lambda d: (-d["day"], d["id"]))]
    for limit in (7, 20, 25):
        pages = [search(root, "*", limit=limit, page=page, sort="date")
                 for page in range(1, -(-60 // limit) + 1)]
        assert all(p.total == 60 for p in pages)
        assert [hit.id for p in pages for hit in p.hits] == expected
        for sort in ("date", "relevance"):  # a page past the last shows the last page
            past = search(root, "*", limit=limit, page=len(pages) + 3, sort=sort)
            last = search(root, "*", limit=limit, page=len(pages), sort=sort)
            assert past.total == 60 and [h.id for h in past.hits] == [h.id for h in last.hits]


@pytest.mark.parametrize("engine_name", ["whoosh", "tantivy"])
def test_relevance_pages_with_equal_scores_repeat_and_skip_none(tmp_path, engine_name):
    """A query every article matches equally ("*", or the same text everywhere) ranks them all
    on ties: paged through, each article comes once, whichever page the cut falls on."""
    documents = _synthetic_documents(45)
    for document in documents:
        document["text"] = "Kızılay gönüllüleri yardım dağıttı."
    root = tmp_path / "data"
    (root / "archive").mkdir(parents=True)
    (root / "config.toml").write_text(f'[search]\nengine = "{engine_name}"\n')
    engine = open_engine(root)
    for start in range(0, 45, 11):  # several segments
        engine.update(documents[start:start + 11])
    for query in ("*", "yardım"):
        for limit in (4, 10):
            pages = [search(root, query, limit=limit, page=page, sort="relevance")
                     for page in range(1, -(-45 // limit) + 1)]
            ids = [hit.id for p in pages for hit in p.hits]
            assert len(ids) == 45 and set(ids) == {d["id"] for d in documents}, (query, limit)
            scores = [hit.score for p in pages for hit in p.hits]
            assert scores == sorted(scores, reverse=True)


def test_whole_posting_lists_read_in_one_loop_equal_the_block_matchers(tmp_path):
    """A posting list read block after block from the file (ranking) holds the same documents
    and frequencies as Whoosh's block matcher gives, for lists of one block and of many."""
    import numpy as np

    from search.whoosh_engine import WhooshEngine

    documents = _synthetic_documents(700)
    engine = WhooshEngine(tmp_path / "index")
    engine.update(documents)
    segment = engine.executor().segments[0]
    reader = segment.reader
    checked = {1: 0, 2: 0}
    for fieldname in ("text_en", "names"):
        for btext in reader.lexicon(fieldname):
            blocks = list(segment.blocks(fieldname, btext))
            ids, weights = segment.posting_arrays(fieldname, btext)
            assert ids.tolist() == [doc for block, _w in blocks for doc in block]
            assert np.array_equal(weights, [w for _b, block in blocks for w in block])
            checked[min(len(blocks), 2)] += 1
    assert checked[1] > 500 and checked[2] > 20
