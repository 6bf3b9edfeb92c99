"""HermiT (bundled with owlready2, run on Java) finds the ontology plus the data consistent.

owlready2 reads RDF/XML or N-Triples, not Turtle/TriG, so the ontology and the union of all data graphs are
merged with rdflib and written to a temporary N-Triples file.

What is left out, and why:
- literals typed xsd:date or xsd:gYearMonth (the fact sheet's date 2009-04-01, the October 2005 amendment, the
  February 2007 instruction, the ontology's issued date): they are outside the OWL 2 datatype map, and as soon
  as their property is read as a data property (e.g. dcterms:issued declared owl:DatatypeProperty) HermiT
  stops with UnsupportedDatatypeException instead of answering. No axiom of the ontology constrains them, so
  leaving them out cannot hide a clash;
- annotations irrelevant to consistency: labels, definitions, comments, notes (SKOS lexical and
  documentation properties, rdfs:label/comment, dcterms:title/description) and the quote texts (oa:exact,
  oa:prefix, oa:suffix). They are annotation properties in OWL and cannot make an ontology inconsistent.
Everything else is kept: classes, subclass and disjointness axioms, property axioms, every type assertion
and every relation between resources.

A negative control adds one disjointness clash (a department typed tip:Program, which the ontology declares
disjoint with org:Organization) and requires HermiT to call the result inconsistent: the positive result
means something only if the reasoner can say no.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

try:  # `python -m pytest` (CI) puts the repo on sys.path; plain `pytest` puts tests/ there
    from tests.conftest import require_tool
except ModuleNotFoundError:  # pragma: no cover
    from conftest import require_tool  # type: ignore[no-redef]

from tipkg.vocab import ID, OA, TIP

LEFT_OUT_DATATYPES = {XSD.date, XSD.gYearMonth}
IRRELEVANT_ANNOTATIONS = {SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel, SKOS.definition,
                          SKOS.scopeNote, SKOS.editorialNote, SKOS.note, SKOS.example, RDFS.label,
                          RDFS.comment, DCTERMS.title, DCTERMS.description, OA.exact, OA.prefix, OA.suffix}


def reasoner_input(loaded) -> Graph:
    """Ontology + data (all named graphs merged), without the literals and annotations HermiT cannot use."""
    merged = Graph()
    kept = dropped_dates = 0
    for s, p, o in loaded.full_graph():
        if p in IRRELEVANT_ANNOTATIONS:
            continue
        if isinstance(o, Literal) and o.datatype in LEFT_OUT_DATATYPES:
            dropped_dates += 1
            continue
        merged.add((s, p, o))
        kept += 1
    assert dropped_dates >= 3, "expected the fact sheet's dates to be the only literals left out"
    assert kept > 1000, kept
    return merged


def run_hermit(graph: Graph, path: Path) -> None:
    """Write the graph as N-Triples and run HermiT on it through owlready2 (raises when inconsistent)."""
    import owlready2

    owlready2.JAVA_EXE = require_tool("java")
    graph.serialize(destination=str(path), format="nt", encoding="utf-8")
    world = owlready2.World()
    ontology = world.get_ontology(path.as_uri()).load(format="ntriples")
    with ontology:
        owlready2.sync_reasoner(world, infer_property_values=False, debug=0)


@pytest.fixture(scope="module")
def merged(loaded) -> Graph:
    require_tool("java")
    return reasoner_input(loaded)


def test_hermit_finds_ontology_and_data_consistent(merged, tmp_path):
    import owlready2

    try:
        run_hermit(merged, tmp_path / "tipkg.nt")
    except owlready2.OwlReadyInconsistentOntologyError as exc:  # pragma: no cover - the failure we test for
        pytest.fail(f"HermiT finds the ontology plus data inconsistent: {exc}")


CLASHES = {
    # a department that is also a program (org:Organization and tip:Program are disjoint)
    "department-typed-program": (ID["dhs"], RDF.type, TIP.Program),
    # a department that "issues" another department: tip:issues has range tip:Letter, disjoint with
    # org:Organization, so the clash comes from a property axiom and the data's own typing of HHS
    "organisation-as-letter": (ID["dhs"], TIP.issues, ID["hhs"]),
}


@pytest.mark.parametrize("name", sorted(CLASHES))
def test_hermit_finds_a_disjointness_clash(merged, tmp_path, name):
    """Controls: one added triple that clashes with the disjointness axiom makes the graph inconsistent."""
    import owlready2

    clashing = Graph()
    for triple in merged:
        clashing.add(triple)
    assert (ID["dhs"], RDF.type, TIP.ExecutiveDepartment) in clashing
    assert (ID["hhs"], RDF.type, TIP.ExecutiveDepartment) in clashing
    clashing.add(CLASHES[name])
    with pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
        run_hermit(clashing, tmp_path / f"{name}.nt")


def test_left_out_literals_are_only_dates(loaded):
    """The reasoner input drops no literal but the xsd:date / xsd:gYearMonth ones, and no IRI-valued
    triple."""
    dropped = {(s, p, o) for s, p, o in loaded.full_graph()
               if p not in IRRELEVANT_ANNOTATIONS and isinstance(o, Literal)
               and o.datatype in LEFT_OUT_DATATYPES}
    assert dropped, "no dates found: the fact sheet has three"
    assert all(isinstance(o, Literal) for _, _, o in dropped)
    assert not any(isinstance(o, URIRef) for _, p, o in dropped)
