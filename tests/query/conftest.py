"""Fixtures for the query tests: a tiny project, real Oxigraph servers, and a misbehaving HTTP endpoint.

Two Oxigraph servers (`oxigraph serve`, from the PyPI package `oxigraph`), each started once per test module
that asks for it, on a free 127.0.0.1 port, and stopped by its PID at the end of the module: `stock_oxigraph`
as it comes (no flags: its default graph is only the default graph) and `oxigraph` with
`--union-default-graph`. `tipkg push` and `--endpoint` must give the same rows on both.
The misbehaving endpoint is a stdlib http.server on loopback that answers
500, an HTML page, garbage, or too slowly, depending on the path (see query_support.Misbehaving).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from query_support import Misbehaving, Oxigraph, project_store, running_oxigraph

from tipkg.engine import ProjectStore
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
def mini_store(mini_loaded: LoadedProject) -> ProjectStore:
    return project_store(mini_loaded)


@pytest.fixture(scope="session")
def bundled_store(loaded: LoadedProject) -> ProjectStore:
    return project_store(loaded)


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Oxigraph]:
    """`oxigraph serve --union-default-graph`, once per module."""
    with running_oxigraph(tmp_path_factory.mktemp("oxigraph-union"), union=True) as server:
        yield server


@pytest.fixture(scope="module")
def stock_oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Oxigraph]:
    """`oxigraph serve` with no flags, once per module."""
    with running_oxigraph(tmp_path_factory.mktemp("oxigraph-stock"), union=False) as server:
        yield server


@pytest.fixture
def empty_oxigraph(oxigraph: Oxigraph) -> Oxigraph:
    """The module's union Oxigraph server, emptied."""
    oxigraph.clear()
    return oxigraph


@pytest.fixture
def empty_stock_oxigraph(stock_oxigraph: Oxigraph) -> Oxigraph:
    """The module's stock Oxigraph server, emptied."""
    stock_oxigraph.clear()
    return stock_oxigraph


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
