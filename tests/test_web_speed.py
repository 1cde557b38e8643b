"""What keeps the web page fast (issue 14's targets, `make bench-web`) without changing what it
shows: Nagle off on served connections; the coverage chart's bars and table rows written by
web/chart.py, and the search page's facet lists by web/app.py, exactly as the template loops
wrote them, escaping included."""

from __future__ import annotations

import asyncio
import socket
from collections import Counter

import pytest

from search.query import Timeline
from web import chart
from web.app import environment
from web.server import bind

# The template loops web/chart.py replaced, as they were (tests the markup, escaping included).
BARS_LOOP = """{% for bar in panel.bars %}
  <rect class="bar" x="{{ '%.2f' % bar.x }}" y="{{ '%.3f' % bar.y }}" width="{{ '%.2f' % bar.width }}" height="{{ '%.3f' % bar.height }}" fill="{{ bar.colour }}" data-period="{{ bar.period }}" data-query="{{ bar.query }}" data-part="{{ bar.part }}" data-count="{{ bar.count }}"><title>{{ bar.period }} · {{ bar.query }}{% if bar.part %} · {{ bar.part }}{% endif %}: {{ bar.count }}</title></rect>
{% endfor %}"""  # noqa: E501
ROWS_LOOP = """{% for row in table.rows() %}
<tr data-period="{{ row.period }}" data-query="{{ row.query }}"><td>{{ row.period }}</td><td>{{ row.query }}</td>{% for column in table.languages %}<td class="n" data-column="{{ column }}">{{ row[column] }}</td>{% endfor %}<td class="n total">{{ row.total }}</td></tr>
{% endfor %}"""  # noqa: E501
FACETS_LOOP = """  {% set items = page.facets.get(name, {}).items() | list %}
  {% if name == "month" %}{% set items = items | sort(reverse=true) %}{% endif %}
  {% for value, count in items[:36] %}
    <li>
    {% if name == "source" %}
      {% set active = value in sel.sources %}
      <a href="{{ sel.url(source=(sel.sources | list) + [value]) if not active else sel.url(source=(sel.sources | reject('equalto', value) | list)) }}" data-value="{{ value }}" data-count="{{ count }}"{% if active %} class="active"{% endif %}>{{ value }}</a>
    {% elif name == "language" %}
      {% set active = value in sel.languages %}
      <a href="{{ sel.url(lang=(sel.languages | list) + [value]) if not active else sel.url(lang=(sel.languages | reject('equalto', value) | list)) }}" data-value="{{ value }}" data-count="{{ count }}"{% if active %} class="active"{% endif %}>{{ value }}</a>
    {% else %}
      <a href="{{ sel.url(since=value ~ '-01', until=value | month_end) }}" data-value="{{ value }}" data-count="{{ count }}">{{ value }}</a>
    {% endif %}
      <span class="count">{{ count }}</span>
    </li>
  {% endfor %}
"""  # noqa: E501
HOSTILE = ['"><script>alert(1)</script>', "Kızılay'ın & <b>", "Aslanov", "a\"b'c", "x" * 40]


