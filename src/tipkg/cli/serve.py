"""CLI command: `tipkg serve`, a read-only SPARQL endpoint and linked-data pages (tipkg.server)."""

from __future__ import annotations

import ipaddress
import socket
import sys
from pathlib import Path

import click

from tipkg.cli.common import progress, project_option, reports_errors
from tipkg.errors import UsageError
from tipkg.vocab import BASE


def register(group: click.Group) -> None:
    """Add this module's commands to the main group."""
    group.add_command(serve)


@click.command()
@project_option
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Loopback by default; 0.0.0.0 exposes the server to the network.",
)
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on."
)
@click.option(
    "--base",
    default=BASE,
    show_default=True,
    help="IRIs under this base are served as local paths (<base>id/hhs -> /id/hhs).",
)
@click.option(
    "--timeout",
    default=10.0,
    show_default=True,
    type=click.FloatRange(0.1, 3600),
    help="Seconds a SPARQL query may run before it is stopped (answer 503).",
)
@click.option(
    "--max-rows",
    default=10_000,
    show_default=True,
    type=click.IntRange(1),
    help="Rows (or triples) a query may return; the rest are cut off and the answer says so.",
)
@click.option(
    "--max-body",
    default=1024 * 1024,
    show_default=True,
    type=click.IntRange(1),
    help="Bytes a POST body may have (answer 413 beyond).",
)
@click.option(
    "--workers",
    default=3,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Query worker processes. All but one may run long queries (past 0.5 s); the last one stays "
    "free for quick ones.",
)
@click.option(
    "--dist",
    "dist_dir",
    type=click.Path(path_type=Path),
    default=Path("dist"),
    show_default=True,
    help="A built dist/ folder: its void.ttl feeds the home page and its files are offered "
    "for download (ignored when missing).",
)
@click.option(
    "--inferred/--no-inferred",
    default=True,
    show_default=True,
    help="Also answer SPARQL from the OWL 2 RL entailments (in the graph id:graph/inferred).",
)
@click.option(
    "--log-level",
    default="info",
    show_default=True,
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
    help="uvicorn's log level.",
)
@reports_errors
def serve(
    project_dir, host, port, base, timeout, max_rows, max_body, workers, dist_dir, inferred, log_level
) -> None:
    """Serve the graph: SPARQL endpoint (/sparql), pages for every IRI (/id/...), ontology, canned queries.

    Read-only and in memory: nothing is written to disk. Stop with Ctrl-C.
    """
    sys.dont_write_bytecode = True  # serving writes nothing to disk, not even .pyc files of late imports
    uvicorn = server_library()

    from tipkg.load import load_project
    from tipkg.project import find_project
    from tipkg.server import ServerSettings, create_app

    _check_can_listen(host, port)
    project = find_project(project_dir)
    progress(f"loading {project.root}")
    loaded = load_project(project)
    settings = ServerSettings(
        base=base,
        timeout=timeout,
        max_rows=max_rows,
        max_body=max_body,
        workers=workers,
        dist_dir=dist_dir if dist_dir.is_dir() else None,
        inferred=inferred,
    )
    app = create_app(loaded, settings)
    if not _is_loopback(host):
        progress(f"warning: listening on {host}, reachable from other machines")
    progress(f"serving on http://{host}:{port}/ (SPARQL at /sparql)")
    uvicorn.run(app, host=host, port=port, log_level=log_level, server_header=False)


def server_library():
    """uvicorn, or a usage error that says how to install the server's libraries (an extra of tipkg)."""
    try:
        import jinja2  # noqa: F401 - the pages
        import starlette  # noqa: F401 - the application
        import uvicorn
    except ImportError as exc:
        raise UsageError(f"tipkg serve needs the server's libraries ({exc.name} is missing): "
                         "pip install 'tipkg[serve]'") from None
    return uvicorn


def _check_can_listen(host: str, port: int) -> None:
    """Fail early, with exit code 2, when the address is taken or cannot be bound."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UsageError(f"cannot listen on {host}: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise UsageError(
                f"cannot listen on {host}:{port}: {exc.strerror}",
            ) from None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
