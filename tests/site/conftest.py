"""The static site of the bundled graph, written twice by `tipkg site` in two processes (different hash
seeds), once per test session: the link checker reads the first, the stability test compares the two."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.serve.conftest import browser

REPO = Path(__file__).resolve().parent.parent.parent


def write_site(out: Path, seed: str, *options: str) -> subprocess.CompletedProcess:
    """`tipkg site --out OUT` as a user runs it, from the repository (the bundled project)."""
    env = {**os.environ, "PYTHONHASHSEED": seed}
    return subprocess.run([sys.executable, "-m", "tipkg", "site", "--out", str(out), *options],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=600)


def written(tmp_path_factory, name: str, seed: str) -> Path:
    out = tmp_path_factory.mktemp(name) / "site"
    done = write_site(out, seed)
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="session")
def sites(tmp_path_factory) -> tuple[Path, Path]:
    """Both sites, one right after the other (the working tree should not change between them)."""
    return written(tmp_path_factory, "site-a", "1"), written(tmp_path_factory, "site-b", "2")


@pytest.fixture(scope="session")
def site(sites) -> Path:
    return sites[0]


@pytest.fixture(scope="session")
def site_again(sites) -> Path:
    return sites[1]


@contextlib.contextmanager
def running(command: list[str], url: str, **popen) -> Iterator[str]:
    """A server started by `command` (its own session: Apache signals its whole process group when it
    stops), once `url` answers; stopped by its process when the block ends."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True, **popen)
    try:
        for _ in range(100):
            with contextlib.suppress(httpx.TransportError):
                httpx.get(url, timeout=1)
                break
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


__all__ = ["browser"]  # the real browser of the server's tests (Debian chromium driven by playwright)