def test_served_connections_have_nagle_off():
    """uvicorn writes a page's headers and body apart: with Nagle on, the body waited for the
    client's delayed ACK (40 ms on every keep-alive request after the first). asyncio turns it
    off only when the listening socket says it is TCP."""
    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    seen: list[int] = []

    async def main() -> None:
        accepted = asyncio.Event()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport):
                conn = transport.get_extra_info("socket")
                seen.append(conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                accepted.set()

        server = await asyncio.get_running_loop().create_server(Probe, sock=sock)
        async with server:
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
            await asyncio.wait_for(accepted.wait(), 10)
            writer.close()

    asyncio.run(main())
    assert seen and seen[0] != 0


@pytest.mark.parametrize("split", ["", "language", "source"])
def test_chart_bars_and_rows_are_the_template_loops_markup(split):
    counts: Counter = Counter()
    parts = ["tr", "ru", "en"] if split != "source" else ["anadolu", "<img onerror=x>", "a&b"]
    for number, name in enumerate(HOSTILE):
        for month in range(1, 13):
            for index, part in enumerate(parts):
                if (month + index + number) % 4:
                    counts[(f"2025-{month:02d}", name, part)] = month * (index + 1) + number
    table = Timeline(by="month", names=HOSTILE, languages=sorted(parts), counts=counts,
                     split=split or "language")
    drawn = chart.build(table, split)
    env = environment()
    assert len(drawn.panels) == (len(HOSTILE) if split else 1)
    every = ""
    for panel in drawn.panels:
        expected = env.from_string(BARS_LOOP).render(panel=panel)
        assert str(chart.bar_elements(panel)) == expected
        every += expected
    expected = env.from_string(ROWS_LOOP).render(table=table)
    assert str(chart.count_rows(table)) == expected
    for markup in (every, expected):
        assert "<script>" not in markup and "&#34;&gt;&lt;script&gt;" in markup
        assert "<img" not in markup and "<b>" not in markup


def test_selection_urls_are_its_parameters_encoded():
    """``url`` encodes each unchanged parameter once per selection: the same links."""
    import random
    from datetime import date
    from urllib.parse import urlencode

    from web.state import Selection

    rng = random.Random(5)
    texts = ["", "Kızılay'ın", '"Красного Полумесяца" AND x&y=z', "a+b c/d?e#f%", "*"]
    for _ in range(300):
        sel = Selection(query=rng.choice(texts),
                        languages=tuple(rng.sample(["tr", "ru", "en"], rng.randrange(3))),
                        sources=tuple(rng.sample(["anadolu", "icrc", "a_b"], rng.randrange(3))),
                        since=rng.choice([None, date(2024, 2, 1)]),
                        until=rng.choice([None, date(2025, 2, 28)]),
                        sort=rng.choice(["relevance", "date"]), page=rng.randrange(1, 4),
                        exact=rng.random() < 0.3)
        changes = rng.choice([{}, {"page": 3}, {"page": 1}, {"since": "", "until": ""},
                              {"source": ["anadolu", "x"]}, {"lang": []}, {"format": "csv"},
                              {"since": "2025-01-01", "until": "2025-01-31"},
                              {"page": 2, "format": "jsonl", "q": "ä ö"}])
        path = rng.choice(["/", "/export", "/api/search"])
        query = urlencode(sel.params(**changes))
        assert sel.url(path, **changes) == (f"{path}?{query}" if query else path)


@pytest.mark.parametrize("engine_name", ["whoosh", "tantivy"])
def test_an_engine_kept_open_sees_what_another_process_commits(tmp_path, engine_name):
    """The server keeps its engine (and searcher) open between requests: a crawl's commit, a
    deletion and a rebuild made through another engine object show in its next answers."""
    from search import Filters, open_engine
    from search.query import parse_query
    from tests.test_search import _synthetic_documents

    documents = _synthetic_documents(40)
    served, writer = open_engine(tmp_path, engine_name), open_engine(tmp_path, engine_name)
    writer.update(documents[:20])
    every = parse_query("*")

    def ids() -> set[str]:
        page = served.search(every, Filters(), limit=100, page=1, sort="date")
        counts = served.facets(every, Filters())
        assert sum(counts["language"].values()) == page.total
        return {hit.id for hit in page.hits}

    assert ids() == {d["id"] for d in documents[:20]}
    writer.update(documents[20:30])
    assert ids() == {d["id"] for d in documents[:30]}
    writer.delete([documents[0]["id"]])
    assert ids() == {d["id"] for d in documents[1:30]}
    writer.rebuild(iter(documents[25:40]))
    assert ids() == {d["id"] for d in documents[25:40]}


def test_the_load_board_says_when_another_worker_has_fewer_pages():
    import os
    import struct

    from web.balance import PAIR, Board, LoadBoard

    board = Board(3)
    path = board.path
    assert str(path).startswith(f"/proc/{os.getpid()}/fd/")  # in memory: goes with us
    try:
        # A pair left by a worker that died is taken by the next one.
        dead = 2**22 + 12345  # above pid_max: no such process
        with open(path, "r+b") as handle:
            handle.seek(2 * PAIR.size)
            handle.write(PAIR.pack(dead, 7))
        first, second, third = LoadBoard(path), LoadBoard(path), LoadBoard(path)
        assert struct.unpack_from("<i", path.read_bytes(), 2 * PAIR.size)[0] != dead
        for _ in range(3):
            first.taken()
        second.taken()
        third.taken()
        assert first.answered()  # 2 pages left here, 1 on each other worker: move
        assert first.answered() is False  # 1 left: as many as the others
        assert second.answered() is False and third.answered() is False
        for each in (first, second, third):
            each.close()
    finally:
        board.close()
    assert not path.exists()


@pytest.mark.parametrize("chosen", [{}, {"sources": ("a&b",), "languages": ("tr", "ru")},
                                    {"languages": ("en",), "query": 'x" <y>'}])
def test_facet_lists_are_the_template_loops_markup(chosen):
    from datetime import date

    from web.app import facet_items
    from web.state import Selection

    sel = Selection(query=chosen.get("query", "Kızılay'ın"), since=date(2020, 1, 1),
                    sources=chosen.get("sources", ()), languages=chosen.get("languages", ()))
    facets = {"source": {name: 10 + i for i, name in enumerate([*HOSTILE, "a&b"])},
              "language": {"tr": 9, "ru": 5, "en": 2, "<x>": 1},
              "month": {f"20{year:02d}-{month:02d}": year * month for year in range(10, 14)
                        for month in range(1, 13)}}
    env = environment()
    for name, counts in facets.items():
        expected = env.from_string(FACETS_LOOP).render(
            sel=sel, name=name, page={"facets": facets})
        written = str(facet_items(sel, name, counts))
        assert written == expected, name
        assert "<script>" not in written and "<x>" not in written
    assert written.count("<li>") == 36  # months: the newest 36 of 48
