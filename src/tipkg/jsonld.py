"""JSON-LD output: a stable local context, and the graph compacted with it, one JSON object per resource.

`build_context` is derived only from the graph and the prefixes in `tipkg.vocab`, so the same graph always
gives the same `context.jsonld`:

- every prefix of `tipkg.vocab.PREFIXES`;
- a short name for every class and property the graph uses: its local name (`prefLabel`, `Organization`);
  when two IRIs share a local name, the one whose prefix comes first in `PREFIXES` gets it and the others
  stay prefixed names (`rdfs:label` next to a `tip:label`, say);
- a coercion where all of a property's values agree: `"@type": "@id"` for IRIs, the datatype for typed
  literals, `"@language"` for language-tagged strings, so values read as plain strings.

`compact` makes the graph's node objects with that context from pyoxigraph triples (`tipkg.nodeobjects`, as
rdflib's JSON-LD writer compacts them, in time linear in the graph; no network: the context is a dict, never
fetched), then refers to the context by the
relative IRI `context.jsonld` (the file beside it), sorts everything, and
nests each node that only one other node points to (a contact point, a post, a quote selector, an OWL
restriction) inside that node, and each node that nothing points to and that points to one organisation (a
responsibility, a membership) inside that organisation under `@reverse`. Organisations and the classes and
properties of the ontology are never nested: each organisation is one top-level JSON object with all its
statements and what hangs on it.
"""

from __future__ import annotations

import gc
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from itertools import chain
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
from rdflib import URIRef
from rdflib.namespace import RDF, RDFS

from tipkg.nodeobjects import RDF_TYPE, Compactor, datatype_of
from tipkg.terms import to_ox
from tipkg.vocab import ORG, PREFIXES

if TYPE_CHECKING:
    from tipkg.load import LoadedProject

CONTEXT_FILE = "context.jsonld"
KEYWORD_LIKE = {"type", "id", "graph", "context", "value", "language", "list", "set", "base", "vocab"}


def split_iri(iri: str) -> tuple[str, str] | None:
    """(prefix, local name) for an IRI under one of the project prefixes, the longest namespace first."""
    best: tuple[str, str] | None = None
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            if best is None or len(namespace) > len(PREFIXES[best[0]]):
                best = (prefix, iri[len(namespace) :])
    return best


def term_names(iris: list[str]) -> dict[str, str]:
    """Short names for IRIs: the local name, won by the IRI whose prefix comes first in PREFIXES."""
    order = {prefix: index for index, prefix in enumerate(PREFIXES)}
    candidates: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for iri in iris:
        parts = split_iri(iri)
        if parts is None:
            continue
        prefix, local = parts
        if local.isidentifier() and local not in PREFIXES and local.lower() not in KEYWORD_LIKE:
            candidates[local].append((order[prefix], iri))
    return {min(claims)[1]: local for local, claims in candidates.items()}


class Values:
    """What a property's values have in common, for its coercion: all IRIs, all literals, and their
    languages and datatypes (None for a plain string or a language-tagged one)."""

    def __init__(self) -> None:
        self.iris = self.literals = True
        self.languages: set[str | None] = set()
        self.datatypes: set[str | None] = set()

    def add(self, value: object) -> None:
        if not isinstance(value, ox.NamedNode):  # not blank nodes either: they may be RDF lists
            self.iris = False
        if isinstance(value, ox.Literal):
            self.languages.add(value.language)
            self.datatypes.add(datatype_of(value))
        else:
            self.literals = False

    def coercion(self) -> dict[str, str]:
        if self.iris:
            return {"@type": "@id"}
        if not self.literals:
            return {}
        if len(self.languages) == 1 and None not in self.languages:
            return {"@language": next(iter(self.languages))}  # type: ignore[dict-item]
        if len(self.datatypes) == 1 and None not in self.datatypes:
            return {"@type": next(iter(self.datatypes))}  # type: ignore[dict-item]
        return {}


