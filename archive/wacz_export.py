"""WACZ exports (the ``wacz`` package): the selected articles' captures, replayable in
ReplayWeb.page, with a pages list of the articles (URL, capture time, headline)."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO

from archive.warc import CaptureTally, write_captures

# `python -m wacz` exits 0 whatever it found; its main() returns the status.
WACZ_VALIDATE = "import sys; from wacz.main import main; sys.exit(main())"


class WaczError(RuntimeError):
    """The wacz tool refused what we gave it."""


def write_wacz(records: Iterable[dict[str, Any]], data_dir: Path, out: BinaryIO, *,
               title: str = "crescent articles", description: str = "",
               info: dict[str, Any] | None = None) -> CaptureTally:
    """A WACZ of the captures of ``records`` to ``out``: the WARC is written to a scratch
    folder (see :func:`archive.warc.write_captures`), then packaged, indexed and hashed by
    ``wacz create`` with our pages list."""
    from wacz.main import main as wacz_main

    with tempfile.TemporaryDirectory(prefix="crescent-wacz-") as scratch:
        folder = Path(scratch)
        warc_path = folder / "articles.warc.gz"
        pages: list[dict[str, Any]] = []
        with open(warc_path, "wb") as handle:
            tally = write_captures(records, data_dir, handle, name=warc_path.name, info=info,
                                   pages=pages)
        pages_path = folder / "pages.jsonl"
        with open(pages_path, "w", encoding="utf-8") as handle:
            header = {"format": "json-pages-1.0", "id": "pages", "title": title}
            handle.write(json.dumps(header, ensure_ascii=False) + "\n")
            for page in pages:
                handle.write(json.dumps(page, ensure_ascii=False) + "\n")
        target = folder / "export.wacz"
        args = ["create", str(warc_path), "-o", str(target), "--title", title]
        if pages:  # an empty pages list is refused; the WACZ then has none
            args += ["-p", str(pages_path)]
        if description:
            args += ["--desc", description]
        said = io.StringIO()
        with contextlib.redirect_stdout(said):  # the tool narrates on standard output
            status = wacz_main(args)
        if status != 0 or not target.is_file():
            raise WaczError(f"wacz create failed: {said.getvalue().strip()[-500:]}")
        with open(target, "rb") as handle:
            shutil.copyfileobj(handle, out)
    return tally


def validate_wacz(path: Path) -> tuple[bool, str]:
    """``wacz validate`` on ``path``, in a process of its own (the tool leaves a temporary
    folder for the interpreter to clean up): (valid, what the tool said)."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", WACZ_VALIDATE, "validate", "-f", str(path)],
                          capture_output=True, text=True, timeout=300, check=False)
    said = done.stdout + done.stderr
    return done.returncode == 0 and "Validation succeeded" in said, said
