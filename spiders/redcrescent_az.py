"""Azerbaijan Red Crescent Society (redcrescent.az): its English and Russian editions.

Article URLs /{lang}/news/{id}-{slug}.html and listings /{lang}/?page=N are the replica's
choice (the real shapes are not known). Azerbaijani news posted untranslated in the English
edition is crawled, recognised as az and rejected by language.
"""

from crawler.news import NewsSpider


class RedcrescentAzSpider(NewsSpider):
    name = "redcrescent_az"
    source_title = "Azerbaijan Red Crescent Society"
    timezone = "Asia/Baku"
    languages = ("en", "ru")
    allowed_domains = ("redcrescent.az",)
    start_urls = tuple(f"https://www.redcrescent.az/{lang}/" for lang in ("en", "ru"))
    article_patterns = (r"redcrescent\.az/(?:en|ru)/news/\d+-[^/?#]+\.html$",)
    listing_patterns = (r"redcrescent\.az/(?:en|ru)/(?:\?page=\d+)?$",)
    listing_date_selectors = (".news-item .news-info::text",)
    date_selectors = (".news-full .news-info",)
    remove_selectors = ("#header", "#sidebar-top", ".news-info", ".news-author", ".last-news",
                        "#footer")
    author_selectors = (".news-full .news-author",)
    site_names = ("Azerbaijan Red Crescent Society", "Az.RCS",
                  "Азербайджанское общество Красного Полумесяца")
