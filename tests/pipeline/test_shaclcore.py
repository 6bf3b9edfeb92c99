"""SHACL core compiled to SPARQL (`tipkg.shaclcore`) reports exactly what pySHACL reports.

Every comparison is between `shacl_check(whole_queries=True)` (compiled queries on the project's store,
pySHACL for what is left) and `shacl_check(whole_queries=False)` (pySHACL alone, the reference), on every
field of every finding, as lists (so that a result reported twice must be reported twice). Each component
has a small project of its own with nodes that fail and nodes that pass (the negative control), and each
test checks that its shapes were compiled - or, for the cases meant to be left to pySHACL, that they were
left, and why.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef

from tipkg.engine import ProjectStore
from tipkg.errors import InputError
from tipkg.load import LoadedProject, load_project
from tipkg.project import Project
from tipkg.shaclcore import MIXED_CLASSES, MIXED_PROPERTIES, has_work, sparql_regex_ok
from tipkg.validate import Finding, Sources, TakenOver, shacl_check, take_over

REPO = Path(__file__).resolve().parents[2]
CASES = REPO / "tests" / "cases"
CASE_DIRS = sorted(p for p in CASES.iterdir() if p.is_dir())

HEAD = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
"""
EX = "http://example.org/"


def fields(findings: list[Finding]) -> list[tuple]:
    return sorted(
        (f.check.value, f.severity.name, f.message, f.focus or "", f.label or "", f.path or "", f.value or "",
         f.source or "", f.location or "", f.path_iri or "", f.value_n3 or "", f.shape_iri or "")
        for f in findings
    )


def same_as_pyshacl(loaded: LoadedProject) -> tuple[list[Finding], TakenOver]:
    """The compiled path's findings, checked equal to pySHACL's; and what the compiled path took over."""
    where = Sources.of(loaded)
    compiled = shacl_check(loaded, where, whole_queries=True)
    reference = shacl_check(loaded, where, whole_queries=False)
    assert fields(compiled) == fields(reference)
    return compiled, take_over(loaded, ProjectStore(loaded))


def project(folder: Path, shapes: str, data: str, ontology: str = "ex:Thing a owl:Class .") -> LoadedProject:
    files = (("ontology", ontology, "ttl"), ("shapes", shapes, "ttl"), ("data", data, "trig"))
    for name, text, suffix in files:
        (folder / name).mkdir()
        (folder / name / f"{name}.{suffix}").write_text(HEAD + text, encoding="utf-8")
    return load_project(Project(folder))


def short(text: str | None) -> str | None:
    """IRIs of the example namespace as ex:name (the data's prefixes do not include it)."""
    return re.sub(r"<http://example\.org/([^>]*)>", r"ex:\1", text).replace(EX, "ex:") if text else text


def iri(name: str) -> URIRef:
    return URIRef(name.replace("ex:", EX))


def found(findings: list[Finding]) -> set[tuple[str | None, str | None, str | None]]:
    """(source shape, focus node, value) of each finding, with ex: for the example namespace."""
    return {(short(f.shape_iri), short(f.focus), short(f.value)) for f in findings}


# --- the bundled graph and its broken cases -----------------------------------------------------------------


def test_bundled_graph_same_findings_and_nothing_left(loaded: LoadedProject) -> None:
    """Every shape of the bundled shapes graph is compiled (SHACL-SPARQL aside, taken by sparqlshapes), so
    pySHACL has nothing left to check and is not even run."""
    compiled, work = same_as_pyshacl(loaded)
    assert work.plan.units, "the bundled shapes are compiled"
    assert work.plan.left == {}
    assert not has_work(work.rest)


