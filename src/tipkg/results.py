"""Query results as one typed value, and their output formats.

A `QueryResult` is what every store returns, local (rdflib) or remote (SPARQLWrapper), so that a query prints
the same bytes wherever it ran. SELECT rows and ASK answers are written in the W3C SPARQL 1.1 result formats
(JSON, XML, CSV, TSV) or as an aligned `table` for a terminal, with IRIs shortened by the project prefixes;
CONSTRUCT and DESCRIBE graphs are written as RDF (Turtle, JSON-LD, N-Triples, RDF/XML).

The result writers are written out here rather than taken from rdflib, because rdflib has none for TSV and
its CSV/XML writers only accept its own result objects, not rows that came back from a remote endpoint.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from xml.sax.saxutils import escape, quoteattr

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Identifier

from tipkg.errors import UsageError
from tipkg.vocab import PREFIXES, bind_prefixes


class QueryForm(Enum):
    SELECT = "SELECT"
    ASK = "ASK"
    CONSTRUCT = "CONSTRUCT"
    DESCRIBE = "DESCRIBE"

    @property
    def returns_graph(self) -> bool:
        return self in (QueryForm.CONSTRUCT, QueryForm.DESCRIBE)


class OutputFormat(str, Enum):
    TABLE = "table"
    CSV = "csv"
    TSV = "tsv"
    JSON = "json"
    XML = "xml"
    TURTLE = "turtle"
    JSONLD = "jsonld"
    NTRIPLES = "ntriples"
    RDFXML = "rdfxml"

    @property
    def is_rdf(self) -> bool:
        return self in RDF_FORMATS


RDF_FORMATS = {
    OutputFormat.TURTLE: "turtle",
    OutputFormat.JSONLD: "json-ld",
    OutputFormat.NTRIPLES: "nt",
    OutputFormat.RDFXML: "xml",
}

Row = tuple[Identifier | None, ...]


@dataclass
class QueryResult:
    """The answer to one query: rows (SELECT), a boolean (ASK) or a graph (CONSTRUCT/DESCRIBE)."""

    form: QueryForm
    variables: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None

    def __len__(self) -> int:
        if self.form.returns_graph:
            return len(self.graph) if self.graph is not None else 0
        if self.form is QueryForm.ASK:
            return 1 if self.boolean else 0
        return len(self.rows)

    def as_dicts(self) -> list[dict[str, Identifier]]:
        """SELECT rows as dicts of the bound variables."""
        return [{v: t for v, t in zip(self.variables, row, strict=True) if t is not None}
                for row in self.rows]


# --- shortening IRIs for people -------------------------------------------------------------------------


def shorten(term: Identifier | None, prefixes: Mapping[str, str] = PREFIXES) -> str:
    """A term as a person reads it: prefixed name for known namespaces, lexical form for literals."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        best = ""
        best_prefix = ""
        for prefix, namespace in prefixes.items():
            if term.startswith(namespace) and len(namespace) > len(best):
                local = term[len(namespace):]
                if local and all(ch.isalnum() or ch in "-_./" for ch in local):
                    best, best_prefix = namespace, prefix
        if best:
            return f"{best_prefix}:{term[len(best):]}"
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


# --- the W3C result formats --------------------------------------------------------------------------------


def csv_value(term: Identifier | None) -> str:
    """SPARQL 1.1 CSV: IRIs and literals by their text, blank nodes as _:label, unbound as empty."""
    if term is None:
        return ""
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


ECHAR = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def term_syntax(term: Identifier) -> str:
    """A term in N-Triples/SPARQL syntax on one line: literals in double quotes with every quote, backslash,
    tab and line break escaped (so that no value can end its string early), IRIs in angle brackets."""
    if isinstance(term, Literal):
        text = '"' + str(term).translate(ECHAR) + '"'
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype:
            return f"{text}^^<{term.datatype}>"
        return text
    if isinstance(term, BNode):
        return f"_:{term}"
    return f"<{term}>"


def tsv_value(term: Identifier | None) -> str:
    """SPARQL 1.1 TSV: terms in Turtle syntax, one row a line (tabs and line breaks escaped)."""
    return "" if term is None else term_syntax(term)


def json_term(term: Identifier) -> dict[str, str]:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    assert isinstance(term, Literal)
    value: dict[str, str] = {"type": "literal", "value": str(term)}
    if term.language:
        value["xml:lang"] = term.language
    elif term.datatype:
        value["datatype"] = str(term.datatype)
    return value


def write_json(result: QueryResult) -> str:
    if result.form is QueryForm.ASK:
        doc: dict = {"head": {}, "boolean": bool(result.boolean)}
    else:
        doc = {
            "head": {"vars": list(result.variables)},
            "results": {"bindings": [{v: json_term(t) for v, t in d.items()} for d in result.as_dicts()]},
        }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def xml_term(term: Identifier) -> str:
    if isinstance(term, URIRef):
        return f"<uri>{escape(str(term))}</uri>"
    if isinstance(term, BNode):
        return f"<bnode>{escape(str(term))}</bnode>"
    assert isinstance(term, Literal)
    attrs = ""
    if term.language:
        attrs = f" xml:lang={quoteattr(term.language)}"
    elif term.datatype:
        attrs = f" datatype={quoteattr(str(term.datatype))}"
    return f"<literal{attrs}>{escape(str(term))}</literal>"


