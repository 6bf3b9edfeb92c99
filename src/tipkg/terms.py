"""The one term model: RDF terms are pyoxigraph terms; rdflib terms exist only at rdflib's boundary.

- `parse_term` reads a parameter value (`--param`, a server `?name=`) into a pyoxigraph term. Every part is
  built by the library's own constructors, which validate it: an IRI that pyoxigraph rejects, a language tag
  that is not BCP 47, a datatype that is not an IRI, all raise `UsageError` (exit 2; 400 on the server). A
  term is later written only by the library (`str(term)` is its N-Triples form), so no value can end its
  term early or change the query around it.
- `to_ox` / `from_ox` convert between rdflib and pyoxigraph; they are the only converters in the package.
- `term_text`, `short` and `label_of` name things for people (reports, diffs).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD
from rdflib.term import Identifier, Node

from tipkg.errors import UsageError
from tipkg.vocab import PREFIXES, bind_prefixes

OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple

# --- parameter values ---------------------------------------------------------------------------------------

MAX_TERM_LENGTH = 4096
# \Z, not $: `$` also matches before a final newline, which would be dropped from the value unseen.
PREFIXED_NAME = re.compile(r"^([A-Za-z][\w.-]*)?:([\w./%-]*)\Z")
PREFIXED_LOOKALIKE = re.compile(r"^([A-Za-z][\w.-]*)?:(\S*)\Z")
ABSOLUTE_IRI = re.compile(r"^(https?://|urn:)\S+\Z")
# "lexical form" then an optional @tag or ^^datatype; inside the quotes a quote or backslash is escaped.
QUOTED_LITERAL = re.compile(r'^"((?:[^"\\]|\\.)*)"(?:@([^\s@^]+)|\^\^(\S+))?\Z', re.S)
ECHAR = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
UCHAR = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.S)
SURROGATE = re.compile("[\ud800-\udfff]")
LANG_STRING = {str(RDF.langString), str(RDF) + "dirLangString"}


def parse_term(value: str, prefixes: Mapping[str, str] = PREFIXES) -> ox.NamedNode | ox.Literal:
    """A parameter value as an RDF term.

    `<http://...>`, an absolute `http(s)://` or `urn:` IRI, or `prefix:name` with a known prefix -> IRI;
    `"text"`, `"text"@en`, `"5"^^xsd:integer`, `"5"^^<http://...>` -> that literal; anything else -> a plain
    string literal. Raises UsageError with what is wrong.
    """
    if len(value) > MAX_TERM_LENGTH:
        raise UsageError(f"the value is {len(value):,} characters long; a term may have {MAX_TERM_LENGTH:,}")
    if SURROGATE.search(value):  # bytes that are not UTF-8 reach argv as lone surrogates; no term holds one
        raise UsageError(f"the value {value!r} is not Unicode text (it holds bytes that are not UTF-8)")
    if value.startswith("<") and value.endswith(">"):
        return named_node(value[1:-1], value)
    if value.startswith('"'):
        return quoted_literal(value, prefixes)
    match = PREFIXED_NAME.match(value)
    if match and (match.group(1) or "") in prefixes:
        return named_node(prefixes[match.group(1) or ""] + match.group(2), value)
    lookalike = PREFIXED_LOOKALIKE.match(value)
    if lookalike and (lookalike.group(1) or "") in prefixes:
        raise UsageError(f"not a valid prefixed name: {value!r} (after '{lookalike.group(1) or ''}:' only "
                         "letters, digits and _ - . / % may follow); a string value goes in double quotes")
    if ABSOLUTE_IRI.match(value):
        return named_node(value, value)
    return ox.Literal(value)


def named_node(iri: str, given: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(iri)
    except ValueError as exc:
        raise UsageError(f"not a valid IRI: {given!r} ({printable(str(exc))}); a string value goes in double "
                         "quotes") from None


def printable(text: str) -> str:
    """A library's message with control characters escaped: it quotes the offending character, which may be
    a newline or a NUL, and an error message is one line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def quoted_literal(value: str, prefixes: Mapping[str, str]) -> ox.Literal:
    match = QUOTED_LITERAL.match(value)
    if not match:
        raise UsageError(f"malformed literal {value!r}: write \"text\", \"text\"@en, \"5\"^^xsd:integer or "
                         "\"5\"^^<http://...> (a quote inside the text is written \\\")")
    lexical = unescape(match.group(1), value)
    language, datatype_text = match.group(2), match.group(3)
    if language is not None:
        try:
            return ox.Literal(lexical, language=language)
        except ValueError as exc:
            raise UsageError(f"not a BCP 47 language tag: {language!r} ({exc})") from None
    if datatype_text is None:
        return ox.Literal(lexical)
    datatype = parse_term(datatype_text, prefixes)
    if not isinstance(datatype, ox.NamedNode):
        raise UsageError(f"the datatype of {value!r} is not an IRI: write ^^xsd:integer or ^^<http://...>")
    if datatype.value in LANG_STRING:
        raise UsageError(f"{value!r}: a language-tagged string is written \"text\"@tag, not ^^rdf:langString")
    return ox.Literal(lexical, datatype=datatype)


def unescape(text: str, given: str) -> str:
    """N-Triples string escapes (\\n, \\", \\uXXXX, ...) undone; an unknown escape is an error."""

    def replace(match: re.Match) -> str:
        code = match.group(1) or match.group(2)
        if code:
            try:
                char = chr(int(code, 16))
            except (ValueError, OverflowError):
                raise UsageError(f"bad \\u escape in {given!r}") from None
            if SURROGATE.match(char):
                raise UsageError(f"bad \\u escape in {given!r}: a lone surrogate is not a character")
            return char
        char = match.group(3)
        if char not in ECHAR:
            raise UsageError(f"unknown escape \\{char} in {given!r}")
        return ECHAR[char]

    return UCHAR.sub(replace, text)


# --- rdflib <-> pyoxigraph (the only converters) ----------------------------------------------------------


def to_ox(term: Node) -> OxTerm:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def from_ox(term: OxTerm | None) -> Identifier | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == str(XSD.string):
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"an RDF-star triple term has no rdflib form: {term!r}")


# --- names for people -------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def prefixed() -> Graph:
    """An empty graph with the project's prefixes, used only for its namespace manager (never mutated)."""
    graph = Graph()
    bind_prefixes(graph)
    return graph


def term_text(term, graph: Graph | None = None) -> str:
    """IRIs as prefixed names where a prefix fits (else `<iri>`), literals in Turtle syntax."""
    names = (graph if graph is not None else prefixed()).namespace_manager
    if isinstance(term, URIRef):
        try:
            return names.normalizeUri(term)
        except Exception:  # rdflib refuses some IRIs as prefixed names; the full IRI is still right
            return f"<{term}>"
    if isinstance(term, Literal):
        return term.n3(names)
    return term.n3() if hasattr(term, "n3") else str(term)


def short(iri: str) -> str:
    """An IRI as a prefixed name where one fits; a blank node's `_:label` as it is."""
    return iri if iri.startswith("_:") else term_text(URIRef(iri))


def label_of(node, *graphs: Graph) -> str | None:
    """The node's skos:prefLabel (English first), else its rdfs:label, from the first graph that has one."""
    for graph in graphs:
        for predicate in (SKOS.prefLabel, RDFS.label):
            values = sorted(
                graph.objects(node, predicate), key=lambda v: (getattr(v, "language", None) != "en", v)
            )
            if values:
                return str(values[0])
    return None
