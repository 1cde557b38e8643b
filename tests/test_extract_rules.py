"""Extraction rules one by one: dates and their sources, neighbours, encodings, titles, noise.

Every page and text here is written for the test; none is copied from a real site.
"""

import json
from datetime import UTC, datetime

import pytest

from crawler.dates import parse_timestamp, relative_day, zone
from crawler.encoding import decode_html, suspicion
from crawler.extract import (
    Article,
    FoundDate,
    Rejection,
    SourceHints,
    analyse,
    choose_title,
    clean_text,
    clean_title,
    extract,
    parse_date_text,
    split_authors,
)
from crawler.language import choose_language, identify

NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
EN_BODY = (
    "Volunteers of the national society delivered food parcels and blankets to families whose "
    "homes were flooded in the river valley last week. The branch coordinator said that more "
    "than two hundred households received help and that mobile first-aid teams will keep "
    "visiting the villages until the water recedes and the roads are open again. "
)
RU_BODY = (
    "Добровольцы национального общества доставили продуктовые наборы и одеяла семьям, чьи дома "
    "были затоплены в долине реки на прошлой неделе. Координатор отделения сообщил, что помощь "
    "получили более двухсот семей, а мобильные бригады первой помощи будут посещать сёла, пока "
    "вода не спадёт и дороги не откроются. "
)
TR_BODY = (
    "Ulusal derneğin gönüllüleri geçen hafta nehir vadisinde evleri sular altında kalan ailelere "
    "gıda kolisi ve battaniye ulaştırdı. Şube koordinatörü, iki yüzden fazla haneye yardım "
    "edildiğini ve sular çekilip yollar yeniden açılana kadar gezici ilk yardım ekiplerinin "
    "köyleri ziyaret etmeyi sürdüreceğini söyledi. "
)


def page(body: str, *, title: str = "Flood relief reaches the valley", head: str = "",
         lang: str = "en", charset: str = "utf-8", header: str = "") -> str:
    return (f'<html lang="{lang}"><head><meta charset="{charset}"><title>{title}</title>{head}'
            f"</head><body><nav><a href='/'>Home</a></nav><article><header>{header}"
            f"<h1>{title}</h1></header>{body}</article><footer>© 2025</footer></body></html>")


def paragraphs(text: str, times: int = 2) -> str:
    return "".join(f"<p>{text}</p>" for _ in range(times))


def run(html: str | bytes, url: str = "https://news.example/world/flood-relief",
        hints: SourceHints | None = None, **kwargs) -> Article:
    result = extract(html, url, hints or SourceHints(), now=NOW, **kwargs)
    assert isinstance(result, Article), result
    return result


# -- dates as written -------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("19.11.2025", "2025-11-19"),
    ("05.04.2025", "2025-04-05"),
    ("05.04.2025 - Güncelleme : 06.04.2025", "2025-04-05"),
    ("04/05/2025", "2025-05-04"),
    ("2025-11-07 15:03:30", "2025-11-07"),
    ("Written: 2023.11.07", "2023-11-07"),
])
def test_numeric_dates_are_day_first(text, expected):
    assert str(parse_date_text(text, SourceHints(), NOW)) == expected


def test_dotted_dates_stay_day_first_even_for_a_month_first_source():
    us = SourceHints(date_order="MDY")
    assert str(parse_date_text("05.04.2025", us, NOW)) == "2025-04-05"
    assert str(parse_date_text("04/05/2025", us, NOW)) == "2025-04-05"
    assert str(parse_date_text("13/05/2025", us, NOW)) == "2025-05-13"  # only one reading


@pytest.mark.parametrize(("text", "expected"), [
    ("5 сентября 2025, 14:17", "2025-09-05"),
    ("Сентябрь 5, 2025", "2025-09-05"),
    ("5 сент. 2025", "2025-09-05"),
    ("1 мая 2024", "2024-05-01"),
    ("15 марта 2024 года", "2024-03-15"),
    ("3 июня 2024", "2024-06-03"),
    ("28 февраля 2024", "2024-02-28"),
    ("21 вересня 2020", "2020-09-21"),
    ("19 Kasım 2025", "2025-11-19"),
    ("19 KASIM 2025", "2025-11-19"),
    ("1 NİSAN 2024", "2024-04-01"),
    ("3 Mart 2024 Pazar", "2024-03-03"),
    ("14 Şubat 2024", "2024-02-14"),
    ("30 Ağustos 2024", "2024-08-30"),
    ("12 Eylül 2024", "2024-09-12"),
    ("August 18, 2022", "2022-08-18"),
    ("News release 18 August 2022 Azerbaijan", "2022-08-18"),
    ("Sept. 5, 2025", "2025-09-05"),
    ("5th of May 2025", "2025-05-05"),
    ("13 Oct 2020 18:29", "2020-10-13"),
    ("5 sentýabr 2025", "2025-09-05"),
    ("12 noyabr 2024", "2024-11-12"),
])
def test_month_names_in_their_forms(text, expected):
    assert str(parse_date_text(text, SourceHints(), NOW)) == expected


