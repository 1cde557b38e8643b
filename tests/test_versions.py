"""A changed article keeps its earlier versions; `crescent history` shows what changed."""

from __future__ import annotations

import pytest

from archive.store import ArchiveStore
from crawler.demo import Page, ReplicaServer, build_site
from crawler.urls import article_id
from tests.conftest import crescent

pytestmark = pytest.mark.slow

SEED_PATH = "/tr/dunya/azerbaycanda-turk-devletleri-kizilay-agi-toplantisi-yapildi/3747971"


def test_refresh_stores_a_new_version_and_history_shows_the_diff(tmp_path):
    site = build_site("anadolu")
    with ReplicaServer(site) as server:
        first = crescent("crawl", "anadolu", "--base-url", server.base_url, data=tmp_path)
        assert first.returncode == 0, first.stderr[-2000:]
        page = site.pages[SEED_PATH]
        changed = (page.body
                   .replace("Ağı toplantısı yapıldı".encode(), "Ağı toplantısı sona erdi".encode())
                   .replace("olası işbirlikleri".encode(), b"yeni ortak projeler"))
        assert changed != page.body
        for path, served in list(site.pages.items()):  # the story's every URL serves the change
            if served is page:
                site.pages[path] = Page(changed, page.content_type)
        unchanged = crescent("crawl", "anadolu", "--base-url", server.base_url, data=tmp_path)
        refreshed = crescent("crawl", "anadolu", "--refresh", "--base-url", server.base_url,
                             data=tmp_path)
    assert "archived: 0 new, 0 updated" in unchanged.stdout
    assert refreshed.returncode == 0 and "archived: 0 new, 1 updated" in refreshed.stdout
    store = ArchiveStore(tmp_path / "archive")
    article = article_id(site.real_root + SEED_PATH)
    current, [earlier] = store.load(article), store.versions(article)
    assert (earlier["version"], current["version"]) == (1, 2)
    assert current["title"].endswith("sona erdi") and earlier["title"].endswith("yapıldı")
    history = crescent("history", article, data=tmp_path)
    assert history.returncode == 0
    assert "2 version(s)" in history.stdout
    assert "[-yapıldı-]" in history.stdout and "{+sona erdi+}" in history.stdout
    assert "{+yeni ortak projeler+}" in history.stdout
    check = crescent("check", data=tmp_path)
    assert check.returncode == 0 and "ok:" in check.stdout
