"""Security headers on every response (pages, data, static files, preflights, every error status) and gzip
for large bodies, against the real fixture server; a 500 against the app class itself."""

from __future__ import annotations

import asyncio
import gzip

import httpx
import pytest
from starlette.responses import Response
from starlette.routing import Route
from tests.serve.conftest import FIXTURE_PROJECT, MAX_BODY

from tipkg.load import load_project
from tipkg.project import find_project
from tipkg.server.app import App, create_app
from tipkg.server.headers import SECURITY_HEADERS

HHS = "https://w3id.org/tipkg/id/hhs"


def assert_secure(response: httpx.Response) -> None:
    """Each security header once, with the value of the one place that defines them; and, read on its
    own, what they must say."""
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get_list(name) == [value], name
    policy = [directive.strip() for directive in response.headers["content-security-policy"].split(";")]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    assert "unsafe-eval" not in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"


REQUESTS = [
    # (method, path, headers, body, expected status)
    ("GET", "/", {"Accept": "text/html"}, None, 200),
    ("HEAD", "/id/hhs", {}, None, 200),
    ("GET", "/id/hhs.ttl", {}, None, 200),
    ("GET", "/id/hhs", {"Accept": "text/turtle"}, None, 303),
    ("GET", "/id/", {}, None, 200),
    ("GET", "/ontology", {}, None, 200),
    ("GET", "/ontology.owl", {}, None, 200),
    ("GET", "/.well-known/void", {}, None, 200),
    ("GET", "/sparql", {"Accept": "text/html"}, None, 200),
    ("GET", "/sparql", {"Accept": "text/turtle"}, None, 200),
    ("GET", "/sparql?query=ASK%7B%7D", {}, None, 200),
    ("GET", "/queries/hotlines", {"Accept": "text/csv"}, None, 200),
    ("GET", "/static/style.css", {}, None, 200),
    ("GET", "/download/data.nq", {}, None, 200),
    ("OPTIONS", "/sparql", {"Origin": "https://x.example", "Access-Control-Request-Method": "GET"}, None,
     200),
    ("GET", "/id", {}, None, 308),
    ("GET", "/sparql?query=SELEC", {}, None, 400),
    ("GET", "/sparql?query=SELEC", {"Accept": "text/html"}, None, 400),
    ("GET", "/sparql?query=CLEAR%20ALL", {}, None, 403),
    ("GET", "/id/no-such-thing", {}, None, 404),
    ("GET", "/id/no-such-thing", {"Accept": "text/html"}, None, 404),
    ("DELETE", "/sparql", {}, None, 405),
    ("GET", "/id/hhs", {"Accept": "image/png"}, None, 406),
    ("POST", "/sparql", {"Content-Type": "application/sparql-query"}, b"#" * (MAX_BODY + 1), 413),
    ("POST", "/sparql", {"Content-Type": "application/json"}, b"{}", 415),
]


@pytest.mark.parametrize(("method", "path", "headers", "body", "status"), REQUESTS,
                         ids=[f"{r[0]} {r[1][:30]} {r[4]}" for r in REQUESTS])
def test_every_response_carries_the_security_headers(client, method, path, headers, body, status):
    response = client.request(method, path, headers=headers, content=body)
    assert response.status_code == status, response.text[:300]
    assert_secure(response)


def test_the_list_has_a_request_for_every_route():
    """A route added to the app without a request above fails here (the catch-all aside)."""
    app = create_app(load_project(find_project(FIXTURE_PROJECT)))
    paths = [path.split("?")[0] for _, path, *_ in REQUESTS]
    for route in app.routes:
        if getattr(route, "path", "") == "/{path:path}":
            continue
        assert any(route.path_regex.match(path) for path in paths), route.path


def test_a_304_carries_them_too(client):
    etag = client.get("/id/hhs.ttl").headers["etag"]
    response = client.get("/id/hhs.ttl", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert_secure(response)


def test_a_server_error_carries_them_too():
    """Outside Starlette's own error handling: an exception in a handler still gets them."""

    def boom(request) -> Response:
        raise RuntimeError("a handler that fails")

    async def get() -> httpx.Response:
        transport = httpx.ASGITransport(app=App(routes=[Route("/boom", boom)]), raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as test:
            return await test.get("/boom")

    response = asyncio.run(get())
    assert response.status_code == 500
    assert_secure(response)


# ------------------------------------------------------------------------------------------------- gzip


def test_a_large_body_is_gzipped_for_a_client_that_accepts_it(client):
    plain = client.get("/download/data.nq", headers={"Accept-Encoding": "identity"})
    packed = client.get("/download/data.nq", headers={"Accept-Encoding": "gzip"})
    assert plain.status_code == packed.status_code == 200
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.content == plain.content  # httpx decoded it
    assert packed.num_bytes_downloaded < len(plain.content) / 3
    assert "accept-encoding" in packed.headers["vary"].lower()
    # Another encoding of the same bytes: the ETag is weak, and still revalidates.
    assert packed.headers["etag"] == "W/" + plain.headers["etag"]
    again = client.get("/download/data.nq", headers={"Accept-Encoding": "gzip",
                                                     "If-None-Match": packed.headers["etag"]})
    assert again.status_code == 304
    assert_secure(packed)


def test_the_gzipped_bytes_are_a_gzip_stream(fixture_server):
    with httpx.Client(base_url=fixture_server.url) as raw, raw.stream(
            "GET", "/id/hhs", headers={"Accept": "text/html", "Accept-Encoding": "gzip"}) as response:
        body = b"".join(response.iter_raw())
    assert response.headers["content-encoding"] == "gzip"
    assert HHS.encode() in gzip.decompress(body)


def test_a_small_body_is_not_compressed(client):
    response = client.get("/sparql", params={"query": "ASK {}"}, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert len(response.content) < 1024
    assert "content-encoding" not in response.headers


def test_a_query_shown_back_on_an_error_page_is_escaped(client):
    """The query box of a 400 page holds the client's text as text, not as markup."""
    hostile = '</textarea><script>alert(1)</script><img src=x onerror="alert(2)">'
    response = client.get("/sparql", params={"query": hostile}, headers={"Accept": "text/html"})
    assert response.status_code == 400
    assert "text/html" in response.headers["content-type"]
    assert "<script>alert(1)" not in response.text and "<img src=x" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert_secure(response)
