"""The `tipkg` command: a thin click layer; each command module parses options and calls the library."""

from __future__ import annotations

import click

from tipkg import __version__
from tipkg.cli import pipeline, query, serve, site

EPILOG = """\b
Exit codes: 0 ok, 1 a check failed, 2 unusable input or usage, 3 a remote endpoint or store failed.
Start with `tipkg build` (writes dist/), then `tipkg query list` or `tipkg serve`.
"""


@click.group(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tipkg")
def main() -> None:
    """Build, validate, query, publish and serve the trafficking-in-persons knowledge graph.

    The graph is the U.S. State Department fact sheet "Overview of U.S. Government Agencies'
    Principal Roles to Combat Trafficking in Persons" (April 1, 2009) as linked data, each statement
    traceable to its sentence. Commands work on the bundled graph by default, or on any project
    folder with the same layout (--project DIR).
    """


pipeline.register(main)
query.register(main)
serve.register(main)
site.register(main)
