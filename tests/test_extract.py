"""crawler.extract: articles and rejections on pages written for each rule."""

from datetime import UTC, datetime

import pytest

from crawler.extract import (
    Article,
    Rejection,
    SourceHints,
    clean_title,
    decode_html,
    detect_language,
    extract,
    parse_date_text,
)

NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
RU_BODY = (
    "Национальное общество Красного Полумесяца Туркменистана провело в Ашхабаде семинар "
    "по оказанию первой помощи для волонтеров из всех велаятов страны. Участники изучили "
    "правила сердечно-легочной реанимации, остановки кровотечений и помощи при ожогах. "
    "Председатель общества Марал Ачилова отметила, что подготовка добровольцев остается "
    "главным приоритетом организации, а новые навыки помогут спасать жизни в общинах. "
)
EN_BODY = (
    "Volunteers of the Azerbaijan Red Crescent Society took part in a blood donation action "
    "organised in Terter region. More than forty people gave blood during the day, and the "
    "branch staff explained to visitors why regular voluntary donation matters for hospitals "
    "and patients. The society plans to repeat the action every quarter with local partners. "
)


def page(body: str, *, title: str = "Заголовок статьи", head: str = "", lang: str = "ru") -> str:
    return (f'<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>{head}'
            f"</head><body><nav><a href='/'>Главная</a></nav><article><h1>{title}</h1>"
            f"{body}</article><footer>© 2025</footer></body></html>")


def paragraphs(text: str, times: int = 2) -> str:
    return "".join(f"<p>{text}</p>" for _ in range(times))


META_DATE = '<meta property="article:published_time" content="2025-09-05T00:16:00+05:00">'


def test_article_from_metadata_keeps_local_day():
    result = extract(page(paragraphs(RU_BODY), head=META_DATE), "https://example.org/ru/a/1",
                     now=NOW)
    assert isinstance(result, Article)
    assert result.published == "2025-09-05"  # 00:16 at GMT+5 is still the 5th locally
    assert result.language == "ru"
    assert result.language_confidence > 0.9
    assert "Марал Ачилова" in result.text


def test_source_date_selector_reads_day_first_numbers():
    body = '<span class="tarih">05.04.2025 - Güncelleme : 06.04.2025</span>' + paragraphs(RU_BODY)
    hints = SourceHints(date_selectors=("span.tarih",))
    result = extract(page(body), "https://example.org/x", hints, now=NOW)
    assert isinstance(result, Article)
    assert (result.published, result.date_source) == ("2025-04-05", "text")


@pytest.mark.parametrize(("text", "languages", "expected"), [
    ("19.11.2025", ("tr",), "2025-11-19"),
    ("05.04.2025", ("tr",), "2025-04-05"),
    ("5 сентября 2025, 14:17", ("ru",), "2025-09-05"),
    ("19 Kasım 2025", ("tr",), "2025-11-19"),
    ("Published: 2014-10-20 \\ Reads: 6", ("en",), "2014-10-20"),
    ("News release 18 August 2022 Azerbaijan", ("en",), "2022-08-18"),
])
def test_parse_date_text(text, languages, expected):
    day = parse_date_text(text, SourceHints(languages=languages), NOW)
    assert day is not None and day.isoformat() == expected


def test_url_date_pattern_is_used_when_the_page_has_no_date():
    hints = SourceHints(url_date_pattern=r"/\d+-(?P<d>\d{2})-(?P<m>\d{2})-(?P<y>\d{4})-")
    result = extract(page(paragraphs(EN_BODY), title="Blood donation", lang="en"),
                     "https://tgymj.gov.tm/en/9-news/1367-09-02-2024-en", hints, now=NOW)
    assert isinstance(result, Article)
    assert (result.published, result.date_source) == ("2024-02-09", "url")


def test_future_dates_are_not_accepted():
    head = '<meta property="article:published_time" content="2031-01-01T10:00:00Z">'
    result = extract(page(paragraphs(EN_BODY), head=head, lang="en"), "https://e.org/a", now=NOW)
    assert result == Rejection("no-date")


@pytest.mark.parametrize(("html", "reason"), [
    ("", "empty"),
    ("   \n ", "empty"),
    (page("<p>Контакты: Ашхабад, улица Азади 48, телефон 12 34 56.</p>", head=META_DATE),
     "too-short"),
    (page(paragraphs(RU_BODY)), "no-date"),
])
def test_rejections_have_reasons(html, reason):
    result = extract(html, "https://example.org/page", now=NOW)
    assert isinstance(result, Rejection)
    assert result.reason == reason


