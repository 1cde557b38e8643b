"""BagIt exports (bagit-python): a folder holding the selection as JSON Lines and CSV, its
manifest, a Frictionless datapackage.json and any extra payload (the WARC captures), with
SHA-256 and SHA-512 checksums of every file and a bag-info.txt saying what, when and who."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import bagit

from archive.export import (
    CSV_NEUTRALISED,
    CSV_RAW,
    EXPORT_FIELDS,
    DigestingWriter,
    ExportError,
    ExportJob,
    WrittenFile,
    csv_row,
    file_digest,
    manifest,
    manifest_bytes,
)
from archive.formats.datapackage import datapackage
from archive.formats.files import atomic_path

JSONL, CSV, MANIFEST, DATAPACKAGE = ("articles.jsonl", "articles.csv", "manifest.json",
                                     "datapackage.json")
CHECKSUMS = ["sha256", "sha512"]


def write_bag(records: Iterable[dict[str, Any]], target: Path,
              job: ExportJob) -> list[WrittenFile]:
    """A new bag at ``target`` (a folder that must not exist yet), built beside it under a
    temporary name and renamed into place once complete."""
    if target.exists():
        raise ExportError(f"{target} already exists: a bag is written to a new folder")
    names = [name for name, _write in job.extra]
    for name in names:
        _check_payload_name(name)
    with atomic_path(target, directory=True) as temp:
        files = _write_tables(records, temp, job)
        for name, write in job.extra:  # the WARC captures, …: given the selection again
            path = temp / name
            path.parent.mkdir(parents=True, exist_ok=True)
            write(path, read_jsonl(temp / JSONL))
            files.append(file_digest(path, name))
        package = datapackage([("jsonl", files[0]), ("csv", files[1])], job)
        (temp / DATAPACKAGE).write_bytes(manifest_bytes(package))
        described = manifest(file_name=target.name, fmt="bagit", counted=job.counted,
                             selection=job.selection, version=job.version, files=files,
                             csv_raw=job.csv_raw)
        (temp / MANIFEST).write_bytes(manifest_bytes(described))
        bagit.make_bag(str(temp), bag_info(job), checksums=CHECKSUMS)
    return files


def _check_payload_name(name: str) -> None:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts or path.parts[0] in (
            JSONL, CSV, MANIFEST, DATAPACKAGE):
        raise ExportError(f"bad extra payload name {name!r}")


def _write_tables(records: Iterable[dict[str, Any]], folder: Path,
                  job: ExportJob) -> list[WrittenFile]:
    """JSON Lines and CSV in one pass over the records (they stream; neither is held)."""
    with open(folder / JSONL, "wb") as jsonl_handle, open(folder / CSV, "wb") as csv_handle:
        jsonl, table = DigestingWriter(jsonl_handle), DigestingWriter(csv_handle)
        writer = csv.DictWriter(table, fieldnames=EXPORT_FIELDS, extrasaction="ignore")
        writer.writeheader()
        for record in records:
            jsonl.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
            writer.writerow(csv_row(record, raw=job.csv_raw, counted=job.counted))
    return [WrittenFile(JSONL, jsonl.digest.hexdigest(), jsonl.size),
            WrittenFile(CSV, table.digest.hexdigest(), table.size)]


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)


def bag_info(job: ExportJob) -> dict[str, str]:
    """bag-info.txt: the selection, the dates it covers, the software and the contact."""
    counted, selection = job.counted, job.selection
    chosen = "; ".join(f"{k}: {v}" for k, v in selection.items() if v not in (None, [], False))
    info = {
        "External-Description": (f"{counted.articles} news article(s) archived by crescent, "
                                 f"selected by {chosen or 'nothing (the whole archive)'}"),
        "Bag-Software-Agent": f"crescent {job.version} (bagit-python {bagit.VERSION})",
        "Crescent-Selection": json.dumps(selection, ensure_ascii=False, sort_keys=True),
        "Crescent-Articles": str(counted.articles),
        "Crescent-CSV-Cells": CSV_RAW if job.csv_raw else CSV_NEUTRALISED,
    }
    for label, bounds in (("Published", counted.published), ("Fetched", counted.fetched)):
        if bounds:
            info[f"Crescent-{label}-First"], info[f"Crescent-{label}-Last"] = bounds
    if job.contact:
        info["Contact-Email" if "@" in job.contact else "Contact-Name"] = job.contact
    return info
