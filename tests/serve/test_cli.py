"""`tipkg serve` as a command: its errors are exit code 2 with one line on stderr, never a traceback."""

from __future__ import annotations

import socket

from click.testing import CliRunner

from tipkg.cli import main


def run(*args: str):
    return CliRunner().invoke(main, ["serve", *args])


def test_port_in_use():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        result = run("--port", str(taken.getsockname()[1]))
    assert result.exit_code == 2
    assert "cannot listen on 127.0.0.1" in result.output


def test_missing_project(tmp_path):
    result = run("--project", str(tmp_path / "nowhere"), "--port", "0")
    assert result.exit_code == 2
    assert "project folder not found" in result.output


def test_bad_limits_are_usage_errors():
    assert run("--timeout", "0").exit_code == 2
    assert run("--workers", "0").exit_code == 2


def test_help_names_the_safe_defaults():
    text = run("--help").output
    for default in ("127.0.0.1", "10.0", "10000", "1048576"):
        assert default in text


def test_serve_without_the_serve_extra_says_how_to_install_it(monkeypatch):
    """`pip install tipkg` has no server libraries (they are the `serve` extra): a clear usage error."""
    monkeypatch.setitem(__import__("sys").modules, "uvicorn", None)  # what `import uvicorn` sees when absent
    result = run("--port", "0")
    assert result.exit_code == 2
    assert "tipkg serve needs the server's libraries (uvicorn is missing): pip install 'tipkg[serve]'" in (
        result.stderr)
    assert "Traceback" not in result.output
