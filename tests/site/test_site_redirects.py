"""The redirect rules against the entity list: `.htaccess` (w3id style: 303 to the document when RDF is
asked for, by content negotiation) matches every resource's path and no file of the site, and each rule's
target exists; `_redirects` has exactly one line per resource, to its page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tests.site.test_site_links import resources

from tipkg.vocab import BASE

RDF_ACCEPT = {
    "text/turtle": "ttl",
    "application/ld+json": "jsonld",
    "application/n-triples": "nt",
    "application/rdf+xml": "rdf",
    "application/trig": "trig",
}


def rules(htaccess: str) -> list[tuple[list[str], str, str, str]]:
    """(conditions, pattern, substitution, flags) of each RewriteRule, with the RewriteConds before it."""
    found, conditions = [], []
    for line in htaccess.splitlines():
        words = line.split()
        if words[:1] == ["RewriteCond"]:
            conditions.append(" ".join(words[1:]))
        elif words[:1] == ["RewriteRule"]:
            found.append((conditions, words[1], words[2], words[3] if len(words) > 3 else ""))
            conditions = []
    return found


def apply(htaccess: str, path: str, accept: str) -> tuple[str, str] | None:
    """What the first matching rule (mod_rewrite's order, conditions on Accept) does with `path`:
    (substitution with $1 filled in, flags); None when no rule rewrites it."""
    for conditions, pattern, substitution, flags in rules(htaccess):
        match = re.fullmatch(pattern.strip("^$"), path)
        if not match or substitution == "-":
            continue
        ok = True
        for condition in conditions:
            variable, test = condition.split()[:2]
            if variable == "%{HTTP_ACCEPT}":
                negated = test.startswith("!")
                ok &= bool(re.search(test.lstrip("!"), accept)) != negated
        if ok:
            return substitution.replace("$1", match.group(1) if match.groups() else ""), flags
    return None


@pytest.fixture(scope="module")
def htaccess(site: Path) -> str:
    return (site / ".htaccess").read_text(encoding="utf-8")


def test_rdf_at_every_resource_is_303_to_its_document(site, loaded, htaccess):
    paths = sorted(iri[len(BASE):] for iri in resources(loaded))
    for path in paths:
        for accept, suffix in RDF_ACCEPT.items():
            substitution, flags = apply(htaccess, path, accept)
            assert flags == "[R=303,L]", (path, accept)
            assert substitution == "%{ENV:TIPKG_SITE}" + f"{path}.{suffix}"
            assert (site / f"{path}.{suffix}").is_file()
        page, flags = apply(htaccess, path, "text/html,application/xhtml+xml,*/*;q=0.8")
        assert page == f"{path}.html" and "R=" not in flags  # the page stays at the IRI
        assert (site / page).is_file()


def test_the_ontology_negotiates_too(site, htaccess):
    for accept, suffix in RDF_ACCEPT.items():
        substitution, flags = apply(htaccess, "ontology", accept)
        assert (substitution, flags) == ("%{ENV:TIPKG_SITE}ontology." + suffix, "[R=303,L]")
        assert (site / f"ontology.{suffix}").is_file()
    assert apply(htaccess, "ontology", "text/html") == ("ontology.html", "[L]")


def test_no_file_of_the_site_is_rewritten(site, htaccess):
    for file in site.rglob("*"):
        if file.is_file():
            assert apply(htaccess, file.relative_to(site).as_posix(), "text/turtle") is None, file


def test_redirects_file_has_one_line_per_resource(site, loaded):
    lines = [line.split() for line in (site / "_redirects").read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#")]
    resource_lines = {source: (target, status) for source, target, status in lines
                      if source not in ("/ontology", "/sparql")}
    expected = {"/" + iri[len(BASE):] for iri in resources(loaded)}
    assert set(resource_lines) == expected
    for source, (target, status) in resource_lines.items():
        assert (target, status) == (source + ".html", "200")
        assert (site / target.lstrip("/")).is_file()
