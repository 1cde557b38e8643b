"""Extraction benchmark: crescent, trafilatura alone and news-please on the shared evaluation pages.

``make bench-extract`` (or ``python -m benchmarks.extraction [EVAL_DIR]``) reads
``../shared/eval`` (pages plus ``truth.jsonl``), runs each system over the pages already in
memory, in one process, and prints one table per system and language: title exact match, date
exact day, language, body recall, boilerplate leak, pages per second and CPU milliseconds per
page (the process's CPU time, so other load on a shared machine counts less). The scoring functions
are shared with the quality gate (``tests/test_quality_gate.py``).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import unicodedata
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_EVAL_DIR = REPO / ".." / "shared" / "eval"
FLOORS_FILE = Path(__file__).resolve().parent / "quality_floors.json"
METRICS = ("title", "date", "language", "body", "leak")
LANGUAGE_ORDER = ("en", "ru", "tr", "uk")

# Typographic quotes, dashes and spaces folded before comparing strings.
FOLD = str.maketrans({
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "`": "'", "´": "'",
    "“": '"', "”": '"', "„": '"', "‟": '"', "«": '"', "»": '"', "″": '"',
    "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-",
    "\u00ad": None, "\u200b": None, "\ufeff": None,
})


def normalise(text: str | None) -> str:
    """NFKC, quotes and dashes folded, whitespace collapsed, case folded."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).translate(FOLD)
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class EvalPage:
    """One evaluation page: its bytes and its ground truth."""

    id: str
    url: str
    body: bytes
    truth: dict[str, Any]

    @property
    def lang(self) -> str:
        return str(self.truth["lang"])


@dataclass
class Output:
    """What a system says about one page (``None`` where it says nothing)."""

    title: str | None = None
    published: str | None = None
    language: str | None = None
    text: str | None = None


