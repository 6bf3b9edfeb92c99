"""The claims ledger (data/claims.tsv): the graph says everything the fact sheet says, and nothing more.

Every sentence of the fact sheet has its claims; every claim's triples are in its sentence's named graph;
every triple of a sentence graph belongs to a claim of that sentence; every qualifier is carried by a triple
or dropped with a reason; every English literal is made of the sentence's words or says why not; and the
editorial graph holds the rest, each addition with its note. Controls show that each check fails on data or
a ledger broken the way the audit of issue 12 found them broken.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from claims_ledger import (
    EDITORIAL_GRAPH,
    Claim,
    LedgerError,
    editorial_policy_problems,
    missing_triples,
    parse_ledger,
    qualifier_problems,
    read_ledger,
    sentence_graphs,
    sentences_of,
    structure_problems,
    unclaimed_triples,
    unrelated_triples,
    wording_problems,
)
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import RDF, SKOS

from tipkg.vocab import ID, ORG, TIP

LEDGER = Path(__file__).resolve().parents[2] / "data" / "claims.tsv"


def graph(sid: str) -> URIRef:
    return ID[f"graph/{sid}"]


@pytest.fixture(scope="module")
def claims() -> list[Claim]:
    return read_ledger(LEDGER)


@pytest.fixture(scope="module")
def dataset(loaded) -> Dataset:
    return loaded.data


@pytest.fixture(scope="module")
def union(loaded):
    """The named graphs merged: where the audit's points are asked about."""
    return loaded.data_graph()


@pytest.fixture(scope="module")
def sentences(dataset) -> dict[str, str]:
    return sentences_of(dataset)


@pytest.fixture(scope="module")
def graphs(dataset) -> set[URIRef]:
    return sentence_graphs(dataset) | {EDITORIAL_GRAPH}


def copy_of(dataset: Dataset) -> Dataset:
    copy = Dataset()
    for quad in dataset.quads((None, None, None, None)):
        copy.add(quad)
    return copy


# ----- the ledger on the bundled data -----------------------------------------------------------------------


def test_every_sentence_and_heading_has_its_claims(claims, sentences):
    assert len(sentences) == 53, "the fact sheet has 53 sentences and headings"
    assert len(claims) >= 120
    assert structure_problems(claims, sentences) == []


def test_every_claims_triples_are_in_its_sentence_graph(claims, dataset):
    assert missing_triples(claims, dataset) == []


def test_every_triple_of_a_sentence_graph_belongs_to_a_claim(claims, dataset, graphs):
    assert len(graphs) == 54
    assert unclaimed_triples(claims, dataset, graphs) == []


def test_no_sentence_graph_holds_a_triple_unrelated_to_its_claims(claims, dataset, graphs):
    """The issue's check by name: no triple whose subject, predicate and object are all absent from the claims
    of its sentence (weaker than the one above, kept so that it holds even if the ledger ever lists nodes)."""
    assert unrelated_triples(claims, dataset, graphs) == []


def test_every_qualifier_is_the_sentences_and_carried_or_dropped_with_a_reason(claims, sentences):
    assert qualifier_problems(claims, sentences) == []
    carried = [q for c in claims for q in c.qualifiers if q.carrier is not None]
    dropped = [q for c in claims for q in c.qualifiers if q.carrier is None]
    assert len(carried) >= 40 and all(q.reason for q in dropped)


def test_every_literal_is_in_the_sentences_words_or_says_why_not(claims, sentences):
    assert wording_problems(claims, sentences) == []


def test_editorial_additions_are_listed_and_explained(dataset):
    assert editorial_policy_problems(dataset) == []


# ----- controls: each check fails on what the audit found ---------------------------------------------------


def test_control_a_triple_no_claim_carries_is_found(claims, dataset, graphs):
    """The audit's 'tagged beyond the text': DOL's employment programs as victim assistance."""
    broken = copy_of(dataset)
    role = ID["role/dol-employment-services"]
    broken.add((role, TIP.activity, ID["activity/victim-assistance"], graph("dol-1")))
    problems = unclaimed_triples(claims, broken, graphs)
    assert len(problems) == 1 and "graph:dol-1" in problems[0] and "activity:victim-assistance" in problems[0]


def test_control_the_old_one_stop_statement_is_found(claims, dataset, graphs):
    """The audit's wrong statement: housing provided through One-Stop (referral is what One-Stop gives)."""
    broken = copy_of(dataset)
    broken.add((ID.housing, TIP.providedThrough, ID["one-stop"], graph("dol-2")))
    problems = unclaimed_triples(claims, broken, graphs)
    assert any("id:housing tip:providedThrough id:one-stop" in p for p in problems)


