"""Read-only guards for a public endpoint: what a query may say, and how large a request may be.

Oxigraph would happily run `SERVICE <http://...>` (it makes the HTTP call) and the query parser is the
only thing between a request and an update, so the text is screened before it reaches a worker:
SPARQL Update (and with it LOAD) is refused, and so is the SERVICE keyword. The screen reads the query
the way a SPARQL lexer does — IRIs, strings and comments are skipped, so `<http://ex/service>` or
"service" in a literal pass — and it errs on the side of refusing. The worker's own network namespace
(see engine.py) is the second line.
"""

from __future__ import annotations

import re

from starlette.requests import Request

from tipkg.server.engine import QueryError

UPDATE_KEYWORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH")

# Skipped by the screen: IRIs, the four string forms, comments. Order matters: long strings first.
_SKIP = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|<[^<>\"{}|^`\\\s]*>"
    r"|#[^\n]*",
    re.DOTALL,
)
# A keyword stands alone: not part of a prefixed name, variable, blank node label or language tag.
_SERVICE = re.compile(r"(?<![\w:?$@\-])SERVICE(?![\w:\-])", re.IGNORECASE)
_FIRST_WORDS = re.compile(r"(?:\s*(?:PREFIX\s+[\w.\-]*:\s*|BASE\s+))*\s*([A-Za-z]+)", re.IGNORECASE)
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _decode_codepoints(text: str) -> str:
    """SPARQL allows \\uXXXX escapes anywhere in a query; decode them so that they cannot hide a keyword."""

    def replace(match: re.Match) -> str:
        try:
            return chr(int(match.group(1) or match.group(2), 16))
        except ValueError:
            return match.group(0)

    return _CODEPOINT.sub(replace, text)


def skeleton(query: str) -> str:
    """The query with IRIs, strings and comments blanked out (each replaced by one space)."""
    return _SKIP.sub(" ", _decode_codepoints(query))


def check_read_only(query: str) -> None:
    """Raise a 403 QueryError for SPARQL Update (incl. LOAD) or SERVICE; otherwise return quietly."""
    bare = skeleton(query)
    first = _FIRST_WORDS.match(bare)
    if first and first.group(1).upper() in UPDATE_KEYWORDS:
        raise QueryError(
            f"this endpoint is read-only: SPARQL Update ({first.group(1).upper()}) is not "
            "accepted. Use SELECT, ASK, CONSTRUCT or DESCRIBE.",
            status=403,
            title="Read-only endpoint",
        )
    if _SERVICE.search(bare):
        raise QueryError(
            "SERVICE (federated query to another endpoint) is not allowed here: this endpoint "
            "answers from its own data only.",
            status=403,
            title="Federated query refused",
        )


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