def case_project(loaded: LoadedProject, case: Path) -> LoadedProject:
    """The bundled data changed by the case's remove.ttl and add.trig, in a pyoxigraph store as
    `load_project` builds it."""
    store = ox.Store()
    store.bulk_extend(loaded.store.quads_for_pattern(None, None, None, None))
    removal = case / "remove.ttl"
    if removal.exists():
        for triple in ox.parse(path=str(removal), format=ox.RdfFormat.TURTLE):
            quads = list(store.quads_for_pattern(triple.subject, triple.predicate, triple.object, None))
            assert quads, f"{case.name}/remove.ttl: {triple} is not in the data"
            for quad in quads:
                store.remove(quad)
    addition = case / "add.trig"
    if addition.exists():
        store.load(path=str(addition), format=ox.RdfFormat.TRIG)
    return LoadedProject(loaded.project, loaded.ontology, loaded.shapes, store=store, files=loaded.files)


@pytest.mark.parametrize("case", CASE_DIRS, ids=[p.name for p in CASE_DIRS])
def test_broken_case_same_findings(loaded: LoadedProject, case: Path) -> None:
    compiled, work = same_as_pyshacl(case_project(loaded, case))
    assert compiled, f"{case.name} breaks something"
    assert work.plan.left == {}


# --- one component at a time, on small projects -------------------------------------------------------------