def test_azerbaijani_page_declared_english_is_rejected_as_az():
    az = ("Azərbaycan Qızıl Aypara Cəmiyyətinin Gəncə filialının könüllüləri şəhər məktəblərində "
          "ilk yardım təlimləri keçirdilər. Təlimlərdə şagirdlərə qanaxmanın dayandırılması, "
          "yanıqlar zamanı ilk yardım və xəsarət alan şəxsin təhlükəsiz yerə köçürülməsi "
          "qaydaları öyrədildi. Filial rəhbəri bildirdi ki, belə məşğələlər mütəmadi olaraq "
          "davam etdiriləcək və daha çox gənc könüllü cəlb olunacaq. ")
    html = page(paragraphs(az), title="Gəncədə ilk yardım təlimi", head=META_DATE, lang="en")
    result = extract(html, "https://www.redcrescent.az/en/news/1.html", now=NOW)
    assert result == Rejection("language", "az")
    hints = SourceHints(accept_languages=frozenset({"az"}))
    accepted = extract(html, "https://www.redcrescent.az/en/news/1.html", hints, now=NOW)
    assert isinstance(accepted, Article) and accepted.language == "az"
    assert accepted.declared_language == "en"


def test_windows_1251_bytes_decode_from_the_meta_charset():
    html = page(paragraphs(RU_BODY), head=META_DATE).replace('charset="utf-8"',
                                                            'charset="windows-1251"')
    body = html.encode("cp1251")
    result = extract(body, "https://turkmenportal.com/ru/news/1-x", now=NOW)
    assert isinstance(result, Article)
    assert "Красного Полумесяца" in result.text
    assert decode_html(body, "windows-1251") == html


def test_boilerplate_lines_never_reach_the_text():
    noise = ("<p>Your IP: 10.0.0.1</p><p>This Month</p><p>Leave a Reply</p>"
             "<p>Published: 2014-10-20 \\ Reads: 6 \\ more</p>")
    result = extract(page(paragraphs(EN_BODY) + noise, title="Blood donation", head=META_DATE,
                          lang="en"), "https://example.org/a", now=NOW)
    assert isinstance(result, Article)
    for line in ("Your IP", "This Month", "Leave a Reply", "Reads:"):
        assert line not in result.text


def test_remove_selectors_drop_noise_blocks():
    ticker = "Dolar 42,35 Euro 48,91 " * 20
    body = paragraphs(EN_BODY) + f'<div class="ticker"><p>{ticker}</p></div>'
    hints = SourceHints(remove_selectors=(".ticker",))
    html = page(body, title="Blood donation", head=META_DATE, lang="en")
    assert "Dolar" not in extract(html, "https://e.org/a", hints, now=NOW).text


def test_clean_title_strips_site_suffix_and_quotes():
    hints = SourceHints(site_names=("Anadolu Ajansı",))
    assert clean_title("«Kızılay toplantısı» | Anadolu Ajansı", hints, None) == "Kızılay toplantısı"
    assert clean_title("Новости - Туркменпортал", SourceHints(), "Туркменпортал") == "Новости"


@pytest.mark.parametrize(("text", "expected"), [
    ("Türk Kızılay, depremden etkilenen bölgelere yardım ulaştırmaya devam ediyor.", "tr"),
    ("Международный комитет Красного Креста провел семинар по гуманитарному праву.", "ru"),
    ("The ICRC continues to support families of missing persons in the region.", "en"),
    ("Azərbaycan Qızıl Aypara Cəmiyyəti könüllüləri qan donorluğu aksiyasında iştirak etdilər.",
     "az"),
    ("Товариство Червоного Хреста України продовжує допомагати постраждалим людям.", "uk"),
])
def test_detect_language_keeps_neighbours_apart(text, expected):
    assert detect_language(text)[0] == expected


def test_trafilatura_parser_gives_lxml_html_element_classes():
    """The C lookup crescent sets on trafilatura's parser gives lxml.html's own classes."""
    from lxml import html as lxml_html
    from trafilatura.utils import HTML_PARSER

    markup = ("<html><head><title>t</title></head><body><form><label>n</label><input name=a>"
              "<select><option>1</option></select><textarea>x</textarea></form>"
              "<p>a &amp; <b>b</b></p><fb:like></fb:like></body></html>")
    reference = lxml_html.HTMLParser(collect_ids=False, default_doctype=False,
                                     remove_comments=True, remove_pis=True)
    ours = [type(e) for e in lxml_html.fromstring(markup, parser=HTML_PARSER).iter()]
    theirs = [type(e) for e in lxml_html.fromstring(markup, parser=reference).iter()]
    assert ours == theirs
    assert lxml_html.InputElement in ours and lxml_html.FormElement in ours


def test_document_order_is_read_along_the_ancestors():
    from itertools import product

    from lxml import html as lxml_html

    from crawler.extract import _comes_before

    tree = lxml_html.fromstring("<html><body><div><h1>a</h1><p>b<i>c</i></p></div><section>"
                                "<p>d</p><ul><li>e</li><li>f</li></ul></section></body></html>")
    order = list(tree.iter())
    for first, second in product(order, repeat=2):
        assert _comes_before(first, second) == (order.index(first) < order.index(second))
    dropped = tree.find(".//section")
    dropped.drop_tree()
    assert not _comes_before(tree.find(".//h1"), dropped.find(".//li"))
