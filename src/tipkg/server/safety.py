"""Guards for a public endpoint that are about HTTP, not SPARQL: how large a request body may be.

What a query may say (no update, no SERVICE, no nesting that would overflow Oxigraph's parser) is decided by
`tipkg.sparql.screen`, which the engine runs before a worker sees the text (engine.check_query).
"""

from __future__ import annotations

from starlette.requests import Request

from tipkg.server.engine import QueryError


class BodyTooLarge(QueryError):
    def __init__(self, limit: int) -> None:
        super().__init__(
            f"the request body is larger than the {limit:,} byte limit", status=413, title="Request too large"
        )


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it is known (or seen) to exceed `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                raise BodyTooLarge(limit)
        except ValueError:
            raise QueryError("Content-Length is not a number", status=400, title="Bad request") from None
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)
