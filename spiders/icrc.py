"""International Committee of the Red Cross (icrc.org): English and Russian editions."""

from crawler.news import NewsSpider


class IcrcSpider(NewsSpider):
    name = "icrc"
    source_title = "International Committee of the Red Cross"
    languages = ("en", "ru")
    allowed_domains = ("icrc.org",)
    feed_urls = ("https://www.icrc.org/en/rss",)  # English items only
    # Listings are not known: Drupal-style /{lang}/latest-news with a 0-based ?page=N.
    start_urls = ("https://www.icrc.org/en/latest-news", "https://www.icrc.org/ru/latest-news")
    article_patterns = (r"icrc\.org/(?:en|ru)/(?:news-release|article|document)/[\w-]+/?$",)
    listing_patterns = (r"icrc\.org/(?:en|ru)/latest-news(?:\?page=\d+)?$",)
    listing_date_selectors = (".news-card .date::text",)
    # The date span of the type/date/country line "News release 18 August 2022 Azerbaijan".
    date_selectors = (".content-meta .date",)
    remove_selectors = (
        ".skip-link", "header.site-header", ".breadcrumb", ".content-meta", "figure",
        ".photo-credit", ".contact-block", ".share-links", ".donate-cta", ".related-content",
        ".news-card", "footer",
    )
    site_names = ("ICRC", "МККК", "International Committee of the Red Cross")