@pytest.mark.parametrize("text", ["сент. 2025", "Сентябрь 2025", "Mart 2024", "© 2025",
                                  "12.03.1985", "01.01.2031"])
def test_no_day_or_implausible_day_is_no_date(text):
    assert parse_date_text(text, SourceHints(), NOW) is None


@pytest.mark.parametrize(("text", "expected"), [
    ("2 часа назад", "2026-01-10"),
    ("26 часов назад", "2026-01-09"),
    ("час назад", "2026-01-10"),
    ("3 дня назад", "2026-01-07"),
    ("вчера, 14:20", "2026-01-09"),
    ("3 saat önce", "2026-01-10"),
    ("3 gün önce", "2026-01-07"),
    ("Dün 10:00", "2026-01-09"),
    ("5 minutes ago", "2026-01-10"),
    ("an hour ago", "2026-01-10"),
    ("2 days ago", "2026-01-08"),
    ("yesterday", "2026-01-09"),
    ("2 години тому", "2026-01-10"),
])
def test_relative_dates_count_back_from_the_fetch(text, expected):
    assert str(parse_date_text(text, SourceHints(), NOW)) == expected


def test_relative_dates_use_the_site_clock():
    late = datetime(2026, 1, 10, 22, 0, tzinfo=UTC)  # 03:00 on the 11th in Ashgabat
    assert str(relative_day("2 часа назад", late, zone("Asia/Ashgabat"))) == "2026-01-11"
    assert str(relative_day("2 часа назад", late)) == "2026-01-10"


@pytest.mark.parametrize(("stamp", "zone_name", "expected"), [
    ("2025-09-05T00:16:00+05:00", None, "2025-09-05"),  # the day as written at its offset
    ("2025-09-04T21:16:00Z", "Europe/Moscow", "2025-09-05"),  # 00:16 in Moscow
    ("2025-09-04T21:16:00Z", None, "2025-09-04"),
    ("2025-09-04T21:16:00+00:00", "Asia/Ashgabat", "2025-09-05"),
    ("20250905", None, "2025-09-05"),
    ("Fri, 05 Sep 2025 00:16:00 +0300", None, "2025-09-05"),
])
def test_timestamps_keep_the_local_day(stamp, zone_name, expected):
    assert str(parse_timestamp(stamp, zone(zone_name))) == expected


# -- where the date came from -------------------------------------------------------------------

JSON_LD = ('<script type="application/ld+json">{"@context": "https://schema.org", "@type": '
           '"NewsArticle", "headline": "Flood relief reaches the valley", '
           '"datePublished": "2025-03-02T08:00:00+03:00", '
           '"dateModified": "2025-03-04T10:00:00+03:00"}</script>')
META = '<meta property="article:published_time" content="2025-03-03T09:00:00+03:00">'


def test_json_ld_date_is_recorded_with_its_source_and_raw_string():
    article = run(page(paragraphs(EN_BODY), head=JSON_LD + META))
    assert (article.published, article.date_source, article.date_raw) == (
        "2025-03-02", "json-ld", "2025-03-02T08:00:00+03:00")


def test_meta_date_when_there_is_no_json_ld():
    article = run(page(paragraphs(EN_BODY), head=META))
    assert (article.published, article.date_source) == ("2025-03-03", "meta")
    assert article.date_raw == "2025-03-03T09:00:00+03:00"


def test_time_element_in_the_article_header_beats_a_date_in_the_url():
    header = '<time datetime="2024-02-09T23:30:00+05:00">9 February</time>'
    article = run(page(paragraphs(EN_BODY), header=header),
                  "https://news.example/2024/02/01/flood-relief")
    assert (article.published, article.date_source) == ("2024-02-09", "time-element")


