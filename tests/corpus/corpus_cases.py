"""The bad-input corpus (issue 11): each case breaks a fresh copy of the small project in one way.

A case says what `tipkg validate` and `tipkg build` must both do with the broken project: the exit code (the
README's contract: 1 a check failed, 2 unusable input or over budget), a text the message must hold, and,
where the problem has a place, `file[:line[:col]]` relative to the project (the message names the file by
its full path). Cases are built by small functions so that bytes no editor keeps (NUL, UTF-16, links,
pipes, unreadable files) are written exactly.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

Make = Callable[[Path], None]

PREFIXES = """@prefix tip: <https://w3id.org/tipkg/ontology#> .
@prefix id: <https://w3id.org/tipkg/id/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix schema: <https://schema.org/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
"""  # 12 lines: a statement after it is on line 13
BODY = PREFIXES.count("\n") + 1
ID_PREFIX = "@prefix id: <https://w3id.org/tipkg/id/> .\n"
ID_FIRST = ID_PREFIX + PREFIXES.replace(ID_PREFIX, "")  # the same lines, id: on the first

SLOW_JOIN = "?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o . ?p ?q ?r"
SLOW_FILTER = 'FILTER(STR(?a) = CONCAT(STR(?d), STR(?g), STR(?j), STR(?m), STR(?p), "!"))'


@dataclass(frozen=True)
class Case:
    name: str
    make: Make
    exit: int
    says: str
    where: str | None = None  # file[:line[:col]] relative to the project
    args: tuple[str, ...] = ()  # options given to both validate and build
    unless_readable: str | None = None  # a file made unreadable; root reads it anyway (then: exit 0)
    build_only: bool = False  # a problem of publishing: validate passes, build fails as the case says


def write(relative: str, text: str) -> Make:
    return write_bytes(relative, text.encode("utf-8"))


def write_bytes(relative: str, data: bytes) -> Make:
    def make(project: Path) -> None:
        (project / relative).parent.mkdir(parents=True, exist_ok=True)
        (project / relative).write_bytes(data)

    return make


def turtle(relative: str, statements: str) -> Make:
    """A Turtle file with the prefixes above; its first statement is on line BODY."""
    return write(relative, PREFIXES + statements + "\n")


def query(name: str, body: str) -> Make:
    return write(f"queries/{name}", f"# title: {name}\n# description: a corpus case\n{body}\n")


def link(relative: str, target: str) -> Make:
    return lambda project: (project / relative).symlink_to(target)


def both(*makes: Make) -> Make:
    def make(project: Path) -> None:
        for step in makes:
            step(project)

    return make


def remove(relative: str) -> Make:
    def make(project: Path) -> None:
        target = project / relative
        if target.is_dir():
            for child in target.iterdir():
                child.unlink()
            target.rmdir()
        else:
            target.unlink()

    return make


def unreadable(relative: str) -> Make:
    def make(project: Path) -> None:
        turtle(relative, 'id:dos skos:note "hidden" .')(project)
        os.chmod(project / relative, 0)

    return make


def fifo(relative: str) -> Make:
    return lambda project: os.mkfifo(project / relative)


def laughs(depth: int = 9) -> str:
    """RDF/XML whose entities expand to 10**depth copies of "lol" ("billion laughs")."""
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, depth + 1)
    ]
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE r [\n' + "\n".join(entities) + "\n]>\n"
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">\n'
        f'<rdf:Description rdf:about="https://w3id.org/tipkg/id/dos"><rdfs:comment>&lol{depth};'
        "</rdfs:comment></rdf:Description>\n</rdf:RDF>\n"
    )


XML_HEAD = (
    '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    'xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">\n'
)


def nested(depth: int, open_: str, close: str) -> str:
    return "id:dos skos:related " + open_ * depth + "id:gtip" + close * depth + " ."


def many_triples(count: int) -> str:
    return "\n".join(f'id:dos skos:note "note {i}" .' for i in range(count))


SHAPE_HEAD = "ex:S a sh:NodeShape ; sh:targetClass org:Organization ; "

CASES: list[Case] = [
    # --- the observations of issue 11 -------------------------------------------------------------------
    Case(
        "iri-with-space-data",
        turtle("data/x.ttl", "id:dos skos:note <http://exa mple.org/x> ."),
        2,
        "Invalid IRI code point ' '",
        f"data/x.ttl:{BODY}:18",
    ),
    Case(
        "iri-with-space-ontology",
        turtle("ontology/x.ttl", "tip:Office rdfs:seeAlso <http://exa mple.org/x> ."),
        2,
        "Invalid IRI code point ' '",
        f"ontology/x.ttl:{BODY}:25",
    ),
    Case(
        "relative-iri-data",
        turtle("data/x.ttl", "id:dos skos:note <relative> ."),
        2,
        "No scheme found",
        f"data/x.ttl:{BODY}",
    ),
    Case(
        "relative-iri-ontology",
        turtle("ontology/x.ttl", "tip:Office rdfs:seeAlso <../x> ."),
        2,
        "No scheme found",
        f"ontology/x.ttl:{BODY}",
    ),
    Case(
        "relative-iri-shapes",
        turtle("shapes/x.ttl", "<#S> a sh:NodeShape ."),
        2,
        "No scheme found",
        f"shapes/x.ttl:{BODY}:1",
    ),
    Case(
        "relative-iri-rdfxml",
        write(
            "ontology/x.rdf",
            XML_HEAD + '<rdf:Description rdf:about="rel">'
            "<rdfs:label>x</rdfs:label></rdf:Description></rdf:RDF>\n",
        ),
        2,
        "No scheme found",
        "ontology/x.rdf",
    ),
    Case(
        "shape-path-literal",
        turtle("shapes/x.ttl", SHAPE_HEAD + 'sh:property [ sh:path "notapath" ; sh:minCount 1 ] .'),
        2,
        "a shape cannot be used: Values of a property path cannot be a Literal",
        "shapes",
    ),
    Case(
        "shape-select-unparsable",
        turtle("shapes/x.ttl", SHAPE_HEAD + 'sh:sparql [ sh:select "SELECT $this WHERE { $this ?p }" ] .'),
        2,
        "sh:select of http://example.org/S",
        None,
    ),
    Case(
        "shape-select-service",
        turtle(
            "shapes/x.ttl",
            SHAPE_HEAD + 'sh:sparql [ sh:select """SELECT $this '
            'WHERE { SERVICE <http://127.0.0.1:9/> { $this ?p ?o } }""" ] .',
        ),
        2,
        "SERVICE",
        None,
    ),
    Case(
        "shape-pattern-not-a-regex",
        turtle("shapes/x.ttl", SHAPE_HEAD + 'sh:property [ sh:path skos:prefLabel ; sh:pattern "[" ] .'),
        2,
        "sh:pattern: unterminated character set",
        "shapes",
    ),
    Case(
        "shape-mincount-not-integer",
        turtle("shapes/x.ttl", SHAPE_HEAD + 'sh:property [ sh:path skos:prefLabel ; sh:minCount "many" ] .'),
        2,
        "sh:minCount must be a literal with datatype xsd:integer",
        "shapes",
    ),
    Case(
        "shape-select-cartesian",
        turtle(
            "shapes/x.ttl",
            SHAPE_HEAD + 'sh:sparql [ sh:select """SELECT $this '
            f'WHERE {{ $this ?x ?y . {SLOW_JOIN} {SLOW_FILTER} }}""" ] .',
        ),
        2,
        "SHACL ran out of time (1 s)",
        None,
        ("--shacl-timeout", "1"),
    ),
    Case(
        "recursive-shapes",
        turtle("shapes/x.ttl", SHAPE_HEAD + "sh:node ex:T . ex:T a sh:NodeShape ; sh:node ex:S ."),
        2,
        "recursive shapes",
        "shapes",
    ),
    Case(
        "sparql-target-unparsable",
        turtle(
            "shapes/x.ttl",
            'ex:S a sh:NodeShape ; sh:target [ a sh:SPARQLTarget ; sh:select "SELECT ?this {" ] .',
        ),
        2,
        "sh:select of the target of http://example.org/S",
    ),
    Case(
        "same-as-chain-slow-to-reason",  # 400 links: minutes with either OWL 2 RL engine
        turtle("data/x.ttl", "\n".join(f"ex:n{i} owl:sameAs ex:n{i + 1} ; ex:p {i} ." for i in range(400))),
        2,
        "reasoning ran out of time (1 s) while running the OWL 2 RL closure",
        None,
        ("--reason-timeout", "1"),
    ),
    Case(
        "integer-not-integer",
        turtle("data/x.ttl", 'id:dos skos:note "abc"^^xsd:integer .'),
        2,
        '"abc" is not a valid xsd:integer',
        f"data/x.ttl:{BODY}:18",
    ),
    Case(
        "date-not-date",
        turtle("data/x.ttl", 'id:dos schema:foundingDate "abc"^^xsd:date .'),
        2,
        '"abc" is not a valid xsd:date',
        f"data/x.ttl:{BODY}:28",
    ),
    Case(
        "date-month-13",
        turtle("data/x.ttl", 'id:dos schema:foundingDate "2009-13-01"^^xsd:date .'),
        2,
        '"2009-13-01" is not a valid xsd:date',
        f"data/x.ttl:{BODY}",
    ),
    Case(
        "boolean-not-boolean",
        turtle("data/x.ttl", 'id:dos skos:note "perhaps"^^xsd:boolean .'),
        2,
        "is not a valid xsd:boolean",
        f"data/x.ttl:{BODY}",
    ),
    Case(
        "decimal-not-decimal-ontology",
        turtle("ontology/x.ttl", 'tip:Office owl:versionInfo "1.2.3"^^xsd:decimal .'),
        2,
        "is not a valid xsd:decimal",
        f"ontology/x.ttl:{BODY}",
    ),
    Case(
        "xml-literal-with-entities",
        turtle(
            "data/x.ttl", 'id:dos skos:note "<!DOCTYPE d [<!ENTITY a \\"b\\">]><d>&a;</d>"^^rdf:XMLLiteral .'
        ),
        2,
        "is not a valid rdf:XMLLiteral",
        "data/x.ttl",
    ),
    Case(
        "violation-query-cartesian",
        query("slow-violation.rq", f"SELECT ?a WHERE {{ {SLOW_JOIN} {SLOW_FILTER} }}"),
        2,
        "the query checks ran out of time (1 s) while running queries/slow-violation.rq",
        None,
        ("--query-timeout", "1"),
    ),
    Case(
        "billion-laughs-ontology",
        write("ontology/laughs.rdf", laughs()),
        2,
        "RDF/XML declares the entity 'lol0'",
        "ontology/laughs.rdf:3:1",
    ),
    Case(
        "billion-laughs-behind-a-bad-declaration",  # expat stops at the bad one; Oxigraph would go on
        write("data/laughs.rdf", laughs().replace("[\n", "[\n<!ELEMENT r ANY ANY>\n", 1)),
        2,
        "RDF/XML declares an entity",
        "data/laughs.rdf:4:1",
    ),
    Case(
        "billion-laughs-data",
        write("data/laughs.rdf", laughs()),
        2,
        "declares the entity",
        "data/laughs.rdf:3",
    ),
    Case(
        "external-entity",
        write(
            "data/secret.rdf",
            '<?xml version="1.0"?>\n<!DOCTYPE r [\n<!ENTITY s SYSTEM '
            '"file:///etc/passwd">\n]>\n'
            + XML_HEAD.split("\n", 1)[1]
            + '<rdf:Description rdf:about="https://w3id.org/tipkg/id/dos"><rdfs:comment>&s;'
            "</rdfs:comment></rdf:Description></rdf:RDF>\n",
        ),
        2,
        "declares the entity 's'",
        "data/secret.rdf:3",
    ),
    Case(
        "control-character-ontology",
        turtle("ontology/x.ttl", 'tip:Office rdfs:comment "bell\\u0007 here" .'),
        2,
        "control character U+0007, which RDF/XML (ontology.owl) cannot carry",
        f"ontology/x.ttl:{BODY}",
    ),
    Case(
        "escape-character-ontology",
        turtle("ontology/x.ttl", 'tip:Office rdfs:comment "esc\\u001b[0m" .'),
        2,
        "control character U+001B",
        "ontology/x.ttl",
    ),
    Case(
        "ontology-property-without-xml-name",
        turtle("ontology/x.ttl", 'tip:Office <http://example.org/1> "x" .'),
        2,
        "the property <http://example.org/1> cannot be written in RDF/XML",
        f"ontology/x.ttl:{BODY}:12",
    ),
    Case(
        "data-property-without-xml-name-is-fine",  # data is not published as RDF/XML
        turtle("data/x.ttl", 'id:dos <http://example.org/1> "x" .'),
        0,
        "",
    ),
    Case("symlink-loop", link("data/loop.ttl", "loop.ttl"), 2, "a link that loops", "data/loop.ttl"),
    Case(
        "symlink-pair-loop",
        both(link("data/a.ttl", "b.ttl"), link("data/b.ttl", "a.ttl")),
        2,
        "a link that loops",
        "data/a.ttl",
    ),
    Case("dangling-link", link("data/gone.ttl", "nowhere.ttl"), 2, "a link to nowhere", "data/gone.ttl"),
    Case(
        "dangling-link-ontology",
        link("ontology/gone.owl", "/nonexistent/x.owl"),
        2,
        "a link to nowhere",
        "ontology/gone.owl",
    ),
    Case(
        "folder-named-ttl",
        lambda project: (project / "data" / "folder.ttl").mkdir(),
        2,
        "a folder named like an RDF file",
        "data/folder.ttl",
    ),
    Case(
        "folder-named-owl-in-shapes",
        lambda project: (project / "shapes" / "x.owl").mkdir(),
        2,
        "a folder named like an RDF file",
        "shapes/x.owl",
    ),
    Case(
        "jsonld-in-data",
        write("data/extra.jsonld", '{"@id": "https://w3id.org/tipkg/id/dos"}\n'),
        2,
        "JSON-LD files are not read",
        "data/extra.jsonld",
    ),
    Case(
        "n3-in-ontology",
        write("ontology/rules.n3", "{ ?x a ?y } => { ?x a ?y } .\n"),
        2,
        "Notation3 files are not read",
        "ontology/rules.n3",
    ),
    Case("pipe-named-ttl", fifo("data/pipe.ttl"), 2, "not a regular file", "data/pipe.ttl"),
    # --- encodings --------------------------------------------------------------------------------------
    Case(
        "utf16-le",
        write_bytes("data/x.ttl", (PREFIXES + 'id:dos skos:note "x" .\n').encode("utf-16")),
        2,
        "UTF-16 byte order mark",
        "data/x.ttl:1:1",
    ),
    Case(
        "utf16-be",
        write_bytes("data/x.ttl", b"\xfe\xff" + PREFIXES.encode("utf-16-be")),
        2,
        "UTF-16 byte order mark",
        "data/x.ttl:1:1",
    ),
    Case(
        "utf16-without-bom",
        write_bytes("data/x.ttl", PREFIXES.encode("utf-16-le")),
        2,
        "holds a NUL byte",
        "data/x.ttl:1:2",
    ),
    Case(
        "nul-byte",
        write_bytes("data/x.ttl", (PREFIXES + 'id:dos skos:note "a\0b" .\n').encode()),
        2,
        "holds a NUL byte",
        f"data/x.ttl:{BODY}:20",
    ),
    Case(
        "invalid-utf8",
        write_bytes("data/x.ttl", (PREFIXES + 'id:dos skos:note "').encode() + b'\xc3\x28" .\n'),
        2,
        "not UTF-8 (byte 0xc3)",
        f"data/x.ttl:{BODY}:19",
    ),
    Case(
        "overlong-utf8",
        write_bytes("ontology/x.ttl", PREFIXES.encode() + b'tip:Office rdfs:label "\xc0\xaf" .\n'),
        2,
        "not UTF-8 (byte 0xc0)",
        f"ontology/x.ttl:{BODY}:24",
    ),
    Case(
        "truncated-utf8",
        write_bytes("shapes/x.ttl", PREFIXES.encode() + b'ex:S rdfs:label "caf\xc3'),
        2,
        "not UTF-8 (byte 0xc3)",
        f"shapes/x.ttl:{BODY}:21",
    ),
    Case(
        "latin1-query",
        write_bytes("queries/q-violation.rq", b"# title: caf\xe9\nSELECT ?x WHERE { ?x ?p ?o }\n"),
        2,
        "not UTF-8 (byte 0xe9)",
        "queries/q-violation.rq:1:13",
    ),
    Case(
        "bom-then-syntax-error",
        write_bytes("data/x.ttl", b"\xef\xbb\xbf" + PREFIXES.encode() + b"id:dos id:p\n"),
        2,
        "syntax error",
        f"data/x.ttl:{BODY + 1}",
    ),
    Case(
        "bom-file-still-located",
        write_bytes(
            "data/x.ttl",
            b"\xef\xbb\xbf"  # the BOM stands before the declaration of id:, which must still be read
            + ID_FIRST.encode()
            + b'id:x a tip:Office ; skos:prefLabel "X"@en ; org:subOrganizationOf id:x .\n',
        ),
        1,
        "An organisation cannot be its own ancestor",
        f"data/x.ttl:{BODY}",
    ),
    # --- empty and huge ---------------------------------------------------------------------------------
    Case("empty-data-file", write("data/empty.ttl", ""), 2, "holds no triples", "data/empty.ttl"),
    Case("empty-ontology-file", write("ontology/empty.owl", ""), 2, "holds no triples", "ontology/empty.owl"),
    Case(
        "whitespace-only-shapes",
        write("shapes/blank.ttl", "\n\n   \n"),
        2,
        "holds no triples",
        "shapes/blank.ttl",
    ),
    Case("prefixes-only", write("data/prefixes.ttl", PREFIXES), 2, "holds no triples", "data/prefixes.ttl"),
    Case("empty-query-file", write("queries/empty-violation.rq", ""), 2, "", "queries/empty-violation.rq"),
    Case(
        "file-over-size-budget",
        turtle("data/big.ttl", many_triples(2000)),
        2,
        "MiB are parsed",
        "data/big.ttl",
        ("--max-file-mb", "0.01"),
    ),
    Case(
        "ontology-over-size-budget",
        turtle("ontology/big.ttl", "tip:Office rdfs:comment " + '"' + "x" * 20000 + '" .'),
        2,
        "MiB are parsed",
        "ontology/big.ttl",
        ("--max-file-mb", "0.01"),
    ),
    Case(
        "huge-literal-within-budget",
        turtle("data/x.ttl", 'id:dos skos:note "' + "long " * 200_000 + '" .'),
        0,
        "",
    ),
    Case("many-triples-within-budget", turtle("data/x.ttl", many_triples(3000)), 0, ""),
    # --- deep nesting -----------------------------------------------------------------------------------
    Case(
        "deep-collection-query",
        query("deep-violation.rq", "SELECT ?x WHERE { ?x ?p " + "(" * 5000 + "1" + ")" * 5000 + " }"),
        2,
        "deep-violation.rq",
    ),
    Case(
        "deep-brackets-query",
        query("deep2-violation.rq", "SELECT ?x WHERE " + "{ " * 3000 + "?x ?p ?o" + " }" * 3000),
        2,
        "deep2-violation.rq",
    ),
    Case(
        "unbalanced-nesting-data",
        turtle("data/x.ttl", "id:dos skos:related " + "[ skos:related " * 500 + "id:gtip ."),
        2,
        "syntax error",
        "data/x.ttl",
    ),
    Case(
        "deep-path-in-shape",
        turtle(
            "shapes/x.ttl",
            SHAPE_HEAD
            + "sh:property [ sh:path "
            + "[ sh:inversePath " * 2000
            + "skos:note"
            + " ]" * 2000
            + " ; sh:maxCount 5 ] .",
        ),
        2,
        "blank nodes nested 2001 deep",
        "shapes/x.ttl",
    ),
    # --- cycles -----------------------------------------------------------------------------------------
    Case(
        "own-ancestor",
        turtle("data/x.ttl", "id:gtip org:subOrganizationOf id:gtip ."),
        1,
        "An organisation cannot be its own ancestor",
        "data/state.trig",
    ),
    Case(
        "ancestor-cycle",
        turtle("data/x.ttl", "id:dos org:subOrganizationOf id:gtip ."),
        1,
        "An organisation cannot be its own ancestor",
    ),
    Case(
        "subclass-cycle-makes-disjoint-clash",
        turtle(
            "ontology/x.ttl",
            "schema:Legislation rdfs:subClassOf "
            "org:Organization . org:Organization rdfs:subClassOf "
            "schema:Legislation .",
        ),
        1,
        "disjoint",
    ),
    Case(
        "deep-blank-nodes-data",
        turtle("data/x.ttl", nested(3000, "[ skos:related ", " ]")),
        2,
        "blank nodes nested 3000 deep; at most 128 can be published",
        "data/x.ttl",
    ),
    Case("deep-collection-data", turtle("data/x.ttl", nested(3000, "( ", " )")), 2, "nested", "data/x.ttl"),
    Case(
        "deep-blank-nodes-ontology",
        turtle(
            "ontology/x.ttl",
            "tip:Office rdfs:seeAlso " + "[ rdfs:seeAlso " * 200 + "tip:Office" + " ]" * 200 + " .",
        ),
        2,
        "blank nodes nested 200 deep",
        "ontology/x.ttl",
    ),
    Case("nesting-within-limit", turtle("data/x.ttl", nested(100, "[ skos:related ", " ]")), 0, ""),
    Case(
        "blank-node-ring-slow-to-publish",  # rdflib labels the ontology's blank nodes: 17 s for this ring
        turtle(
            "ontology/x.ttl",
            " ".join(
                f"tip:Office rdfs:seeAlso _:b{i} . _:b{i} rdfs:seeAlso _:b{(i + 1) % 100} ."
                for i in range(100)
            ),
        ),
        2,
        "publishing ran out of time (1 s)",
        None,
        ("--publish-timeout", "1"),
        build_only=True,
    ),
    Case(
        "symlink-to-a-good-file-is-read",
        both(turtle("extra.ttl", 'id:dos skos:note "linked" .'), link("data/linked.ttl", "../extra.ttl")),
        0,
        "",
    ),
    # --- disjoint classes and other check failures -------------------------------------------------------
    Case("disjoint-types", turtle("data/x.ttl", "id:dos a schema:Legislation ."), 1, "disjoint"),
    Case("disjoint-through-range", turtle("data/x.ttl", "id:gtip tip:enforces id:hotline ."), 1, "disjoint"),
    Case(
        "different-and-same",
        turtle("data/x.ttl", "id:dos owl:sameAs id:gtip ; owl:differentFrom id:gtip ."),
        1,
        "consistency",
    ),
    Case(
        "violation-query-returns-rows",
        query(
            "all-offices-violation.rq",
            "PREFIX tip: <https://w3id.org/tipkg/ontology#>\nSELECT ?o WHERE { ?o a tip:Office }",
        ),
        1,
        "all-offices-violation.rq",
    ),
    Case(
        "expected-results-differ",
        write("queries/organisations.expected.csv", "label\nNobody\n"),
        1,
        "results differ from organisations.expected.csv",
    ),
    # --- bad queries ------------------------------------------------------------------------------------
    Case(
        "query-syntax-error",
        query("broken-violation.rq", "SELECT ?x WHERE { ?x ?y }"),
        2,
        "SPARQL syntax error",
        "queries/broken-violation.rq:4:1",
    ),
    Case(
        "query-unknown-prefix",
        query("prefix-violation.rq", "SELECT ?x WHERE { ?x nope:p ?y }"),
        2,
        "nope",
        "queries/prefix-violation.rq",
    ),
    Case(
        "query-service",
        query("service-violation.rq", "SELECT ?x WHERE { SERVICE <http://127.0.0.1:9/> { ?x ?p ?o } }"),
        2,
        "SERVICE",
        "queries/service-violation.rq",
    ),
    Case(
        "query-update",
        query("update-violation.rq", "INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }"),
        2,
        "",
        "queries/update-violation.rq",
    ),
    Case(
        "violation-query-construct",
        query("graph-violation.rq", "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"),
        2,
        "rule must be a SELECT or ASK query, not CONSTRUCT",
        "queries/graph-violation.rq",
    ),
    Case(
        "query-from-a-file-reads-nothing",
        query("from-violation.rq", "SELECT ?x FROM <file:///etc/passwd> WHERE { ?x ?p ?o }"),
        0,
        "",
    ),
    # --- unreadable files -------------------------------------------------------------------------------
    Case(
        "unreadable-data-file",
        unreadable("data/secret.ttl"),
        2,
        "cannot read: Permission denied",
        "data/secret.ttl",
        unless_readable="data/secret.ttl",
    ),
    Case(
        "unreadable-ontology-file",
        unreadable("ontology/secret.ttl"),
        2,
        "cannot read: Permission denied",
        "ontology/secret.ttl",
        unless_readable="ontology/secret.ttl",
    ),
    # --- syntax and layout ------------------------------------------------------------------------------
    Case(
        "unclosed-graph",
        write("data/x.trig", PREFIXES + 'id:graph\\/x {\n id:dos skos:note "x" .\n'),
        2,
        "syntax error",
        f"data/x.trig:{BODY + 2}",
    ),
    Case(
        "turtle-in-ntriples",
        write("data/x.nt", PREFIXES + 'id:dos skos:note "x" .\n'),
        2,
        "syntax error",
        "data/x.nt:1:1",
    ),
    Case(
        "graph-in-turtle",
        turtle("data/x.ttl", 'id:graph\\/x { id:dos skos:note "x" . }'),
        2,
        "syntax error",
        f"data/x.ttl:{BODY}",
    ),
    Case(
        "literal-as-subject",
        turtle("data/x.ttl", '"x" skos:note "y" .'),
        2,
        "syntax error",
        f"data/x.ttl:{BODY}:1",
    ),
    Case(
        "malformed-rdfxml",
        write("ontology/x.rdf", XML_HEAD + "<rdf:Description>\n</rdf:RDF>\n"),
        2,
        "syntax error",
        "ontology/x.rdf",
    ),
    Case(
        "unknown-prefix-in-ontology",
        write("ontology/x.ttl", "nope:a nope:b nope:c .\n"),
        2,
        "The prefix nope: has not been declared",
        "ontology/x.ttl:1:1",
    ),
    Case("no-ontology-folder", remove("ontology"), 2, "folder not found"),
    Case(
        "ontology-without-rdf-files",
        both(remove("ontology/mini.ttl"), write("ontology/README.md", "notes\n")),
        2,
        "no RDF files (.ttl, .trig, .nt, .nq) in",
    ),
    Case("no-shapes-folder", remove("shapes"), 0, ""),
]