def test_control_an_unrelated_triple_is_found(claims, dataset, graphs):
    broken = copy_of(dataset)
    broken.add((ID.interpol, TIP.funds, ID["rrfr-program"], graph("dol-1")))
    problems = unrelated_triples(claims, broken, graphs)
    assert len(problems) == 1 and "id:interpol tip:funds id:rrfr-program" in problems[0]


def test_control_a_claim_the_graph_lost_is_found(claims, dataset):
    broken = copy_of(dataset)
    broken.remove((ID.uscis, TIP.awards, ID["t-visa"], graph("dhs-5")))
    assert missing_triples(claims, broken) == ["dhs-5.1: not in graph:dhs-5: id:uscis tip:awards id:t-visa"]


HEADER = "claim\tsentence\tsays\tqualifiers\ttriples\tnotes\n"


def test_control_a_qualifier_must_be_carried_by_its_claim(sentences):
    ledger = parse_ledger(HEADER + "hhs-3.9\thhs-3\tminors are referred\twhen appropriate => "
                          "id:foster-care-placement tip:availability condition:when-appropriate\t"
                          "group:foreign-minor-victims tip:mayBeReferredTo id:urm-program .\t\n")
    problems = qualifier_problems(ledger, sentences)
    assert problems and "not among the claim's triples" in problems[0]


def test_control_a_qualifier_must_be_the_sentences_words(sentences):
    ledger = parse_ledger(HEADER + "hhs-3.9\thhs-3\tminors are referred\talways => dropped: no reason\t"
                          "group:foreign-minor-victims tip:mayBeReferredTo id:urm-program .\t\n")
    assert qualifier_problems(ledger, sentences) == ["hhs-3.9: the qualifier 'always' is not in the sentence"]


def test_control_a_dropped_qualifier_needs_a_reason():
    with pytest.raises(LedgerError, match="without a reason"):
        parse_ledger(HEADER + "hhs-3.9\thhs-3\tx\twhen appropriate => dropped:\tid:a id:b id:c .\t\n")


def test_control_a_label_the_sentence_does_not_have_is_found(sentences):
    ledger = parse_ledger(HEADER + 'dhs-5.9\tdhs-5\tx\t\t'
                          'id:t-visa skos:altLabel "T visa for victims"@en .\t\n')
    assert wording_problems(ledger, sentences) == [
        "dhs-5.9: 'T visa for victims' has words that are not the sentence's: ['for', 'victims']"]


def test_control_an_unexplained_editorial_addition_is_found(dataset):
    broken = copy_of(dataset)
    name = Literal("Immigration and Customs Enforcement", lang="en")
    broken.add((ID.ice, SKOS.altLabel, name, EDITORIAL_GRAPH))
    problems = editorial_policy_problems(broken)
    assert problems == [f"graph:editorial says something about {ID.ice} but does not list it with tip:addsTo",
                        f"graph:editorial says something about {ID.ice} without an skos:editorialNote there"]


def test_control_an_editorial_note_in_a_sentence_graph_is_found(dataset):
    broken = copy_of(dataset)
    note = Literal("A note that no sentence says.", lang="en")
    broken.add((ID.dhs, SKOS.editorialNote, note, graph("dhs-0")))
    assert any("not in graph:editorial" in p for p in editorial_policy_problems(broken))


# ----- the audit's points, fixed and kept fixed -------------------------------------------------------------


def test_one_stop_gives_referrals_not_the_services_referred_to(union):
    through_one_stop = set(union.subjects(TIP.providedThrough, ID["one-stop"]))
    assert through_one_stop == {ID["supportive-services-referrals"]}
    assert (ID["supportive-services-referrals"], TIP.referralTo, ID["supportive-services"]) in union
    examples = set(union.objects(ID["supportive-services"], TIP.example))
    assert examples == {ID.transportation, ID.childcare, ID.housing}
    for service in examples:
        assert not set(union.objects(service, TIP.availability)), f"{service}: the text gives it no condition"


