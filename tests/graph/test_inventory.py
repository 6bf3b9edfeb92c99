"""The fact sheet's entities and statements, listed from a reading of the source, are in the graph.

Two tables in tests/graph/inventory/ were written from the fact sheet (not from the data):

- entities.csv: every entity the text names, with the class it must have and, where the text gives one, its
  parent (the unit it belongs to, or the organisation that funds, runs, issues or produces it);
- statements.csv: statements of the text (who chairs, funds, enforces, awards, produces, phone numbers, dates,
  ages, ...), each with words that the supporting sentence must contain; a statement the reading needs but no
  sentence makes (a unit linked to the department whose section names it) is marked @editorial and must sit
  in graph:editorial.

An entity is found by skos:prefLabel or skos:altLabel (case-insensitive; U+2011 non-breaking hyphens and
curly apostrophes are normalised). A statement must hold in the union of the named graphs, AND sit in a named
graph whose source sentence (oa:exact of the quote it prov:wasDerivedFrom) contains the evidence: a statement
filed under the wrong sentence fails even when it is true.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS

from tipkg.vocab import EDITORIAL_GRAPH, OA, PREFIXES, TIP

INVENTORY = Path(__file__).resolve().parent / "inventory"
# The evidence of a statement that no sentence makes: it must sit in graph:editorial.
EDITORIAL_EVIDENCE = "@editorial"
ORG = "http://www.w3.org/ns/org#"

# Characters the source uses that a reader types differently.
_NORMALISE = str.maketrans({"\u2011": "-", "\u2010": "-", "\u2013": "-", "\u2019": "'", "\u00a0": " "})

# How an entity is linked to its parent (relation column of entities.csv); checked in both directions.
UNIT_PROPERTIES = [URIRef(ORG + p) for p in ("unitOf", "subOrganizationOf", "hasUnit", "hasSubOrganization",
                                              "postIn", "hasPost")]
OWNER_PROPERTIES = [TIP[p] for p in ("funds", "fundedBy", "operates", "operatedBy", "staffs", "staffedBy",
                                     "produces", "producedBy", "issues", "issuedBy", "awards", "awardedBy",
                                     "approves", "approvedBy", "provides", "providedBy", "providedThrough",
                                     "developedBy", "conductedBy", "adopted", "amended")]
OWNER_PROPERTIES += [URIRef("https://schema.org/funder"), DCTERMS.publisher, DCTERMS.creator]


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", str(text).translate(_NORMALISE)).strip().casefold()


def variants(cell: str) -> list[str]:
    return [v.strip() for v in cell.split("||") if v.strip()]


def read_table(name: str) -> list[dict[str, str]]:
    with (INVENTORY / name).open(encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return list(csv.DictReader(lines))


def expand(curie: str) -> URIRef:
    prefix, _, local = curie.partition(":")
    if prefix in PREFIXES:
        return URIRef(PREFIXES[prefix] + local)
    raise ValueError(f"unknown prefix in {curie!r}")


ENTITIES = read_table("entities.csv")
STATEMENTS = read_table("statements.csv")


@dataclass
class Knowledge:
    """Indexes over the loaded project that every check uses."""

    union: Graph
    ontology: Graph
    labels: dict[str, set[URIRef]] = field(default_factory=dict)
    graphs_of: dict[tuple, set[URIRef]] = field(default_factory=dict)
    sentence: dict[URIRef, str] = field(default_factory=dict)
    quote_text: dict[URIRef, str] = field(default_factory=dict)

    def find(self, cell: str) -> set[URIRef]:
        found: set[URIRef] = set()
        for label in variants(cell):
            found |= self.labels.get(norm(label), set())
        return found

    def classes_of(self, node: URIRef) -> set[URIRef]:
        direct = set(self.union.objects(node, RDF.type))
        closed = set(direct)
        for cls in direct:
            closed |= set(self.ontology.transitive_objects(cls, RDFS.subClassOf))
        return closed

    def sub_properties(self, prop: URIRef) -> set[URIRef]:
        return set(self.ontology.transitive_subjects(RDFS.subPropertyOf, prop))

    def inverses(self, prop: URIRef) -> set[URIRef]:
        return (set(self.ontology.objects(prop, OWL.inverseOf))
                | set(self.ontology.subjects(OWL.inverseOf, prop)))

    def edges(self, node, prop: URIRef, inverse: bool) -> list[tuple[object, set[URIRef]]]:
        """Nodes reached from node along prop (or its inverse), each with the named graphs holding the edge.

        A sub-property of prop counts as prop, and so does the inverse declared with owl:inverseOf.
        """
        reached: dict[object, set[URIRef]] = {}
        forward = self.sub_properties(prop)
        backward = set().union(*(self.inverses(p) for p in forward)) if forward else set()
        for p in forward:
            pairs = self.union.subject_objects(p)
            for s, o in pairs:
                src, dst = (o, s) if inverse else (s, o)
                if src == node:
                    reached.setdefault(dst, set()).update(self.graphs_of.get((s, p, o), set()))
        for p in backward:
            for s, o in self.union.subject_objects(p):
                src, dst = (s, o) if inverse else (o, s)
                if src == node:
                    reached.setdefault(dst, set()).update(self.graphs_of.get((s, p, o), set()))
        return list(reached.items())

    def evidenced(self, graph: URIRef, words: str) -> bool:
        return norm(words) in norm(self.sentence.get(graph, ""))


@pytest.fixture(scope="module")
def kg(loaded) -> Knowledge:
    data: Dataset = loaded.data
    union = loaded.data_graph()
    knowledge = Knowledge(union=union, ontology=loaded.ontology)
    for s, o in union.subject_objects(SKOS.prefLabel | SKOS.altLabel):
        knowledge.labels.setdefault(norm(o), set()).add(s)
    default_id = data.default_graph.identifier
    for s, p, o, g in data.quads((None, None, None, None)):
        if g is not None and g != default_id:
            knowledge.graphs_of.setdefault((s, p, o), set()).add(g)
    for quote, selector in union.subject_objects(OA.hasSelector):
        for exact in union.objects(selector, OA.exact):
            knowledge.quote_text[quote] = str(exact)
    for graph_iri in {g for gs in knowledge.graphs_of.values() for g in gs}:
        texts = [knowledge.quote_text[q] for q in union.objects(graph_iri, PROV.wasDerivedFrom)
                 if q in knowledge.quote_text]
        knowledge.sentence[graph_iri] = " ".join(texts)
    return knowledge


def linked(kg: Knowledge, entity: URIRef, parent: URIRef, relation: str) -> bool:
    properties = UNIT_PROPERTIES if relation == "unit" else OWNER_PROPERTIES
    for prop in properties:
        if (entity, prop, parent) in kg.union or (parent, prop, entity) in kg.union:
            return True
    if relation == "owner":  # the role pattern: a responsibility of the parent uses the entity
        for role in kg.union.subjects(TIP.responsibilityOf, parent):
            if (role, TIP.instrument, entity) in kg.union:
                return True
    return False


# ----- entities -------------------------------------------------------------------------------------------


def test_the_tables_cover_the_fact_sheet():
    """Guard against an emptied table: the fact sheet names over 100 entities and far more than 40
    statements."""
    assert len(ENTITIES) >= 100, len(ENTITIES)
    assert len(STATEMENTS) >= 40, len(STATEMENTS)
    orgs = [row for row in ENTITIES if row["class"] in ("tip:ExecutiveDepartment", "tip:GovernmentAgency")
            and row["parent"] == "U.S. Government"]
    assert len(orgs) == 9, "the nine participating organisations"


@pytest.mark.parametrize("row", ENTITIES, ids=[f"{i:03d}-{variants(r['label'])[0][:50]}" for i, r in
                                                enumerate(ENTITIES)])
def test_entity_is_present_with_class_parent_and_source(kg, row):
    label = row["label"]
    candidates = kg.find(label)
    assert candidates, f"no resource has the prefLabel or altLabel {variants(label)}"

    expected_class = expand(row["class"])
    typed = {c for c in candidates if expected_class in kg.classes_of(c)}
    assert typed, (f"{label!r} is found ({sorted(candidates)}) but is not a {row['class']}: it is "
                   f"{sorted({t for c in candidates for t in kg.union.objects(c, RDF.type)})}")

    if row["parent"]:
        parents = kg.find(row["parent"])
        assert parents, f"the parent {row['parent']!r} is not in the graph"
        pairs = [(c, p) for c in typed for p in parents if linked(kg, c, p, row["relation"])]
        how = ("org:unitOf/subOrganizationOf/postIn" if row["relation"] == "unit"
               else "funder, operator, producer, issuer, ...")
        assert pairs, f"{label!r} is not linked to its parent {row['parent']!r} ({how})"
        typed = {c for c, _ in pairs}

    mentions = variants(row["mention"]) if row["mention"] else variants(label)
    sources = {q: kg.quote_text.get(q, "") for c in typed for q in kg.union.objects(c, PROV.wasDerivedFrom)}
    assert sources, f"{label!r} has no prov:wasDerivedFrom quote"
    assert any(norm(m) in norm(text) for text in sources.values() for m in mentions), (
        f"none of the sentences {label!r} is derived from mentions it ({mentions}): {sorted(sources)}")


def test_no_unlisted_entity_of_the_main_kinds(kg):
    """The reverse direction: every organisation, post, program, report, hotline, legal instrument, relief,
    letter, service, offense and population group in the data is one the fact sheet names (one of
    entities.csv)."""
    listed: set[URIRef] = set()
    for row in ENTITIES:
        listed |= kg.find(row["label"])
    kinds = [URIRef(ORG + "Organization"), URIRef(ORG + "Post"), TIP.Program, TIP.Report,
             URIRef("https://schema.org/ContactPoint"), TIP.LegalInstrument, TIP.ImmigrationRelief,
             TIP.Letter, TIP.Service, TIP.Offense, TIP.PopulationGroup]
    unlisted = set()
    for node in set(kg.union.subjects(RDF.type, None)):
        if isinstance(node, URIRef) and kg.classes_of(node) & set(kinds) and node not in listed:
            unlisted.add(node)
    assert not unlisted, f"entities the inventory does not know (not in the fact sheet?): {sorted(unlisted)}"


# ----- statements -----------------------------------------------------------------------------------------


def parse_path(text: str) -> list[tuple[URIRef, bool]]:
    steps = []
    for step in text.split("/"):
        inverse = step.startswith("^")
        steps.append((expand(step.lstrip("^")), inverse))
    return steps


def object_matches(kg: Knowledge, node, row: dict[str, str], targets: set[URIRef]) -> bool:
    kind, value = row["kind"], row["object"]
    if kind == "entity":
        return node in targets
    if kind == "iri":
        return node == URIRef(value)
    if not isinstance(node, Literal):
        return False
    lexical, _, datatype = value.partition("^^")
    if str(node) != lexical:
        return False
    return not datatype or node.datatype == expand(datatype)


def walk(kg: Knowledge, start: URIRef, steps) -> list[tuple[object, list[set[URIRef]]]]:
    """Every end node of the path from start, with the named graphs of each edge on the way."""
    paths = [(start, [])]
    for prop, inverse in steps:
        paths = [(nxt, [*graphs, edge_graphs]) for node, graphs in paths
                 for nxt, edge_graphs in kg.edges(node, prop, inverse)]
    return paths


@pytest.mark.parametrize("row", STATEMENTS, ids=[
    f"{i:03d}-{variants(r['subject'])[0][:30]}-{r['property']}-{variants(r['object'])[0][:30]}"
    for i, r in enumerate(STATEMENTS)])
def test_statement_holds_and_is_sourced_to_a_sentence_that_says_it(kg, row):
    subjects = kg.find(row["subject"])
    assert subjects, f"subject {row['subject']!r} not found by label"
    targets: set[URIRef] = set()
    if row["kind"] == "entity":
        targets = kg.find(row["object"])
        assert targets, f"object {row['object']!r} not found by label"
    steps = parse_path(row["property"])

    hits = [graphs for s in subjects for end, graphs in walk(kg, s, steps)
            if object_matches(kg, end, row, targets)]
    assert hits, f"not in the graph: {row['subject']} {row['property']} {row['object']}"

    # Provenance: one named graph holds every edge of the statement, and its sentence says it (or, for a
    # statement no sentence makes, it is the editorial graph).
    sourced = []
    for graphs in hits:
        shared = set.intersection(*graphs) if graphs else set()
        if row["evidence"] == EDITORIAL_EVIDENCE:
            sourced += [g for g in shared if g == EDITORIAL_GRAPH]
        else:
            sourced += [g for g in shared if kg.evidenced(g, row["evidence"])]
    holders = sorted({str(g).rsplit("/", 1)[-1] for graphs in hits for gs in graphs for g in gs})
    wanted = ("graph:editorial" if row["evidence"] == EDITORIAL_EVIDENCE
              else f"a named graph whose sentence contains {row['evidence']!r}")
    assert sourced, f"present, but not in {wanted}; it sits in {holders}"


def test_statement_check_can_fail(kg):
    """Control: a statement the fact sheet does not make, a true one under the wrong sentence, a sentence's
    statement expected as editorial and an editorial one expected under a sentence, and a wrong date all
    fail."""
    false_row = {"subject": "HHS", "property": "tip:awards", "object": "T-visa", "kind": "entity",
                 "evidence": "awards"}
    with pytest.raises(AssertionError):
        test_statement_holds_and_is_sourced_to_a_sentence_that_says_it(kg, false_row)
    misplaced = {"subject": "USCIS", "property": "tip:awards", "object": "T-visa", "kind": "entity",
                 "evidence": "Job Corps"}
    with pytest.raises(AssertionError):
        test_statement_holds_and_is_sourced_to_a_sentence_that_says_it(kg, misplaced)
    sentence_as_editorial = {"subject": "USCIS", "property": "tip:awards", "object": "T-visa",
                             "kind": "entity", "evidence": EDITORIAL_EVIDENCE}
    with pytest.raises(AssertionError):
        test_statement_holds_and_is_sourced_to_a_sentence_that_says_it(kg, sentence_as_editorial)
    editorial_as_sentence = {"subject": "PRM", "property": "org:unitOf", "object": "DOS", "kind": "entity",
                             "evidence": "Bureau of Population, Refugees, and Migration (PRM)"}
    with pytest.raises(AssertionError):
        test_statement_holds_and_is_sourced_to_a_sentence_that_says_it(kg, editorial_as_sentence)
    wrong_date = {"subject": "Regulatory Instruction", "property": "dcterms:issued",
                  "object": "2007-03^^xsd:gYearMonth", "kind": "literal", "evidence": "February 2007"}
    with pytest.raises(AssertionError):
        test_statement_holds_and_is_sourced_to_a_sentence_that_says_it(kg, wrong_date)


def test_sentence_of_each_graph_is_known(kg):
    """Every named graph that holds a statement resolves to a sentence (else evidence checks would be
    vacuous)."""
    missing = sorted(str(g) for g, text in kg.sentence.items()
                     if not text and not str(g).endswith("/editorial"))
    assert not missing, f"named graphs without a quote sentence: {missing}"



def test_ice_hotline_hours_say_around_the_clock(kg):
    """dhs-3: 'ICE's twenty-four hour hotline' - its hours must be machine-readable: open 00:00 to 24:00."""
    schema = "https://schema.org/"
    hotlines = kg.find("ICE's twenty-four hour hotline || ICE twenty-four hour hotline")
    assert hotlines
    specs = {h for line in hotlines for h in kg.union.objects(line, URIRef(schema + "hoursAvailable"))}
    assert specs, "the hotline has no schema:hoursAvailable"
    opens = {str(o)[:5] for s in specs for o in kg.union.objects(s, URIRef(schema + "opens"))}
    closes = {str(o)[:5] for s in specs for o in kg.union.objects(s, URIRef(schema + "closes"))}
    assert "00:00" in opens, f"schema:opens is {opens or 'missing'}"
    assert closes & {"23:59", "24:00", "00:00"}, f"schema:closes is {closes or 'missing'}"
