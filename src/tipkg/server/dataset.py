"""`/.well-known/void`: the dataset's VoID + DCAT description as this server serves it (VoID, section 7.1).

The same graph the home page shows (`catalogue.served_void`): the build's void.ttl when the server has a
`--dist`, else the description `tipkg build` would write; with `void:sparqlEndpoint` and a `dcat:DataService`
for this server's /sparql, which a build cannot state (it does not know where it will be served;
docs/counts.md). RDF by `Accept` (Turtle for `*/*`), written like every page's RDF (`pages.write_graph`).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from tipkg.server.negotiation import RDF_FORMATS, negotiate
from tipkg.server.pages import error_response, write_graph
from tipkg.server.responses import Representation

WELL_KNOWN_VOID = "/.well-known/void"


async def void_description(request: Request) -> Response:
    server = request.app.state.server
    fmt = negotiate(request.headers.get("accept"), RDF_FORMATS)
    if fmt is None:
        wanted = ", ".join(f.media_type for f in RDF_FORMATS)
        return error_response(request, server, 406, "Not acceptable", f"the VoID description is {wanted}",
                              headers={"Vary": "Accept"})
    key = ("void", fmt)
    found = server.pages.get(key)
    if found is None:
        body = write_graph(sorted(server.void), fmt, server.site.jsonld_context)
        found = server.pages[key] = Representation.of(body, fmt, {"Vary": "Accept"})
    return found.response(request)
