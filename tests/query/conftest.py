"""Fixtures for the query tests: a tiny project, a real Oxigraph server, and a misbehaving HTTP endpoint.

The Oxigraph server (`oxigraph serve`, from the PyPI package `oxigraph`) runs on a free 127.0.0.1 port with
`--union-default-graph`, so that queries without GRAPH see every named graph, as they do locally; it is
stopped by its PID at the end. The misbehaving endpoint is a stdlib http.server on loopback that answers
500, an HTML page, garbage, or too slowly, depending on the path (see query_support.Misbehaving).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from query_support import Misbehaving, Oxigraph, running_oxigraph

from tipkg.load import LoadedProject, load_project
from tipkg.project import Project

MINI = Path(__file__).resolve().parent / "fixtures" / "mini"


@pytest.fixture(scope="session")
def mini_dir() -> Path:
    return MINI


@pytest.fixture(scope="session")
def mini_loaded() -> LoadedProject:
    return load_project(Project(MINI))


@pytest.fixture(scope="session")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Oxigraph]:
    with running_oxigraph(tmp_path_factory.mktemp("oxigraph")) as server:
        yield server


@pytest.fixture
def empty_oxigraph(oxigraph: Oxigraph) -> Oxigraph:
    """The session's Oxigraph server, emptied."""
    oxigraph.clear()
    return oxigraph


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
