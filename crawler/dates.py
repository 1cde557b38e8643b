"""Dates as people and machines write them on news pages, read into the site's local day.

Pure functions, no HTML: numeric dates (day first unless a source says otherwise, never
month-first for dotted dates), month names in Turkish, Russian, Ukrainian, English, Azerbaijani
and Turkmen in their usual forms ("5 сентября 2025", "Сентябрь 5, 2025", "сент. 2025" is not a
day), ISO 8601 timestamps (the day as written at the site's offset), and relative dates on
listing pages ("2 часа назад", "3 saat önce", "yesterday") resolved against the fetch time.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

EARLIEST_DATE = date(1990, 1, 1)

# Month names by language: the forms that occur before or after a day number. Russian and
# Ukrainian are matched by stem (all cases: "сентябрь", "сентября", "сентябре"), the others by
# full name or abbreviation (a trailing dot is allowed).
_MONTH_WORDS: dict[str, tuple[str, ...]] = {
    # English
    "january": ("jan",), "february": ("feb",), "march": ("mar",), "april": ("apr",),
    "may": (), "june": ("jun",), "july": ("jul",), "august": ("aug",),
    "september": ("sep", "sept"), "october": ("oct",), "november": ("nov",),
    "december": ("dec",),
}
_EN = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
       "october", "november", "december")
_TR = ("ocak", "şubat", "mart", "nisan", "mayıs", "haziran", "temmuz", "ağustos", "eylül", "ekim",
       "kasım", "aralık")
_TR_ABBR = ("oca", "şub", "mar", "nis", "may", "haz", "tem", "ağu", "eyl", "eki", "kas", "ara")
_AZ = ("yanvar", "fevral", "mart", "aprel", "may", "iyun", "iyul", "avqust", "sentyabr",
       "oktyabr", "noyabr", "dekabr")
_TK = ("ýanwar", "fewral", "mart", "aprel", "maý", "iýun", "iýul", "awgust", "sentýabr",
       "oktýabr", "noýabr", "dekabr")
_RU_STEMS = ("январ", "феврал", "март", "апрел", "ма[йяюе]", "июн", "июл", "август", "сентябр",
             "октябр", "ноябр", "декабр")
_RU_ABBR = ("янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сент?", "окт", "нояб?",
            "дек")
_UK_STEMS = ("січ", "лют", "берез", "квіт", "трав", "черв", "лип", "серп", "верес", "жовт",
             "листопад", "груд")


def _ascii_turkish(word: str) -> str:
    return word.translate(str.maketrans("şğıüöç", "sgiuoc"))


@lru_cache(maxsize=1)
def _month_table() -> dict[str, int]:
    table: dict[str, int] = {}
    for number, name in enumerate(_EN, start=1):
        table[name] = number
        for abbr in _MONTH_WORDS[name]:
            table[abbr] = number
    for names in (_TR, _TR_ABBR, _AZ, _TK):
        for number, name in enumerate(names, start=1):
            table.setdefault(name, number)
            table.setdefault(_ascii_turkish(name), number)
    return table


_RU_MONTH = re.compile(
    "^(?:" + "|".join(f"(?P<m{n}>{stem}[а-яё]*|{abbr})"
                      for n, (stem, abbr) in enumerate(zip(_RU_STEMS, _RU_ABBR, strict=True),
                                                       start=1)) + ")$")
_UK_MONTH = re.compile(
    "^(?:" + "|".join(f"(?P<m{n}>{stem}[а-яіїєґ]*)" for n, stem in enumerate(_UK_STEMS, start=1))
    + ")$")


def month_number(word: str) -> int | None:
    """1–12 for a month name or abbreviation in any of the supported languages."""
    word = word.strip(".,").lower().replace("\u0307", "")  # "NİSAN" lower-cases with a dot
    table = _month_table()
    if word in table:
        return table[word]
    if _ascii_turkish(word) in table:  # "KASIM" lower-cases to "kasim"
        return table[_ascii_turkish(word)]
    for pattern in (_RU_MONTH, _UK_MONTH):
        match = pattern.match(word)
        if match:
            return int(next(name for name, value in match.groupdict().items() if value)[1:])
    return None


_WORD = r"[^\W\d_]{3,}\.?"
NAMED_DAY_FIRST = re.compile(
    rf"(?<![\d.])(\d{{1,2}})(?:st|nd|rd|th|-?(?:го|е|ого))?\.?\s+(?:of\s+)?"
    rf"({_WORD}),?\s+(\d{{4}})(?!\d)", re.IGNORECASE)
NAMED_MONTH_FIRST = re.compile(rf"(?<![^\W\d_])({_WORD})\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+"
                               rf"(\d{{4}})(?!\d)", re.IGNORECASE)
NUMERIC_YMD = re.compile(r"(?<![\d.])(\d{4})([-./])(\d{1,2})\2(\d{1,2})(?![\d])")
NUMERIC_DMY = re.compile(r"(?<![\d.])(\d{1,2})([-./])(\d{1,2})\2(\d{4})(?![\d])")
ISO_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*"
    r"(Z|[+-]\d{2}:?\d{2}|UTC|GMT)?)?")
COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:T?\d{4,6}Z?)?$")


def safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def plausible(day: date | None, now: datetime) -> date | None:
    """``day`` unless it is before 1990 or after the fetch day."""
    if day is None or day < EARLIEST_DATE or day > (now + timedelta(days=1)).date():
        return None
    return day


@lru_cache(maxsize=64)
def zone(name: str | None) -> tzinfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _offset(text: str | None) -> timedelta | None:
    if not text:
        return None
    if text in ("Z", "UTC", "GMT"):
        return timedelta(0)
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4]))


def parse_timestamp(value: str, local: tzinfo | None = None) -> date | None:
    """The local day of a machine-written timestamp (ISO 8601, compact, RFC 2822).

    The day is the one written at the timestamp's own offset: "2025-09-05T00:16:00+05:00" is the
    5th. A UTC timestamp ("…Z") is moved to ``local`` when the site's zone is known.
    """
    value = value.strip()
    match = ISO_DATETIME.match(value)
    if match:
        day = safe_date(int(match[1]), int(match[2]), int(match[3]))
        offset = _offset(match[7])
        if day and local is not None and match[4] and offset is not None:
            moment = datetime(day.year, day.month, day.day, int(match[4]), int(match[5]),
                              tzinfo=UTC) - offset
            return moment.astimezone(local).date()
        return day
    match = COMPACT_DATE.match(value)
    if match:
        return safe_date(int(match[1]), int(match[2]), int(match[3]))
    try:  # "Tue, 10 Jun 2025 08:00:00 +0300" (feeds, some meta tags)
        from email.utils import parsedate_to_datetime

        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is not None and local is not None and parsed.utcoffset() == timedelta(0):
        parsed = parsed.astimezone(local)
    return parsed.date()


def timestamp_offset(value: str) -> timedelta | None:
    """The UTC offset written in a timestamp, if any."""
    match = ISO_DATETIME.match(value.strip())
    return _offset(match[7]) if match and match[4] else None


# Relative dates on listings: "2 часа назад", "3 saat önce", "5 minutes ago", "yesterday".
_UNITS = {
    "minute": 60, "min": 60, "hour": 3600, "hr": 3600, "day": 86400, "week": 604800,
    "dakika": 60, "dk": 60, "saat": 3600, "gün": 86400, "hafta": 604800,
    "минут": 60, "мин": 60, "час": 3600, "ч": 3600, "день": 86400, "дн": 86400, "дня": 86400,
    "недел": 604800, "хвилин": 60, "годин": 3600, "тижн": 604800,
}
RELATIVE = re.compile(
    r"(?:(\d{1,3})|\b(an?|one|bir)\b)?\s*"
    r"(minutes?|mins?|hours?|hrs?|days?|weeks?|dakika|dk|saat|gün|hafta|"
    r"минут[уы]?|мин\.?|час(?:а|ов)?|ч\.?|день|дн(?:я|ей)|недел[юиь]|"
    r"хвилин[уи]?|годин[уи]?|тижн[іья]в?|тиждень)\s+(ago|önce|назад|тому)\b",
    re.IGNORECASE)
_DAY_WORDS = {
    "today": 0, "bugün": 0, "сегодня": 0, "сьогодні": 0, "just now": 0, "az önce": 0,
    "только что": 0, "yesterday": 1, "dün": 1, "вчера": 1, "вчора": 1,
    "позавчера": 2, "позавчора": 2, "önceki gün": 2,
}
DAY_WORD = re.compile(r"(?<![^\W\d_])(" + "|".join(sorted(_DAY_WORDS, key=len, reverse=True))
                      + r")(?![^\W\d_])", re.IGNORECASE)


def relative_day(text: str, now: datetime, local: tzinfo | None = None) -> date | None:
    """The day a relative expression points to, counted back from ``now`` (site-local)."""
    moment = now.astimezone(local) if local is not None and now.tzinfo else now
    match = RELATIVE.search(text)
    if match:
        count = int(match[1]) if match[1] else 1
        unit = match[3].lower().rstrip(".")
        seconds = next((value for key, value in sorted(_UNITS.items(), key=lambda i: -len(i[0]))
                        if unit.startswith(key)), None)
        if seconds is None:
            return None
        return (moment - timedelta(seconds=seconds * count)).date()
    match = DAY_WORD.search(text)
    if match:
        return (moment - timedelta(days=_DAY_WORDS[match[1].lower()])).date()
    return None


def find_dates(text: str, order: str = "DMY") -> list[tuple[int, date, str]]:
    """Every full written date in ``text``: (position, day, the string as found).

    Dotted numeric dates are always day first; slashed and dashed ones follow ``order``
    unless only one reading is a real date.
    """
    found: list[tuple[int, date, str]] = []
    for match in NUMERIC_YMD.finditer(text):
        day = safe_date(int(match[1]), int(match[3]), int(match[4]))
        if day:
            found.append((match.start(), day, match[0]))
    for match in NUMERIC_DMY.finditer(text):
        first, second, year = int(match[1]), int(match[3]), int(match[4])
        month_first = match[2] != "." and ((order == "MDY" and first <= 12) or second > 12)
        day = safe_date(year, first, second) if month_first else safe_date(year, second, first)
        if day:
            found.append((match.start(), day, match[0]))
    for match in NAMED_DAY_FIRST.finditer(text):
        month = month_number(match[2])
        day = safe_date(int(match[3]), month, int(match[1])) if month else None
        if day:
            found.append((match.start(), day, match[0]))
    for match in NAMED_MONTH_FIRST.finditer(text):
        month = month_number(match[1])
        day = safe_date(int(match[3]), month, int(match[2])) if month else None
        if day:
            found.append((match.start(), day, match[0]))
    found.sort(key=lambda item: item[0])
    return found


def first_date(text: str, now: datetime, order: str = "DMY",
               local: tzinfo | None = None) -> tuple[date, str] | None:
    """The first plausible full date written in ``text``, or a relative date in a short text."""
    for _position, day, raw in find_dates(text, order):
        if plausible(day, now):
            return day, raw
    if len(text) <= 60:
        day = plausible(relative_day(text, now, local), now)
        if day:
            match = RELATIVE.search(text) or DAY_WORD.search(text)
            return day, match[0].strip() if match else text
    return None