def test_roles_are_tagged_only_with_what_their_sentence_says(union):
    dataset = union
    assert (ID["role/dol-employment-services"], TIP.activity, ID["activity/victim-assistance"]) not in dataset
    for role in (ID["role/usaid-judicial-training"], ID["role/usaid-international-funding"]):
        assert (role, TIP.activity, ID["activity/prosecution"]) not in dataset
    assert (ID["role/usaid-judicial-training"], TIP.activity, ID["activity/support"]) in dataset
    assert not list(dataset.subjects(TIP.inCollaborationWith, ID.interpol)), "INTERPOL is a counterpart"
    assert (ID["role/hstc-interpol-contact"], TIP.counterpart, ID.interpol) in dataset


def test_combatant_commanders_are_a_post_and_their_dod_link_is_editorial(union, dataset):
    assert (ID.cocoms, RDF.type, ORG.Post) in union
    assert not list(union.objects(ID.cocoms, ORG.unitOf))
    assert (ID.cocoms, ORG.postIn, ID.dod, EDITORIAL_GRAPH) in dataset
    assert list(union.objects(ID.cocoms, SKOS.editorialNote))


def test_a_unit_link_in_a_sentence_graph_names_the_parent_in_that_sentence(dataset, union, sentences):
    """Links inferred from a heading live in graph:editorial, all of them: a sentence graph states org:unitOf,
    org:postIn or org:subOrganizationOf only where its sentence names the parent."""
    problems = []
    for prop in (ORG.unitOf, ORG.postIn, ORG.subOrganizationOf):
        for s, _, parent, g in dataset.quads((None, prop, None, None)):
            if g == EDITORIAL_GRAPH:
                assert list(dataset.quads((s, SKOS.editorialNote, None, EDITORIAL_GRAPH))), s
                continue
            sentence = sentences[str(g).rsplit("/", 1)[-1]].casefold()
            names = {str(n).casefold() for n in union.objects(parent, SKOS.prefLabel | SKOS.altLabel)}
            if not any(name in sentence for name in names):
                problems.append(f"{s} {prop} {parent} in {g}")
    assert not problems, problems
    heading_links = {(s, o) for s, _, o, g in dataset.quads((None, ORG.unitOf, None, EDITORIAL_GRAPH))}
    assert (ID.bja, ID.doj) in heading_links and (ID.prm, ID.dos) in heading_links


def test_after_certification_says_only_what_the_text_says(union):
    dataset = union
    definition = str(dataset.value(ID["condition/after-certification"], SKOS.definition))
    assert "eligibility" not in definition and "letter" not in definition
    availability = set(dataset.objects(ID["anytime-anywhere-services"], TIP.availability))
    assert availability == {ID["condition/before-certification"]}


def test_flattened_qualifiers_are_data(union):
    dataset = union
    value = dataset.value
    assert value(ID["certification-letter"], TIP.eligibleToSameExtentAs) == ID["group/refugees"]
    assert value(ID["foster-care-placement"], TIP.availability) == ID["condition/when-appropriate"]
    assert value(ID["bja-domestic-programs"], TIP.example) == ID["ht-task-forces"]
    assert value(ID["topic/children-exploited-in-prostitution"], TIP.scope) == ID["scope/domestic"]
    assert set(dataset.objects(ID["dol-international-programs"], TIP.beneficiary)) == {
        ID["group/children-at-risk"], ID["group/trafficked-children"]}
    assert value(ID["usaid-development-programs"], TIP.flowsFrom) == ID["country-based-frameworks"]
    assert (ID["role/ice-training"], TIP.activity, ID["activity/support"]) in dataset
    assert value(ID["role/hstc-interpol-contact"], TIP.target) == ID["topic/trafficking-in-persons"]
    assert (ID["criminal-section"], TIP.worksCloselyWith, ID.fbi) in dataset
    assert value(ID["role/doed-awareness"], TIP.hedge) == ID["working-to"]
    assert value(ID.pitf, ORG.classification) is not None


def test_widely_used_names_are_searchable(dataset, union):
    assert (ID.nhtrc, SKOS.altLabel, Literal("NHTRC", lang="en"), EDITORIAL_GRAPH) in dataset
    assert (ID.tvpa, SKOS.altLabel, Literal("TVPA", lang="en"), EDITORIAL_GRAPH) in dataset
    hyphens = [(s, o) for s, o in union.subject_objects(SKOS.prefLabel | SKOS.altLabel)
               if "\u2011" in o or "\u2010" in o]
    assert not hyphens


def test_victim_groups_nest(union):
    broader = {(s, o) for s, o in union.subject_objects(SKOS.broader)}
    assert (ID["group/foreign-minor-victims"], ID["group/foreign-victims"]) in broader
    assert (ID["group/foreign-victims"], ID["group/tip-victims"]) in broader