def test_date_line_after_the_headline_beats_dates_elsewhere_on_the_page():
    sidebar = '<aside><p class="date">2023-11-03</p><p>Other story</p></aside>'
    html = (f"<html><head><title>Cold wave alert</title></head><body>{sidebar}"
            "<div><h1 class='logo'>NEWS WORLD</h1></div><div><h1>Cold wave alert</h1>"
            "<p class='info'>Written: 2023-11-07 15:03 / Updated: 2023-11-07 15:30</p>"
            f"{paragraphs(EN_BODY)}</div></body></html>")
    article = run(html)
    assert (article.published, article.date_source, article.date_raw) == (
        "2023-11-07", "text", "2023-11-07")


def test_url_date_when_the_page_has_none():
    article = run(page(paragraphs(EN_BODY)), "https://news.example/2024/02/09/flood-relief/")
    assert (article.published, article.date_source) == ("2024-02-09", "url")


def test_feed_date_is_used_when_the_page_has_none():
    listed = FoundDate(datetime(2024, 5, 6).date(), "feed", "Mon, 06 May 2024 10:00:00 +0300")
    article = run(page(paragraphs(EN_BODY)), listed=listed)
    assert (article.published, article.date_source) == ("2024-05-06", "feed")


def test_utc_timestamp_moves_to_the_offset_the_page_uses_elsewhere():
    head = ('<meta property="article:published_time" content="2025-09-04T21:16:00Z">'
            '<meta property="article:modified_time" content="2025-09-05T10:00:00+03:00">')
    assert run(page(paragraphs(EN_BODY), head=head)).published == "2025-09-04"  # modified: no
    hints = SourceHints(timezone="Europe/Moscow")
    assert run(page(paragraphs(EN_BODY), head=head), hints=hints).published == "2025-09-05"


@pytest.mark.parametrize("stamp", ["2031-01-01T10:00:00Z", "1989-12-31T10:00:00Z"])
def test_future_and_pre_1990_dates_are_rejected(stamp):
    head = f'<meta property="article:published_time" content="{stamp}">'
    result = extract(page(paragraphs(EN_BODY), head=head), "https://e.example/a", now=NOW)
    assert result == Rejection("no-date")


# -- language ------------------------------------------------------------------------------------

NEIGHBOURS = {
    "az": ("Azərbaycan Qızıl Aypara Cəmiyyəti könüllüləri yardım payladı.",
           "Azərbaycan Qızıl Aypara Cəmiyyətinin könüllüləri Şəki rayonunda daşqından zərər çəkən "
           "ailələrə ərzaq və geyim payladılar. Cəmiyyətin rəhbəri bildirdi ki, bu iş gələn "
           "həftələrdə də davam edəcək. Bu il könüllülər məktəblərdə ilk tibbi yardım üzrə "
           "dərslər keçiriblər."),
    "kk": ("Қазақстан Қызыл Жарты Ай қоғамы еріктілері көмек көрсетті.",
           "Қазақстан Қызыл Жарты Ай қоғамының еріктілері Алматы облысында су тасқынынан зардап "
           "шеккен отбасыларға азық-түлік пен киім таратты. Қоғам басшысы жұмыстың алдағы "
           "апталарда да жалғасатынын айтты. Биыл еріктілер мектептерде алғашқы медициналық "
           "көмек бойынша сабақтар өткізді."),
    "ky": ("Кыргызстандын Кызыл Жарым Ай коому жардам көрсөттү.",
           "Кыргызстандын Кызыл Жарым Ай коомунун ыктыярчылары Ош шаарында суу ташкынынан жабыр "
           "тарткан үй-бүлөлөргө азык-түлүк жана кийим таратышты. Коомдун төрагасы бул иш "
           "алдыдагы жумаларда да уланарын билдирди. Быйыл ыктыярчылар мектептерде биринчи "
           "жардам боюнча сабактарды өткөрүштү."),
    "uz": ("Oʻzbekiston Qizil Yarim Oy jamiyati koʻngillilari yordam berdi.",
           "Oʻzbekiston Qizil Yarim Oy jamiyati koʻngillilari Samarqand viloyatida suv "
           "toshqinidan jabrlangan oilalarga oziq-ovqat va kiyim-kechak tarqatdi. Jamiyat "
           "rahbari bu ish kelgusi haftalarda ham davom etishini aytdi. Bu yil koʻngillilar "
           "maktablarda birinchi tibbiy yordam boʻyicha mashgʻulotlar oʻtkazdi."),
    "tk": ("Türkmenistanyň Gyzyl Ýarymaý jemgyýeti meýletinçilere okuw geçirdi.",
           "Türkmenistanyň Gyzyl Ýarymaý milli jemgyýetiniň meýletinçileri Daşoguz welaýatynda "
           "suw joşmasyndan ejir çeken maşgalalara azyk we egin-eşik paýladylar. Jemgyýetiň "
           "ýolbaşçysy bu işiň geljek hepdelerde hem dowam etjekdigini aýtdy. Şu ýyl "
           "meýletinçiler mekdeplerde ilkinji lukmançylyk kömegi boýunça sapaklary geçirdiler."),
    "uk": ("Товариство Червоного Хреста України допомагає людям.",
           "Товариство Червоного Хреста України продовжує допомагати родинам, які постраждали "
           "від повені на заході країни. Волонтери роздали продукти, воду та засоби гігієни у "
           "кількох громадах. Керівник осередку повідомив, що роботу буде продовжено наступного "
           "тижня, а навчання з першої допомоги відбудуться у школах."),
}


