"""`tipkg serve`: a read-only SPARQL 1.1 endpoint and dereferenceable linked data with HTML pages.

See docs/serve.md. Module map: app (the Starlette app and settings) <- pages (linked-data pages, content
negotiation), sparql (protocol endpoint, canned queries, service description) <- site (the graph indexed
for pages), catalogue (canned queries, VoID metadata), responses (cached representations), negotiation
(Accept, format parameters, suffixes; the formats are `tipkg.formats`), safety (body cap), engine (the
screen and the killable query worker pool) <- worker (the worker process). Results and RDF are written by
`tipkg.results`; queries run on the `tipkg.engine` store layout.

The names below are imported lazily so that a query worker (`python -m tipkg.server.worker`) starts
without loading Starlette and rdflib.
"""

from __future__ import annotations

__all__ = ["ServerSettings", "create_app"]


def __getattr__(name: str):
    if name in __all__:
        from tipkg.server import app

        return getattr(app, name)
    raise AttributeError(name)
