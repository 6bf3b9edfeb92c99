"""Fixtures for the query tests: a tiny project, a real Oxigraph server, and a misbehaving HTTP endpoint.

The Oxigraph server (`oxigraph serve`, from the PyPI package `oxigraph`) runs on a free 127.0.0.1 port with
`--union-default-graph`, so that queries without GRAPH see every named graph, as they do locally; it is
stopped by its PID at the end of the session. The misbehaving endpoint is a stdlib http.server on loopback
that answers 500, an HTML page, garbage, or too slowly, depending on the path.
"""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tipkg.load import LoadedProject, load_project
from tipkg.project import Project

MINI = Path(__file__).resolve().parent / "fixtures" / "mini"


def _root_conftest():
    """tests/conftest.py as a module (test folders have no __init__.py, so it cannot be imported by name)."""
    path = Path(__file__).resolve().parent.parent / "conftest.py"
    spec = importlib.util.spec_from_file_location("tipkg_tests_conftest", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


require_tool = _root_conftest().require_tool


@pytest.fixture(scope="session")
def mini_dir() -> Path:
    return MINI


@pytest.fixture(scope="session")
def mini_loaded() -> LoadedProject:
    return load_project(Project(MINI))


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


def start_oxigraph(location: Path) -> Oxigraph:
    binary = require_tool("oxigraph")
    port = free_port()
    process = subprocess.Popen(
        [binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}",
         "--union-default-graph"],
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
    process.kill()
    raise RuntimeError("oxigraph did not start answering")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Oxigraph]:
    server = start_oxigraph(tmp_path_factory.mktemp("oxigraph"))
    try:
        yield server
    finally:
        stop(server.process)


@pytest.fixture
def empty_oxigraph(oxigraph: Oxigraph) -> Oxigraph:
    """The session's Oxigraph server, emptied."""
    oxigraph.clear()
    return oxigraph


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


@pytest.fixture(scope="session")
def bad_endpoint() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Misbehaving)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
