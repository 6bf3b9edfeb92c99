"""Where each of the server's paths lives in the static site, and the pages' links made relative.

The server's pages link by server path (`/id/hhs`, `/queries/funding?format=csv`, `/static/style.css`).
In the static site each path is a file (`id/hhs.html`, `queries/funding.csv`, `static/style.css`) and each
link is made relative to the page that holds it, so the site works from any base path and from file://.
A path the site cannot hold (the live endpoint `/sparql?query=...`) is an error, never a broken link.
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Callable
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from tipkg.errors import TipkgError
from tipkg.formats import Format
from tipkg.server.negotiation import SUFFIXES

# Folders copied or fetched as they are: the path is the file (/.well-known/void: the VoID description).
AS_IS = ("static/", "dist/", "download/", ".well-known/")
# The ontology's RDF/XML also under the name `tipkg build` gives it.
DOCUMENT_SUFFIXES = (*SUFFIXES, ".owl")
# Links in the pages: every attribute that names a URL is written `name="..."` by Jinja2 (and by the
# SVG of the structure diagram: `xlink:href="..."`), its value escaped, so no other `"` can occur in it.
LINK = re.compile(r'(?<![\w-])(?P<attr>(?:xlink:)?href|src|action)="(?P<url>[^"]*)"')


class UnmappedLink(TipkgError):
    """A page links to a server path that the static site cannot hold (a bug in a template)."""


def site_file(path: str, query: str = "") -> str:
    """The file (relative to the site's root) that holds the server's `path` (with its `query`)."""
    if not path.startswith("/"):
        raise UnmappedLink(f"not a server path: {path!r}")
    rel = path[1:]
    if rel == "" or rel.endswith("/"):
        file = rel + "index.html"
    elif rel.startswith(AS_IS):
        file = rel
    elif rel == "sparql":
        file = "sparql.html"
    elif rel.startswith("queries/"):
        file = _query_file(rel, dict(parse_qsl(query)))
        query = ""
    elif posixpath.splitext(rel)[1] in DOCUMENT_SUFFIXES:
        file = rel
    else:
        file = rel + ".html"
    if query:
        raise UnmappedLink(f"the static site has no answer for {path}?{query} (a live query)")
    return file


def _query_file(rel: str, params: dict[str, str]) -> str:
    fmt = params.pop("format", Format.HTML.value)
    if params:
        raise UnmappedLink(f"the static site holds canned queries without parameters, not /{rel}?{params}")
    return f"{rel}.{fmt}"


def relative(target: str, page: str) -> str:
    """The link from the file `page` to the file `target` (both relative to the root), URL-quoted."""
    link = posixpath.relpath(target, posixpath.dirname(page) or ".")
    return quote(link, safe="/#")


def relink(markup: str, page: str, found: Callable[[str, str], None], root: str | None = None) -> str:
    """`markup` (an HTML page to be written at `page`) with every server-path link made a relative link
    to its file (or, given the site's `root` path on its host, an absolute one: 404.html, which a host
    shows at any depth); `found(path, query)` is told each path linked, so that the caller writes it too."""

    def rewrite(match: re.Match) -> str:
        url = html.unescape(match["url"])
        if not url.startswith("/") or url.startswith("//"):
            return match[0]  # a fragment, a relative or an external link: as it is
        parts = urlsplit(url)
        path = unquote(parts.path)
        found(path, parts.query)
        file = site_file(path, parts.query)
        link = root + quote(file, safe="/") if root is not None else relative(file, page)
        if parts.fragment:
            link += "#" + parts.fragment
        return f'{match["attr"]}="{html.escape(link)}"'

    return LINK.sub(rewrite, markup)
