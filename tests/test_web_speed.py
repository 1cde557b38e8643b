"""What keeps the web page fast (issue 14's targets, `make bench-web`) without changing what it
shows: Nagle off on served connections."""

from __future__ import annotations

import asyncio
import socket

from web.server import bind


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