# Ill-typed literals ("abc"^^xsd:integer) never reach SHACL: the loader refuses them with their file and
# line (tests/corpus), so the datatype case has only well-typed values of the wrong type.
COMPONENTS = {
    "class": (
        """ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; sh:property ex:S-p .
        ex:S-p sh:path ex:p ; sh:class ex:Target .""",
        """ex:a a ex:Thing ; ex:p ex:good , ex:sub , ex:bad , "text" , ex:untyped .
        ex:b a ex:SubThing ; ex:p ex:bad .
        ex:c ex:p ex:bad .
        ex:good a ex:Target . ex:sub a ex:Special . ex:bad a ex:Other .""",
        """ex:Thing a owl:Class . ex:SubThing rdfs:subClassOf ex:Thing .
        ex:Special rdfs:subClassOf ex:Target .""",
        {("ex:S-p", "ex:a", "ex:bad"), ("ex:S-p", "ex:a", '"text"'), ("ex:S-p", "ex:a", "ex:untyped"),
         ("ex:S-p", "ex:b", "ex:bad")},
    ),
    "datatype": (
        """ex:S a sh:NodeShape ; sh:targetClass ex:Thing ;
            sh:property [ sh:path ex:int ; sh:datatype xsd:integer ] ,
                [ sh:path ex:date ; sh:datatype xsd:date ] ,
                [ sh:path ex:str ; sh:datatype xsd:string ] ,
                [ sh:path ex:lang ; sh:datatype rdf:langString ] ,
                [ sh:path ex:month ; sh:datatype xsd:gYearMonth ] .""",
        """ex:a a ex:Thing ; ex:int 1 , "1" , 1.5 , "99999999999999999999"^^xsd:integer ;
            ex:date "2009-04-01"^^xsd:date , "2009-04-01" ;
            ex:str "x" , "x"@en , ex:iri ;
            ex:lang "x"@en , "x" ;
            ex:month "2005-10"^^xsd:gYearMonth , "2005-10" .
        ex:b a ex:Thing ; ex:int 2 ; ex:date "2001-01-01"^^xsd:date ; ex:str "y" ; ex:lang "y"@fr .""",
        "ex:Thing a owl:Class .",
        {(None, "ex:a", '"1"'), (None, "ex:a", '"1.5"^^xsd:decimal'),
         (None, "ex:a", '"2009-04-01"'), (None, "ex:a", '"x"@en'),
         (None, "ex:a", "ex:iri"), (None, "ex:a", '"x"'), (None, "ex:a", '"2005-10"')},
    ),
    "nodeKind": (
        """ex:S a sh:NodeShape ; sh:targetClass ex:Thing ;
            sh:property [ sh:path ex:iri ; sh:nodeKind sh:IRI ] ,
                [ sh:path ex:lit ; sh:nodeKind sh:Literal ] ,
                [ sh:path ex:blank ; sh:nodeKind sh:BlankNode ] ,
                [ sh:path ex:bi ; sh:nodeKind sh:BlankNodeOrIRI ] ,
                [ sh:path ex:bl ; sh:nodeKind sh:BlankNodeOrLiteral ] ,
                [ sh:path ex:il ; sh:nodeKind sh:IRIOrLiteral ] .""",
        """ex:a a ex:Thing ; ex:iri ex:x , "x" ; ex:lit "x" , ex:x ; ex:blank ex:x ; ex:bi ex:x , "x" ;
            ex:bl "x" , ex:x ; ex:il ex:x , "x" .""",
        "ex:Thing a owl:Class .",
        {(None, "ex:a", '"x"'), (None, "ex:a", "ex:x")},
    ),
    "minCount and maxCount": (
        """ex:S a sh:NodeShape ; sh:targetClass ex:Thing ;
            sh:property ex:one , ex:two , ex:most-one , ex:none , ex:zero .
        ex:one sh:path ex:p ; sh:minCount 1 .
        ex:two sh:path ex:p ; sh:minCount 2 ; sh:message "two or more" .
        ex:most-one sh:path ex:p ; sh:maxCount 1 .
        ex:none sh:path ex:q ; sh:maxCount 0 .
        ex:zero sh:path ex:p ; sh:minCount 0 ; sh:maxCount 2 .""",
        """ex:a a ex:Thing .
        ex:b a ex:Thing ; ex:p 1 .
        ex:c a ex:Thing ; ex:p 1 , 2 ; ex:q ex:x .
        ex:d a ex:Thing ; ex:p 1 , 2 , 3 .
        ex:e a ex:Thing ; ex:p "10"^^xsd:integer , "1_0"^^xsd:integer .""",
        "ex:Thing a owl:Class .",
        {("ex:one", "ex:a", None), ("ex:two", "ex:a", None), ("ex:two", "ex:b", None),
         ("ex:most-one", "ex:c", None), ("ex:most-one", "ex:d", None), ("ex:none", "ex:c", None),
         ("ex:zero", "ex:d", None), ("ex:two", "ex:e", None)},
    ),
    "pattern and flags": (
        """ex:S a sh:NodeShape ; sh:targetClass ex:Thing ;
            sh:property [ sh:path ex:code ; sh:pattern "^[A-Z]{2}(-[0-9]+)?$" ] ,
                [ sh:path ex:word ; sh:pattern "^abc$" ; sh:flags "i" ] ,
                [ sh:path ex:digits ; sh:pattern "^\\\\d+$" ] ,
                [ sh:path ex:quoted ; sh:pattern "[\\"}{]" ] ,
                [ sh:path ex:line ; sh:pattern "^b" ; sh:flags "m" ] .""",
        """ex:a a ex:Thing ; ex:code "AB" , "AB-12" , "ab" , "AB\\n" , 12 , ex:AB , [ ex:x 1 ] ;
            ex:word "ABC" , "abd" ; ex:digits "123" , "12a" , 123 ; ex:quoted "a{" , "a" ;
            ex:line "a\\nb" , "a\\nc" .""",
        "ex:Thing a owl:Class .",
        None,  # a blank value node: the shape goes back to pySHACL (checked below)
    ),
    "minLength": (
        """ex:S a sh:NodeShape ; sh:targetClass ex:Thing ;
            sh:property [ sh:path ex:p ; sh:minLength 3 ] , [ sh:path ex:q ; sh:minLength 0 ] .""",
        """ex:a a ex:Thing ; ex:p "ab" , "abc" , "ab"@en , ex:iri , 12 , 1234 , true ; ex:q "" .""",
        "ex:Thing a owl:Class .",
        {(None, "ex:a", '"ab"'), (None, "ex:a", '"ab"@en'), (None, "ex:a", '"12"^^xsd:integer')},
    ),
    "minInclusive": (
        """ex:S a sh:NodeShape ; sh:targetClass ex:Thing ;
            sh:property [ sh:path ex:age ; sh:minInclusive 0 ; sh:message "not negative" ] ,
                [ sh:path ex:name ; sh:minInclusive "m" ] .""",
        """ex:a a ex:Thing ; ex:age -1 , 0 , 5 , "5" , 1.5 , -0.5 , ex:iri ;
            ex:name "a" , "z" , 3 .""",
        "ex:Thing a owl:Class .",
        {(None, "ex:a", '"-1"^^xsd:integer'), (None, "ex:a", '"5"'), (None, "ex:a", '"-0.5"^^xsd:decimal'),
         (None, "ex:a", "ex:iri"), (None, "ex:a", '"a"'),
         (None, "ex:a", '"3"^^xsd:integer')},
    ),
    "languageIn": (
        """ex:S a sh:NodeShape ; sh:targetClass ex:Thing ;
            sh:property [ sh:path ex:p ; sh:languageIn ( "en" "pt-BR" ) ] ,
                [ sh:path ex:q ; sh:languageIn ( "*" ) ] .""",
        """ex:a a ex:Thing ; ex:p "x"@en , "x"@en-GB , "x"@pt-br , "x"@pt , "x"@fr , "x" , ex:iri ;
            ex:q "y"@de , "y" .""",
        "ex:Thing a owl:Class .",
        {(None, "ex:a", '"x"@pt'), (None, "ex:a", '"x"@fr'), (None, "ex:a", '"x"'), (None, "ex:a", "ex:iri"),
         (None, "ex:a", '"y"')},
    ),
    "in": (
        """ex:S a sh:NodeShape ; sh:targetClass ex:Thing ;
            sh:property [ sh:path ex:p ; sh:in ( ex:one ex:two "three" 4 ) ; sh:message "one of four" ] ,
                [ sh:path ex:q ; sh:in ( ex:one ) ] .""",
        """ex:a a ex:Thing ; ex:p ex:one , ex:five , "three" , "three"@en , 4 , 4.0 ;
            ex:q ex:one , "one" .""",
        "ex:Thing a owl:Class .",
        {(None, "ex:a", "ex:five"), (None, "ex:a", '"three"@en'), (None, "ex:a", '"4"^^xsd:decimal'),
         (None, "ex:a", '"one"')},
    ),
    "hasValue": (
        """ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; sh:property ex:S-p .
        ex:S-p sh:path ex:p ; sh:hasValue ex:wanted .
        ex:T a sh:NodeShape ; sh:targetNode ex:wanted , ex:other ; sh:hasValue ex:wanted .""",
        """ex:a a ex:Thing ; ex:p ex:wanted , ex:x . ex:b a ex:Thing ; ex:p ex:x . ex:c a ex:Thing .""",
        "ex:Thing a owl:Class .",
        {("ex:S-p", "ex:b", None), ("ex:S-p", "ex:c", None), ("ex:T", "ex:other", None)},
    ),
    "node": (
        """ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; sh:property ex:S-p .
        ex:S-p sh:path ex:p ; sh:node ex:N .
        ex:N a sh:NodeShape ; sh:property ex:N-q , ex:N-r .
        ex:N-q sh:path ex:q ; sh:minCount 1 .
        ex:N-r sh:path ex:r ; sh:node ex:M .
        ex:M a sh:NodeShape ; sh:property [ sh:path ex:s ; sh:hasValue ex:yes ] .""",
        """ex:a a ex:Thing ; ex:p ex:good , ex:bad , ex:deep . ex:b a ex:Thing ; ex:p ex:bad .
        ex:good ex:q 1 . ex:deep ex:q 1 ; ex:r ex:no .
        ex:no ex:s ex:maybe .""",
        "ex:Thing a owl:Class .",
        {("ex:S-p", "ex:a", "ex:bad"), ("ex:S-p", "ex:b", "ex:bad"), ("ex:N-q", "ex:bad", None),
         ("ex:S-p", "ex:a", "ex:deep"), ("ex:N-r", "ex:deep", "ex:no"), (None, "ex:no", None)},
    ),
    "lessThanOrEquals": (
        """ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; sh:property ex:S-low .
        ex:S-low sh:path ex:low ; sh:lessThanOrEquals ex:high .""",
        """ex:a a ex:Thing ; ex:low 1 , 5 ; ex:high 3 , 4 .
        ex:b a ex:Thing ; ex:low "a" , 2 ; ex:high "b" .
        ex:c a ex:Thing ; ex:low ex:x ; ex:high ex:y .
        ex:d a ex:Thing ; ex:low 7 .""",
        "ex:Thing a owl:Class .",
        {("ex:S-low", "ex:a", '"5"^^xsd:integer'), ("ex:S-low", "ex:b", '"2"^^xsd:integer')},
    ),
    "or": (
        """ex:S a sh:NodeShape ; sh:targetClass ex:Thing ;
            sh:or ( [ sh:path ex:from ; sh:minCount 1 ]
                [ sh:path ex:by ; sh:class ex:Agent ; sh:minCount 1 ] ) ;
            sh:property [ sh:path ex:date ;
                    sh:or ( [ sh:datatype xsd:date ] [ sh:datatype xsd:gYearMonth ] ) ] ,
                [ sh:path ex:who ; sh:or ( [ sh:class ex:Agent ] [ sh:class ex:Group ] ) ] .""",
        """ex:a a ex:Thing ; ex:from ex:x ;
            ex:date "2009-04-01"^^xsd:date , "2009-04"^^xsd:gYearMonth , "2009" , "2009"^^xsd:gYear ;
            ex:who ex:agent , ex:group , ex:nobody .
        ex:b a ex:Thing ; ex:by ex:agent .
        ex:c a ex:Thing ; ex:by ex:nobody .
        ex:d a ex:Thing .
        ex:agent a ex:Agent . ex:group a ex:Group .""",
        "ex:Thing a owl:Class .",
        {("ex:S", "ex:c", "ex:c"), ("ex:S", "ex:d", "ex:d"), (None, "ex:a", '"2009"'),
         (None, "ex:a", '"2009"^^xsd:gYear'), (None, "ex:a", "ex:nobody")},
    ),
    "deactivated": (
        """ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; sh:property ex:off , ex:on .
        ex:off sh:path ex:p ; sh:minCount 1 ; sh:deactivated true .
        ex:on sh:path ex:q ; sh:or ( [ sh:class ex:Nothing ; sh:deactivated true ] [ sh:class ex:Agent ] ) .
        ex:T a sh:NodeShape ; sh:targetClass ex:Thing ; sh:deactivated true ; sh:property ex:on .""",
        """ex:a a ex:Thing ; ex:q ex:anything .""",
        "ex:Thing a owl:Class .",
        set(),
    ),
    "severities and messages": (
        """ex:S a sh:NodeShape ; sh:targetClass ex:Thing ;
            sh:property [ sh:path ex:p ; sh:minCount 1 ; sh:severity sh:Warning ; sh:message "want p"@en ] ,
                [ sh:path ex:q ; sh:minCount 1 ; sh:severity sh:Info ; sh:message "want q" , "q!"@en ] ,
                [ sh:path ex:r ; sh:minCount 1 ; sh:severity ex:Custom ] .""",
        """ex:a a ex:Thing ; skos:prefLabel "Thing A"@en , "Chose A"@fr .""",
        "ex:Thing a owl:Class .",
        {(None, "ex:a", None)},
    ),
    "targets": (
        """ex:Implicit a rdfs:Class , sh:NodeShape ; sh:property [ sh:path ex:p ; sh:minCount 1 ] .
        ex:Nodes a sh:NodeShape ; sh:targetNode ex:n , "a literal" ; sh:nodeKind sh:IRI .
        ex:Subjects a sh:NodeShape ; sh:targetSubjectsOf ex:s ; sh:class ex:Agent .
        ex:Objects a sh:NodeShape ; sh:targetObjectsOf ex:o ; sh:nodeKind sh:IRI .
        ex:Selected a sh:NodeShape ; sh:nodeKind sh:Literal ;
            sh:target [ a sh:SPARQLTarget ;
                sh:select "SELECT ?this WHERE { ?this <http://example.org/t> 1 }" ] .""",
        """ex:i a ex:Implicit . ex:j a ex:Implicit ; ex:p 1 .
        ex:x ex:s 1 . ex:agent a ex:Agent ; ex:s 2 .
        ex:y ex:o ex:z , "lit" .
        ex:w ex:t 1 . ex:v ex:t 2 .""",
        "ex:Thing a owl:Class .",
        {(None, "ex:i", None), ("ex:Nodes", "a literal", '"a literal"'), ("ex:Subjects", "ex:x", "ex:x"),
         ("ex:Objects", "lit", '"lit"'), ("ex:Selected", "ex:w", "ex:w")},
    ),
    "paths": (
        """ex:S a sh:NodeShape ; sh:targetClass ex:Thing ;
            sh:property [ sh:path [ sh:inversePath ex:makes ] ; sh:minCount 1 ; sh:class ex:Maker ] ,
                [ sh:path [ sh:alternativePath ( [ sh:inversePath ex:runs ] ex:runBy ) ] ;
                    sh:maxCount 1 ] .""",
        """ex:a a ex:Thing . ex:m a ex:Maker ; ex:makes ex:a , ex:b .
        ex:b a ex:Thing ; ex:runBy ex:r1 . ex:r2 ex:runs ex:b . ex:x ex:makes ex:b .
        ex:c a ex:Thing ; ex:runBy ex:r1 .""",
        "ex:Thing a owl:Class .",
        {(None, "ex:c", None), (None, "ex:b", "ex:x"), (None, "ex:b", None)},
    ),
}


