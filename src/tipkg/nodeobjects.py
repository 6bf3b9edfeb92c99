"""JSON-LD node objects from pyoxigraph triples, compacted with a context as rdflib's JSON-LD writer does it
(`tipkg.jsonld` nests and sorts them into `tipkg.jsonld`).

Built by hand, in one pass over the triples, because rdflib's writer needs an rdflib graph of the whole data
(minutes at a million triples): a triple's key is its property's term where the value fits the term's
coercion, else the property as a prefixed name; `rdf:type` is `@type`; a well-formed RDF list is `@list`;
integers and booleans whose lexical form is the one JSON gives back are JSON numbers and booleans (rdflib
also wrote `"05"^^xsd:integer` as 5, which reads back as "5"); other literals are objects with `@type` or
`@language`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import pyoxigraph as ox
from rdflib.namespace import RDF, XSD

RDF_TYPE = str(RDF.type)
RDF_FIRST, RDF_REST, RDF_NIL, RDF_LIST = str(RDF.first), str(RDF.rest), str(RDF.nil), str(RDF.List)
XSD_STRING = str(XSD.string)
# Datatypes written as JSON numbers and booleans, when the lexical form is the one JSON gives back.
NATIVE: dict[str, Callable[[str], Any]] = {
    str(XSD.integer): int,
    str(XSD.boolean): lambda text: {"true": True, "false": False}[text],
}


def datatype_of(literal: ox.Literal) -> str | None:
    """The datatype IRI, None for a plain string or a language-tagged one (as rdflib sees them)."""
    kind = literal.datatype.value
    return None if literal.language or kind == XSD_STRING else kind


def vocab_split(iri: str) -> tuple[str, str]:
    """An IRI split after its last '#', else '/', else ':' (how a JSON-LD processor finds its prefix)."""
    for delimiter in ("#", "/", ":"):
        at = iri.rfind(delimiter)
        if at > -1:
            return iri[: at + 1], iri[at + 1 :]
    return iri, ""


class Compactor:
    """Node objects of a graph under a context of prefixes and terms (no @vocab, containers or @base), as
    rdflib's JSON-LD writer makes them: a triple's key is its property's term when the value fits the term's
    coercion, else the property as a prefixed name; every subject that is an IRI, or a blank node that no
    triple points to, is a node object; other blank nodes are node objects when pointed to, or `@list`
    values when they make a well-formed RDF list."""

    def __init__(self, terms: dict[str, Any]) -> None:
        self.prefixes = {value: name for name, value in terms.items()
                         if isinstance(value, str) and value.endswith(("/", "#", ":"))}
        self.definitions: dict[str, tuple[str, dict[str, str]]] = {}  # property IRI -> (term, coercion)
        self.symbols: dict[str, str] = {}  # IRI -> term, for classes and datatypes
        for name, value in terms.items():
            definition = value if isinstance(value, dict) else {"@id": value}
            iri = self.expand(definition["@id"])
            coercion = {k: self.expand(v) if k == "@type" and v != "@id" else v
                        for k, v in definition.items() if k != "@id"}
            self.definitions.setdefault(iri, (name, coercion))
            if not coercion:
                self.symbols.setdefault(iri, name)
        self.shrunk: dict[str, str] = {}
        self.rules: dict[tuple, tuple[str, str]] = {}
        self.blank: dict[str, list[tuple[ox.NamedNode, Any]]] = {}
        self.made: dict[str, dict] = {}
        self.listed: set[str] = set()  # blank nodes written as the cells of an `@list`

    def expand(self, value: str) -> str:
        prefix, _, rest = value.partition(":")
        for namespace, name in self.prefixes.items():
            if name == prefix and not rest.startswith("//"):
                return namespace + rest
        return value

    def shrink(self, iri: str) -> str:
        """A prefixed name where the IRI's namespace is a prefix, else the IRI."""
        if iri not in self.shrunk:
            namespace, local = vocab_split(iri)
            prefix = self.prefixes.get(namespace)
            self.shrunk[iri] = f"{prefix}:{local}" if prefix else iri
        return self.shrunk[iri]

    def symbol(self, iri: str) -> str:
        return self.symbols.get(iri) or self.shrink(iri)

    def nodes(self, triples: Iterable[ox.Triple]) -> list[dict]:
        """Every node object, in two passes: the blank nodes' statements first (a value may be one), then
        each IRI's statements straight into its node (sorted triples keep a subject's together)."""
        triples = triples if isinstance(triples, list) else list(triples)
        pointed: set[str] = set()
        for s, p, o in triples:
            if isinstance(o, ox.BlankNode):
                pointed.add(o.value)
            if isinstance(s, ox.BlankNode):
                self.blank.setdefault(s.value, []).append((p, o))
        current, node = "", {}
        for s, p, o in triples:
            if not isinstance(s, ox.NamedNode):
                continue
            if s.value != current:
                current = s.value
                node = self.made.setdefault(self.shrink(current), {"@id": self.shrink(current)})
            self.add(node, *self.entry(p.value, o))
        for label in self.blank:
            if label not in pointed:
                self.blank_node(label)
        for label in self.blank:  # pointed to only from blank nodes no IRI reaches (a cycle): on top too
            if label not in self.listed:
                self.blank_node(label)
        return list(self.made.values())

    @staticmethod
    def add(node: dict[str, Any], key: str, value: Any) -> None:
        """A value for `key`: the value alone, or a list once there are two."""
        old = node.get(key)
        if old is None:
            node[key] = value
        elif isinstance(old, list):
            old.append(value)
        else:
            node[key] = [old, value]

    def blank_node(self, label: str) -> dict:
        node_id = "_:" + label
        if node_id not in self.made:
            self.node(node_id, self.blank.get(label, []))
        return {"@id": node_id}

    def node(self, node_id: str, pairs: list[tuple[ox.NamedNode, Any]]) -> None:
        node: dict[str, Any] = {"@id": node_id}
        self.made[node_id] = node
        for p, o in pairs:
            self.add(node, *self.entry(p.value, o))

    def entry(self, prop: str, value: Any) -> tuple[str, Any]:
        """The key and the JSON value of one statement (how a key is chosen is worked out once for each
        property and kind of value: a graph of a million triples has a few hundred of them)."""
        if isinstance(value, ox.NamedNode):
            key, how = self.rule(prop, None)
            iri = value.value
            if how == "symbol":
                return key, self.symbol(iri)
            if how == "bare":
                return key, self.shrink(iri)
            return key, {"@list": []} if iri == RDF_NIL else {"@id": self.shrink(iri)}
        if isinstance(value, ox.Literal):
            key, how = self.rule(prop, (datatype_of(value), value.language))
            return key, value.value if how == "bare" else self.literal(value)
        key, how = self.rule(prop, None)
        if how == "symbol":
            return key, "_:" + value.value
        return key, self.reference(value)

    def rule(self, prop: str, literal: tuple[str | None, str | None] | None) -> tuple[str, str]:
        """The key for `prop` with a value that is a node (`literal` None) or a literal of that datatype
        and language, and how to write the value: "bare" (the coercion says it all), "symbol" (a type),
        or "full" (an object, or a literal with its datatype or language)."""
        cache_key = (prop, literal)
        found = self.rules.get(cache_key)
        if found is None:
            found = self.rules[cache_key] = self.make_rule(prop, literal)
        return found

    def make_rule(self, prop: str, literal: tuple[str | None, str | None] | None) -> tuple[str, str]:
        name, coercion = self.definitions.get(prop, ("", {}))
        if literal is not None:
            kind, language = literal
            fits = coercion.get("@type", kind) == kind and coercion.get("@language", language) == language
            if name and fits:
                return name, "bare" if coercion else "full"
            return self.shrink(prop), "full"
        if prop == RDF_TYPE and not (name and not coercion):
            return "@type", "symbol"
        if name and coercion == {"@type": "@id"}:
            return name, "bare"  # only ever IRIs: a property with a blank node value has no @id coercion
        return (name if name and not coercion else self.shrink(prop)), "full"

    def reference(self, value: Any) -> Any:
        items = self.rdf_list(value)
        if items is not None:
            return {"@list": [self.literal(v) if isinstance(v, ox.Literal) else self.reference(v)
                              for v in items]}
        if isinstance(value, ox.BlankNode):
            return self.blank_node(value.value)
        return {"@id": self.shrink(value.value)}

    def rdf_list(self, head: Any) -> list | None:
        """The items of a well-formed RDF list (blank nodes with one rdf:first and one rdf:rest, perhaps an
        rdf:type rdf:List, ending in rdf:nil, no cycle), else None."""
        items: list = []
        seen: set[str] = set()
        node = head
        while not (isinstance(node, ox.NamedNode) and node.value == RDF_NIL):
            if not isinstance(node, ox.BlankNode) or node.value in seen:
                return None
            seen.add(node.value)
            first = [o for p, o in self.blank.get(node.value, []) if p.value == RDF_FIRST]
            rest = [o for p, o in self.blank.get(node.value, []) if p.value == RDF_REST]
            others = [(p, o) for p, o in self.blank.get(node.value, [])
                      if p.value not in (RDF_FIRST, RDF_REST)
                      and not (p.value == RDF_TYPE and getattr(o, "value", None) == RDF_LIST)]
            if len(first) != 1 or len(rest) != 1 or others:
                return None
            items.append(first[0])
            node = rest[0]
        self.listed |= seen
        return items

    def literal(self, value: ox.Literal) -> Any:
        """A literal with nothing to coerce it: a string, a canonical integer or boolean as JSON, else an
        object with its datatype or language."""
        kind, text = datatype_of(value), value.value
        if value.language:
            return {"@language": value.language, "@value": text}
        if kind is None:
            return text
        native = NATIVE.get(kind)
        if native is not None:
            try:
                converted = native(text)
            except (KeyError, ValueError):
                converted = None
            if converted is not None and json.dumps(converted) == text:
                return converted
        return {"@type": self.symbol(kind), "@value": text}
