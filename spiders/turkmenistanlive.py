"""turkmenistanlive.com: a Russian WordPress news site with Cyrillic permalinks."""

from crawler.news import NewsSpider


class TurkmenistanLiveSpider(NewsSpider):
    name = "turkmenistanlive"
    source_title = "Turkmenistan Live"
    timezone = "Asia/Ashgabat"
    languages = ("ru",)
    allowed_domains = ("turkmenistanlive.com",)
    feed_urls = ("https://turkmenistanlive.com/feed/",)
    start_urls = ("https://turkmenistanlive.com/", "https://turkmenistanlive.com/category/novosti/")
    # Links arrive percent-encoded (/2025/09/05/%d0%b2-.../); attachment pages add a segment.
    article_patterns = (r"turkmenistanlive\.com/\d{4}/\d{2}/\d{2}/[^/?#]+/$",)
    listing_patterns = (r"turkmenistanlive\.com/(?:category/novosti/)?page/\d+/$",)
    listing_date_selectors = ("main article.post time.entry-date.published::attr(datetime)",)
    date_selectors = ("article.post .entry-meta time.entry-date.published",)
    url_date_pattern = r"/(?P<y>\d{4})/(?P<m>\d{2})/(?P<d>\d{2})/"
    remove_selectors = (
        ".code-block", ".sharedaddy", ".jp-relatedposts", ".entry-meta", ".entry-footer",
        ".post-navigation", "#comments", ".comment-respond", "#secondary", "#colophon",
    )
    site_names = ("Turkmenistan Live", "TurkmenistanLive")
