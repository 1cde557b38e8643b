"""Verify the archive on disk: every file parses, validates, sits where its id and date say."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema

from archive.atomic import TEMP_SUFFIX
from archive.store import CURRENT_RE, VERSION_RE, article_schema, content_sha256
from crawler.urls import article_id


@dataclass
class ArchiveReport:
    articles: int = 0
    versions: int = 0
    problems: list[str] = field(default_factory=list)
    temp_files: list[Path] = field(default_factory=list)
    current_ids: set[str] = field(default_factory=set)


def check_archive(root: Path) -> ArchiveReport:
    """Schema, id = hash of the URL, path = source/yyyy/mm, checksum, version chain, temp files."""
    report = ArchiveReport()
    validator = jsonschema.Draft202012Validator(article_schema())
    if not root.is_dir():
        return report
    # The version chain is checked from this one walk: id → the current file's version (only
    # above 1) and the numbers of the earlier versions found, in any month folder (an article
    # that moved month takes them along, but a kill can leave some behind). Listing each
    # article's folder again made the check quadratic: 1,700 entries for each of a million.
    current_versions: dict[str, int] = {}
    earlier: dict[str, set[int]] = {}
    for dirpath, _dirs, files in os.walk(root):
        for name in sorted(files):
            path = Path(dirpath, name)
            where = path.relative_to(root).as_posix()
            if name.endswith(TEMP_SUFFIX):
                report.temp_files.append(path)
                report.problems.append(f"{where}: temporary file left by an interrupted write")
                continue
            current, version = CURRENT_RE.match(name), VERSION_RE.match(name)
            if not (current or version):
                report.problems.append(f"{where}: not an archive file name")
                continue
            try:
                record = json.loads(path.read_text("utf-8"))
            except (OSError, ValueError) as error:
                report.problems.append(f"{where}: unreadable JSON ({error})")
                continue
            errors = sorted(validator.iter_errors(record), key=lambda e: list(e.path))
            if errors:
                report.problems.append(f"{where}: schema: {errors[0].message}")
                continue
            file_id = (current or version)[1]
            report.problems.extend(
                f"{where}: {problem}"
                for problem in _record_problems(record, file_id, where, bool(version)))
            if version:
                report.versions += 1
                if int(version[2]) != record["version"]:
                    report.problems.append(f"{where}: holds version {record['version']}")
                earlier.setdefault(file_id, set()).add(int(record["version"]))
            else:
                report.articles += 1
                if record["id"] in report.current_ids:
                    report.problems.append(f"{where}: second current file for {record['id']}")
                report.current_ids.add(record["id"])
                if int(record.get("version", 1)) > 1:
                    current_versions[file_id] = int(record["version"])
    for file_id, number in sorted(current_versions.items()):
        missing = sorted(set(range(1, number)) - earlier.get(file_id, set()))
        if missing:
            report.problems.append(f"{file_id}: earlier version(s) {missing} missing")
    return report


def _record_problems(record: dict, file_id: str, where: str, version: bool) -> list[str]:
    problems = []
    if record["id"] != file_id:
        problems.append(f"id {record['id']} does not match the file name")
    if article_id(record["url"]) != record["id"]:
        problems.append("id is not the hash of the article's URL")
    if content_sha256(record) != record["content_sha256"]:
        problems.append("content_sha256 does not match the content")
    expected = f"{record['source']}/{record['published'][:4]}/{record['published'][5:7]}/"
    if version:
        # An earlier version lives beside the current article, which may have moved month
        # since (a corrected date): only its source's folder is its own.
        expected = f"{record['source']}/"
    if not where.startswith(expected):
        problems.append(f"should be under {expected}")
    return problems