def write_xml(result: QueryResult) -> str:
    lines = ['<?xml version="1.0" encoding="utf-8"?>',
             '<sparql xmlns="http://www.w3.org/2005/sparql-results#">', "  <head>"]
    lines += [f"    <variable name={quoteattr(v)}/>" for v in result.variables]
    lines.append("  </head>")
    if result.form is QueryForm.ASK:
        lines.append(f"  <boolean>{'true' if result.boolean else 'false'}</boolean>")
    else:
        lines.append("  <results>")
        for d in result.as_dicts():
            lines.append("    <result>")
            lines += [f"      <binding name={quoteattr(v)}>{xml_term(t)}</binding>" for v, t in d.items()]
            lines.append("    </result>")
        lines.append("  </results>")
    lines.append("</sparql>")
    return "\n".join(lines) + "\n"


def write_csv(result: QueryResult) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180, as the SPARQL CSV format asks
    if result.form is QueryForm.ASK:
        writer.writerow(["boolean"])
        writer.writerow(["true" if result.boolean else "false"])
        return buffer.getvalue()
    writer.writerow(result.variables)
    for row in result.rows:
        writer.writerow([csv_value(t) for t in row])
    return buffer.getvalue()


def write_tsv(result: QueryResult) -> str:
    if result.form is QueryForm.ASK:
        return "?boolean\n" + ("true" if result.boolean else "false") + "\n"
    lines = ["\t".join(f"?{v}" for v in result.variables)]
    lines += ["\t".join(tsv_value(t) for t in row) for row in result.rows]
    return "\n".join(lines) + "\n"


def write_table(result: QueryResult, prefixes: Mapping[str, str] = PREFIXES) -> str:
    """Aligned columns for a terminal; IRIs shortened; a graph result as subject/predicate/object rows."""
    if result.form is QueryForm.ASK:
        return ("yes" if result.boolean else "no") + "\n"
    if result.form.returns_graph:
        assert result.graph is not None
        header: Sequence[str] = ["subject", "predicate", "object"]
        cells = sorted([shorten(t, prefixes) for t in triple] for triple in result.graph)
    else:
        header = result.variables
        cells = [[shorten(t, prefixes) for t in row] for row in result.rows]
    cells = [[cell.replace("\n", " ") for cell in row] for row in cells]
    widths = [len(h) for h in header]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    out = [line(header), line(["-" * w for w in widths])]
    out += [line(row) for row in cells]
    return "\n".join(out) + "\n"


def write_rdf(graph: Graph, fmt: OutputFormat) -> str:
    bind_prefixes(graph)
    if fmt is OutputFormat.JSONLD:
        # The context is the project's own prefix map, given inline: rdflib never fetches a remote context.
        used = {p: ns for p, ns in PREFIXES.items() if any(str(t).startswith(ns) for tr in graph for t in tr)}
        text = graph.serialize(format="json-ld", context=used, auto_compact=True, indent=2)
        return text.rstrip("\n") + "\n"
    text = graph.serialize(format=RDF_FORMATS[fmt])
    if fmt is OutputFormat.NTRIPLES:  # rdflib writes N-Triples in hash order; sort so output is stable
        text = "".join(sorted(line + "\n" for line in text.splitlines() if line.strip()))
    return text


def default_format(form: QueryForm) -> OutputFormat:
    return OutputFormat.TURTLE if form.returns_graph else OutputFormat.TABLE


def render(result: QueryResult, fmt: OutputFormat | None = None,
           prefixes: Mapping[str, str] = PREFIXES) -> str:
    """The text of a result in an output format (the default fits the query form)."""
    fmt = fmt or default_format(result.form)
    if result.form.returns_graph:
        assert result.graph is not None
        if fmt is OutputFormat.TABLE:
            return write_table(result, prefixes)
        if not fmt.is_rdf:
            raise UsageError(f"a {result.form.value} query returns a graph; --format {fmt.value} is for "
                             "SELECT/ASK results",
                             )
        return write_rdf(result.graph, fmt)
    if fmt.is_rdf:
        raise UsageError(f"--format {fmt.value} is for CONSTRUCT/DESCRIBE queries; a {result.form.value} "
                         "query returns rows: use table, csv, tsv, json or xml")
    writers = {OutputFormat.TABLE: lambda r: write_table(r, prefixes), OutputFormat.CSV: write_csv,
               OutputFormat.TSV: write_tsv, OutputFormat.JSON: write_json, OutputFormat.XML: write_xml}
    return writers[fmt](result)


def summary(result: QueryResult) -> str:
    """One line for stderr: how much came back."""
    if result.form is QueryForm.ASK:
        return f"answer: {'yes' if result.boolean else 'no'}"
    if result.form.returns_graph:
        return f"{len(result)} triple{'s' if len(result) != 1 else ''}"
    return f"{len(result.rows)} row{'s' if len(result.rows) != 1 else ''}"
