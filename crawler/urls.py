"""URL hygiene: the URL to request, the key that makes variants one article, and its stable id."""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

# Query parameters that only track who clicked where; they never select different content.
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "yclid", "msclkid", "mc_cid", "mc_eid", "_ga", "_gl",
        "igshid", "ref_src", "ref_url", "cmpid", "ocid", "spm", "share", "at_medium",
        "at_campaign", "rss", "from_rss",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "itm_", "_hs")

_ID_LENGTH = 16
_ID_RE = re.compile(rf"^[0-9a-f]{{{_ID_LENGTH}}}$")


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


# A page's URL is cleaned and keyed several times on its way (request, canonical link, alias,
# id, feed date lookup), close together: a small cache saves the repeats (~2 s of a 2,000-page
# crawl's reactor time under profiling).
@lru_cache(maxsize=1024)
def clean_url(url: str) -> str:
    """The URL worth requesting: tracking parameters and fragment dropped, query sorted."""
    parts = urlsplit(url.strip())
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = [(key, value) for key, value in pairs if not _is_tracking(key)]
    rebuilt = urlunsplit((parts.scheme, parts.netloc, parts.path or "/", urlencode(query), ""))
    return canonicalize_url(rebuilt)


AMP_PARAMS = frozenset({"amp", "outputtype"})


@lru_cache(maxsize=1024)
def url_key(url: str) -> str:
    """What identifies an article: host without ``www.``/``amp.``, path without a trailing slash
    or ``/amp``, cleaned query without AMP switches, no scheme."""
    parts = urlsplit(clean_url(url))
    host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("amp.")
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    path = parts.path.rstrip("/")
    path = (path.removesuffix("/amp") if path.endswith("/amp") else path) or "/"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if k.lower() not in AMP_PARAMS])
    return f"{host}{path}" + (f"?{query}" if query else "")


def article_id(url: str) -> str:
    """Stable 16-hex-digit id of the article at ``url`` (same for all its URL variants)."""
    return hashlib.sha256(url_key(url).encode("utf-8")).hexdigest()[:_ID_LENGTH]


def is_article_id(value: str) -> bool:
    """True when ``value`` has the shape of an id made by :func:`article_id`."""
    return bool(_ID_RE.match(value))


def rebase(url: str, base_url: str) -> str:
    """``url`` with its scheme and host replaced by those of ``base_url`` (path and query kept)."""
    target = urlsplit(base_url)
    parts = urlsplit(url)
    return urlunsplit((target.scheme, target.netloc, parts.path, parts.query, parts.fragment))


def host_of(url: str) -> str:
    """Lower-case host of ``url`` without ``www.``."""
    return (urlsplit(url).hostname or "").lower().removeprefix("www.")
