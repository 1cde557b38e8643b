"""The `warc` and `wacz` export formats: the captured pages of the selected articles."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from archive.export import ExportJob, WrittenFile, _write_text_file


def _info(job: ExportJob) -> dict[str, Any]:
    return {"operator": job.contact or "", "software": f"crescent {job.version}",
            "description": "captures of articles exported by crescent"}


def _note(job: ExportJob, tally) -> None:
    job.manifest_extra["captures"] = {"written": tally.written,
                                      "without_capture": tally.without_capture,
                                      "unreadable": tally.unreadable}


def write_warc(records: Iterable[dict[str, Any]], target: Path,
               job: ExportJob) -> list[WrittenFile]:
    """A WARC file of the captures (records copied byte for byte, warcinfo first)."""
    from archive.warc import write_captures

    if job.data_dir is None:
        raise ValueError("a capture export needs the data directory")
    tallies = []
    files = _write_text_file(target, lambda out: tallies.append(
        write_captures(records, job.data_dir, out, name=target.name, info=_info(job))))
    _note(job, tallies[0])
    return files


def write_wacz(records: Iterable[dict[str, Any]], target: Path,
               job: ExportJob) -> list[WrittenFile]:
    """A WACZ (ReplayWeb.page) of the captures, with a pages list of the articles."""
    from archive.wacz_export import write_wacz as package

    if job.data_dir is None:
        raise ValueError("a capture export needs the data directory")
    tallies = []
    files = _write_text_file(target, lambda out: tallies.append(
        package(records, job.data_dir, out, title=f"crescent: {target.name}", info=_info(job))))
    _note(job, tallies[0])
    return files


def bag_payload(data_dir: Path, job: ExportJob) -> tuple[str, Any]:
    """A bag's extra payload: the captures of the bag's articles as one WARC file."""
    from archive.warc import write_captures

    def write(path: Path, records: Iterator[dict[str, Any]]) -> None:
        with open(path, "wb") as handle:
            write_captures(records, data_dir, handle, name=path.name, info=_info(job))

    return ("captures.warc.gz", write)
