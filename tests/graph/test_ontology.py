"""The ontology: a full header, documented minted terms, and every tip: term the data uses declared."""

from __future__ import annotations

import owlrl
import pytest
from owlrl.Namespaces import ERRNS
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS

from tipkg.reason import reasoning_input
from tipkg.vocab import ID, ONTOLOGY_IRI, TIP

ONTOLOGY = URIRef(ONTOLOGY_IRI)


@pytest.mark.parametrize("prop", [DCTERMS.title, DCTERMS.description, DCTERMS.creator, DCTERMS.license,
                                  OWL.versionIRI, OWL.versionInfo, DCTERMS.issued, RDFS.seeAlso])
def test_ontology_header_has(loaded, prop):
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in loaded.ontology
    assert loaded.ontology.value(ONTOLOGY, prop) is not None


def minted_terms(ontology: Graph) -> set[URIRef]:
    return {s for s in ontology.subjects(RDF.type, None) if isinstance(s, URIRef) and s.startswith(str(TIP))}


def test_every_minted_term_is_documented(loaded):
    terms = minted_terms(loaded.ontology)
    assert len(terms) > 40
    for term in sorted(terms):
        for prop in (RDFS.label, RDFS.comment):
            assert loaded.ontology.value(term, prop) is not None, f"{term} lacks {prop}"
        assert loaded.ontology.value(term, RDFS.isDefinedBy) == ONTOLOGY, f"{term} lacks rdfs:isDefinedBy"


def test_data_uses_only_declared_tip_terms(loaded):
    declared = minted_terms(loaded.ontology)
    used = {p for _, p, _ in loaded.data_graph() if p.startswith(str(TIP))}
    used |= {o for o in loaded.data_graph().objects(None, RDF.type) if o.startswith(str(TIP))}
    assert used - declared == set()


def test_top_level_kinds_are_pairwise_disjoint(loaded):
    ontology = loaded.ontology
    groups = ontology.subjects(RDF.type, OWL.AllDisjointClasses)
    lists = [ontology.value(node, OWL.members) for node in groups]
    members = {m for head in lists for m in ontology.items(head)}
    kinds = (URIRef("http://www.w3.org/ns/org#Organization"), TIP.LegalInstrument, TIP.Program, TIP.Report,
             URIRef("https://schema.org/ContactPoint"), TIP.Service, TIP.ImmigrationRelief, TIP.Letter)
    assert set(kinds) <= members


def owlrl_errors(graph: Graph) -> list[str]:
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    nothing = [str(s) for s in graph.subjects(RDF.type, OWL.Nothing)]
    errors = [str(graph.value(e, ERRNS.error)) for e in graph.subjects(RDF.type, ERRNS.ErrorMessage)]
    return nothing + errors


def test_ontology_and_data_are_consistent_under_owl2rl(loaded):
    """owlrl, the reference reasoner, on what tipkg reasons over: ontology plus data less provenance."""
    assert owlrl_errors(reasoning_input(loaded)) == []


def test_owl2rl_catches_a_disjointness_clash(loaded):
    """The negative control: a department typed as a program must be found inconsistent."""
    graph = reasoning_input(loaded)
    graph.add((ID.hhs, RDF.type, TIP.Program))
    errors = owlrl_errors(graph)
    assert any("Disjoint" in e and str(ID.hhs) in e for e in errors), errors
