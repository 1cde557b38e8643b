"""The redcrescent_az spider's callbacks on its replica's pages."""

import re

import pytest
import scrapy

from crawler.demo import build_site
from crawler.demo.html import load_content
from crawler.items import ArticleItem
from spiders.redcrescent_az import RedcrescentAzSpider
from tests.helpers import callback_output, make_spider, response_for

SITE = build_site("redcrescent_az")
CONTENT = {article["key"]: article for article in load_content("redcrescent_az")}
EXPECTED = {article.key: article for article in SITE.articles}
ROOT = "https://www.redcrescent.az"
SEED_URL = (f"{ROOT}/en/news/1172-the-staff-and-volunteers-of-terter-local-branch-of-the-"
            "az-rcs-participated-in-blood-donation-action.html")
AZ_URL = (f"{ROOT}/en/news/1169-gence-seher-filialinin-konulluleri-mektebliler-ucun-ilk-"
          "yardim-telimi-kecirdiler.html")
NOISE = {
    "en": ("Published:", "Reads:", "Downloaded: times", "Downloaded", "Tadateru Konoé",
           "Humanitarian Diplomacy", "from President of IFRC", "Last news", "About us",
           "Contacts", "S.Safarov", "Next »"),
    "ru": ("Опубликовано:", "Прочитано:", "Скачано", "Тадатэру Коноэ", "Гуманитарная дипломатия",
           "от Президента МФОКК", "Последние новости", "подробнее", "О нас", "Контакты",
           "С.Сафарова", "Published:", "Reads:"),
}


def body_text(key):
    """The article's paragraphs as the archive keeps them: one a line, spaces collapsed."""
    return "\n".join(" ".join(paragraph.split()) for paragraph in CONTENT[key]["body"])


def article_item(spider, url):
    output = callback_output(spider, response_for(SITE, url), spider.parse_article)
    assert len(output) == 1, output
    assert isinstance(output[0], ArticleItem)
    return output[0]


def assert_clean(item, lang):
    for noise in NOISE[lang]:
        assert noise not in item["text"], noise
    # "more" (the listing's link to the article) never stands as a line or word of its own.
    assert "more" not in item["text"].splitlines()
    assert not re.search(r"\\\s*(?:more|подробнее)\b", item["text"])


def test_listing_yields_article_requests_and_next_page(tmp_path):
    spider = make_spider(RedcrescentAzSpider, tmp_path)
    output = callback_output(spider, response_for(SITE, f"{ROOT}/en/"), spider.parse_listing)
    assert all(isinstance(request, scrapy.Request) for request in output)
    urls = [request.url for request in output]
    articles = [u for u in urls if "/news/" in u]
    # Six items with their Published/Reads/more line, plus the president's column below them.
    assert len(articles) == len(set(articles)) == 7
    assert SEED_URL in articles and AZ_URL in articles
    assert EXPECTED["president-column-donorship"].url in articles
    assert f"{ROOT}/en/?page=2" in urls
    assert all(request.callback == spider.parse_article for request in output
               if "/news/" in request.url)


def test_listing_look_follows_the_seed():
    text = SITE.lookup("/en/").body.decode()
    first_title = CONTENT["terter-blood-donation"]["title"]
    assert text.index("Humanitarian Diplomacy") < text.index("Tadateru Konoé") < text.index(
        first_title)
    assert "Downloaded: times" in text
    assert re.search(r"Published: 2014-10-20 \\ Reads: 6 \\ <a class=\"more\" href=\"[^\"]+\">"
                     r"more</a>", text)
    russian = SITE.lookup("/ru/").body.decode()
    assert re.search(r"Опубликовано: 2014-10-17 \\ Прочитано: 25 \\ <a [^>]+>подробнее</a>",
                     russian)


