"""Run the web page with uvicorn: loopback by default; another address only with a token or
read-only, so the archive is never opened to a network by accident."""

from __future__ import annotations

import ipaddress
import json
import os
import secrets
import socket
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from web.balance import Board, LoadBoard
from web.security import LOOPBACK_HOSTS

MIN_TOKEN_CHARS = 16
ENV_CONFIG = "CRESCENT_SERVE_CONFIG"  # how worker processes learn the server's settings


class BindingError(ValueError):
    """A host/port/token combination that must not (or cannot) be served."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_binding(host: str, token: str | None, read_only: bool) -> None:
    if token is not None and len(token) < MIN_TOKEN_CHARS:
        raise BindingError(f"--token must be at least {MIN_TOKEN_CHARS} characters")
    if not is_loopback(host) and not token and not read_only:
        raise BindingError(f"serving on {host} (not this machine only) needs --token TOKEN "
                           "(asked on every request) or --read-only")


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named, not 0: asyncio turns Nagle off (TCP_NODELAY) only on connections whose
    # socket says TCP, and uvicorn writes a page's headers and body apart, so with Nagle on the
    # body waited for the client's delayed ACK: 40 ms added to every page after the first on a
    # keep-alive connection (an article page: 44 ms for 0.9 ms of CPU).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as error:
        sock.close()
        raise BindingError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    sock.listen(128)
    return sock


def address(sock: socket.socket, host: str, token: str | None) -> str:
    port = sock.getsockname()[1]
    shown = f"[{host.strip('[]')}]" if ":" in host else host
    if shown in ("0.0.0.0", "[::]"):
        shown = "127.0.0.1"
    return f"http://{shown}:{port}/" + (f"?token={quote(token)}" if token else "")


def default_workers() -> int:
    """Server processes by default: one per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


def serve_forever(data_dir: Path, *, host: str = "127.0.0.1", port: int = 8080,
                  engine: str | None = None, token: str | None = None, read_only: bool = False,
                  workers: int | None = None, on_ready: Callable[[str], None] = print) -> None:
    """Serve until interrupted (Ctrl-C or SIGTERM end it cleanly). ``workers`` > 1 runs that
    many processes on one socket, so pages use every core (default: one per core); they end
    with this process, even when it is killed (``kill -9``)."""
    import uvicorn

    workers = workers or default_workers()
    check_binding(host, token, read_only)
    sock = bind(host, port)
    # One CSRF secret for every worker: a form rendered by one is accepted by the others.
    settings = {"data": str(Path(data_dir).resolve()), "engine": engine, "token": token,
                "read_only": read_only, "loopback": is_loopback(host),
                "secret": secrets.token_hex(32),
                "supervisor": os.getpid() if workers > 1 else None, "board": None}
    board = Board(workers) if workers > 1 else None  # the workers' load (web/balance.py)
    if board:
        settings["board"] = str(board.path)
    os.environ[ENV_CONFIG] = json.dumps(settings)
    # No proxy-header middleware: nothing here reads the client's address or scheme (it cost
    # under 1 us a request, measured alone: py-spy's 2 % for it counted the layers beneath).
    config = uvicorn.Config("web.server:app_from_environment", factory=True, workers=workers,
                            log_level="warning", access_log=False, lifespan="on",
                            server_header=False, proxy_headers=False)
    server = uvicorn.Server(config)
    on_ready(address(sock, host, token))
    try:
        if workers > 1:
            from uvicorn.supervisors import Multiprocess

            Multiprocess(config, sockets=[sock]).run()
        else:
            server.run(sockets=[sock])
    finally:
        sock.close()
        if board:
            board.close()


def app_from_environment():
    """The app of one server process, from the settings its parent put in the environment."""
    from web.app import create_app

    settings = json.loads(os.environ[ENV_CONFIG])
    supervisor = settings.get("supervisor")
    board = None
    if supervisor and supervisor != os.getpid():
        # A worker process: it must not outlive the process that started it (a kill -9 of
        # that one would leave workers serving the port with no one to stop them).
        from crawler.children import die_with

        die_with(supervisor)
        if settings.get("board"):
            board = LoadBoard(Path(settings["board"]))
    return create_app(Path(settings["data"]), engine=settings["engine"],
                      read_only=settings["read_only"], token=settings["token"],
                      allowed_hosts=LOOPBACK_HOSTS if settings["loopback"] else None,
                      secret=bytes.fromhex(settings["secret"]), balance=board)
