"""The model as documented is the model the data uses: the vocabulary table names every term the data uses,
and names nothing that neither the data nor the ontology has.

docs/model.md is the model's documentation; the README's "The model" section is the same text (checked here),
so the two cannot drift.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import URIRef
from rdflib.namespace import RDF

from tipkg.vocab import ID_SPACES, PREFIXES

REPO = Path(__file__).resolve().parents[2]
MODEL = REPO / "docs" / "model.md"
README = REPO / "README.md"
TABLE_HEADING = "### Vocabulary: reuse first, mint only the gap"
# Prefixes of resources (id:..., scheme:...), which the table may mention as examples but are not vocabulary.
RESOURCE_PREFIXES = {"id", *ID_SPACES}
TERM = re.compile(r"`([a-z]+):([A-Za-z][A-Za-z0-9]*)`")


def vocabulary_table(text: str) -> str:
    after = text.split(TABLE_HEADING, 1)[1]
    lines = [line for line in after.strip().splitlines()]
    table = []
    for line in lines:
        if not line.startswith("|"):
            break
        table.append(line)
    assert len(table) > 10, "the vocabulary table is missing"
    return "\n".join(table)


def table_terms(table: str) -> set[str]:
    terms = set()
    for prefix, local in TERM.findall(table):
        if prefix in RESOURCE_PREFIXES:
            continue
        assert prefix in PREFIXES, f"`{prefix}:{local}` uses a prefix the project does not declare"
        terms.add(f"{prefix}:{local}")
    return terms


def curie(iri: URIRef) -> str | None:
    text = str(iri)
    for prefix, namespace in sorted(PREFIXES.items(), key=lambda item: -len(item[1])):
        if text.startswith(namespace) and prefix not in RESOURCE_PREFIXES:
            return f"{prefix}:{text[len(namespace):]}"
    return None


@pytest.fixture(scope="module")
def documented() -> set[str]:
    return table_terms(vocabulary_table(MODEL.read_text(encoding="utf-8")))


def test_the_readme_model_section_is_docs_model(documented):
    readme = README.read_text(encoding="utf-8")
    model = MODEL.read_text(encoding="utf-8").strip()
    assert model in readme, "README.md's 'The model' section differs from docs/model.md: copy it over"


def test_the_table_names_every_term_the_data_uses(loaded, documented):
    data = loaded.data_graph()
    used = {curie(p) for p in data.predicates()} | {curie(c) for c in data.objects(None, RDF.type)}
    used -= {None, "rdf:type"}
    missing = sorted(t for t in used if t not in documented)
    assert not missing, f"terms the data uses that the table in docs/model.md does not name: {missing}"


def test_the_table_names_only_terms_of_the_data_or_the_ontology(loaded, documented):
    known = {curie(t) for triple in loaded.data_graph() for t in triple if isinstance(t, URIRef)}
    known |= {curie(t) for triple in loaded.ontology for t in triple if isinstance(t, URIRef)}
    stale = sorted(t for t in documented if t not in known)
    assert not stale, f"the table names terms that neither the data nor the ontology has: {stale}"


def test_the_check_catches_an_undocumented_term():
    """Control: a table without tip:availability and tip:pointOfContactFor (as the audit found it) misses
    them."""
    table = vocabulary_table(MODEL.read_text(encoding="utf-8"))
    shrunk = table.replace("`tip:availability`", "availability").replace("`tip:pointOfContactFor`", "")
    assert table_terms(table) - table_terms(shrunk) == {"tip:availability", "tip:pointOfContactFor"}
