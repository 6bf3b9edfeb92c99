"""What the SPARQL editor on /sparql is told: the canned queries as examples and the project's prefixes.

The editor is YASGUI (@zazuko/yasgui, vendored in static/vendor/yasgui, NOTICE.md there);
static/sparql-editor.js starts it on this server's own endpoint from a JSON data block of the page (a data
block is not script, so the Content-Security-Policy lets the page carry it). Without JavaScript the page's
plain form still works.
"""

from __future__ import annotations

from collections.abc import Mapping

from tipkg.queries import CannedQuery
from tipkg.vocab import PREFIXES


def editor_config(queries: Mapping[str, CannedQuery], endpoint: str = "/sparql") -> dict:
    """The editor's settings: the endpoint (this server's path; in a static site the URL it was given, or ""
    for one the reader types in), prefixes, and each canned query's text by name."""
    return {
        "endpoint": endpoint,
        "prefixes": dict(PREFIXES),
        "examples": {name: {"title": query.title, "query": query.text} for name, query in queries.items()},
    }