@pytest.mark.parametrize("code", sorted(NEIGHBOURS))
@pytest.mark.parametrize("length", ["short", "long"])
def test_neighbours_are_never_tr_or_ru(code, length):
    text = NEIGHBOURS[code][0 if length == "short" else 1]
    detected, confidence = identify(text)
    assert detected == code
    for declared in ("tr", "ru"):
        chosen = choose_language(detected, confidence, declared, ("tr", "ru", "en"),
                                 len(text.split()), text)
        assert chosen == code


@pytest.mark.parametrize("code", sorted(NEIGHBOURS))
def test_neighbour_page_declared_as_ours_is_rejected_with_its_language(code):
    long_text = NEIGHBOURS[code][1]
    declared = "ru" if code in ("kk", "ky", "uk") else "tr"
    html = page(paragraphs(long_text, 3), head=META, lang=declared, title=NEIGHBOURS[code][0])
    result = extract(html, f"https://news.example/{declared}/a/1", SourceHints(min_words=20),
                     now=NOW)
    assert result == Rejection("language", code)


def test_turkish_text_with_a_few_foreign_names_stays_turkish():
    names = "Toplantıya Bakü'den Əli Həsənov ve Aşgabat'tan Maýa Ataýewa katıldı. "
    text = TR_BODY + names + TR_BODY
    assert identify(text)[0] == "tr"


def test_language_of_the_body_wins_over_the_declared_one():
    article = run(page(paragraphs(RU_BODY), head=META, lang="en"))
    assert (article.language, article.declared_language) == ("ru", "en")
    assert article.language_confidence > 0.9


# -- encodings -----------------------------------------------------------------------------------

ENCODED = [
    ("ru", RU_BODY, "windows-1251", "windows-1254"),
    ("ru", RU_BODY, "koi8-r", "windows-1251"),
    ("tr", TR_BODY, "windows-1254", "windows-1251"),
    ("ru", RU_BODY, "utf-8", "windows-1251"),
    ("tr", TR_BODY, "utf-8", "windows-1254"),
]


@pytest.mark.parametrize(("lang", "body", "codec", "wrong"), ENCODED)
@pytest.mark.parametrize("declaration", ["right", "wrong", "none", "header-wrong"])
def test_pages_decode_whatever_they_declare(lang, body, codec, wrong, declaration):
    title = "Наводнение" if lang == "ru" else "Sel yardımı"
    charset = {"right": codec, "wrong": wrong, "none": "", "header-wrong": codec}[declaration]
    html = page(paragraphs(body), title=title, head=META, lang=lang, charset=charset)
    if declaration == "none":
        html = html.replace('<meta charset="">', "")
    raw = html.encode(codec)
    header = f"text/html; charset={wrong}" if declaration == "header-wrong" else None
    assert body.strip() in decode_html(raw, header)
    article = run(raw, encoding=header)
    assert body.split(".")[0] in article.text
    assert article.language == lang


def test_mojibake_is_recognised():
    assert suspicion(RU_BODY) == 0 and suspicion(TR_BODY) < 0.05
    assert suspicion(RU_BODY.encode("koi8-r").decode("cp1251")) > 0.2
    assert suspicion(RU_BODY.encode("cp1251").decode("cp1252")) > 0.2
    assert suspicion(TR_BODY.encode("cp1254").decode("cp1251")) > 0.2


