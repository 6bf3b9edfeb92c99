"""Write query results and RDF descriptions in the negotiated format.

SELECT/ASK results are written here (SPARQL 1.1 Query Results JSON, XML, CSV and TSV) because the
server caps the rows before writing and pyoxigraph's writers only take a live result iterator.
RDF is written by pyoxigraph (Turtle, N-Triples, RDF/XML: fast, and prefixes for Turtle) and by rdflib for
JSON-LD, compacted with a context built from the project's own prefixes and embedded inline: no remote
context is ever referenced or fetched.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef

from tipkg.server.engine import QueryResult, ResultKind, Term
from tipkg.server.negotiation import Format
from tipkg.vocab import PREFIXES

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

JSONLD_CONTEXT: dict[str, str] = {prefix: iri for prefix, iri in PREFIXES.items() if prefix not in ("xsd",)}
JSONLD_CONTEXT["xsd"] = PREFIXES["xsd"]


# ---------------------------------------------------------------- SPARQL results


def _json_term(term: Term) -> dict:
    kind = term[0]
    if kind == "uri":
        return {"type": "uri", "value": term[1]}
    if kind == "bnode":
        return {"type": "bnode", "value": term[1]}
    if kind == "literal":
        out = {"type": "literal", "value": term[1]}
        if term[3]:
            out["xml:lang"] = term[3]
        elif term[2] != XSD_STRING:
            out["datatype"] = term[2]
        return out
    return {
        "type": "triple",
        "value": {
            "subject": _json_term(term[1]),
            "predicate": _json_term(term[2]),
            "object": _json_term(term[3]),
        },
    }


def _xml_term(term: Term) -> str:
    kind = term[0]
    if kind == "uri":
        return f"<uri>{escape(term[1])}</uri>"
    if kind == "bnode":
        return f"<bnode>{escape(term[1])}</bnode>"
    if kind == "literal":
        if term[3]:
            return f"<literal xml:lang={quoteattr(term[3])}>{escape(term[1])}</literal>"
        if term[2] != XSD_STRING:
            return f"<literal datatype={quoteattr(term[2])}>{escape(term[1])}</literal>"
        return f"<literal>{escape(term[1])}</literal>"
    return (
        f"<triple><subject>{_xml_term(term[1])}</subject><predicate>{_xml_term(term[2])}</predicate>"
        f"<object>{_xml_term(term[3])}</object></triple>"
    )


def _nt_string(value: str) -> str:
    out = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return '"' + out.replace("\t", "\\t") + '"'


def nt_term(term: Term) -> str:
    """A term in N-Triples syntax (also TSV's cell syntax)."""
    kind = term[0]
    if kind == "uri":
        return f"<{term[1]}>"
    if kind == "bnode":
        return f"_:{term[1]}"
    if kind == "literal":
        if term[3]:
            return f"{_nt_string(term[1])}@{term[3]}"
        if term[2] != XSD_STRING:
            return f"{_nt_string(term[1])}^^<{term[2]}>"
        return _nt_string(term[1])
    return f"<< {nt_term(term[1])} {nt_term(term[2])} {nt_term(term[3])} >>"


def _csv_value(term: Term | None) -> str:
    if term is None:
        return ""
    if term[0] == "bnode":
        return "_:" + term[1]
    if term[0] == "triple":
        return nt_term(term)
    return term[1]


def write_results(result: QueryResult, fmt: Format) -> bytes:
    """SELECT or ASK results as SPARQL JSON, XML, CSV or TSV."""
    if result.kind is ResultKind.ASK:
        value = bool(result.boolean)
        if fmt is Format.SPARQL_JSON:
            return json.dumps({"head": {}, "boolean": value}).encode()
        if fmt is Format.SPARQL_XML:
            return (
                '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                f"<head/><boolean>{str(value).lower()}</boolean></sparql>\n"
            ).encode()
        return (str(value).lower() + "\n").encode()
    variables = result.variables
    if fmt is Format.SPARQL_JSON:
        bindings = [
            {v: _json_term(t) for v, t in zip(variables, row, strict=True) if t is not None}
            for row in result.rows
        ]
        return json.dumps(
            {"head": {"vars": list(variables)}, "results": {"bindings": bindings}}, ensure_ascii=False
        ).encode()
    if fmt is Format.SPARQL_XML:
        out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n<head>']
        out.extend(f"<variable name={quoteattr(v)}/>" for v in variables)
        out.append("</head>\n<results>\n")
        for row in result.rows:
            out.append("<result>")
            out.extend(
                f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                for v, t in zip(variables, row, strict=True)
                if t is not None
            )
            out.append("</result>\n")
        out.append("</results>\n</sparql>\n")
        return "".join(out).encode()
    if fmt is Format.CSV:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(variables)
        writer.writerows([_csv_value(t) for t in row] for row in result.rows)
        return buffer.getvalue().encode()
    if fmt is Format.TSV:
        lines = ["\t".join("?" + v for v in variables)]
        lines.extend("\t".join(nt_term(t) if t is not None else "" for t in row) for row in result.rows)
        return ("\n".join(lines) + "\n").encode()
    raise ValueError(f"{fmt} is not a SPARQL results format")


# ---------------------------------------------------------------- RDF


def _ox(term: Term):
    kind = term[0]
    if kind == "uri":
        return ox.NamedNode(term[1])
    if kind == "bnode":
        return ox.BlankNode(term[1])
    if kind == "literal":
        if term[3]:
            return ox.Literal(term[1], language=term[3])
        return ox.Literal(term[1], datatype=ox.NamedNode(term[2]))
    return ox.Triple(_ox(term[1]), _ox(term[2]), _ox(term[3]))


def _rdflib(term: Term):
    kind = term[0]
    if kind == "uri":
        return URIRef(term[1])
    if kind == "bnode":
        return BNode(term[1])
    if kind == "literal":
        if term[3]:
            return Literal(term[1], lang=term[3])
        return Literal(term[1], datatype=None if term[2] == XSD_STRING else URIRef(term[2]))
    raise ValueError("RDF-star triples cannot be written as JSON-LD 1.1")


def jsonld_document(triples: Iterable[Sequence[Term]], context: dict | None = None) -> dict | list:
    """Compact JSON-LD with an inline context (the project's prefixes unless given): never a remote one."""
    graph = Graph()
    for s, p, o in triples:
        graph.add((_rdflib(s), _rdflib(p), _rdflib(o)))
    text = graph.serialize(format="json-ld", context=context or JSONLD_CONTEXT, auto_compact=True)
    return json.loads(text)


def write_rdf(triples: Sequence[Sequence[Term]], fmt: Format, context: dict | None = None) -> bytes:
    """Triples (as Terms) in Turtle, N-Triples, RDF/XML or JSON-LD; sorted, so output is stable."""
    ordered = sorted(triples, key=lambda t: (nt_term(t[0]), nt_term(t[1]), nt_term(t[2])))
    if fmt is Format.JSONLD:
        return json.dumps(jsonld_document(ordered, context), ensure_ascii=False, indent=2).encode()
    oxformat = {
        Format.TURTLE: ox.RdfFormat.TURTLE,
        Format.NTRIPLES: ox.RdfFormat.N_TRIPLES,
        Format.RDFXML: ox.RdfFormat.RDF_XML,
    }[fmt]
    oxtriples = [ox.Triple(_ox(s), _ox(p), _ox(o)) for s, p, o in ordered]
    prefixes = None if fmt is Format.NTRIPLES else used_prefixes(ordered, rdfxml=fmt is Format.RDFXML)
    return ox.serialize(oxtriples, format=oxformat, prefixes=prefixes)


def used_prefixes(triples: Sequence[Sequence[Term]], rdfxml: bool = False) -> dict[str, str]:
    """The project prefixes that some IRI in the triples starts with (RDF/XML: predicates and types only)."""
    iris = set()
    for s, p, o in triples:
        iris.add(p[1])
        if not rdfxml:
            iris.update(t[1] for t in (s, o) if t[0] == "uri")
        elif p[1].endswith("#type") and o[0] == "uri":
            iris.add(o[1])
    namespaces = {ns for ns in PREFIXES.values() if any(iri.startswith(ns) for iri in iris)}
    return {prefix: ns for prefix, ns in PREFIXES.items() if ns in namespaces}