@pytest.mark.parametrize("name", list(COMPONENTS))
def test_component_same_findings(tmp_path: Path, name: str) -> None:
    shapes, data, ontology, expected = COMPONENTS[name]
    findings, work = same_as_pyshacl(project(tmp_path, shapes, data, ontology))
    if expected is None:
        return
    assert work.plan.left == {}, "these shapes are compiled"
    assert not has_work(work.rest)
    assert {(shape if shape and shape.startswith("ex:") else None, focus, value)
            for shape, focus, value in found(findings)} == expected


def test_pattern_compiled_without_blank_values(tmp_path: Path) -> None:
    """sh:pattern and sh:flags compiled: regular expressions in SPARQL where both engines read them alike,
    pySHACL's own `re` for the rest (a final newline, \\d, a typed literal)."""
    shapes, data, ontology, _ = COMPONENTS["pattern and flags"]
    findings, work = same_as_pyshacl(project(tmp_path, shapes, data.replace(" , [ ex:x 1 ]", ""), ontology))
    assert work.plan.left == {}
    assert {value for _, _, value in found(findings)} == {
        '"ab"', '"12"^^xsd:integer', "ex:AB", '"abd"', '"12a"', '"a"', '"""a\nc"""'}


def test_blank_value_left_to_pyshacl(tmp_path: Path) -> None:
    """A result whose value is a blank node cannot be named as pySHACL names it: the shape goes back to
    pySHACL, whose findings are then the ones reported."""
    shapes, data, ontology, _ = COMPONENTS["pattern and flags"]
    findings, work = same_as_pyshacl(project(tmp_path, shapes, data, ontology))
    assert list(work.plan.left) == [iri("ex:S")]
    assert "blank node" in work.plan.left[iri("ex:S")]
    assert any(f.value and f.value.startswith("_:") for f in findings)