# -- title, authors, text ----------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "site", "expected"), [
    ("Kızılay toplantısı | Anadolu Ajansı", None, "Kızılay toplantısı"),
    ("Встреча в Ашхабаде - Туркменпортал", "Туркменпортал", "Встреча в Ашхабаде"),
    ("Flood relief — News Example", "News Example", "Flood relief"),
    ("News Example | Flood relief", "News Example", "Flood relief"),
    ("«Гуманность и нейтралитет»", None, "Гуманность и нейтралитет"),
    ("\u201cWe will rebuild\u201d", None, "We will rebuild"),
    ("'Parasite' wins", None, "'Parasite' wins"),
])
def test_title_without_site_name_or_quotes(raw, site, expected):
    hints = SourceHints(site_names=("Anadolu Ajansı",))
    assert clean_title(raw, hints, site) == expected


def test_shortened_social_title_gives_way_to_the_full_headline():
    assert choose_title("Volunteers rebuild", "Volunteers rebuild the school. PHOTOS") == (
        "Volunteers rebuild the school. PHOTOS")
    assert choose_title("{{ meta.title('x') }}", "Volunteers rebuild") == "Volunteers rebuild"
    assert choose_title("Flood relief", "Other words") == "Flood relief"


@pytest.mark.parametrize(("raw", "expected"), [
    ("By Jane Smith and John Doe", ["Jane Smith", "John Doe"]),
    ("Автор: Иван Петров, фото: Анна Иванова", ["Иван Петров", "Анна Иванова"]),
    ("Ayşe Yılmaz ve Mehmet Kaya | 19.11.2025", ["Ayşe Yılmaz", "Mehmet Kaya"]),
    ("Jane Smith (jane@news.example) @janesmith", ["Jane Smith"]),
    ("Jane Smith; Staff Writer", ["Jane Smith"]),
    ("admin", []),
])
def test_authors_are_names_only(raw, expected):
    assert split_authors(raw) == expected


@pytest.mark.parametrize("line", [
    "Sign up for our daily newsletter",
    "Never miss the latest news by signing up to our newsletter today!",
    "Join our commenting forum",
    "Читайте также: Спасатели эвакуировали жителей",
    "Читайте також Волонтери відкрили пункт",
    "Haberin devamı",
    "(Credit: Jane Smith / News Example)",
    "Фото: пресс-служба",
    "Advertisement",
])
def test_calls_to_action_and_credits_never_reach_the_text(line):
    end = "The roads reopened on Friday."
    assert clean_text(f"{EN_BODY}\n{line}\n{end}") == f"{EN_BODY.strip()}\n{end}"


def test_named_noise_blocks_are_dropped_but_the_article_is_kept():
    noise = ('<div class="newsletter-promo"><p>Get our morning briefing by email every day '
             'and stay informed</p></div><section class="related-articles"><p>Rescuers find '
             'missing hikers in the mountains after a long search</p></section>')
    body = f'<div class="article-body comments-enabled">{paragraphs(EN_BODY)}{noise}</div>'
    article = run(page(body, head=META))
    assert "briefing" not in article.text and "hikers" not in article.text
    assert EN_BODY.split(".")[0] in article.text


def test_lead_from_the_header_is_kept():
    lead = ("Hundreds of families in the valley received food and blankets from volunteers as "
            "the water began to recede.")
    head = META + f'<meta name="description" content="{lead}">'
    header = f'<p class="standfirst-x">{lead}</p>'
    html = page(paragraphs(EN_BODY), head=head, header=header).replace(
        "<header>" + header + "<h1>Flood relief reaches the valley</h1></header>",
        "<header><h1>Flood relief reaches the valley</h1>" + header + "</header>")
    article = run(html)
    assert article.text.startswith(lead)


def test_json_ld_body_when_the_page_renders_its_text_by_script():
    body = " ".join([EN_BODY] * 4)
    ld = ('<script type="application/ld+json">' + '{"@type": "NewsArticle", "headline": '
          '"Flood relief reaches the valley", "datePublished": "2025-03-02", "articleBody": "'
          + body.replace('"', '\\"') + ' See the [map](https://news.example/map)."}</script>')
    html = page("<p>Loading the story…</p>", head=ld)
    article = run(html, hints=SourceHints(min_words=20))
    assert article.text.startswith(EN_BODY.split(".")[0]) and "See the map." in article.text


