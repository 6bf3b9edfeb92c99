"""The server's pages, fetched from its own application in-process and written as files.

`tipkg serve`'s Starlette app answers an httpx client through `httpx.ASGITransport` (no socket, no
network: ASGI calls in this process), the way Frozen-Flask freezes a Flask app with Flask's test client;
the app's lifespan (its query workers) runs around the crawl. So every page of the static
site is the page the server renders, by the same handlers and templates (one definition of each page).
The crawl starts from the home page, every resource and every canned query, and follows every link of
every page (links.relink), so that whatever a page links to is written too.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from starlette.applications import Starlette

from tipkg.site.links import UnmappedLink, relink, site_file

# What a page's file is fetched with: a browser's Accept (a resource's IRI gives its page). A document's
# suffix or ?format= names its format; a path without one (/.well-known/void) gets Turtle.
DOCUMENT = "text/turtle, */*;q=0.1"
# Not a real host: the pages never show it in the static site (links are relative), and nothing resolves it.
BASE_URL = "http://tipkg-site.invalid"


def crawl(app: Starlette, seeds: Iterable[str], folder: Path) -> list[str]:
    """Fetch every seed (a server path, with its query if any) and every path the fetched pages link to;
    write each into `folder` at its file (links.site_file). Files already in `folder` (static/, dist/,
    pages written before) are linked to, not fetched. Returns the files written or linked, sorted."""
    return asyncio.run(_crawl(app, seeds, folder))


async def _crawl(app: Starlette, seeds: Iterable[str], folder: Path) -> list[str]:
    queue: deque[tuple[str, str]] = deque((urlsplit(seed).path, urlsplit(seed).query) for seed in seeds)
    done: set[str] = set()
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url=BASE_URL) \
            as client:
        while queue:
            path, query = queue.popleft()
            file = site_file(path, query)
            if file in done:
                continue
            done.add(file)
            if (folder / file).is_file():
                continue
            body = await _fetch(client, path, query, "text/html" if file.endswith(".html") else DOCUMENT)
            if file.endswith(".html"):
                body = relink(body.decode("utf-8"), file, lambda p, q: queue.append((p, q))).encode("utf-8")
            target = folder / file
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(body)
    return sorted(done)


async def _fetch(client: httpx.AsyncClient, path: str, query: str, accept: str) -> bytes:
    response = await client.get(path + ("?" + query if query else ""), headers={"Accept": accept})
    if response.status_code != 200:
        first = response.text.strip().splitlines()[:1]
        raise UnmappedLink(f"{path}: the server answered {response.status_code} ({' '.join(first)[:200]}); "
                           "the static site would link to a page that does not exist")
    return response.content