def test_label_and_location_of_findings(tmp_path: Path) -> None:
    shapes, data, ontology, _ = COMPONENTS["severities and messages"]
    findings, _ = same_as_pyshacl(project(tmp_path, shapes, data, ontology))
    assert {f.label for f in findings} == {"Thing A"}
    assert {f.severity.name for f in findings} == {"WARNING", "INFO", "VIOLATION"}
    assert {f.message for f in findings} >= {"want p", "q!; want q"}


# --- what is left to pySHACL, and why ----------------------------------------------------------------------


def test_unsupported_component_left_to_pyshacl(tmp_path: Path) -> None:
    loaded = project(tmp_path, """
        ex:Long a sh:NodeShape ; sh:targetClass ex:Thing ; sh:property [ sh:path ex:p ; sh:maxLength 2 ] .
        ex:Fine a sh:NodeShape ; sh:targetClass ex:Thing ; sh:property [ sh:path ex:p ; sh:minLength 2 ] .""",
        """ex:a a ex:Thing ; ex:p "abc" , "a" .""")
    findings, work = same_as_pyshacl(loaded)
    assert set(work.plan.left) == {iri("ex:Long")}
    assert "maxLength" in work.plan.left[iri("ex:Long")]
    assert has_work(work.rest)
    assert {f.value for f in findings} == {'"abc"', '"a"'}


