"""Exports people load, checked with the real tools: pyarrow reads the Parquet, SQLite's FTS5
searches the database, bagit.py validates the bag, frictionless validates datapackage.json, and
a spreadsheet-bound CSV has no live formulas."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import sqlite3
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import frictionless
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from archive.export import ExportJob, export_to
from archive.store import ArchiveStore, article_schema
from cli import main
from crawler.demo import build_site
from crawler.extract import Article, SourceHints, extract
from crawler.items import ArticleItem
from spiders.anadolu import AnadoluSpider

BAGIT = str(Path(sys.executable).parent / "bagit.py")  # the tool bagit-python installs

# Articles whose cells a spreadsheet would run: every OWASP starting character, in a title, a
# description, an author and the text (the first paragraph is the cell's start).
HOSTILE = [
    {"title": "=HYPERLINK(\"http://evil.example\",\"Kızılay\")", "text": "+1+cmd|' /C calc'!A0",
     "description": "-2+3 Kızılay’ın bağış kampanyası", "authors": ["@SUM(1+1)"]},
    {"title": "\t=1+1 sekmeyle başlayan başlık", "text": "\r=2+2 satır başı ile başlayan metin",
     "description": "Sıradan bir açıklama", "authors": ["Ayşe Yılmaz"]},
]


def _hostile_record(number: int, cells: dict) -> dict:
    return {"id": f"{number:016x}", "url": f"https://hostile.example/haber/{number}",
            "source": "anadolu", "language": "tr", "language_confidence": 0.99,
            "published": "2025-03-01T01:30:00+03:00", "date_source": "meta", "modified": None,
            "fetched_at": "2026-11-30T10:00:00Z", "word_count": 6, "version": 1, **cells}


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """An archive of the anadolu replica (through the real extractor) plus hostile articles."""
    root = tmp_path_factory.mktemp("export-data")
    store = ArchiveStore(root / "archive")
    site = build_site("anadolu")
    hints = SourceHints(source="anadolu", languages=AnadoluSpider.languages,
                        date_selectors=AnadoluSpider.date_selectors,
                        remove_selectors=AnadoluSpider.remove_selectors,
                        author_selectors=AnadoluSpider.author_selectors,
                        site_names=AnadoluSpider.site_names)
    for expected in site.articles:
        page = site.lookup(expected.url.removeprefix(site.real_root))
        article = extract(page.body, expected.url, hints)
        assert isinstance(article, Article)
        store.save(ArticleItem.from_article(article, "anadolu").record())
    for number, cells in enumerate(HOSTILE, start=1):
        store.save(_hostile_record(number, cells))
    return root


@pytest.fixture(scope="module")
def records(data):
    return {r["id"]: r for r in ArchiveStore(data / "archive").iter_records()}


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def said(result) -> str:
    """The command's output with rich's line wrapping undone."""
    return " ".join(result.output.split())


def schema_fields() -> set[str]:
    return set(article_schema()["properties"])


def test_stream_records_matches_iter_records_without_listing_the_archive(data, tmp_path):
    store = ArchiveStore(data / "archive")
    assert list(store.stream_records()) == list(store.iter_records())
    # Earlier versions and temporary files are not articles.
    other = ArchiveStore(tmp_path / "archive")
    first = _hostile_record(7, HOSTILE[1])
    other.save(first)
    other.save(first | {"title": "Değişen başlık"})
    path = other.path_of(first["id"])
    (path.parent / f".{path.name}.x.tmp").write_text("half")
    assert [r["title"] for r in ArchiveStore(tmp_path / "archive").stream_records()] == [
        "Değişen başlık"]
    assert list(ArchiveStore(tmp_path / "nothing").stream_records()) == []


# --- Parquet -----------------------------------------------------------------------------
def test_parquet_has_typed_columns_and_every_row(data, records, tmp_path, monkeypatch):
    import archive.formats.parquet as parquet_format

    monkeypatch.setattr(parquet_format, "BATCH", 3)  # several record batches, as at scale
    out = tmp_path / "articles.parquet"
    result = run("export", "--data", data, "--format", "parquet", "-o", out)
    assert result.exit_code == 0, result.output
    assert "manifest: articles.parquet.manifest.json" in said(result)

    parquet = pq.ParquetFile(out)
    assert parquet.metadata.num_rows == len(records)
    assert parquet.metadata.num_row_groups == -(-len(records) // 3)
    table = parquet.read()
    types = {name: table.schema.field(name).type for name in table.schema.names}
    utc = pa.timestamp("us", tz="UTC")
    assert types["published"] == types["fetched_at"] == types["modified"] == utc
    assert types["word_count"] == types["version"] == pa.int64()
    assert types["published_day"] == pa.date32()
    assert types["authors"] == pa.list_(pa.string())
    for name in ("language", "source"):
        assert pa.types.is_dictionary(types[name]) and types[name].value_type == pa.string()
    assert set(table.schema.names) == schema_fields() | {"published_day"}

    rows = {row["id"]: row for row in table.to_pylist()}
    assert rows.keys() == records.keys()
    for article_id, record in records.items():
        row = rows[article_id]
        # Text exactly as scraped (formulas included): Parquet is no spreadsheet.
        for name in ("title", "text", "description", "url", "language", "source"):
            assert row[name] == record.get(name), name
        assert row["authors"] == record["authors"]
        assert row["word_count"] == record["word_count"] and row["version"] == record["version"]
        assert row["fetched_at"] == datetime.fromisoformat(record["fetched_at"])
        assert row["published_day"] == date.fromisoformat(record["published"][:10])
    # 01:30 in Istanbul (UTC+3) is 22:30 UTC the day before; the site's day stays as it said.
    hostile = rows[f"{1:016x}"]
    assert hostile["published"] == datetime(2025, 2, 28, 22, 30, tzinfo=UTC)
    assert hostile["published_day"] == date(2025, 3, 1)

    manifest = json.loads((tmp_path / "articles.parquet.manifest.json").read_text("utf-8"))
    assert manifest["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert manifest["articles"] == len(records) and manifest["format"] == "parquet"
    package = json.loads((tmp_path / "articles.parquet.datapackage.json").read_text("utf-8"))
    [resource] = package["resources"]
    assert resource["path"] == "articles.parquet" and resource["format"] == "parquet"
    assert [f["name"] for f in resource["schema"]["fields"]] == table.schema.names
    kinds = {f["name"]: f["type"] for f in resource["schema"]["fields"]}
    assert kinds["published"] == "datetime" and kinds["word_count"] == "integer"
    assert kinds["authors"] == "array" and kinds["published_day"] == "date"


def test_parquet_of_a_selection_and_of_nothing(data, records, tmp_path):
    out = tmp_path / "none.parquet"
    assert run("export", "--data", data, "--format", "parquet", "--since", "2099-01-01",
               "-o", out).exit_code == 0
    assert pq.read_table(out).num_rows == 0
    assert pq.read_table(out).schema.field("published").type == pa.timestamp("us", tz="UTC")


# --- SQLite ------------------------------------------------------------------------------
def test_sqlite_full_text_index_finds_a_turkish_inflected_word(data, records, tmp_path):
    out = tmp_path / "articles.db"
    result = run("export", "--data", data, "--format", "sqlite", "-o", out)
    assert result.exit_code == 0, result.output
    db = sqlite3.connect(out)
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == len(records)

    def search(query: str) -> set[str]:
        return {row[0] for row in db.execute(
            "SELECT articles.id FROM articles JOIN articles_fts ON articles_fts.rowid = "
            "articles.rowid WHERE articles_fts MATCH ?", (query,))}

    # The description of hostile article 1 says "Kızılay’ın" (never "Kızılay" alone).
    inflected = {i for i, r in records.items()
                 if "Kızılay’ın" in (r.get("description") or "") + r["text"]}
    assert f"{1:016x}" in inflected
    found = search('"Kızılay"')
    assert inflected <= found
    assert all("Kızılay" in r["title"] + (r.get("description") or "") + r["text"]
               for i, r in records.items() if i in found)
    assert search('"kızılay"') == found  # case does not matter
    with_prefix = {i for i, r in records.items() if "yardım" in r["text"].lower()}
    assert with_prefix and with_prefix <= search("yardım*")  # yardımı, yardımlar, …
    assert search('"Kızılay" AND "Ayşe"') == set()

    # Text kept exactly as scraped (no apostrophes added), lists as JSON.
    row = db.execute("SELECT title, text, authors, word_count FROM articles WHERE id = ?",
                     (f"{1:016x}",)).fetchone()
    assert row[:2] == (HOSTILE[0]["title"], HOSTILE[0]["text"])
    assert json.loads(row[2]) == HOSTILE[0]["authors"] and isinstance(row[3], int)
    indexes = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"idx_articles_source_published", "idx_articles_published"} <= indexes
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    import sqlite_utils  # the way Datasette finds a table's search index

    assert sqlite_utils.Database(out)["articles"].detect_fts() == "articles_fts"


# --- CSV injection ------------------------------------------------------------------------
def _csv_rows(path: Path) -> dict[str, dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:  # a CR inside a cell stays a CR
        return {row["id"]: row for row in csv.DictReader(handle)}


def test_csv_neutralises_formula_cells_and_csv_raw_keeps_them(data, records, tmp_path):
    safe, raw = tmp_path / "safe.csv", tmp_path / "raw.csv"
    assert run("export", "--data", data, "--format", "csv", "-o", safe).exit_code == 0
    assert run("export", "--data", data, "--format", "csv", "--csv-raw", "-o",
               raw).exit_code == 0
    safe_rows, raw_rows = _csv_rows(safe), _csv_rows(raw)
    neutralised = 0
    for article_id, record in records.items():
        for name in ("title", "text", "description"):
            value = record.get(name) or ""
            assert raw_rows[article_id][name] == value
            formula = value[:1] in ("=", "+", "-", "@", "\t", "\r")
            assert safe_rows[article_id][name] == ("'" + value if formula else value)
            neutralised += formula
        authors = "; ".join(record["authors"])
        assert safe_rows[article_id]["authors"] == ("'" if authors.startswith("@") else
                                                    "") + authors
        neutralised += authors.startswith("@")
    assert neutralised == 6  # the hostile articles' cells, and nothing the replica wrote
    manifest = json.loads((tmp_path / "safe.csv.manifest.json").read_text("utf-8"))
    assert "OWASP" in manifest["csv_cells"] and manifest["csv_cells_neutralised"] == neutralised
    assert "as scraped" in json.loads(
        (tmp_path / "raw.csv.manifest.json").read_text("utf-8"))["csv_cells"]
    # Standard output too, and JSON Lines keeps the text exactly.
    streamed = run("export", "--data", data, "--format", "csv").output
    streamed_rows = {row["id"]: row for row in csv.DictReader(io.StringIO(streamed, newline=""))}
    assert {i: r["title"] for i, r in streamed_rows.items()} == {
        i: r["title"] for i, r in safe_rows.items()}
    jsonl = [json.loads(line) for line in run("export", "--data", data).output.splitlines()]
    assert {r["id"]: r["title"] for r in jsonl} == {i: r["title"] for i, r in records.items()}


def test_csv_datapackage_validates_with_frictionless(data, records, tmp_path):
    out = tmp_path / "articles.csv"
    result = run("export", "--data", data, "--format", "csv", "-o", out)
    assert "datapackage: articles.csv.datapackage.json" in said(result)
    descriptor = tmp_path / "articles.csv.datapackage.json"
    package = json.loads(descriptor.read_text("utf-8"))
    [resource] = package["resources"]
    names = [f["name"] for f in resource["schema"]["fields"]]
    assert names == next(csv.reader(io.StringIO(out.read_text("utf-8"))))
    assert set(names) <= schema_fields()
    report = frictionless.validate(str(descriptor))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5]
    assert report.tasks[0].stats["rows"] == len(records)
    # A changed byte breaks the recorded hash: the descriptor vouches for the file.
    out.write_bytes(out.read_bytes().replace("Kızılay".encode(), b"Kizilay", 1))
    assert not frictionless.validate(str(descriptor)).valid


def test_no_manifest_writes_the_file_alone(data, tmp_path):
    out = tmp_path / "only.parquet"
    assert run("export", "--data", data, "--format", "parquet", "--no-manifest",
               "-o", out).exit_code == 0
    assert [p.name for p in tmp_path.iterdir()] == ["only.parquet"]


# --- BagIt -------------------------------------------------------------------------------
def _validate_bag(bag: Path) -> subprocess.CompletedProcess:
    return subprocess.run([BAGIT, "--validate", str(bag)], capture_output=True, text=True,
                          timeout=60, check=False)


def test_bag_validates_and_fails_after_one_changed_byte(data, records, tmp_path):
    bag = tmp_path / "anadolu-bag"
    result = run("export", "--data", data, "--format", "bagit", "--source", "anadolu",
                 "--since", "2020-01-01", "--contact", "archivist@example.org", "-o", bag)
    assert result.exit_code == 0, result.output
    checked = _validate_bag(bag)
    assert checked.returncode == 0 and "is valid" in checked.stderr, checked.stderr
    assert {p.name for p in bag.iterdir()} >= {
        "bagit.txt", "bag-info.txt", "manifest-sha256.txt", "manifest-sha512.txt", "data"}
    payload = {p.relative_to(bag / "data").as_posix() for p in (bag / "data").rglob("*")}
    assert payload == {"articles.jsonl", "articles.csv", "manifest.json", "datapackage.json",
                       "captures.warc.gz"}
    from warcio.archiveiterator import ArchiveIterator

    with open(bag / "data" / "captures.warc.gz", "rb") as handle:  # the articles' captures
        kinds = [record.rec_type for record in ArchiveIterator(handle)]
    assert kinds[0] == "warcinfo"  # these records were archived without captures

    selected = {i for i, r in records.items() if r["published"][:10] >= "2020-01-01"}
    jsonl = [json.loads(line) for line in
             (bag / "data" / "articles.jsonl").read_text("utf-8").splitlines()]
    assert {r["id"] for r in jsonl} == selected and len(jsonl) == len(selected)
    assert _csv_rows(bag / "data" / "articles.csv").keys() == selected
    manifest = json.loads((bag / "data" / "manifest.json").read_text("utf-8"))
    assert manifest["format"] == "bagit" and manifest["articles"] == len(selected)
    assert "OWASP" in manifest["csv_cells"]
    assert {f["name"] for f in manifest["files"]} == {"articles.jsonl", "articles.csv",
                                                      "captures.warc.gz"}

    info = (bag / "bag-info.txt").read_text("utf-8")
    published = sorted(records[i]["published"] for i in selected)
    for expected in ("Contact-Email: archivist@example.org", "Bag-Software-Agent: crescent ",
                     '"since": "2020-01-01"', '"sources": ["anadolu"]',
                     f"Crescent-Published-First: {published[0]}",
                     f"Crescent-Published-Last: {published[-1]}", "Bagging-Date: "):
        assert expected in info, expected

    package = json.loads((bag / "data" / "datapackage.json").read_text("utf-8"))
    jsonl_fields = [f["name"] for f in package["resources"][0]["schema"]["fields"]]
    assert set(jsonl_fields) == schema_fields()
    report = frictionless.validate(str(bag / "data" / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5]

    target = bag / "data" / "articles.jsonl"
    body = bytearray(target.read_bytes())
    body[len(body) // 2] ^= 0x01  # one byte, one bit
    target.write_bytes(bytes(body))
    broken = _validate_bag(bag)
    assert broken.returncode != 0 and "articles.jsonl" in broken.stderr


def test_bag_holds_extra_payload_given_the_selection(data, records, tmp_path):
    """The hook the WARC captures use: a writer given the selected records again."""
    seen: list[str] = []

    def captures(path: Path, selected) -> None:
        ids = [record["id"] for record in selected]
        seen.extend(ids)
        path.write_text("\n".join(ids) + "\n", "utf-8")

    bag = tmp_path / "bag"
    job = ExportJob(selection={"query": None}, version="test",
                    extra=[("warc/captures.warc.gz", captures)])
    result = export_to(iter(records.values()), "bagit", bag, job)
    assert result.articles == len(records) and sorted(seen) == sorted(records)
    assert (bag / "data" / "warc" / "captures.warc.gz").read_text("utf-8").split() == seen
    assert _validate_bag(bag).returncode == 0
    sums = (bag / "manifest-sha512.txt").read_text()
    digest = hashlib.sha512((bag / "data/warc/captures.warc.gz").read_bytes()).hexdigest()
    assert f"{digest}  data/warc/captures.warc.gz" in sums


# --- refusals and interruptions ----------------------------------------------------------
@pytest.mark.parametrize(("args", "message"), [
    (["--format", "parquet"], "--format parquet needs -o FILE"),
    (["--format", "bagit"], "--format bagit needs -o DIR"),
    (["--format", "sqlite", "--csv-raw", "-o", "x.db"], "--csv-raw is for"),
])
def test_usage_errors_are_one_line(data, args, message):
    result = run("export", "--data", data, *args)
    assert result.exit_code == 2 and message in said(result), result.output
    assert "Traceback" not in result.output


def test_a_bag_is_never_written_over_an_existing_folder(data, tmp_path):
    (tmp_path / "bag").mkdir()
    (tmp_path / "bag" / "mine.txt").write_text("keep me")
    result = run("export", "--data", data, "--format", "bagit", "-o", tmp_path / "bag")
    assert result.exit_code == 2 and "already exists" in said(result)
    assert (tmp_path / "bag" / "mine.txt").read_text() == "keep me"


@pytest.mark.parametrize("fmt", ["parquet", "sqlite", "bagit", "csv"])
def test_an_interrupted_export_leaves_the_old_file_and_no_temporary_one(records, tmp_path, fmt):
    target = tmp_path / f"out.{fmt}"
    if fmt != "bagit":
        target.write_bytes(b"the previous export")

    def failing():
        yield from list(records.values())[:2]
        raise KeyboardInterrupt  # Ctrl-C halfway

    with pytest.raises(KeyboardInterrupt):
        export_to(failing(), fmt, target, ExportJob(selection={}, version="test"))
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == ([] if fmt == "bagit" else [target.name])
    if fmt != "bagit":
        assert target.read_bytes() == b"the previous export"


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """2,000 synthetic articles (the export benchmark's): an export that takes seconds."""
    from benchmarks.export import write_archive

    return write_archive(tmp_path_factory.mktemp("synthetic"), 2000, seed=5)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["parquet", "sqlite"])