def load_pages(eval_dir: Path) -> list[EvalPage]:
    """The pages listed in ``truth.jsonl`` whose HTML file is present."""
    pages = []
    with (eval_dir / "truth.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            truth = json.loads(line)
            path = eval_dir / "pages" / f"{truth['id']}.html"
            if path.exists():
                pages.append(EvalPage(truth["id"], truth["url"], path.read_bytes(), truth))
    return pages


# -- systems ------------------------------------------------------------------------------------

def run_crescent(page: EvalPage, now: datetime) -> Output:
    from crawler.extract import ALL_LANGUAGES, SourceHints, analyse

    hints = SourceHints(accept_languages=ALL_LANGUAGES, min_chars=0)
    found = analyse(page.body, page.url, hints, now=now)
    return Output(found.title, found.published, found.language, found.text)


def run_trafilatura(page: EvalPage, now: datetime) -> Output:
    import trafilatura

    document = trafilatura.bare_extraction(page.body, url=page.url, with_metadata=True)
    if document is None:
        return Output()
    return Output(document.title, document.date, None, document.text)


def run_newsplease(page: EvalPage, now: datetime) -> Output:
    from newsplease import NewsPlease
    from trafilatura.utils import decode_file

    article = NewsPlease.from_html(decode_file(page.body), url=page.url, fetch_images=False)
    if article is None:
        return Output()
    published = article.date_publish.date().isoformat() if article.date_publish else None
    return Output(article.title, published, article.language, article.maintext)


SYSTEMS: dict[str, Callable[[EvalPage, datetime], Output]] = {
    "crescent": run_crescent,
    "trafilatura": run_trafilatura,
    "news-please": run_newsplease,
}


# -- scoring ------------------------------------------------------------------------------------

@dataclass
class Score:
    """Counts behind one row of the table."""

    pages: int = 0
    title: list[int] = field(default_factory=lambda: [0, 0])
    date: list[int] = field(default_factory=lambda: [0, 0])
    language: list[int] = field(default_factory=lambda: [0, 0])
    body: list[int] = field(default_factory=lambda: [0, 0])
    leak: list[int] = field(default_factory=lambda: [0, 0])
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    misses: list[str] = field(default_factory=list)

    def value(self, metric: str) -> float | None:
        hits, total = getattr(self, metric)
        return hits / total if total else None

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_page(self) -> float:
        return 1000 * self.cpu_seconds / self.pages if self.pages else 0.0


def _day(value: str | None) -> str | None:
    match = re.match(r"\d{4}-\d{2}-\d{2}", value or "")
    return match[0] if match else None


def score_page(score: Score, page: EvalPage, output: Output, seconds: float,
               cpu_seconds: float = 0.0) -> None:
    """Add one page's result to ``score``."""
    truth = page.truth
    score.pages += 1
    score.seconds += seconds
    score.cpu_seconds += cpu_seconds
    titles = {normalise(t) for t in [truth.get("title"), *(truth.get("title_alt") or [])] if t}
    if titles:
        ok = normalise(output.title) in titles
        score.title[0] += ok
        score.title[1] += 1
        if not ok:
            score.misses.append(f"{page.id}: title {output.title!r}")
    days = {d for d in (truth.get("date"), truth.get("date_page_meta")) if d}
    if days:
        ok = _day(output.published) in days
        score.date[0] += ok
        score.date[1] += 1
        if not ok:
            score.misses.append(f"{page.id}: date {output.published!r} not {sorted(days)}")
    ok = output.language == page.lang
    score.language[0] += ok
    score.language[1] += 1
    if not ok:
        score.misses.append(f"{page.id}: language {output.language!r} not {page.lang}")
    text = normalise(output.text)
    for wanted in truth.get("must_contain") or []:
        ok = normalise(wanted) in text
        score.body[0] += ok
        score.body[1] += 1
        if not ok:
            score.misses.append(f"{page.id}: body misses {wanted[:60]!r}")
    for unwanted in truth.get("must_not_contain") or []:
        leaked = normalise(unwanted) in text
        score.leak[0] += leaked
        score.leak[1] += 1
        if leaked:
            score.misses.append(f"{page.id}: leaks {unwanted[:60]!r}")


def evaluate(
    system: Callable[[EvalPage, datetime], Output],
    pages: Iterable[EvalPage],
    now: datetime | None = None,
) -> dict[str, Score]:
    """Run ``system`` over ``pages``; scores per language and for ``all``."""
    now = now or datetime.now(UTC)
    scores: dict[str, Score] = {"all": Score()}
    for page in pages:
        started, cpu_started = time.perf_counter(), time.process_time()
        try:
            output = system(page, now)
        except Exception as error:  # a crash on one page is a miss, not the end of the run
            output = Output()
            scores["all"].misses.append(f"{page.id}: {type(error).__name__}: {error}")
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
        for key in ("all", page.lang):
            score_page(scores.setdefault(key, Score()), page, output, seconds, cpu_seconds)
    return scores


def format_table(results: dict[str, dict[str, Score]]) -> str:
    """The table: one row per system and language (``all`` first)."""
    header = ("system", "lang", "pages", "title", "date", "language", "body recall", "leak",
              "pages/s", "CPU ms/page")
    rows = [header]
    for system, scores in results.items():
        keys = ["all", *[k for k in LANGUAGE_ORDER if k in scores],
                *sorted(k for k in scores if k not in ("all", *LANGUAGE_ORDER))]
        for key in keys:
            score = scores[key]
            cells = [system, key, str(score.pages)]
            for metric in METRICS:
                value = score.value(metric)
                cells.append("—" if value is None else f"{value:.3f}")
            if system == "trafilatura":  # it has no language identification
                cells[5] = "—"
            cells.append(f"{score.pages_per_second:.1f}")
            cells.append(f"{score.cpu_ms_per_page:.1f}")
            rows.append(tuple(cells))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for number, row in enumerate(rows):
        lines.append("| " + " | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row))
                     + " |")
        if number == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("eval_dir", nargs="?", type=Path, default=DEFAULT_EVAL_DIR)
    parser.add_argument("--systems", default=",".join(SYSTEMS),
                        help="comma-separated subset of: " + ", ".join(SYSTEMS))
    parser.add_argument("--misses", action="store_true", help="list every miss per system")
    args = parser.parse_args(argv)
    if not (args.eval_dir / "truth.jsonl").exists():
        print(f"no evaluation set at {args.eval_dir} (truth.jsonl missing)", file=sys.stderr)
        return 2
    pages = load_pages(args.eval_dir)
    now = datetime.now(UTC)
    results: dict[str, dict[str, Score]] = {}
    for name in [s.strip() for s in args.systems.split(",") if s.strip()]:
        if name not in SYSTEMS:
            print(f"unknown system {name!r}", file=sys.stderr)
            return 2
        try:
            SYSTEMS[name](pages[0], now)  # warm-up: imports and model loading are not timed
        except ImportError as error:
            print(f"{name}: not installed ({error}); pip install -e '.[bench]'", file=sys.stderr)
            continue
        except Exception:  # counted as a miss in the timed run below
            pass
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            results[name] = evaluate(SYSTEMS[name], pages, now)
    print(f"{len(pages)} pages from {args.eval_dir.resolve()} "
          f"({', '.join(f'{k} {v}' for k, v in _count_languages(pages).items())})")
    print(format_table(results))
    if "crescent" in results:
        crescent = results["crescent"]["all"].cpu_ms_per_page
        for name, scores in results.items():
            if name != "crescent" and scores["all"].cpu_ms_per_page:
                print(f"crescent's CPU per page is {crescent / scores['all'].cpu_ms_per_page:.2f}×"
                      f" {name}'s ({crescent:.1f} ms against "
                      f"{scores['all'].cpu_ms_per_page:.1f} ms)")
    if args.misses:
        for name, scores in results.items():
            print(f"\n{name}: {len(scores['all'].misses)} misses")
            for miss in scores["all"].misses:
                print(f"  {miss}")
    return 0


def _count_languages(pages: list[EvalPage]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for page in pages:
        counts[page.lang] = counts.get(page.lang, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: -item[1]))


if __name__ == "__main__":
    sys.exit(main())

