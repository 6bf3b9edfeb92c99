"""The one SPARQL engine: a project's dataset in one in-memory Oxigraph store, queried with bound terms.

`tipkg query`, `tipkg sparql`, `validate`'s query checks and `serve`'s workers all evaluate here (the server
loads `ProjectStore.nquads()` into each worker). The remote client (`tipkg.remote`) sends the same query with
the same dataset to another endpoint, so that both give the same rows.

The dataset every query runs on (`QueryDataset`, never whatever a store's default graph happens to be):

- the default graph: the RDF merge of every asserted graph (each triple once) and the ontology, plus the
  OWL 2 RL entailments that are not asserted (`tipkg.reason`) for a question about entailments;
- the named graphs: the data's (one per source sentence, the editorial graph, ...), plus `id:graph/inferred`
  (the entailments) for a question about entailments.

A query with its own FROM / FROM NAMED gets the graphs it names instead (graphs of the store: Oxigraph never
fetches a dataset clause). Oxigraph merges several default graphs as a bag, and a union default graph too;
the materialised merge is what gives set semantics, the same on every store whatever its flags.

Two layouts hold that dataset:

- in a remote store (`layout_store`, written by `tipkg push`): the data's graphs as they are, the data's
  default graph and the ontology in the store's default graph, the merge in `id:graph/asserted` and the
  entailments in `id:graph/inferred`; the protocol names the graphs (`default-graph-uri`, ...);
- in the local store (`local_store`: `tipkg query`, `validate`, the server's workers): the merge *is* the
  store's default graph, so that a query needs no list of named graphs. Oxigraph's cost for such a list
  grows with its length on every query (0.5 s a query with 2,500 graphs), and a project has one graph a
  sentence. `QueryDataset.options` translates: `id:graph/asserted` is the store's default graph, and the
  named graphs are left to the store whenever they are all it holds (or the query has no GRAPH).

Parameters are pyoxigraph terms substituted by the engine (`substitutions`), never text.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import islice
from typing import Any, TypeVar

import pyoxigraph as ox

from tipkg.errors import InputError
from tipkg.load import LoadedProject
from tipkg.sparql import QueryForm, Sparql
from tipkg.terms import OxTerm, to_ox
from tipkg.vocab import ID

ASSERTED_GRAPH = str(ID["graph/asserted"])
INFERRED_GRAPH = str(ID["graph/inferred"])
HELPER_GRAPHS = frozenset({ASSERTED_GRAPH, INFERRED_GRAPH})

Bindings = Mapping[str, OxTerm]
T = TypeVar("T")
Row = tuple[OxTerm | None, ...]


@dataclass(frozen=True)
class QueryDataset:
    """The RDF dataset of a query: IRIs of the graphs merged into its default graph, and its named graphs."""

    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]

    @classmethod
    def of(cls, graphs: Iterable[str], inferred: bool) -> QueryDataset:
        """The dataset every tipkg query runs on, given the data's named graphs (see the module docstring)."""
        named = tuple(sorted(g for g in graphs if g not in HELPER_GRAPHS))
        if inferred:
            return cls((ASSERTED_GRAPH, INFERRED_GRAPH), (*named, INFERRED_GRAPH))
        return cls((ASSERTED_GRAPH,), named)

    def options(self, stored_graphs: frozenset[str], query: Sparql) -> dict[str, Any]:
        """Keyword arguments of pyoxigraph's `Store.query` for this dataset on a local store (`local_store`)
        whose named graphs are `stored_graphs`: the list of named graphs only when it matters."""
        default = [ox.DefaultGraph() if g == ASSERTED_GRAPH else ox.NamedNode(g) for g in self.default_graphs]
        named = None  # None: the store's named graphs, all of them
        if query.uses_graph and frozenset(self.named_graphs) != stored_graphs:
            named = [ox.NamedNode(g) for g in self.named_graphs]
        return {"default_graph": default, "named_graphs": named}


@dataclass(frozen=True)
class QueryResult:
    """The answer to one query, wherever it ran: rows (SELECT), a boolean (ASK) or triples (CONSTRUCT,
    DESCRIBE). Terms are pyoxigraph terms. `truncated`: more rows than a cap, the rest not computed."""

    form: QueryForm
    variables: tuple[str, ...] = ()
    rows: tuple[Row, ...] = ()
    boolean: bool | None = None
    triples: tuple[ox.Triple, ...] = ()
    truncated: bool = False

    def __len__(self) -> int:
        if self.form.returns_graph:
            return len(self.triples)
        if self.form is QueryForm.ASK:
            return 1 if self.boolean else 0
        return len(self.rows)

    def as_dicts(self) -> list[dict[str, OxTerm]]:
        """SELECT rows as dicts of the bound variables."""
        return [{v: t for v, t in zip(self.variables, row, strict=True) if t is not None}
                for row in self.rows]


