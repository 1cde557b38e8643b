"""URLs that turned out to be another URL's article (its canonical link said so).

aa.com.tr files one story under two category paths; the page's canonical link names one. The
article is stored under the canonical URL's id, and the other URL is remembered here so that the
next crawl does not fetch it again. Derived state: losing the file only costs a refetch.
"""

from __future__ import annotations

import os
from pathlib import Path

from crawler.urls import is_article_id


class AliasFile:
    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> dict[str, str]:
        """alias id → canonical id (a torn last line from a kill is skipped)."""
        aliases: dict[str, str] = {}
        try:
            lines = self.path.read_text("utf-8").splitlines()
        except FileNotFoundError:
            return aliases
        for line in lines:
            alias, _, canonical = line.partition("\t")
            if is_article_id(alias) and is_article_id(canonical):
                aliases[alias] = canonical
        return aliases

    def add(self, alias: str, canonical: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "ab+") as handle:
            line = f"{alias}\t{canonical}\n".encode()
            if handle.seek(0, os.SEEK_END) > 0:
                handle.seek(-1, os.SEEK_END)
                if handle.read(1) != b"\n":  # a kill tore the last line: end it, keep this one
                    line = b"\n" + line
            handle.write(line)  # appended at the end whatever the position ("a" mode)
            handle.flush()
            os.fsync(handle.fileno())
