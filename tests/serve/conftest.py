"""Fixtures for the server tests: a real `tipkg serve` (uvicorn, worker processes) on a free loopback port.

The server runs as a subprocess, as a user would start it, from an empty working folder with its own
TMPDIR and HOME, so that a test can check afterwards that it wrote nothing anywhere. Two servers: one on
the small fixture project in fixtures/project (short timeout, small row cap, to exercise the limits) and
one on the bundled fact-sheet graph (for the browser test and the pages of the real data).

`serve_in_process` runs the same app (`create_app` under uvicorn) in a thread of the test process instead,
for the tests that look inside the running server: which query worker processes it has
(`QueryEngine.worker_pids`).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from tests.conftest import require_tool

from tipkg.load import LoadedProject
from tipkg.server import ServerSettings, create_app
from tipkg.server.engine import QueryEngine

HERE = Path(__file__).resolve().parent
FIXTURE_PROJECT = HERE / "fixtures" / "project"
REPO = HERE.parent.parent
ARTIFACTS = HERE / "artifacts"

# Limits of the fixture server: short enough that a hostile query is stopped quickly in a test.
TIMEOUT = 3.0
MAX_ROWS = 30
MAX_BODY = 64 * 1024


@dataclass
class RunningServer:
    url: str
    process: subprocess.Popen
    home: Path  # working folder, TMPDIR and HOME of the server
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def client(self, **kwargs) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, **kwargs)

    def children(self) -> set[int]:
        """The server's child processes (its query workers)."""
        found: set[int] = set()
        for task in Path(f"/proc/{self.pid}/task").iterdir():
            try:
                children = (task / "children").read_text().split()
            except FileNotFoundError:  # a thread that ended since the listing (pool threads come and go)
                continue
            found.update(int(pid) for pid in children)
        return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(project: Path, home: Path, *options: str) -> RunningServer:
    port = free_port()
    for name in ("cwd", "tmp", "home"):
        (home / name).mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "TMPDIR": str(home / "tmp"),
        "HOME": str(home / "home"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    src = str(REPO / "src")
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    log = home / "server.log"
    command = [
        sys.executable,
        "-m",
        "tipkg",
        "serve",
        "--project",
        str(project),
        "--port",
        str(port),
        "--log-level",
        "warning",
        *options,
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=home / "cwd", env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"tipkg serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(url + "/sparql?query=ASK%7B%7D", timeout=2).status_code == 200:
                return RunningServer(url, process, home, log)
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"tipkg serve did not answer within 60 s:\n{log.read_text()}")


def stop_server(server: RunningServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=5)


@pytest.fixture(scope="session")
def fixture_server(tmp_path_factory) -> Iterator[RunningServer]:
    server = start_server(
        FIXTURE_PROJECT,
        tmp_path_factory.mktemp("serve-fixture"),
        "--timeout",
        str(TIMEOUT),
        "--max-rows",
        str(MAX_ROWS),
        "--max-body",
        str(MAX_BODY),
        "--workers",
        "2",
    )
    yield server
    stop_server(server)


@pytest.fixture(scope="session")
def bundled_server(tmp_path_factory) -> Iterator[RunningServer]:
    server = start_server(REPO, tmp_path_factory.mktemp("serve-bundled"))
    yield server
    stop_server(server)


CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    chromium = require_tool("chromium")
    from playwright.sync_api import sync_playwright  # a declared test dependency: missing is a failure

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def client(fixture_server: RunningServer) -> Iterator[httpx.Client]:
    with fixture_server.client() as http:
        yield http


@dataclass
class InProcessServer:
    url: str
    engine: QueryEngine

    def client(self, **kwargs) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, **kwargs)


@contextlib.contextmanager
def serve_in_process(loaded: LoadedProject, settings: ServerSettings) -> Iterator[InProcessServer]:
    """`tipkg serve`'s app on a free loopback port, in a thread of this process, until the block ends."""
    app = create_app(loaded, settings)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="tipkg-serve", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError("the in-process server did not start")
        time.sleep(0.05)
    try:
        yield InProcessServer(f"http://127.0.0.1:{port}", app.state.server.engine)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
