"""Read data/claims.tsv, the claims ledger, and check it against the graph and the fact sheet.

Each check returns a list of problems (empty when the ledger and the data agree), so that a test can assert
on the real data and, as a control, on data or a ledger broken on purpose. The columns are described in the
ledger's header and in docs/model.md ("The claims ledger").
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import PROV, RDF, SKOS
from rdflib.term import Node

from tipkg.claims import (  # noqa: F401 - the reader, re-exported for the checks and tests
    COLUMNS,
    COMPOSED,
    DROPPED,
    EDITORIAL,
    EXPLANATIONS,
    NOT_MODELLED,
    SEPARATOR,
    TURTLE_PREFIXES,
    Claim,
    LedgerError,
    Qualifier,
    Triple,
    norm,
    parse_ledger,
    parse_qualifier,
    parse_triples,
    read_ledger,
    words,
)
from tipkg.vocab import EDITORIAL_GRAPH, EDITORS, OA, PREFIXES, TIP


def sentences_of(dataset: Dataset) -> dict[str, str]:
    """sentence id -> verbatim sentence, from the quotes in data/provenance.ttl."""
    found = {}
    for quote, sid in dataset.subject_objects(TIP.sentenceId):
        for selector in dataset.objects(quote, OA.hasSelector):
            for exact in dataset.objects(selector, OA.exact):
                found[str(sid)] = str(exact)
    return found


def graph_triples(dataset: Dataset, graph: URIRef) -> set[Triple]:
    return {(s, p, o) for s, p, o, _ in dataset.quads((None, None, None, graph))}


def ledger_triples(dataset: Dataset, graph: URIRef) -> set[Triple]:
    """The triples of a named graph that the ledger must list: all of a sentence graph, and the editorial
    graph's less its explanations."""
    triples = graph_triples(dataset, graph)
    if graph == EDITORIAL_GRAPH:
        triples = {t for t in triples if t[1] not in EXPLANATIONS}
    return triples


def by_graph(claims: Iterable[Claim]) -> dict[URIRef, set[Triple]]:
    carried: dict[URIRef, set[Triple]] = {}
    for claim in claims:
        carried.setdefault(claim.graph, set()).update(claim.triples)
    return carried


def show(triple: Triple) -> str:
    def one(term: Node) -> str:
        if isinstance(term, Literal):
            return term.n3()
        text = str(term)
        for prefix, namespace in sorted(PREFIXES.items(), key=lambda item: -len(item[1])):
            local = text[len(namespace):]
            if text.startswith(namespace) and "/" not in local and "#" not in local:
                return f"{prefix}:{local}"
        return f"<{text}>"
    return " ".join(one(t) for t in triple)


# ----- the checks -------------------------------------------------------------------------------------------


def structure_problems(claims: list[Claim], sentences: dict[str, str]) -> list[str]:
    """Ids unique and named after their sentence, sentences known, every sentence with a claim, every claim
    either carried by triples or said not to be modelled and why."""
    problems = []
    seen: set[str] = set()
    for claim in claims:
        where = f"claims.tsv:{claim.line} {claim.id}"
        if claim.id in seen:
            problems.append(f"{where}: the claim id is used twice")
        seen.add(claim.id)
        if claim.sentence != EDITORIAL and claim.sentence not in sentences:
            problems.append(f"{where}: no sentence {claim.sentence!r} in the fact sheet")
        if not claim.id.startswith(claim.sentence + "."):
            problems.append(f"{where}: a claim id starts with its sentence id and a dot")
        if not claim.says:
            problems.append(f"{where}: the claim says nothing")
        if claim.not_modelled is None and not claim.triples:
            problems.append(f"{where}: no triples and no 'not modelled: <reason>'")
        if claim.not_modelled is not None and not claim.not_modelled:
            problems.append(f"{where}: 'not modelled' without a reason")
    covered = {claim.sentence for claim in claims}
    problems += [f"sentence {sid} ({text[:60]!r}) has no claim" for sid, text in sentences.items()
                 if sid not in covered]
    return problems


def missing_triples(claims: list[Claim], dataset: Dataset) -> list[str]:
    """Every triple of a claim is in the named graph of the claim's sentence."""
    problems = []
    cache: dict[URIRef, set[Triple]] = {}
    for claim in claims:
        present = cache.setdefault(claim.graph, graph_triples(dataset, claim.graph))
        for triple in sorted(claim.triples - present, key=show):
            problems.append(f"{claim.id}: not in graph:{claim.sentence}: {show(triple)}")
    return problems


def unclaimed_triples(claims: list[Claim], dataset: Dataset, graphs: Iterable[URIRef]) -> list[str]:
    """Every triple of a sentence graph (and of the editorial graph) belongs to a claim of that sentence."""
    carried = by_graph(claims)
    problems = []
    for graph in sorted(graphs):
        extra = ledger_triples(dataset, graph) - carried.get(graph, set())
        name = str(graph).rsplit("/", 1)[-1]
        problems += [f"graph:{name} holds a triple no claim carries: {show(t)}"
                     for t in sorted(extra, key=show)]
    return problems


