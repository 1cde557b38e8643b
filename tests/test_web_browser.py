"""The web page in a real browser (headless Chromium via Selenium): search and facets, paging,
articles and versions, the coverage chart against its counts, an export and its manifest, an
XSS probe article that must be shown literally without running anything, and a watch created
through its form (a bad query first: the message on the form)."""

from __future__ import annotations

import hashlib
import json
import shutil
import time
import zipfile
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from tests.web_support import (
    JS_URL_ID,
    PROBE_AUTHOR,
    PROBE_ID,
    PROBE_TITLE,
    LiveServer,
    add_web_fixtures,
    alert_for,
    browser,
    fetch_json,
    screenshot,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(crawled, tmp_path_factory):
    from web.app import create_app

    source, _result = crawled
    data = tmp_path_factory.mktemp("web") / "data"
    shutil.copytree(source, data)
    facts = add_web_fixtures(data)
    with LiveServer(create_app(data)) as server:
        deadline = time.monotonic() + 30
        while not fetch_json(server.url + "/api/status")["reprints_ready"]:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        yield server, facts, data


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    downloads = tmp_path_factory.mktemp("browser") / "downloads"
    downloads.mkdir()
    chrome = browser(downloads)
    chrome.downloads = downloads
    yield chrome
    chrome.quit()


def no_injection(driver) -> None:
    """Nothing the probe carries ran: the global it sets is unset, no dialog is open."""
    from selenium.common.exceptions import NoAlertPresentException

    assert driver.execute_script("return typeof window.__xss") == "undefined"
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018
    assert not driver.find_elements("css selector", "img[src='x'], svg[onload], main script")


def hits(driver) -> list[str]:
    return [li.get_attribute("data-id") for li in driver.find_elements("css selector", "li.hit")]


def total(driver) -> int:
    return int(driver.find_element("css selector", "#total strong").get_attribute("data-total"))


def test_search_marks_matches_and_a_facet_filters(site, driver):
    server, _facts, _data = site
    driver.get(server.url + "/?q=" + quote("Kızılay"))
    everything = total(driver)
    marked = [m.text for m in driver.find_elements("css selector", ".snippet mark")]
    assert "Kızılay'ın" in marked and all("kızılay" in m.casefold() for m in marked)
    assert driver.find_element("css selector", "li.hit h2").get_attribute("lang") in (
        "tr", "ru", "en")
    screenshot(driver, "search")
    facet = driver.find_element("css selector", "[data-facet=language] a[data-value=tr]")
    expected = int(facet.get_attribute("data-count"))
    assert 0 < expected < everything  # the replicas carry Kızılay in several languages
    facet.click()
    assert parse_qs(urlsplit(driver.current_url).query)["lang"] == ["tr"]
    assert total(driver) == expected
    metas = [m.text for m in driver.find_elements("css selector", "li.hit .meta")]
    assert metas and all(" · tr" in meta for meta in metas)
    driver.back()  # the state lives in the URL: back is the unfiltered search again
    assert total(driver) == everything


def test_paging_walks_every_result_once(site, driver):
    server, _facts, _data = site
    driver.get(server.url + "/?q=" + quote("Красного OR Red OR Kızılay") + "&sort=date")
    expected, seen, pages = total(driver), [], 0
    assert expected > 20
    while True:
        seen += hits(driver)
        pages += 1
        following = driver.find_elements("css selector", "nav.pager a[rel=next]")
        if not following:
            break
        following[0].click()
    assert len(seen) == len(set(seen)) == expected
    assert pages == -(-expected // 10)
    assert parse_qs(urlsplit(driver.current_url).query)["page"] == [str(pages)]


def test_article_shows_versions_reprints_and_capture(site, driver):
    server, facts, _data = site
    driver.get(f"{server.url}/article/{facts['versioned']}")
    versions = driver.find_elements("css selector", "details.version")
    assert [v.get_attribute("data-version") for v in versions] == ["2", "1"]
    added = [e.text for e in versions[0].find_elements("css selector", "ins")]
    assert any("Güncelleme: yardım sürüyor." in text for text in added)
    assert driver.find_element("css selector", "#article-text").get_attribute("lang") == "tr"
    assert "test-00000.warc.gz" in driver.find_element("css selector", "#capture").text
    assert driver.find_element("css selector", "#original-link").get_attribute(
        "href").startswith("https://")
    screenshot(driver, "article")
    driver.get(f"{server.url}/article/{facts['reprint']}")
    driver.find_element("css selector", "a.reprint-of").click()
    assert driver.current_url.endswith(f"/article/{facts['original']}")
    back_links = [a.get_attribute("href") for a in driver.find_elements(
        "css selector", "a.reprinted-by")]
    assert any(link.endswith(f"/article/{facts['reprint']}") for link in back_links)


def test_coverage_chart_bars_match_the_counts(site, driver):
    server, _facts, _data = site
    query = "q=" + quote("Kızılay") + "&q=" + quote('"Red Crescent"') + "&by=month"
    driver.get(f"{server.url}/coverage?{query}")
    api = fetch_json(f"{server.url}/api/coverage?{query}")
    expected = {(row["period"], row["query"]): row["total"] for row in api["rows"]}
    bars = driver.find_elements("css selector", "#chart rect.bar")
    drawn = {(b.get_attribute("data-period"), b.get_attribute("data-query")):
             int(b.get_attribute("data-count")) for b in bars}
    assert drawn == {key: count for key, count in expected.items() if count}
    table = {(tr.get_attribute("data-period"), tr.get_attribute("data-query")):
             int(tr.find_element("css selector", "td.total").text)
             for tr in driver.find_elements("css selector", "#counts tbody tr")}
    assert table == expected
    # Heights are drawn to scale: the same height per article for every bar.
    per_article = {round(float(b.get_attribute("height")) / int(b.get_attribute("data-count")),
                         2) for b in bars}
    assert len(per_article) == 1
    legend = driver.find_element("css selector", "#legend").text
    assert "Kızılay" in legend and '"Red Crescent"' in legend
    assert driver.find_elements("css selector", "#chart text.tick")
    screenshot(driver, "coverage")
    driver.get(f"{server.url}/coverage?{query}&split=language")
    stacked = {}
    for bar in driver.find_elements("css selector", "#chart rect.bar"):
        key = (bar.get_attribute("data-period"), bar.get_attribute("data-query"))
        stacked[key] = stacked.get(key, 0) + int(bar.get_attribute("data-count"))
    assert stacked == {key: count for key, count in expected.items() if count}


def test_export_download_carries_its_manifest(site, driver):
    server, _facts, _data = site
    driver.get(server.url + "/?q=" + quote("Kızılay") + "&lang=tr")
    expected = total(driver)
    driver.find_element("css selector", "a[data-format=jsonl]").click()
    deadline = time.monotonic() + 30
    while not (found := [p for p in driver.downloads.glob("*.zip")]):
        assert time.monotonic() < deadline, "the export did not download"
        time.sleep(0.2)
    with zipfile.ZipFile(found[0]) as archive:
        data = archive.read("crescent-export.jsonl")
        manifest = json.loads(archive.read("crescent-export.jsonl.manifest.json"))
    records = [json.loads(line) for line in data.decode().splitlines()]
    assert len(records) == manifest["articles"] == expected
    assert hashlib.sha256(data).hexdigest() == manifest["sha256"]
    assert manifest["bytes"] == len(data)
    assert manifest["selection"]["query"] == "Kızılay"
    assert manifest["selection"]["languages"] == ["tr"]
    assert {r["language"] for r in records} == {"tr"}
    assert manifest["by_language"] == {"tr": expected}


def test_xss_probe_is_shown_literally_and_runs_nothing(site, driver):
    server, _facts, _data = site
    driver.get(server.url + "/?q=xssprobe")
    no_injection(driver)
    titles = [h.text for h in driver.find_elements("css selector", "li.hit h2")]
    assert PROBE_TITLE in titles
    driver.get(f"{server.url}/article/{PROBE_ID}")
    no_injection(driver)
    assert driver.find_element("css selector", "#article-title").text == PROBE_TITLE
    assert PROBE_AUTHOR in driver.find_element("css selector", "p.meta").text
    assert "<script>" in driver.find_element("css selector", "#article-text").text
    assert "<svg onload" in driver.find_element("css selector", "#original-link").text
    screenshot(driver, "xss-probe")
    driver.get(f"{server.url}/article/{JS_URL_ID}")
    no_injection(driver)
    assert not driver.find_elements("css selector", "a[href^='javascript:']")
    assert driver.find_element("css selector", "#original-url").text.startswith("javascript:")
    for hostile in ('"><svg onload=window.__xss=1>', "<script>window.__xss=1</script>"):
        for path in ("/?q=", "/coverage?q="):
            driver.get(server.url + path + quote(hostile))
            no_injection(driver)
    driver.get(server.url + "/coverage?q=xssprobe&split=source")
    no_injection(driver)
    driver.get(server.url + "/sources")
    no_injection(driver)
    assert driver.find_element("css selector", "tr[data-source=xssprobe]")
    screenshot(driver, "sources")


def test_a_watch_is_created_through_the_form(site, driver):
    """The form refuses a malformed query with its message and keeps what was typed; fixed, it
    makes the watch (in DATA/watches.toml), whose hostile query is shown literally."""
    import tomllib

    from selenium.webdriver.support.ui import WebDriverWait

    server, _facts, data = site
    driver.get(server.url + "/watches")
    form = driver.find_element("css selector", "#watch-form")
    form.find_element("name", "name").send_keys("Kızılay")
    form.find_element("name", "query").send_keys('"Kızılay')
    form.find_element("name", "languages").send_keys("tr, ru")
    form.find_element("name", "notify").send_keys("mailto://comms:hunter2@example.org")
    form.find_element("css selector", "#watch-submit").click()
    # A form's POST is a navigation the click does not wait for.
    wait = WebDriverWait(driver, 30)
    error = wait.until(lambda d: d.find_elements("css selector", "#form-error"))[0].text
    assert "unbalanced quotes" in error
    form = driver.find_element("css selector", "#watch-form")
    assert form.find_element("name", "name").get_attribute("value") == "Kızılay"
    assert form.find_element("name", "query").get_attribute("value") == '"Kızılay'
    assert form.find_element("name", "query").get_attribute("aria-invalid") == "true"
    assert form.find_element("name", "languages").get_attribute("value") == "tr, ru"
    assert not (data / "watches.toml").exists() or "Kızılay" not in (
        data / "watches.toml").read_text("utf-8")
    screenshot(driver, "watch-form-error")

    query = 'Kızılay OR "<script>window.__xss=1</script>"'
    field = form.find_element("name", "query")
    field.clear()
    field.send_keys(query)
    form.find_element("css selector", "#watch-submit").click()
    wait.until(lambda d: d.find_elements("css selector", "#done"))
    assert urlsplit(driver.current_url).path == "/watches/" + quote("Kızılay")
    no_injection(driver)
    assert "Watch added" in driver.find_element("css selector", "#done").text
    assert driver.find_element("css selector", "#watch-query").text == query
    stored = tomllib.loads((data / "watches.toml").read_text("utf-8"))["watch"]
    assert [(w["name"], w["query"], w["languages"]) for w in stored] == [
        ("Kızılay", query, ["tr", "ru"])]
    assert stored[0]["notify"] == ["mailto://comms:hunter2@example.org"]
    driver.find_element("css selector", "nav a[href='/watches']").click()
    row = wait.until(lambda d: d.find_elements("css selector", "tr[data-watch='Kızılay']"))[0]
    no_injection(driver)
    assert query in row.text and "hunter2" not in driver.page_source
    assert "mailto://comms:****@example.org" in row.text
    screenshot(driver, "watches")

    # A new article it matches, a run: the watch's page lists the alert, linked to the article.

    headline = "Kızılay <img src=x onerror=window.__xss=1> Van'a yardım ulaştırdı"
    record = alert_for(data, "Kızılay", "0bad0bad0bad0bb0", title=headline, language="tr",
                       text="Türk Kızılay ekipleri Van'da sel bölgesine yardım ulaştırdı.",
                       url="https://probe.example/kizilay-van")
    row.find_element("css selector", "a.watch-name").click()
    alert = wait.until(lambda d: d.find_elements(
        "css selector", f"tr.alert[data-id='{record['id']}']"))[0]
    no_injection(driver)
    link = alert.find_element("css selector", "a.headline")
    assert link.text == headline
    assert link.get_attribute("href") == f"{server.url}/article/{record['id']}"
    assert "anadolu" in alert.text and "2026-12-05" in alert.text
    assert [m.text for m in alert.find_elements("css selector", ".snippet mark")]
    assert driver.find_element("css selector", "#alert-count").text == "1"
    screenshot(driver, "watch")
