"""Writing query results: one set of writers, the library's own.

SELECT/ASK results are written by pyoxigraph's SPARQL 1.1 results serializers (JSON, XML, CSV, TSV), RDF by
pyoxigraph's RDF serializers (Turtle, N-Triples, JSON-LD, RDF/XML, TriG, N-Quads), triples sorted so that
output is stable. A result that came from elsewhere (a capped server answer, a remote endpoint) reaches the
results serializer through pyoxigraph's own results parser. Only `table`, a terminal view, is written here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence

import pyoxigraph as ox

from tipkg.engine import QueryResult
from tipkg.errors import UsageError
from tipkg.formats import Format, Kind
from tipkg.sparql import QueryForm
from tipkg.terms import OxTerm
from tipkg.vocab import PREFIXES

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def json_term(term: OxTerm) -> dict:
    """A term as SPARQL 1.1 JSON results (and their RDF-star extension) write it."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        value: dict = {"type": "literal", "value": term.value}
        if term.language:
            value["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            value["datatype"] = term.datatype.value
        return value
    return {"type": "triple", "value": {"subject": json_term(term.subject),
                                        "predicate": json_term(term.predicate),
                                        "object": json_term(term.object)}}


def as_solutions(result: QueryResult) -> ox.QuerySolutions | ox.QueryBoolean:
    """The result as a pyoxigraph results object, so that the library's serializers write it."""
    if result.form is QueryForm.ASK:
        document: dict = {"head": {}, "boolean": bool(result.boolean)}
    else:
        document = {"head": {"vars": list(result.variables)},
                    "results": {"bindings": [{v: json_term(t) for v, t in row.items()}
                                             for row in result.as_dicts()]}}
    return ox.parse_query_results(json.dumps(document).encode(), format=ox.QueryResultsFormat.JSON)


def sorted_triples(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    return sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def used_prefixes(triples: Sequence[ox.Triple], prefixes: Mapping[str, str] = PREFIXES) -> dict[str, str]:
    """The prefixes that some IRI of the triples starts with (RDF/XML, Turtle and TriG declare only these)."""
    iris = {t.value for triple in triples for t in (triple.subject, triple.predicate, triple.object)
            if isinstance(t, ox.NamedNode)}
    return {p: ns for p, ns in prefixes.items() if any(iri.startswith(ns) for iri in iris)}


def write_rdf(triples: Iterable[ox.Triple], fmt: Format, prefixes: Mapping[str, str] = PREFIXES) -> bytes:
    """Triples, sorted, in an RDF format (a dataset format puts them in the default graph)."""
    ordered = sorted_triples(triples)
    if fmt.kind is Kind.DATASET:
        quads = [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in ordered]
        return ox.serialize(quads, format=fmt.rdf_format,
                            prefixes=used_prefixes(ordered, prefixes) if fmt is Format.TRIG else None) or b""
    wants_prefixes = fmt in (Format.TURTLE, Format.RDFXML)
    written = ox.serialize(ordered, format=fmt.rdf_format,
                           prefixes=used_prefixes(ordered, prefixes) if wants_prefixes else None)
    return written or b""  # pyoxigraph returns None only when it writes to a file itself


def serialize(result: QueryResult, fmt: Format | None = None,
              prefixes: Mapping[str, str] = PREFIXES) -> bytes:
    """A result in a format (by default: table for rows, Turtle for a graph)."""
    fmt = fmt or default_format(result.form)
    check_fits(result.form, fmt)
    if fmt is Format.TABLE:
        return write_table(result, prefixes).encode("utf-8")
    if result.form.returns_graph:
        return write_rdf(result.triples, fmt, prefixes)
    return as_solutions(result).serialize(format=fmt.results_format) or b""


def default_format(form: QueryForm) -> Format:
    return Format.TURTLE if form.returns_graph else Format.TABLE


def check_fits(form: QueryForm, fmt: Format, name: str | None = None) -> None:
    """A UsageError when a format cannot carry the form's answer (rows in Turtle, a graph in CSV); `name` is
    the format as the user wrote it."""
    name = name or fmt.value
    if fmt is Format.HTML:
        raise UsageError("html is a page format of `tipkg serve`; choose table, csv, tsv, json or xml")
    if form.returns_graph and not fmt.carries_triples:
        raise UsageError(f"a {form.value} query returns a graph; the format {name} is for SELECT/ASK "
                         "results: use turtle, ntriples, jsonld, rdfxml, trig, nquads or table")
    if not form.returns_graph and not fmt.carries_rows:
        raise UsageError(f"the format {name} is for CONSTRUCT/DESCRIBE queries; a {form.value} query "
                         "returns rows: use table, csv, tsv, json or xml")


# --- for people -------------------------------------------------------------------------------------------


def shorten(term: OxTerm | None, prefixes: Mapping[str, str] = PREFIXES) -> str:
    """A term as a person reads it: prefixed name for known namespaces, lexical form for literals."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        best = ""
        best_prefix = ""
        for prefix, namespace in prefixes.items():
            if term.value.startswith(namespace) and len(namespace) > len(best):
                local = term.value[len(namespace):]
                if local and all(ch.isalnum() or ch in "-_./" for ch in local):
                    best, best_prefix = namespace, prefix
        if best:
            return f"{best_prefix}:{term.value[len(best):]}"
        return str(term)
    if isinstance(term, ox.BlankNode):
        return str(term)
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


TABLE_CELL = 100  # characters a table cell shows; the other formats carry every value whole


def clip(text: str) -> str:
    return text if len(text) <= TABLE_CELL else text[: TABLE_CELL - 1] + "…"


def write_table(result: QueryResult, prefixes: Mapping[str, str] = PREFIXES) -> str:
    """Aligned columns for a terminal; IRIs shortened; a graph result as subject/predicate/object rows."""
    if result.form is QueryForm.ASK:
        return ("yes" if result.boolean else "no") + "\n"
    if result.form.returns_graph:
        header: Sequence[str] = ["subject", "predicate", "object"]
        cells = sorted([shorten(t, prefixes) for t in (tr.subject, tr.predicate, tr.object)]
                       for tr in result.triples)
    else:
        header = result.variables
        cells = [[shorten(t, prefixes) for t in row] for row in result.rows]
    cells = [[clip(cell.replace("\n", " ")) for cell in row] for row in cells]
    widths = [len(h) for h in header]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    out = [line(header), line(["-" * w for w in widths])]
    out += [line(row) for row in cells]
    return "\n".join(out) + "\n"


def csv_cells(result: QueryResult) -> list[list[str]]:
    """A SELECT result as SPARQL CSV cells (what expected-results files hold), via the library's writer."""
    import csv
    import io

    text = serialize(result, Format.CSV).decode("utf-8")
    return list(csv.reader(io.StringIO(text)))


def summary(result: QueryResult) -> str:
    """One line for stderr: how much came back."""
    if result.form is QueryForm.ASK:
        return f"answer: {'yes' if result.boolean else 'no'}"
    count = len(result)
    noun = "triple" if result.form.returns_graph else "row"
    return f"{count} {noun}{'s' if count != 1 else ''}" + (" (truncated)" if result.truncated else "")