def result_of(answer: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples, form: QueryForm,
              max_rows: int | None = None) -> QueryResult:
    """A pyoxigraph answer (from a store or parsed from a remote response) as a QueryResult."""
    if isinstance(answer, ox.QueryBoolean):
        return QueryResult(QueryForm.ASK, boolean=bool(answer))
    if isinstance(answer, ox.QuerySolutions):
        variables = tuple(v.value for v in answer.variables)
        rows, truncated = take((tuple(solution[v] for v in variables) for solution in answer), max_rows)
        return QueryResult(QueryForm.SELECT, variables, rows, truncated=truncated)
    triples, truncated = take(answer, max_rows)
    graph_form = form if form.returns_graph else QueryForm.CONSTRUCT
    return QueryResult(graph_form, triples=triples, truncated=truncated)


def take(items: Iterable[T], limit: int | None) -> tuple[tuple[T, ...], bool]:
    """At most `limit` items (all without a limit), and whether more were left uncomputed."""
    if limit is None:
        return tuple(items), False
    taken = tuple(islice(items, limit + 1))
    return taken[:limit], len(taken) > limit


def run_query(store: ox.Store, query: Sparql, dataset: QueryDataset | None, stored_graphs: frozenset[str],
              bindings: Bindings | None = None, max_rows: int | None = None,
              prefixes: Mapping[str, str] | None = None) -> QueryResult:
    """How every query runs, here and in the server's workers: on `dataset` (None: the query's own FROM) of a
    local store (`local_store`, whose named graphs are `stored_graphs`: `graphs_held`), parameters
    substituted by the engine, at most `max_rows` rows. Raises what pyoxigraph raises."""
    substitutions = {ox.Variable(name): term for name, term in (bindings or {}).items()}
    options: dict[str, Any] = {}
    if dataset is not None:
        options = dataset.options(stored_graphs, query)
    elif query.has_dataset:
        add_asserted_graph(store)  # FROM <id:graph/asserted> names the merge, as on a remote store
    answer = store.query(query.text, prefixes=dict(prefixes) if prefixes else None,
                         substitutions=substitutions or None, **options)
    return result_of(answer, query.form, max_rows)


def add_asserted_graph(store: ox.Store) -> None:
    """Give a local store the merge as the named graph id:graph/asserted too, once: a query's own FROM may
    name it. Made on demand, because it doubles the store and makes every GRAPH query list its graphs."""
    if not has_graph(store, ASSERTED_GRAPH):
        store.update(COPY_INTO_ASSERTED)


def has_graph(store: ox.Store, graph: str) -> bool:
    return next(iter(store.quads_for_pattern(None, None, None, ox.NamedNode(graph))), None) is not None


def graphs_held(store: ox.Store, data_graphs: frozenset[str]) -> frozenset[str]:
    """A local store's named graphs without listing them all (thousands at scale): the data's, and the helper
    graphs made so far (the entailments; the merge, when a query's own FROM asked for it)."""
    return data_graphs | {g for g in HELPER_GRAPHS if has_graph(store, g)}


def named_graph_names(store: ox.Store) -> frozenset[str]:
    return frozenset(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))


# --- the project's dataset, assembled in this one place ----------------------------------------------------

# The merge of every asserted graph, filled by the store itself (no triple crosses into Python).
MERGE_INTO_ASSERTED = f"""INSERT {{ GRAPH {ox.NamedNode(ASSERTED_GRAPH)} {{ ?s ?p ?o }} }}
WHERE {{ {{ ?s ?p ?o }} UNION {{ GRAPH ?g {{ ?s ?p ?o }} }} }}"""
MERGE_INTO_DEFAULT = "INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"
COPY_INTO_ASSERTED = f"INSERT {{ GRAPH {ox.NamedNode(ASSERTED_GRAPH)} {{ ?s ?p ?o }} }} WHERE {{ ?s ?p ?o }}"


def ontology_quads(loaded: LoadedProject) -> Iterator[ox.Quad]:
    for s, p, o in loaded.ontology:
        yield ox.Quad(to_ox(s), to_ox(p), to_ox(o), ox.DefaultGraph())  # type: ignore[arg-type]


def copy_store(data: ox.Store, ontology: Iterable[ox.Quad]) -> ox.Store:
    """A new store: the data's quads, and the ontology in the default graph. The quads go across one by one,
    which is faster than a dump and a parse (at a million quads, 3.1 s against 5.6 s)."""
    store = ox.Store()
    store.bulk_extend(data)
    store.bulk_extend(ontology)
    return store


