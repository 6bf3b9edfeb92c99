"""Reasoning: both engines entail the same about the data, provenance stays out of the input, and every
OWL 2 RL rule that concludes false is detected on a graph made to break it."""

from __future__ import annotations

import pytest
from rdflib import Graph

from tipkg.load import LoadedProject
from tipkg.reason import Reasoner, find_clashes, provenance_nodes, reason, reasoning_input
from tipkg.vocab import OA, ORG, TIP

PREFIXES = """
@prefix owl: <http://www.w3.org/2002/07/owl#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <http://example.org/> .
"""

CLASHES = {
    "cls-nothing2": "ex:x a owl:Nothing .",
    "cax-dw": "ex:A owl:disjointWith ex:B . ex:C rdfs:subClassOf ex:A . ex:x a ex:C , ex:B .",
    "cax-adc": "[] a owl:AllDisjointClasses ; owl:members ( ex:A ex:B ex:D ) . ex:x a ex:A , ex:D .",
    "cls-com": "ex:A owl:complementOf ex:B . ex:x a ex:A , ex:B .",
    "eq-diff1": "ex:x owl:sameAs ex:y . ex:y owl:differentFrom ex:x .",
    "eq-diff2": "[] a owl:AllDifferent ; owl:distinctMembers ( ex:x ex:y ) . ex:x owl:sameAs ex:y .",
    "prp-irp": "ex:p a owl:IrreflexiveProperty . ex:x ex:p ex:x .",
    "prp-asyp": "ex:p a owl:AsymmetricProperty . ex:x ex:p ex:y . ex:y ex:p ex:x .",
    "prp-pdw": "ex:p owl:propertyDisjointWith ex:q . ex:x ex:p ex:y ; ex:q ex:y .",
    "prp-adp": "[] a owl:AllDisjointProperties ; owl:members ( ex:p ex:q ) . ex:x ex:p ex:y ; ex:q ex:y .",
    "cls-maxc1": "ex:R owl:maxCardinality 0 ; owl:onProperty ex:p . ex:x a ex:R ; ex:p ex:y .",
    "prp-npa": "[] a owl:NegativePropertyAssertion ; owl:sourceIndividual ex:x ; owl:assertionProperty ex:p ;"
    " owl:targetIndividual ex:y . ex:x ex:p ex:y .",
}


def closure_of(text: str) -> Graph:
    from tipkg.reason import closure_reasonable

    return closure_reasonable(Graph().parse(data=PREFIXES + text, format="turtle"))


@pytest.mark.parametrize("rule", sorted(CLASHES))
def test_clash_detected(rule: str) -> None:
    clashes = find_clashes(closure_of(CLASHES[rule]))
    assert rule in {c.rule for c in clashes}, clashes


def test_consistent_graph_has_no_clash() -> None:
    text = "ex:A owl:disjointWith ex:B . ex:x a ex:A . ex:y a ex:B . ex:x owl:differentFrom ex:y ."
    assert find_clashes(closure_of(text)) == []


def test_engines_agree_on_the_bundled_graph(loaded: LoadedProject) -> None:
    by_reasonable = reason(loaded, Reasoner.REASONABLE)
    by_owlrl = reason(loaded, Reasoner.OWLRL)
    assert by_reasonable.consistent and by_owlrl.consistent
    assert set(by_reasonable.inferred()) == set(by_owlrl.inferred())


def test_entailments_the_queries_rely_on(loaded: LoadedProject) -> None:
    """Inverse and transitive ORG properties, and subclass typing, are entailed about the data."""
    inferred = reason(loaded).inferred()
    predicates = set(inferred.predicates())
    assert {ORG.hasSubOrganization, ORG.transitiveSubOrganizationOf, ORG.hasMember} <= predicates
    data = loaded.data_graph()
    for s, _, o in inferred.triples((None, ORG.hasSubOrganization, None)):
        assert (o, ORG.subOrganizationOf, s) in data or (o, ORG.subOrganizationOf, s) in inferred
    assert any(o == ORG.Organization for o in inferred.objects(None, None))


def test_provenance_is_left_out(loaded: LoadedProject) -> None:
    graph = reasoning_input(loaded)
    nodes = provenance_nodes(loaded)
    assert nodes
    assert not [t for t in graph if t[0] in nodes]
    assert not [p for p in graph.predicates() if str(p).startswith(str(OA))]
    assert len(graph) < len(loaded.full_graph())
    assert (None, TIP.chairs, None) in graph or (None, ORG.subOrganizationOf, None) in graph