def test_kill_9_mid_export_leaves_the_previous_file(synthetic, tmp_path, fmt):
    """A real `crescent export` killed with SIGKILL while writing: the target is untouched."""
    import os
    import signal
    import time

    data = synthetic
    target = tmp_path / "out" / f"articles.{fmt}"
    target.parent.mkdir()
    target.write_bytes(b"the previous export")
    env = {**os.environ, "CRESCENT_DATA": str(data)}
    proc = subprocess.Popen([sys.executable, "-m", "cli", "export", "--format", fmt, "-o",
                             str(target)], cwd=Path(__file__).resolve().parent.parent, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not list(target.parent.glob(".*.tmp")):  # the export has started writing
            assert proc.poll() is None, "the export ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    # Never half a file: the previous export, or (a kill after the rename, as a fast machine
    # manages) the whole new one.
    if target.read_bytes() != b"the previous export":
        assert _rows(target, fmt) == 2000
    assert {p.name for p in target.parent.iterdir()} - {target.name} <= {
        p.name for p in target.parent.glob(".*.tmp")}
    # The next export replaces it whole.
    again = subprocess.run([sys.executable, "-m", "cli", "export", "--format", fmt, "-o",
                            str(target)], cwd=Path(__file__).resolve().parent.parent, env=env,
                           capture_output=True, timeout=300, check=False)
    assert again.returncode == 0, again.stderr[-2000:]
    assert _rows(target, fmt) == 2000


def _rows(target: Path, fmt: str) -> int:
    if fmt == "parquet":
        return pq.read_table(target).num_rows
    with contextlib.closing(sqlite3.connect(target)) as db:
        return db.execute("SELECT count(*) FROM articles").fetchone()[0]
