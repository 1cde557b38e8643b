"""Replica sites of the real sources, served on 127.0.0.1 for the offline demo and the tests."""

from __future__ import annotations

from importlib import import_module

from crawler.demo.server import ExcludedPage, ExpectedArticle, Page, ReplicaServer, ReplicaSite

REPLICA_SOURCES = (
    "redcrescent_az", "tgymj", "icrc", "anadolu", "turkmenportal", "turkmenistanlive",
)

__all__ = [
    "REPLICA_SOURCES", "ExcludedPage", "ExpectedArticle", "Page", "ReplicaServer", "ReplicaSite",
    "build_site",
]


def build_site(source: str) -> ReplicaSite:
    """The replica of ``source``, rendered from its content file."""
    if source not in REPLICA_SOURCES:
        raise KeyError(f"no replica for source {source!r}")
    return import_module(f"crawler.demo.sites.{source}").build()
