"""crescent serve: the web page and its JSON API, over the same search and archive libraries as
the CLI."""