def test_rules_leave_everything_to_pyshacl(tmp_path: Path) -> None:
    loaded = project(tmp_path, """
        ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; sh:property [ sh:path ex:p ; sh:minCount 1 ] ;
            sh:rule [ a sh:TripleRule ; sh:subject sh:this ; sh:predicate ex:p ; sh:object ex:x ] .""",
        """ex:a a ex:Thing .""")
    findings, work = same_as_pyshacl(loaded)
    assert work.plan.units == [] and "rules" in work.plan.left[iri("ex:S")]


def test_ontology_triples_pyshacl_does_not_mix_in(tmp_path: Path) -> None:
    """pySHACL copies only RDFS and OWL axioms from the ontology into its data graph. A class instance
    declared in the ontology is a focus node in the store, not in pySHACL's graph: that shape is left to
    pySHACL. A header triple the shape reads, at a node that is not one of its focus nodes, is harmless."""
    loaded = project(tmp_path, """
        ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; sh:property [ sh:path ex:p ; sh:minCount 1 ] .
        ex:Doc a sh:NodeShape ; sh:targetClass ex:Document ;
            sh:property [ sh:path dcterms:title ; sh:minCount 1 ] .""",
        """ex:a a ex:Thing . ex:d a ex:Document .""",
        """<http://example.org/onto> a owl:Ontology ; dcterms:title "the ontology" .
        ex:Thing a owl:Class . ex:Document a owl:Class . ex:i a ex:Thing .""")
    findings, work = same_as_pyshacl(loaded)
    assert set(work.plan.left) == {iri("ex:S")}
    assert {f.focus for f in findings} == {EX + "a", EX + "d"}


