"""Crawls spread over many machines: a shared frontier in Redis (scrapy-redis), one writer."""