TEASER = "Mountain villages count the cost of the spring storms"


def script_rendered(body: str, state: str = "") -> str:
    """A page whose article exists only as JSON-LD articleBody, plus an optional app state."""
    ld = ('<script type="application/ld+json">' + json.dumps({
        "@type": "NewsArticle", "headline": "Flood relief reaches the valley",
        "datePublished": "2025-03-02", "articleBody": body}) + "</script>")
    return page("<p>Loading the story…</p>" + state, head=ld)


def test_related_teaser_in_a_script_state_is_cut_from_the_json_ld_body():
    # The body tree ships as JSON (htmlparser2's shape): the teaser is an h3 that is one link.
    link = {"type": "a", "attribs": {"href": "https://news.example/world/spring-storms"},
            "children": [{"type": "text", "data": TEASER}]}
    tree = [{"type": "p", "children": [{"type": "text", "data": EN_BODY}]},
            {"type": "h3", "children": [link]}]
    state = "<script>window.__STATE__=" + json.dumps({"article": {"body": tree}}) + ";</script>"
    body = f"{EN_BODY} {TEASER} {EN_BODY} {EN_BODY} {EN_BODY}"
    article = run(script_rendered(body, state), hints=SourceHints(min_words=20))
    assert TEASER not in article.text
    assert "recedes and the roads are open again. Volunteers of" in article.text
    assert article.text.count("Volunteers of the national society") == 4


def test_related_teaser_paragraph_linked_in_markup_is_cut_from_the_json_ld_body():
    state = f'<aside><h3><a href="/world/spring-storms">{TEASER}</a></h3></aside>'
    body = "\n".join([EN_BODY, TEASER, EN_BODY.replace("Volunteers", "Nurses"), EN_BODY])
    article = run(script_rendered(body, state), hints=SourceHints(min_words=20))
    assert TEASER not in article.text and "Nurses of the national society" in article.text


@pytest.mark.parametrize("state", [
    # a link inside a sentence is not a teaser block
    f'<p>Officials said <a href="/world/spring-storms">{TEASER}</a> was the headline.</p>',
    # a block that is one link to another site is a source, not a related article
    f'<p><a href="https://other.example/report">{TEASER}</a></p>',
    # a link to the page itself
    f'<h3><a href="/world/flood-relief">{TEASER}</a></h3>',
])
def test_article_text_that_only_looks_like_a_teaser_is_kept(state):
    body = f"{EN_BODY} {TEASER}. {EN_BODY} {EN_BODY} {EN_BODY}"
    article = run(script_rendered(body, state), hints=SourceHints(min_words=20))
    assert TEASER in article.text


def test_a_teaser_inside_a_sentence_of_the_body_is_kept():
    state = f'<h3><a href="/world/spring-storms">{TEASER}</a></h3>'
    body = f"{EN_BODY} Reporters wrote that {TEASER} in March. {EN_BODY} {EN_BODY} {EN_BODY}"
    article = run(script_rendered(body, state), hints=SourceHints(min_words=20))
    assert f"that {TEASER} in March" in article.text


def test_html_entities_in_a_json_ld_body_are_decoded():
    body = f"{EN_BODY}&nbsp;Food &amp; water arrived. {EN_BODY} {EN_BODY} {EN_BODY}"
    article = run(script_rendered(body), hints=SourceHints(min_words=20))
    assert "Food & water arrived." in article.text and "&nbsp;" not in article.text


def test_seed_widget_lines_never_reach_the_text():
    noise = ("<p>Your IP: 10.0.0.1</p><p>This Month</p><p>Last Month</p><p>Leave a Reply</p>"
             "<p>Published: 2014-10-20 \\ Reads: 6 \\ more</p>")
    article = run(page(paragraphs(EN_BODY) + noise, head=META))
    for line in ("Your IP", "This Month", "Last Month", "Leave a Reply", "Reads:"):
        assert line not in article.text


def test_analyse_reports_fields_of_a_rejected_page():
    found = analyse(page(paragraphs(EN_BODY)), "https://e.example/a", now=NOW)
    assert found.rejection == Rejection("no-date")
    assert found.title == "Flood relief reaches the valley" and found.language == "en"
