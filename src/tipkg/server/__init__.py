"""`tipkg serve`: a read-only SPARQL 1.1 endpoint and dereferenceable linked data with HTML pages.

See docs/serve.md. Module map: app (the Starlette app and settings) <- pages (linked-data pages, content
negotiation), sparql (protocol endpoint, canned queries, service description) <- site (the graph indexed
for pages), catalogue (canned queries, VoID metadata), results (result and RDF writers), responses
(cached representations), negotiation (formats, Accept), safety (read-only screen, body cap),
engine (the killable query worker pool) <- worker (the worker process).

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
