"""Redirect rules for the static site: an Apache `.htaccess` in w3id.org's style, and a `_redirects` file.

The IRIs `https://w3id.org/tipkg/id/<slug>` name things, not documents. As `tipkg serve` does (docs/serve.md),
RDF asked for at an IRI is a `303 See Other` to the document (`id/hhs.ttl`, ...) and the HTML page stays at
the IRI. `.htaccess` says so with mod_rewrite, negotiating on `Accept`:
- without `--site-url`, for Apache serving the site itself: the page is served in place (an internal
  rewrite to `id/hhs.html`), RDF redirects within the site, wherever it is mounted (the folder of the
  `.htaccess` is found with the usual `%{REQUEST_URI}::$1` condition, so no RewriteBase is written);
- with `--site-url URL`, as w3id.org/tipkg/.htaccess (https://github.com/perma-id/w3id.org): w3id holds no
  files, so every IRI redirects to the site at URL, the page with 303 too.
`_redirects` (Netlify, Cloudflare Pages: no `Accept` conditions there) serves each resource's page at its
IRI's path with a 200 rewrite, one line per resource.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from tipkg.errors import UsageError
from tipkg.formats import Format

# Accept patterns (mod_rewrite regular expressions) and the document each asks for, in the order tried.
NEGOTIATED = (
    (r"text/turtle", Format.TURTLE),
    (r"application/(ld\+)?json", Format.JSONLD),
    (r"application/n-triples", Format.NTRIPLES),
    (r"application/rdf\+xml", Format.RDFXML),
    (r"application/trig", Format.TRIG),
)
MEDIA_TYPES = (Format.TURTLE, Format.JSONLD, Format.NTRIPLES, Format.RDFXML, Format.TRIG, Format.NQUADS,
               Format.SPARQL_JSON, Format.SPARQL_XML, Format.CSV, Format.TSV)
ONTOLOGY = "^(ontology)$"
SITE = "%{ENV:TIPKG_SITE}"  # the site's folder on this host, set by the first rules


def resource_pattern(paths: Sequence[str]) -> str:
    """The mod_rewrite pattern that matches the resources' paths (`id/hhs`) and no file of the site (every
    file has a suffix; a resource path has no dot)."""
    dotted = [p for p in paths if "." in p]
    if dotted:
        raise UsageError(f"IRIs with a dot in their path cannot be told from documents: {dotted[:3]}")
    folders = sorted({p.split("/")[0] for p in paths if "/" in p})
    alternatives = [re.escape(f) + "/[^.]+" for f in folders]
    alternatives += [re.escape(p) for p in sorted(paths) if "/" not in p]  # resources at the top
    return "^(" + "|".join(alternatives) + ")$"


def htaccess(paths: Sequence[str], base: str, site_url: str | None) -> str:
    """The `.htaccess` text (see the module docstring)."""
    pattern = resource_pattern(paths)
    target = site_url if site_url else SITE
    lines = [
        f"# Redirects for the IRIs under {base}, written by `tipkg site` (docs/site.md).",
        f"# {len(paths)} resources ({pattern}); RDF asked for: 303 See Other to the document.",
        "Options +FollowSymLinks",
        "RewriteEngine on",
    ]
    if site_url:
        lines += [f"# As {base}.htaccess at w3id.org: the site is at {site_url}"]
    else:
        lines += [
            "# This folder's URL path, wherever the site is mounted (no RewriteBase needed).",
            r"RewriteCond %{REQUEST_URI}::$1 ^(.*?/)(.*)::\2$",
            "RewriteRule ^(.*)$ - [E=TIPKG_SITE:%1]",
            *(f"AddType {fmt.media_type} .{fmt.value}" for fmt in MEDIA_TYPES),
            f"AddType {Format.RDFXML.media_type} .owl",
            '<Files "void">',  # .well-known/void (Apache wants the section on lines of its own)
            f"ForceType {Format.TURTLE.media_type}",
            "</Files>",
        ]
    # The ontology (`ontology#Funds`) negotiates the same way: a program asking for RDF gets the file.
    for accept, fmt in NEGOTIATED:
        for matched in (pattern, ONTOLOGY):
            lines += [
                r"RewriteCond %{HTTP_ACCEPT} !text/html",
                f"RewriteCond %{{HTTP_ACCEPT}} {accept}",
                f"RewriteRule {matched} {target}$1.{fmt.value} [R=303,L]",
            ]
    lines += ["# Otherwise the page:"]
    if site_url:
        lines += [
            f"RewriteRule {pattern} {target}$1.html [R=303,L]",
            f"RewriteRule {ONTOLOGY} {target}$1.html [R=303,L]",
            "# Documents, the home page and everything else: the same path at the site.",
            f"RewriteRule ^(.*)$ {target}$1 [R=302,L]",
        ]
    else:
        lines += [
            f"RewriteRule {pattern} $1.html [L]",
            f"RewriteRule {ONTOLOGY} $1.html [L]",
            "RewriteRule ^sparql$ sparql.html [L]",
        ]
    return "\n".join(lines) + "\n"


def redirects(paths: Sequence[str], site_url: str | None) -> str:
    """The `_redirects` text: each resource's IRI path serves its page (a 200 rewrite)."""
    root = urlsplit(site_url).path if site_url else "/"
    root = root if root.endswith("/") else root + "/"
    lines = [f"# Written by `tipkg site` (docs/site.md): the site at {root} of its host."]
    lines += [f"{root}{path}  {root}{path}.html  200" for path in sorted(paths)]
    lines += [f"{root}ontology  {root}ontology.html  200", f"{root}sparql  {root}sparql.html  200"]
    return "\n".join(lines) + "\n"