def unrelated_triples(claims: list[Claim], dataset: Dataset, graphs: Iterable[URIRef]) -> list[str]:
    """The weaker check the issue asks for by name: no triple of a sentence graph whose subject, predicate and
    object all are absent from the claims of its sentence."""
    terms: dict[URIRef, set[Node]] = {}
    for claim in claims:
        bucket = terms.setdefault(claim.graph, set())
        for triple in claim.triples:
            bucket.update(triple)
    problems = []
    for graph in sorted(graphs):
        known = terms.get(graph, set())
        for triple in sorted(ledger_triples(dataset, graph), key=show):
            if not set(triple) & known:
                problems.append(f"graph:{str(graph).rsplit('/', 1)[-1]}: {show(triple)} shares no term with "
                                "its sentence's claims")
    return problems


def qualifier_problems(claims: list[Claim], sentences: dict[str, str]) -> list[str]:
    """A qualifier's words are the sentence's, and it is carried by a triple of its claim or dropped with a
    reason."""
    problems = []
    for claim in claims:
        sentence = sentences.get(claim.sentence, "")
        for qualifier in claim.qualifiers:
            if claim.sentence != EDITORIAL and norm(qualifier.words) not in norm(sentence):
                problems.append(f"{claim.id}: the qualifier {qualifier.words!r} is not in the sentence")
            if qualifier.carrier is not None and qualifier.carrier not in claim.triples:
                problems.append(f"{claim.id}: the qualifier {qualifier.words!r} is carried by "
                                f"{show(qualifier.carrier)}, which is not among the claim's triples")
    return problems


def wording_problems(claims: list[Claim], sentences: dict[str, str]) -> list[str]:
    """Every English literal of a sentence graph (labels, contact types, purposes) is made of the sentence's
    words (a plural 's' aside), or its claim says why not (composed "...": reason)."""
    problems = []
    for claim in claims:
        if claim.sentence == EDITORIAL:
            continue
        vocabulary = set(words(sentences.get(claim.sentence, "")))
        vocabulary |= {w + "s" for w in vocabulary} | {w[:-1] for w in vocabulary if w.endswith("s")}
        for _, _, literal in claim.triples:
            if not (isinstance(literal, Literal) and literal.language):
                continue
            foreign = [w for w in words(literal) if w not in vocabulary]
            if foreign and str(literal) not in claim.composed:
                problems.append(f"{claim.id}: {str(literal)!r} has words that are not the sentence's: "
                                f"{foreign}")
        for literal in claim.composed:
            if not any(isinstance(o, Literal) and str(o) == literal for _, _, o in claim.triples):
                problems.append(f"{claim.id}: the note explains {literal!r}, which no triple of the claim "
                                "has")
    return problems


def editorial_policy_problems(dataset: Dataset) -> list[str]:
    """The part of the editorial policy that needs the named graphs (SHACL sees only their merge):

    - skos:editorialNote is the editors' word, so it lives in graph:editorial only;
    - every resource graph:editorial says something about is either minted by the editors
      (prov:wasAttributedTo id:tipkg-editors, there) or listed with graph:editorial tip:addsTo, and the list
      holds nothing else;
    - every such resource has, in graph:editorial, an skos:editorialNote (a concept may lean on its scheme's).
    """
    problems = []
    for s, _, _, g in dataset.quads((None, SKOS.editorialNote, None, None)):
        if g != EDITORIAL_GRAPH and not (g == dataset.default_graph.identifier and s == EDITORIAL_GRAPH):
            problems.append(f"{show((s, SKOS.editorialNote, Literal('')))[:-3].strip()} sits in {g}, not in "
                            "graph:editorial")
    editorial = graph_triples(dataset, EDITORIAL_GRAPH)
    subjects = {s for s, _, _ in editorial}
    minted = {s for s, p, o in editorial if p == PROV.wasAttributedTo and o == EDITORS}
    listed = set(dataset.objects(EDITORIAL_GRAPH, TIP.addsTo))
    noted = {s for s, p, _ in editorial if p == SKOS.editorialNote}
    for node in sorted(subjects - minted - listed):
        problems.append(f"graph:editorial says something about {node} but does not list it with tip:addsTo")
    for node in sorted(listed - subjects):
        problems.append(f"tip:addsTo lists {node}, which graph:editorial says nothing about")
    for node in sorted(listed & minted):
        problems.append(f"tip:addsTo lists {node}, which the editors mint (prov:wasAttributedTo): list only "
                        "resources a sentence names")
    for node in sorted(subjects - noted):
        schemes = {o for s, p, o in editorial if s == node and p == SKOS.inScheme}
        if node in minted and schemes & noted:
            continue
        problems.append(f"graph:editorial says something about {node} without an skos:editorialNote there")
    return problems


def sentence_graphs(dataset: Dataset) -> set[URIRef]:
    """The named graphs of sentences (graph:<sid>, typed tip:SourcedGraph)."""
    return {g for g in dataset.subjects(RDF.type, TIP.SourcedGraph) if isinstance(g, URIRef)}
