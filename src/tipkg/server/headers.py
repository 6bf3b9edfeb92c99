"""The security headers every response carries, pages and data, errors and static files alike.

One place: the Content-Security-Policy and its companions are `SECURITY_HEADERS`, set by `SecurityHeaders`
around the whole application (outside Starlette's error handling, so a 500 gets them too). A response
never sets these itself; to let the pages load something new (a script of the package's own, say), change
`CONTENT_SECURITY_POLICY` here.

The pages load only the package's own files (stylesheets, images, and on /sparql the scripts of the SPARQL
editor, YASGUI, vendored in static/vendor/), ask only this server (the editor's queries:
`connect-src 'self'`), post forms to it, and embed their data as JSON (data blocks, which CSP does not
treat as script). No inline script, and no inline style but the editor's two, by hash.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The two <style> rules the SPARQL editor's column resizer inserts (fixed text in the vendored yasgui.min.js),
# allowed by their hashes rather than by 'unsafe-inline' (tests/serve/test_yasgui.py recomputes them).
YASGUI_STYLE_HASHES = (
    "'sha256-zCK2EVMoPc04mRF/g5CotUvxbJPWS+8V0b+s9ptqQIk='",  # the resizable table's rules
    "'sha256-c0O6TmFAkgpNbHxKAa1BrveWHHopjEtC47i0PzMudxg='",  # *{cursor:col-resize!important} while dragging
)
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; "
    f"style-src 'self' {' '.join(YASGUI_STYLE_HASHES)}; img-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)

SECURITY_HEADERS: dict[str, str] = {
    # No browser reads a Turtle or CSV answer as HTML or script.
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    # frame-ancestors for current browsers, X-Frame-Options for old ones: no page can be framed.
    "X-Frame-Options": "DENY",
    # A query in the URL is the user's business; no other site learns it from a followed link.
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}

_RAW = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in SECURITY_HEADERS.items()]
_NAMES = {name for name, _ in _RAW}


class SecurityHeaders:
    """ASGI middleware: set `SECURITY_HEADERS` on every HTTP response (replacing any a handler set), and mark
    the ETag of a compressed body weak: the strong one names the uncompressed bytes (as nginx does)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": _with_security(message.get("headers", []))}
            await send(message)

        await self.app(scope, receive, sending)


def _with_security(headers) -> list[tuple[bytes, bytes]]:
    kept = [(k, v) for k, v in headers if k.lower() not in _NAMES]
    if any(k.lower() == b"content-encoding" for k, _ in kept):
        kept = [(k, b"W/" + v if k.lower() == b"etag" and v.startswith(b'"') else v) for k, v in kept]
    return [*kept, *_RAW]
