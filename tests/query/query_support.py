"""Helpers for the query tests (a module of its own, so test modules can import them by a unique name):
start and stop an Oxigraph server on a free loopback port, a misbehaving SPARQL endpoint, the project's
store with its entailments, and an audit-hook guard that records file opens and network connections."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar

from tests.conftest import require_tool

from tipkg.engine import ProjectStore
from tipkg.load import LoadedProject
from tipkg.queries import CheckOutcome, check_catalogue, load_catalogue
from tipkg.reason import reason


def project_store(loaded: LoadedProject) -> ProjectStore:
    """The project's store with its entailments: it answers asserted and `inferred: yes` questions alike."""
    store = ProjectStore(loaded)
    store.add_entailments(reason(loaded).entailments)
    return store


def query_checks(loaded: LoadedProject) -> list[CheckOutcome]:
    """Every query check of a project on its local store (what `tipkg query check` runs)."""
    return check_catalogue(load_catalogue(loaded.project.queries_dir), project_store(loaded))


class Guard:
    """While active (`with Guard(paths) as guard:`), records every Python-level open of the watched paths
    and every attempt at a network connection (name lookup, connect, urllib or http.client request).

    An audit hook cannot be removed, so one hook is installed once and reports to the active guard only.
    Only Python-level events are seen: a Rust library opening a file would not show here, which is why the
    tests also check the output and a listening socket."""

    NETWORK = ("socket.connect", "socket.getaddrinfo", "urllib.Request", "http.client.connect")
    active: ClassVar[Guard | None] = None
    installed: ClassVar[bool] = False

    def __init__(self, paths: Iterable[Path] = ()) -> None:
        self.paths = {os.path.abspath(p) for p in paths}
        self.opened: list[str] = []
        self.network: list[tuple[str, Any]] = []

    def __enter__(self) -> Guard:
        if not Guard.installed:
            sys.addaudithook(Guard.hook)
            Guard.installed = True
        Guard.active = self
        return self

    def __exit__(self, *exc: object) -> None:
        Guard.active = None

    @staticmethod
    def hook(event: str, args: tuple) -> None:
        guard = Guard.active
        if guard is None:
            return
        if event == "open" and isinstance(args[0], str | bytes | os.PathLike):
            path = os.fsdecode(args[0])
            if os.path.abspath(path) in guard.paths:
                guard.opened.append(path)
        elif event in Guard.NETWORK:
            guard.network.append((event, args))


@contextmanager
def listening() -> Iterator[tuple[socket.socket, int]]:
    """A listening loopback socket nobody should connect to; `accept` tells afterwards whether one did."""
    server = socket.socket()
    try:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        server.setblocking(False)
        yield server, server.getsockname()[1]
    finally:
        server.close()


def was_connected(server: socket.socket) -> bool:
    try:
        connection, _ = server.accept()
    except BlockingIOError:
        return False
    connection.close()
    return True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Oxigraph:
    """A running `oxigraph serve`; `url` is its base (…/query, …/update, …/store)."""

    def __init__(self, process: subprocess.Popen, url: str) -> None:
        self.process = process
        self.url = url

    @property
    def query(self) -> str:
        return self.url + "/query"

    @property
    def store(self) -> str:
        return self.url + "/store"

    @property
    def update(self) -> str:
        return self.url + "/update"

    def clear(self) -> None:
        data = b"update=DROP+ALL"
        request = urllib.request.Request(self.update, data=data, method="POST",
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        urllib.request.urlopen(request, timeout=10).close()

    def upload(self, data: bytes, content_type: str = "application/trig") -> None:
        """Load RDF straight into the store (POST to the Graph Store), as someone filling it by hand would."""
        request = urllib.request.Request(self.store, data=data, method="POST",
                                         headers={"Content-Type": content_type})
        urllib.request.urlopen(request, timeout=10).close()


def start_oxigraph(location: Path, union: bool = False) -> Oxigraph:
    """`oxigraph serve` on a free loopback port: as it comes, or with `--union-default-graph`."""
    binary = require_tool("oxigraph")
    port = free_port()
    process = subprocess.Popen(
        [binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}",
         *(["--union-default-graph"] if union else [])],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):  # wait until it answers (up to ~20 s on a slow machine)
        if process.poll() is not None:
            raise RuntimeError(f"oxigraph exited: {process.stderr.read().decode() if process.stderr else ''}")
        try:
            urllib.request.urlopen(url + "/query?query=ASK%7B%7D", timeout=1).close()
            return Oxigraph(process, url)
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    stop(process)
    raise RuntimeError("oxigraph did not start answering")


@contextmanager
def running_oxigraph(location: Path, union: bool = False) -> Iterator[Oxigraph]:
    """An Oxigraph server for the length of a `with` block, stopped (and its pipe closed) after it."""
    server = start_oxigraph(location, union)
    try:
        yield server
    finally:
        stop(server.process)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stderr is not None:  # the pipe kept for start-up errors; left open it leaks a file handle
        process.stderr.close()


EMPTY = b'{"head": {"vars": []}, "results": {"bindings": []}}'
ONE_ROW = b'{"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "literal", "value": "ok"}}]}}'


class Misbehaving(BaseHTTPRequestHandler):
    """/500 fails, /html answers a web page, /garbage broken JSON, /slow waits 3 s, /503 fails twice."""

    attempts: dict[str, int] = {}

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        self.answer()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.answer()

    do_PUT = do_POST
    do_DELETE = do_GET

    def answer(self) -> None:
        path = self.path.split("?")[0]
        Misbehaving.attempts[path] = Misbehaving.attempts.get(path, 0) + 1
        if path == "/500":
            self.send(500, "text/plain", b"boom: internal failure")
        elif path == "/html":
            self.send(200, "text/html", b"<!DOCTYPE html><html><body>Welcome to our portal</body></html>")
        elif path == "/html-as-json":
            self.send(200, "application/sparql-results+json", b"<html><body>login</body></html>")
        elif path == "/garbage":
            self.send(200, "application/sparql-results+json", b'{"head": {"vars": ["x"]}, "results": 42')
        elif path == "/slow":
            time.sleep(3)
            self.send(200, "application/sparql-results+json", EMPTY)
        elif path == "/503" and Misbehaving.attempts[path] <= 2:
            self.send(503, "text/plain", b"warming up")
        elif path == "/503":
            self.send(200, "application/sparql-results+json", ONE_ROW)
        else:
            self.send(404, "text/plain", b"not here")

    def send(self, status: int, content_type: str, body: bytes) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (the timeout test)
            pass