@pytest.mark.parametrize("shapes", [
    "ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; sh:property [ sh:path ex:p ; sh:node ex:S ] .",
    """ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; sh:or ( ex:T [ sh:path ex:q ; sh:minCount 1 ] ) .
    ex:T a sh:NodeShape ; sh:property [ sh:path ex:p ; sh:node ex:S ] .""",
])
def test_recursive_shapes_are_refused_by_both_paths(tmp_path: Path, shapes: str) -> None:
    """SHACL leaves recursive shapes undefined: refused (exit 2) before anything is compiled, whether or not
    the data happens to recurse, as the pySHACL path refuses them."""
    loaded = project(tmp_path, shapes, """ex:a a ex:Thing ; ex:p ex:b . ex:b ex:p ex:c .""")
    with pytest.raises(InputError, match=r"recursive shapes .*example.org/S"):
        shacl_check(loaded, Sources.of(loaded), whole_queries=True)


def test_a_shape_used_twice_is_not_recursive(tmp_path: Path) -> None:
    loaded = project(tmp_path, """
        ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; sh:property [ sh:path ex:p ; sh:node ex:N ] ,
            [ sh:path ex:q ; sh:node ex:N ] .
        ex:N a sh:NodeShape ; sh:property [ sh:path ex:r ; sh:minCount 1 ] .""",
        """ex:a a ex:Thing ; ex:p ex:b ; ex:q ex:b .""")
    same_as_pyshacl(loaded)


