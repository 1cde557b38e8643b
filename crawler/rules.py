"""Extraction rules a data directory overrides (``DATA/config.toml``), and the extractor version.

A source's rules live in its spider module; an archivist can adjust them without editing code:

    [extract.anadolu]
    remove_selectors = [".related-news"]
    site_names = ["Anadolu Ajansı"]

The crawl and ``crescent reextract`` both apply them. Every archived article records the
extractor version that produced it: crescent's rules revision, trafilatura's version, and a
digest of the overrides in force for its source.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import tomllib
from importlib.metadata import version
from pathlib import Path
from typing import Any

from crawler.extract import SourceHints

CONFIG_FILE = "config.toml"
# Bump when a change to crawler/extract.py changes what pages extract to.
RULES_REVISION = 1
LIST_FIELDS = ("remove_selectors", "date_selectors", "author_selectors", "site_names")
TEXT_FIELDS = ("timezone", "date_order", "url_date_pattern")


class RulesError(ValueError):
    """A config.toml whose [extract.SOURCE] tables cannot be used."""


def load_overrides(data_dir: Path, source: str) -> dict[str, Any]:
    """The ``[extract.<source>]`` table of DATA/config.toml, checked (empty if none)."""
    path = Path(data_dir) / CONFIG_FILE
    if not path.is_file():
        return {}
    try:
        config = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise RulesError(f"{path}: {error}") from None
    table = (config.get("extract") or {}).get(source) or {}
    if not isinstance(table, dict):
        raise RulesError(f"{path}: [extract.{source}] must be a table")
    checked: dict[str, Any] = {}
    for name, value in table.items():
        if name in LIST_FIELDS and isinstance(value, list) and all(
                isinstance(item, str) for item in value):
            checked[name] = tuple(value)
        elif (name in TEXT_FIELDS and isinstance(value, str)) or (
                name == "min_words" and isinstance(value, int) and value >= 0):
            checked[name] = value
        else:
            raise RulesError(f"{path}: [extract.{source}] {name} is not a known rule with a "
                             f"value of its type ({', '.join(LIST_FIELDS + TEXT_FIELDS)}, "
                             "min_words)")
    return checked


def apply_overrides(hints: SourceHints, data_dir: Path) -> tuple[SourceHints, str]:
    """``hints`` with the data directory's overrides for their source, and the extractor
    version string that the articles extracted with them record."""
    overrides = load_overrides(data_dir, hints.source)
    return dataclasses.replace(hints, **overrides), extractor_version(overrides)


def extractor_version(overrides: dict[str, Any] | None = None) -> str:
    text = f"crescent-extract/{RULES_REVISION} trafilatura/{version('trafilatura')}"
    if overrides:
        canonical = json.dumps(overrides, sort_keys=True, ensure_ascii=False)
        text += f" overrides/{hashlib.sha256(canonical.encode()).hexdigest()[:12]}"
    return text