def build_context(triples: Iterable[ox.Triple]) -> dict[str, Any]:
    """The JSON-LD context for a graph: prefixes, then one term per class and property used."""
    values: dict[str, Values] = defaultdict(Values)
    classes: set[str] = set()
    for _, p, o in triples:
        if p.value == RDF_TYPE:
            if isinstance(o, ox.NamedNode):
                classes.add(o.value)
        else:
            values[p.value].add(o)
    names = term_names(sorted(classes | set(values)))
    context: dict[str, Any] = dict(PREFIXES)
    for iri, name in sorted(names.items(), key=lambda item: item[1]):
        if iri in values:
            extra = values[iri].coercion()
            if "@type" in extra and extra["@type"] != "@id":
                extra["@type"] = compact_iri(str(extra["@type"]))
            context[name] = {"@id": compact_iri(iri), **extra} if extra else compact_iri(iri)
        else:
            context[name] = compact_iri(iri)
    return {"@context": dict(sorted(context.items()))}


def context_of(loaded: LoadedProject) -> dict[str, Any]:
    """The context of a project's ontology plus data, as `tipkg build` writes it (context.jsonld) without
    building the dumps: the context depends only on which terms and values occur."""
    ontology = (ox.Triple(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in loaded.ontology)  # type: ignore[arg-type]
    return build_context(chain(ontology, (quad.triple for quad in loaded.store)))


def compact_iri(iri: str) -> str:
    parts = split_iri(iri)
    return f"{parts[0]}:{parts[1]}" if parts else iri


# --- compaction and nesting -------------------------------------------------------------------------------


def organisations(loaded: LoadedProject) -> set[str]:
    """The IRIs of every instance of org:Organization or of a subclass (by rdfs:subClassOf in the ontology
    and the data), in the ontology or in the data (the store, any graph)."""
    store, ontology = loaded.store, loaded.ontology
    sub_class, a = ox.NamedNode(str(RDFS.subClassOf)), ox.NamedNode(RDF_TYPE)
    classes, frontier = {str(ORG.Organization)}, [str(ORG.Organization)]
    while frontier:
        parent = frontier.pop()
        subs = {str(s) for s in ontology.subjects(RDFS.subClassOf, URIRef(parent)) if isinstance(s, URIRef)}
        subs |= {q.subject.value for q in store.quads_for_pattern(None, sub_class, ox.NamedNode(parent), None)
                 if isinstance(q.subject, ox.NamedNode)}
        frontier += sorted(subs - classes)
        classes |= subs
    found = {str(s) for c in classes for s in ontology.subjects(RDF.type, URIRef(c)) if isinstance(s, URIRef)}
    for c in classes:
        found |= {q.subject.value for q in store.quads_for_pattern(None, a, ox.NamedNode(c), None)
                  if isinstance(q.subject, ox.NamedNode)}
    return found


def expand(curie: str) -> str:
    prefix, _, rest = curie.partition(":")
    return PREFIXES[prefix] + rest if prefix in PREFIXES and not rest.startswith("//") else curie


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a million small dicts and lists are made and none is freed: each
    collection would walk them all again (a third of the time at 1M triples). Nothing here makes cycles."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def compact(triples: Iterable[ox.Triple], context: dict[str, Any], orgs: set[str]) -> str:
    """The graph as compacted, sorted, nested JSON-LD text that refers to `context.jsonld`; `orgs` are
    the organisations (`organisations`), which are never nested."""
    with gc_paused():
        return compacted(triples, context, orgs)


def compacted(triples: Iterable[ox.Triple], context: dict[str, Any], orgs: set[str]) -> str:
    terms = context["@context"]
    nodes = Compactor(terms).nodes(triples)
    linking = {
        key
        for key, definition in terms.items()
        if isinstance(definition, dict) and definition.get("@type") == "@id"
    }

    def nestable(node_id: str) -> bool:
        iri = expand(node_id)
        return node_id.startswith("_:") or (iri.startswith(PREFIXES["id"]) and iri not in orgs)

    pointed = references(nodes, linking)
    top = nest(nodes, linking, nestable, pointed)
    top = nest_reverse(
        top, linking, unpointed=lambda i: nestable(i) and i not in pointed, is_org=lambda i: expand(i) in orgs
    )
    out = {"@context": CONTEXT_FILE, "@graph": [sort_value(node) for node in sorted(top, key=node_key)]}
    return json.dumps(out, indent=2, ensure_ascii=False) + "\n"


def node_key(node: dict) -> str:
    return str(node.get("@id", ""))


def reference(key: str, item: Any, linking: set[str]) -> str | None:
    """The node id a property value points to, or None for a literal."""
    if isinstance(item, dict):
        return item["@id"] if set(item) == {"@id"} else None
    if isinstance(item, str) and key in linking:
        return item
    return None


def references(nodes: list[dict], linking: set[str]) -> dict[str, list[str]]:
    """For each node id, the ids of the nodes whose property values point to it (once per mention)."""
    ids = {node["@id"] for node in nodes if "@id" in node}
    pointed: dict[str, list[str]] = defaultdict(list)
    for node in nodes:
        for key, value in node.items():
            if key.startswith("@"):
                continue
            for item in value if isinstance(value, list) else [value]:
                target = reference(key, item, linking)
                if target is not None and target in ids:
                    pointed[target].append(node.get("@id", ""))
    return pointed


def nest(nodes: list[dict], linking: set[str], nestable, pointed: dict[str, list[str]]) -> list[dict]:
    """Move each nestable node that exactly one other node mentions (once: `pointed`, from `references`)
    into it; the rest stay on top."""
    by_id = {node["@id"]: node for node in nodes if "@id" in node}
    parent = {
        child: owners[0]
        for child, owners in pointed.items()
        if len(owners) == 1 and owners[0] != child and nestable(child)
    }
    for child in list(parent):  # break cycles: a node whose parents lead back to it stays top-level
        seen, current = {child}, parent.get(child)
        while current is not None and current not in seen:
            seen.add(current)
            current = parent.get(current)
        if current is not None:
            parent.pop(child, None)
    for node in nodes:
        embed_into(node, by_id, parent, linking)
    top = [node for node in nodes if node.get("@id") not in parent]
    for child in parent:  # a nested blank node needs no label
        if child.startswith("_:"):
            del by_id[child]["@id"]
    return top


def embed_into(node: dict, by_id: dict[str, dict], parent: dict[str, str], linking: set[str]) -> None:
    own = node.get("@id")
    for key, value in list(node.items()):
        if key.startswith("@"):
            continue
        items = value if isinstance(value, list) else [value]
        replaced = []
        for item in items:
            target = reference(key, item, linking)
            if target is not None and parent.get(target) == own and target in by_id:
                replaced.append(by_id[target])
            else:
                replaced.append(item)
        node[key] = replaced if isinstance(value, list) else replaced[0]


def nest_reverse(top: list[dict], linking: set[str], unpointed, is_org) -> list[dict]:
    """Move each top-level node that nothing points to and that points to exactly one organisation (say a
    responsibility, by tip:responsibilityOf) into that organisation, under `@reverse`: the organisation's
    object then holds what it does. The statement is the same; JSON-LD reads it back from `@reverse`."""
    by_id = {node["@id"]: node for node in top if "@id" in node}
    moved: set[str] = set()
    for node in top:
        own = node.get("@id")
        if own is None or not unpointed(own):
            continue
        links = [
            (key, item, target)
            for key, value in node.items()
            if not key.startswith("@")
            for item in (value if isinstance(value, list) else [value])
            if (target := reference(key, item, linking)) is not None and is_org(target) and target in by_id
        ]
        if len(links) != 1:
            continue
        key, item, target = links[0]
        value = node[key]
        if isinstance(value, list):
            value.remove(item)
            if not value:
                del node[key]
        else:
            del node[key]
        by_id[target].setdefault("@reverse", {}).setdefault(key, []).append(node)
        moved.add(own)
    return [node for node in top if node.get("@id") not in moved]


def sort_value(value: Any) -> Any:
    """Keys in order (@ keywords first), arrays of unordered values in a canonical order; @list kept."""
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: (not k.startswith("@"), k))
        return {
            k: (sort_list_items(value[k]) if k != "@list" else [sort_value(v) for v in value[k]])
            for k in keys
        }
    if isinstance(value, list):
        return sort_list_items(value)
    return value


def sort_list_items(value: Any) -> Any:
    if isinstance(value, list):
        items = [sort_value(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    return sort_value(value)


def context_text(context: dict[str, Any]) -> str:
    return json.dumps(context, indent=2, ensure_ascii=False) + "\n"
