"""Anadolu Agency (aa.com.tr): Turkish, with English and Russian editions."""

from crawler.news import NewsSpider


class AnadoluSpider(NewsSpider):
    name = "anadolu"
    source_title = "Anadolu Agency"
    timezone = "Europe/Istanbul"
    languages = ("tr", "en", "ru")
    allowed_domains = ("aa.com.tr",)
    feed_urls = tuple(f"https://www.aa.com.tr/{lang}/rss/default?cat=guncel"
                      for lang in ("tr", "en", "ru"))
    start_urls = tuple(f"https://www.aa.com.tr/{lang}/guncel" for lang in ("tr", "en", "ru"))
    article_patterns = (r"aa\.com\.tr/(?:tr|en|ru)/[^/?#]+/[^/?#]+/\d+(?:$|\?)",)
    listing_patterns = (r"aa\.com\.tr/(?:tr|en|ru)/guncel(?:\?page=\d+)?$",)
    listing_date_selectors = (".haber-kutu .tarih::text",)
    date_selectors = ("span.tarih",)
    remove_selectors = (".detay-foto-editor", "figure", ".detay-ilgili", ".piyasa-ticker")
    author_selectors = (".detay-muhabir",)
    site_names = ("Anadolu Ajansı", "Anadolu Agency", "Анадолу")
