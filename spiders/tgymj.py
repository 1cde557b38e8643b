"""Red Crescent Society of Turkmenistan (tgymj.gov.tm), a Joomla site: the /en and /ru editions.

The Turkmen edition /tm/ is not crawled (the archive keeps tr/ru/en). Pages show no date line:
the date is the slug's dd-mm-yyyy, else the extractor's search of the text's opening lines
("05.08.2015, …" in old bodies, day first). Print views (?tmpl=component&print=1) never match
the article pattern. Listing pages show no dates either: --since reads the slugs' dates.
"""

from crawler.news import NewsSpider


class TgymjSpider(NewsSpider):
    name = "tgymj"
    source_title = "Red Crescent Society of Turkmenistan"
    timezone = "Asia/Ashgabat"
    languages = ("en", "ru")
    allowed_domains = ("tgymj.gov.tm",)
    start_urls = ("https://tgymj.gov.tm/en/9-news", "https://tgymj.gov.tm/ru/novosti/9-news")
    article_patterns = (r"tgymj\.gov\.tm/(?:en|ru)/(?:[^/?#]+/)?9-news/\d+-[^/?#]+$",)
    listing_patterns = (r"tgymj\.gov\.tm/(?:en|ru/novosti)/9-news\?start=\d+$",)
    listing_date_selectors = (".blog .item h2 a::attr(href)",)
    url_date_pattern = r"/9-news/\d+-(?P<d>[0-3]\d)-(?P<m>[01]\d)-(?P<y>(?:19|20)\d\d)(?:-|$)"
    # The President's quotation is a table pasted on top of the body of some articles.
    remove_selectors = ('[itemprop="articleBody"] > table:first-child', ".moduletable_principles",
                        ".vvisit_counter", ".icons", ".item-image", "nav", "header", "footer")
    site_names = ("National Red Crescent Society of Turkmenistan",
                  "Национальное общество Красного Полумесяца Туркменистана")
