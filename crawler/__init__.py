"""crescent's Scrapy project: settings, items, pipelines, middlewares, spiders, extraction."""
