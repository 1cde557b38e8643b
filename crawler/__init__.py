"""crescent's Scrapy project: settings, items, pipelines, middlewares, base spiders and extraction."""