@pytest.mark.parametrize("edition", ["en", "ru"])
def test_every_edition_has_a_second_page_that_links_back(tmp_path, edition):
    spider = make_spider(RedcrescentAzSpider, tmp_path)
    page2 = f"{ROOT}/{edition}/?page=2"
    output = callback_output(spider, response_for(SITE, page2), spider.parse_listing)
    urls = [request.url for request in output]
    assert any("/news/" in url for url in urls)
    assert f"{ROOT}/{edition}/" in urls
    assert f"{ROOT}/{edition}/?page=3" not in urls


def test_listing_older_than_since_stops_pagination(tmp_path):
    spider = make_spider(RedcrescentAzSpider, tmp_path, CRESCENT_SINCE="2014-12-01")
    output = callback_output(spider, response_for(SITE, f"{ROOT}/en/"), spider.parse_listing)
    assert not any("?page=" in request.url for request in output)
    assert spider.stats.get_value("crescent/listing_stopped_since") == 1


def test_seed_article_is_extracted_without_noise(tmp_path):
    spider = make_spider(RedcrescentAzSpider, tmp_path)
    item = article_item(spider, SEED_URL)
    assert item["title"] == ("The staff and volunteers of Terter local branch of the Az.RCS "
                             "participated in “Blood donation” action.")
    assert item["published"] == "2014-10-20"
    assert item["date_source"] == "text"
    assert item["language"] == "en"
    assert item["text"].startswith("The staff and volunteers of Terter local branch of the "
                                   "Azerbaijan Red Crescent Society actively participated")
    assert item["text"] == body_text("terter-blood-donation")
    assert_clean(item, "en")


def test_president_column_keeps_its_author_out_of_the_text(tmp_path):
    spider = make_spider(RedcrescentAzSpider, tmp_path)
    item = article_item(spider, EXPECTED["president-column-donorship"].url)
    assert item["title"] == "Donorship traditions must be developed without fail"
    assert item["published"] == "2014-10-10"
    assert item["authors"] == ["Novruzali Aslanov"]
    assert "Novruzali Aslanov" not in item["text"]
    assert_clean(item, "en")


def test_russian_article_with_russian_labels(tmp_path):
    spider = make_spider(RedcrescentAzSpider, tmp_path)
    item = article_item(spider, EXPECTED["ru-restoring-family-links"].url)
    assert item["title"] == "Общество продолжает работу по восстановлению семейных связей"
    assert item["published"] == "2014-10-17"
    assert item["date_source"] == "text"
    assert item["language"] == "ru"
    assert item["text"] == body_text("ru-restoring-family-links")
    assert_clean(item, "ru")


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_every_expected_article_extracts_as_published(tmp_path, key):
    expected = EXPECTED[key]
    spider = make_spider(RedcrescentAzSpider, tmp_path)
    item = article_item(spider, expected.url)
    assert (item["title"], item["published"], item["language"]) == (
        expected.title, expected.published, expected.language)
    assert item["text"] == body_text(key)
    assert_clean(item, expected.language)


def test_azerbaijani_news_in_the_english_edition_is_rejected(tmp_path):
    [excluded] = SITE.excluded
    assert excluded.url == AZ_URL
    assert 'lang="en"' in SITE.lookup("/en/").body.decode()
    page = response_for(SITE, AZ_URL)
    assert '<html lang="en">' in page.text  # the page says English; its text is not
    spider = make_spider(RedcrescentAzSpider, tmp_path)
    assert callback_output(spider, page, spider.parse_article) == []
    assert spider.stats.get_value("crescent/rejected/language") == 1
    assert spider.stats.get_value("crescent/rejected_language/az") == 1
    assert not spider.stats.get_value("crescent/articles/en")


def test_article_already_archived_is_not_requested(tmp_path):
    from archive.store import ArchiveStore

    spider = make_spider(RedcrescentAzSpider, tmp_path)
    item = article_item(spider, SEED_URL)
    ArchiveStore(tmp_path / "archive").save(item.record())
    spider = make_spider(RedcrescentAzSpider, tmp_path)
    assert spider.article_request(SEED_URL + "?utm_source=x") is None
    output = callback_output(spider, response_for(SITE, f"{ROOT}/en/"), spider.parse_listing)
    assert SEED_URL not in [request.url for request in output]
