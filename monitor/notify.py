"""Notifications through Apprise URLs: e-mail, Slack, Teams, Telegram, Matrix, JSON webhooks, …

One function sends one message to one destination and says whether it arrived, so callers can
mark delivered only what was. Secrets stay out of files: ``${NAME}`` in a URL is replaced by the
environment variable NAME at delivery time (percent-encoded, so a password may hold ``@`` or
``/``; a URL that is only ``${NAME}`` takes the variable's value as the whole URL). URLs are
shown with their passwords masked.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import apprise

ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
MAX_URL = 2000
# What `watch add` checks a URL with when it names environment variables not set now.
PLACEHOLDER = "crescentplaceholder"


class NotifyError(ValueError):
    """A notification URL that cannot be used (unparseable, unset variable)."""


@dataclass(frozen=True)
class Delivery:
    ok: bool
    error: str = ""


def expand(url: str, environ: Mapping[str, str] | None = None) -> str:
    """``url`` with each ``${NAME}`` replaced from the environment; NotifyError if one is unset."""
    environ = os.environ if environ is None else environ
    whole = ENV_REF.fullmatch(url)
    if whole:
        if whole[1] not in environ:
            raise NotifyError(f"environment variable {whole[1]} is not set")
        return environ[whole[1]]

    def replace(match: re.Match[str]) -> str:
        if match[1] not in environ:
            raise NotifyError(f"environment variable {match[1]} is not set")
        return quote(environ[match[1]], safe="")

    return ENV_REF.sub(replace, url)


def references(url: str) -> list[str]:
    """The environment variables ``url`` names."""
    return ENV_REF.findall(url)


def check_url(url: str) -> str | None:
    """Why Apprise cannot use ``url`` (None if it can); unset variables are not an error here."""
    if not isinstance(url, str) or not url.strip():
        return "empty notification URL"
    if len(url) > MAX_URL:
        return "notification URL longer than 2000 characters"
    if ENV_REF.fullmatch(url):
        return None  # the whole URL lives in the environment; checked when it is used
    probe = ENV_REF.sub(PLACEHOLDER, url)
    if "${" in probe:
        return (f"cannot parse notification URL {mask(url)!r}: write environment variables "
                "as ${NAME}")
    if _instantiate(probe) is None:
        return (f"cannot parse notification URL {mask(url)!r} (see "
                "https://github.com/caronc/apprise/wiki for the URL of each service)")
    return None


def _instantiate(url: str):
    with apprise.LogCapture(level=logging.ERROR):  # its complaints go into our one line
        return apprise.Apprise.instantiate(url)


def mask(url: str) -> str:
    """``url`` for display: the password of ``user:password@`` and Apprise's known secret parts
    (tokens, keys) masked; ``${NAME}`` references are shown as written."""
    if not isinstance(url, str):
        return repr(url)
    if not ENV_REF.search(url):
        plugin = _instantiate(url)
        if plugin is not None:
            return _keep_written_params(plugin.url(privacy=True), url)
    return re.sub(r"(://[^:/@\s]+:)([^@/\s]+)(@)",
                  lambda m: m[0] if ENV_REF.fullmatch(m[2]) else f"{m[1]}****{m[3]}", url)


def _keep_written_params(shown: str, written: str) -> str:
    """Apprise's privacy URL without the default parameters it adds (only those written)."""
    kept = {key for key, _value in parse_qsl(urlsplit(written).query, keep_blank_values=True)}
    parts = urlsplit(shown)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k in kept]
    return urlunsplit(parts._replace(query=urlencode(query, safe="@")))


def send(url: str, title: str, body_html: str, *,
         environ: Mapping[str, str] | None = None, text: bool = False) -> Delivery:
    """Send one message (an HTML body; Apprise makes text for services that want it, and e-mail
    gets both parts; ``text``: the body is plain text) to the destination ``url``; never raises
    for a destination that fails."""
    try:
        target = expand(url, environ)
    except NotifyError as error:
        return Delivery(False, str(error))
    with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as log:
        plugin = apprise.Apprise.instantiate(target)
        if plugin is None:
            return Delivery(False, f"cannot parse notification URL {mask(url)!r}")
        try:
            ok = plugin.notify(body=body_html, title=title, body_format=(
                apprise.NotifyFormat.TEXT if text else apprise.NotifyFormat.HTML))
        except Exception as error:  # a plugin bug must not stop the other destinations
            return Delivery(False, f"{type(error).__name__}: {error}")
        messages = log.getvalue() if hasattr(log, "getvalue") else ""
    if ok:
        return Delivery(True)
    reason = " ".join(line.strip() for line in str(messages).splitlines() if line.strip())
    return Delivery(False, _hide(reason, target, url)[-400:] or "delivery failed")


def send_all(urls: list[str], title: str, body: str, *, text: bool = True) -> list[str]:
    """Send one message to each destination; the failures, one line each naming the (masked)
    destination. For messages that are not per watch (source health)."""
    failures = []
    for url in urls:
        delivery = send(url, title, body, text=text)
        if not delivery.ok:
            failures.append(f"{mask(url)}: {delivery.error}")
    return failures


def _hide(message: str, expanded: str, url: str) -> str:
    """Error text without the secrets the expanded URL held."""
    for name in references(url):
        value = os.environ.get(name, "")
        if value:
            message = message.replace(value, "****").replace(quote(value, safe=""), "****")
    return message.replace(expanded, mask(url))