def layout_store(data: ox.Store, ontology: Iterable[ox.Quad] = ()) -> ox.Store:
    """The remote layout of the module docstring (what `tipkg push` writes): the data as given (a project's,
    or a built file for `tipkg push --from`), the ontology in the default graph, their merge in
    id:graph/asserted."""
    store = copy_store(data, ontology)
    store.update(MERGE_INTO_ASSERTED)
    return store


def local_store(data: ox.Store, ontology: Iterable[ox.Quad] = ()) -> ox.Store:
    """The local layout of the module docstring: the data's named graphs, and the merge of everything with
    the ontology as the store's default graph."""
    store = copy_store(data, ontology)
    store.update(MERGE_INTO_DEFAULT)
    return store


class ProjectStore:
    """One project's dataset in an in-memory Oxigraph store, built once per project load."""

    def __init__(self, loaded: LoadedProject) -> None:
        self.loaded = loaded
        self.store = local_store(loaded.store, ontology_quads(loaded))
        self.graphs: tuple[str, ...] = tuple(sorted(named_graph_names(self.store) - HELPER_GRAPHS))
        self.data_graphs = frozenset(self.graphs)
        self.has_entailments = False
        self.offered: Iterable[ox.Triple] | None = None

    @property
    def description(self) -> str:
        return "local graph"

    @property
    def stored_graphs(self) -> frozenset[str]:
        return graphs_held(self.store, self.data_graphs)

    def offer_entailments(self, entailments: Iterable[ox.Triple]) -> None:
        """Entailments to add when the first question about them comes (`add_entailments`): until then,
        queries about the asserted graphs need no list of named graphs."""
        self.offered = entailments

    def add_entailments(self, entailments: Iterable[ox.Triple]) -> None:
        """Add the OWL 2 RL entailments (`Reasoning.entailments`, in id:graph/inferred); `# inferred: yes`
        questions need them."""
        if not self.has_entailments:
            inferred = ox.NamedNode(INFERRED_GRAPH)
            self.store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, inferred) for t in entailments)
            self.has_entailments = True

    def dataset(self, inferred: bool = False) -> QueryDataset:
        return QueryDataset.of(self.graphs, inferred)

    def query(self, query: Sparql, bindings: Bindings | None = None, inferred: bool = False,
              max_rows: int | None = None) -> QueryResult:
        if inferred and not self.has_entailments and self.offered is not None:
            self.add_entailments(self.offered)
        if inferred and not self.has_entailments:
            raise RuntimeError("ProjectStore.add_entailments() must come before an inferred query")
        try:
            dataset = None if query.has_dataset else self.dataset(inferred)
            return run_query(self.store, query, dataset, self.stored_graphs, bindings, max_rows)
        except SyntaxError as exc:  # parsed once already; only a project's own odd query lands here
            raise InputError(f"SPARQL syntax error: {exc}") from None
        except (OSError, ValueError, RuntimeError) as exc:
            raise InputError(f"the query failed on the local graph: {exc}") from None

    def select_column(self, text: str, variable: str = "this") -> list[OxTerm]:
        """One variable's values from a SELECT (prefixes declared in it), over the asserted graphs."""
        result = self.query(Sparql.parse(text))
        if variable not in result.variables:
            return []
        column = result.variables.index(variable)
        return [term for row in result.rows if (term := row[column]) is not None]

    def remote_layout(self) -> ox.Store:
        """This dataset in the remote layout (`layout_store`, what `tipkg push` writes), with the entailments
        when they were added."""
        store = layout_store(self.loaded.store, ontology_quads(self.loaded))
        inferred = ox.NamedNode(INFERRED_GRAPH)
        store.bulk_extend(self.store.quads_for_pattern(None, None, None, inferred))
        return store

    def nquads(self) -> bytes:
        """The whole store as N-Quads (for the server's workers and for `tipkg push`)."""
        return self.store.dump(format=ox.RdfFormat.N_QUADS) or b""  # None only when given a path

    def default_graph_size(self, inferred: bool = False) -> int:
        """How many triples the dataset's default graph has (the merge, and the entailments if `inferred`)."""
        graphs: list[ox.NamedNode | ox.DefaultGraph] = [ox.DefaultGraph()]
        if inferred:
            graphs.append(ox.NamedNode(INFERRED_GRAPH))
        return sum(len(list(self.store.quads_for_pattern(None, None, None, g))) for g in graphs)

    def quad_count(self) -> int:
        return len(self.store)