# --- the parts ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("pattern, flags", [
    ("^[A-Z]+$", ""), ("^1-8(00|33|44|55|66|77|88)(-[0-9A-Z]+)+$", ""), ("^[^\u2010\u2011]*$", ""),
    ("a{2,3}?b", ""), (r"\.\-\/", ""), ("^abc$", "i"), ("^b", "m"), ("(?:ab)+|c*", ""),
])
def test_regex_read_alike(pattern: str, flags: str) -> None:
    assert sparql_regex_ok(pattern, flags)


@pytest.mark.parametrize("pattern, flags", [
    (r"\d", ""), (r"\w+", ""), ("(?=a)", ""), ("[[:alpha:]]", ""), ("[a&&b]", ""), ("a{,2}", ""),
    ("a*+", ""), ("[^a-z]", "i"), ("é", "i"), ("a]", ""), ("(a", ""), (r"\p{L}", ""), ("[]a]", ""),
])
def test_regex_left_to_python(pattern: str, flags: str) -> None:
    assert not sparql_regex_ok(pattern, flags)


TRICKY = ["ABC", "abc", "ABC\n", "A\nB", "\u212a", "\u0130", "ß", "a\rb", "", "1-888-373-7888", "x\u2011y",
          "aab", "aaab", "abab", "c", "ab.-/"]


@pytest.mark.parametrize("pattern, flags", [
    ("^[A-Z]+$", ""), ("^abc$", "i"), ("^[a-z]+$", "i"), ("^b", "m"), ("^A$", "m"), ("^.$", ""),
    ("^1-8(00|33|44|55|66|77|88)(-[0-9A-Z]+)+$", ""), ("^[^\u2010\u2011]*$", ""), ("a{2,3}?b", ""),
    ("(?:ab)+|c*", ""), (r"\.\-\/", ""), ("^k$", "i"), ("^s$", "i"),
])
def test_regex_match_in_the_store_implies_python_match(pattern: str, flags: str) -> None:
    """The soundness the compiled sh:pattern relies on: Oxigraph matching implies `re.search` matching."""
    store = ox.Store()
    compiled = re.compile(pattern, (re.I if "i" in flags else 0) | (re.M if "m" in flags else 0))
    for text in TRICKY:
        query = (f"ASK {{ FILTER(REGEX({ox.Literal(text)}, {ox.Literal(pattern)}, {ox.Literal(flags)})) }}")
        if bool(store.query(query)):
            assert compiled.search(text), (pattern, flags, text)


def test_mixed_terms_are_in_pyshacl_lists() -> None:
    """The ontology terms taken to be copied into pySHACL's data graph are in pySHACL's own lists."""
    from pyshacl.rdfutil.consts import OWL_classes, OWL_properties, RDFS_classes, RDFS_properties

    assert MIXED_PROPERTIES <= set(RDFS_properties) | set(OWL_properties)
    assert MIXED_CLASSES <= set(RDFS_classes) | set(OWL_classes)


def test_queries_are_written_by_the_library(tmp_path: Path) -> None:
    """A pattern and a message with quotes, braces and backslashes end up as literals of the query, and the
    shape finds what pySHACL finds."""
    loaded = project(tmp_path, r"""
        ex:S a sh:NodeShape ; sh:targetClass ex:Thing ;
            sh:property [ sh:path ex:p ; sh:pattern "^[^\"}{\\\\]*$" ; sh:message "no \" } { \\ here" ] .""",
        r"""ex:a a ex:Thing ; ex:p "fine" , "not \" fine" , "not } fine" , "not \\ fine" .""")
    findings, work = same_as_pyshacl(loaded)
    assert work.plan.left == {}
    assert len(findings) == 3
    for _, query in work.plan.queries_text():
        assert "no \\\" }" not in query  # messages never go into a query
    assert isinstance(work.rest, Graph)
