"""Quality gate: crescent's extractor on the shared evaluation pages must not fall below the floors.

The pages (``../shared/eval``, or ``CRESCENT_EVAL``) are third-party and stay outside the
repository; without them the gate is skipped. The floors are in benchmarks/quality_floors.json.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from benchmarks.extraction import DEFAULT_EVAL_DIR, FLOORS_FILE, evaluate, load_pages, run_crescent

EVAL_DIR = Path(os.environ.get("CRESCENT_EVAL", DEFAULT_EVAL_DIR))
CEILINGS = {"leak"}  # lower is better

pytestmark = pytest.mark.skipif(not (EVAL_DIR / "truth.jsonl").exists(),
                                reason=f"no evaluation set at {EVAL_DIR}")


@pytest.fixture(scope="module")
def scores():
    return evaluate(run_crescent, load_pages(EVAL_DIR))


def floors() -> list[tuple[str, str, float]]:
    data = json.loads(FLOORS_FILE.read_text("utf-8"))
    return [(group, metric, value) for group, metrics in data.items() if not group.startswith("_")
            for metric, value in metrics.items()]


@pytest.mark.parametrize(("group", "metric", "floor"), floors())
def test_extraction_meets_the_committed_floor(scores, group, metric, floor):
    assert group in scores, f"no {group} pages in {EVAL_DIR}"
    value = scores[group].value(metric)
    assert value is not None
    misses = "\n".join(scores[group].misses)
    if metric in CEILINGS:
        assert value <= floor + 1e-9, f"{group} {metric} {value:.4f} > {floor}\n{misses}"
    else:
        assert value >= floor - 1e-9, f"{group} {metric} {value:.4f} < {floor}\n{misses}"
