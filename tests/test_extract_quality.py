"""Rules found on pages crescent was never tuned on (issue 17), tested on the replica sites' texts.

The replica content (crawler/demo/content, written from the seeds) gives Turkish, Russian and
Ukrainian-neighbour articles with their local publication times; the pages around them are
written here. No evaluation page is copied.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.extract import (
    ALL_LANGUAGES,
    Article,
    SourceHints,
    analyse,
    drop_control_references,
    extract,
)

NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
CONTENT = Path(__file__).resolve().parent.parent / "crawler" / "demo" / "content"


def replica(source: str, key: str) -> dict:
    articles = json.loads((CONTENT / f"{source}.json").read_text("utf-8"))["articles"]
    return next(article for article in articles if article["key"] == key)


def body_of(article: dict) -> list[str]:
    body = article["body"]
    return json.loads(body) if isinstance(body, str) else list(body)


def page(article: dict, *, title: str | None = None, head: str = "", date_line: str = "",
         after: str = "", h1: str | None = None) -> str:
    paragraphs = "".join(f"<p>{text}</p>" for text in body_of(article))
    return (f'<html lang="{article["lang"]}"><head><meta charset="utf-8">'
            f"<title>{title or article['title']}</title>{head}</head><body>"
            f"<nav><a href='/'>Home</a></nav><article><header>"
            f"<h1>{h1 or article['title']}</h1><div class='meta'>{date_line}</div></header>"
            f"{paragraphs}{after}</article><footer>© 2025</footer></body></html>")


def json_ld(**fields: str) -> str:
    data = {"@context": "https://schema.org", "@type": "NewsArticle", **fields}
    return f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'


def run(html: str, url: str = "https://news.example/world/a-1",
        hints: SourceHints | None = None) -> Article:
    result = extract(html, url, hints or SourceHints(accept_languages=ALL_LANGUAGES), now=NOW)
    assert isinstance(result, Article), result
    return result


# -- control characters written as references ---------------------------------------------------

FORBIDDEN = [*(c for c in range(32) if c not in (9, 10, 13)), 0xFFFE, 0xFFFF]


@pytest.mark.parametrize("code", FORBIDDEN, ids=lambda c: f"U+{c:04X}")
@pytest.mark.parametrize("form", ["&#{:d};", "&#x{:x};", "&#X{:02X};", "&#x{:04x}", "&#{:03d};"])
def test_a_reference_to_a_control_character_does_not_lose_the_article(code, form):
    article = replica("turkmenportal", "tp-cold-snap-jan")
    first, *rest = body_of(article)
    words = first.split()
    pasted = {**article, "body": [" ".join([*words[:5], form.format(code) + words[5],
                                            *words[6:]]), *rest]}
    head = json_ld(datePublished="2025-01-15T00:16:00+05:00")
    result = run(page(pasted, head=head))
    assert result.language == "ru"
    assert " ".join(words[:8]) in result.text.replace("\n", " ")
    assert not any(chr(c) in result.text for c in FORBIDDEN)


def test_references_to_ordinary_characters_are_kept():
    text = "a&#9;b &#10; &#x41; &#1058; &#x2014; &#xA0; &amp; &#128512;"
    assert drop_control_references(text) == text
    assert drop_control_references("x&#x0b;y&#8;z&#x1B;w&#65535;") == "xyzw"


# -- the headline the reader sees ---------------------------------------------------------------

def test_visible_headline_in_the_article_beats_a_placeholder_title():
    article = replica("anadolu", "tr-kizilay-gazze-ateskes-yardim")
    head = (json_ld(headline="escenic", datePublished="2025-01-21T11:42:00+03:00")
            + '<meta property="og:title" content="Haber">')
    result = run(page(article, title="Haber", head=head))
    assert result.title == article["title"]


def test_visible_headline_beats_a_different_seo_title_in_russian():
    article = replica("turkmenportal", "tp-cold-snap-jan")
    seo = "Погода в Туркменистане на неделю: прогноз синоптиков"
    head = json_ld(datePublished="2025-01-15T00:16:00+05:00")
    assert run(page(article, title=seo, head=head)).title == article["title"]


@pytest.mark.parametrize("h1_template", ["Dünya | {title}", "{title}"])
def test_a_label_or_a_site_name_around_the_same_headline_keeps_the_title(h1_template):
    article = replica("anadolu", "tr-kizilay-gazze-ateskes-yardim")
    head = (json_ld(datePublished="2025-01-21T11:42:00+03:00")
            + f'<meta property="og:title" content="{article["title"]} - Anadolu Ajansı">')
    html = page(article, title=f"{article['title']} | Anadolu Ajansı", head=head,
                h1=h1_template.format(title=article["title"]))
    assert run(html).title == article["title"]


def test_an_h1_outside_the_article_does_not_replace_the_title():
    article = replica("anadolu", "tr-kizilay-gazze-ateskes-yardim")
    head = (json_ld(datePublished="2025-01-21T11:42:00+03:00")
            + f'<meta property="og:title" content="{article["title"]}">')
    html = page(article, head=head).replace(
        "<nav>", "<nav><h1>Anadolu Ajansı Haber Merkezi</h1>", 1).replace(
        f"<h1>{article['title']}</h1>", f"<h2>{article['title']}</h2>", 1)
    assert run(html).title == article["title"]


# -- the local day: the time the page shows decides it ------------------------------------------

LOCAL_DAY = [
    # (source, key, date line as the page shows it, UTC stamp in JSON-LD, local day)
    ("turkmenportal", "tp-cold-snap-jan", "15 января 2025, 00:16", "2025-01-14T19:16:00Z",
     "2025-01-15"),
    ("turkmenportal", "tp-march8-red-crescent", "07.03.2025 00:07", "2025-03-06T19:07:41Z",
     "2025-03-07"),
    ("anadolu", "tr-kizilay-gazze-ateskes-yardim", "21 Ocak 2025 00:42",
     "2025-01-20T21:42:10Z", "2025-01-21"),
    ("anadolu", "tr-kizilay-gazze-ateskes-yardim", "8 Kasım 2023 23:30",
     "2023-11-09T05:30:59Z", "2023-11-08"),
    ("anadolu", "tr-kizilay-gazze-ateskes-yardim", "November 8, 2023 11:30 pm",
     "2023-11-09T05:30:59Z", "2023-11-08"),
    ("turkmenportal", "tp-cold-snap-jan", "15.01.2025 | 00:16 (GMT+5)", "2025-01-14T19:16:00Z",
     "2025-01-15"),
]


@pytest.mark.parametrize(("source", "key", "shown", "stamp", "day"), LOCAL_DAY)
def test_the_local_time_shown_on_the_page_decides_the_day(source, key, shown, stamp, day):
    article = replica(source, key)
    result = run(page(article, head=json_ld(datePublished=stamp), date_line=shown))
    assert (result.published, result.date_source) == (day, "json-ld")


def test_a_written_offset_decides_even_a_time_shown_far_from_the_utc_one():
    article = replica("turkmenportal", "tp-cold-snap-jan")
    html = page(article, head=json_ld(datePublished="2025-01-14T20:00:00Z"),
                date_line="15.01.2025 01:00 GMT+05:00")
    assert run(html).published == "2025-01-15"


@pytest.mark.parametrize("shown", ["", "14.01.2025", "14.01.2025 17:43", "Обновлено в 22:00"])
def test_without_a_matching_local_time_the_utc_day_stays(shown):
    article = replica("turkmenportal", "tp-cold-snap-jan")
    html = page(article, head=json_ld(datePublished="2025-01-14T19:16:00Z"), date_line=shown)
    assert run(html).published == "2025-01-14"


def test_a_declared_timezone_still_wins_over_the_page():
    article = replica("turkmenportal", "tp-cold-snap-jan")
    html = page(article, head=json_ld(datePublished="2025-01-14T19:16:00Z"),
                date_line="14.01.2025 22:16")
    assert run(html, hints=SourceHints(accept_languages=ALL_LANGUAGES,
                                       timezone="Asia/Ashgabat")).published == "2025-01-15"


# -- Ukrainian pages ----------------------------------------------------------------------------

UK_PARAGRAPHS = [
    "Волонтери Товариства Червоного Хреста України продовжують допомагати родинам, які "
    "постраждали від повені на заході країни. За тиждень вони роздали продукти, питну воду та "
    "засоби гігієни у дванадцяти громадах.",
    "Керівник обласної організації повідомив, що мобільні бригади першої допомоги працюватимуть "
    "у селах доти, доки вода не спаде і дороги знову не відкриють. Навчання з першої допомоги "
    "для вчителів відбудеться у школах наступного місяця.",
]
UK_ARTICLE = {"lang": "uk", "title": "Волонтери Червоного Хреста допомагають родинам після повені",
              "body": UK_PARAGRAPHS}


@pytest.mark.parametrize("declared", ["uk", "ru", ""])
def test_a_ukrainian_page_is_ukrainian_whatever_it_declares(declared):
    html = page({**UK_ARTICLE, "lang": declared}, date_line="5 вересня 2025, 10:30")
    result = run(html)
    assert (result.language, result.published) == ("uk", "2025-09-05")


def test_a_ukrainian_page_is_not_archived_by_a_tr_ru_en_archive():
    html = page({**UK_ARTICLE, "lang": "ru"}, date_line="5 вересня 2025, 10:30")
    found = analyse(html, "https://news.example/ru/a-1", SourceHints(min_words=20), now=NOW)
    assert found.language == "uk"
    assert found.rejection is not None and found.rejection.reason == "language"


@pytest.mark.parametrize("key", ["tp-cold-snap-jan", "tp-new-park", "tp-first-aid-day"])
def test_russian_replica_pages_declared_ukrainian_stay_russian(key):
    article = replica("turkmenportal", key)
    html = page({**article, "lang": "uk"},
                head=json_ld(datePublished=f"{article['date']}T{article['time']}:00+05:00"))
    assert run(html).language == "ru"


# -- captions and lists of other articles -------------------------------------------------------

def cards(titles: list[str]) -> str:
    items = "".join(
        f'<li><a class="thumb" href="/news/{n}"><img src="/i/{n}.jpg" alt=""></a>'
        f'<h3><a href="/news/{n}">{title}</a></h3><h4>Daha fazlası için tıklayın, {n}</h4></li>'
        for n, title in enumerate(titles))
    return f'<ul class="latest">{items}</ul>'


def test_a_list_of_other_articles_headlines_is_not_article_text():
    article = replica("anadolu", "tr-kizilay-gazze-ateskes-yardim")
    others = [a["title"] for a in json.loads((CONTENT / "anadolu.json").read_text("utf-8"))
              ["articles"][1:5]]
    html = page(article, head=json_ld(datePublished="2025-01-21T11:42:00+03:00"),
                after=cards(others[:2]) + cards(others[2:]))
    text = run(html, url="https://news.example/news/gazze").text
    assert body_of(article)[0][:60] in text
    assert not any(title in text for title in others)


def test_a_list_inside_the_article_without_headline_links_stays():
    article = replica("anadolu", "tr-kizilay-gazze-ateskes-yardim")
    items = ["Gıda kolisi ve battaniye taşıyan on beş tır", "Çadır ve hijyen malzemesi taşıyan "
             "on tır", "Su arıtma cihazları taşıyan beş tır"]
    listing = "<ul>" + "".join(f"<li><h3>{item}</h3></li>" for item in items) + "</ul>"
    html = page(article, head=json_ld(datePublished="2025-01-21T11:42:00+03:00"),
                after=listing)
    text = run(html).text
    assert all(item in text for item in items)


def test_a_caption_with_a_credit_is_not_article_text():
    article = replica("anadolu", "tr-kizilay-gazze-ateskes-yardim")
    caption, credit = article["photo_caption"].rsplit(" Fotoğraf: ", 1)
    figure = (f'<div class="photo"><img src="/i/1.jpg"><p class="summary">{caption} '
              f'<span class="credit photo-credit">Fotoğraf: {credit}</span></p></div>')
    html = page(article, head=json_ld(datePublished="2025-01-21T11:42:00+03:00")).replace(
        "</header>", "</header>" + figure, 1)
    text = run(html).text
    assert caption not in text and credit not in text
    assert body_of(article)[0][:60] in text
