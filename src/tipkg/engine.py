"""The one SPARQL engine: a project's dataset in one in-memory Oxigraph store, queried with bound terms.

`tipkg query`, `tipkg sparql`, `validate`'s query checks and `serve`'s workers all evaluate here (the server
loads `ProjectStore.nquads()` into each worker). The remote client (`tipkg.remote`) sends the same query with
the same dataset to another endpoint, so that both give the same rows.

The store layout, which `tipkg push` writes to a remote store too:

- every named graph of the data as it is (one per source sentence, the editorial graph, ...);
- the store's default graph: the data's default graph (the provenance records) and the ontology;
- `id:graph/asserted`: everything above in one graph, each triple once (the RDF merge);
- `id:graph/inferred`: the OWL 2 RL entailments that are not asserted (`tipkg.reason`), once asked for.

A query runs on an explicit dataset (`QueryDataset`), never on whatever a store's default graph happens to
be: the default graph is `id:graph/asserted` (plus `id:graph/inferred` for a question about entailments;
the two never share a triple, so no row is counted twice), and the named graphs are the data's (plus
`id:graph/inferred`). A query with its own FROM / FROM NAMED gets the graphs it names instead (graphs of
the store: Oxigraph never fetches a dataset clause). Oxigraph merges several default graphs as a bag, and
a union default graph too; the materialised merge is what gives set semantics, the same on every store
whatever its flags.

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

    def options(self) -> dict[str, Any]:
        """Keyword arguments of pyoxigraph's `Store.query` for this dataset."""
        return {"default_graph": [ox.NamedNode(g) for g in self.default_graphs],
                "named_graphs": [ox.NamedNode(g) for g in self.named_graphs]}


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


def run_query(store: ox.Store, query: Sparql, dataset: QueryDataset | None, bindings: Bindings | None = None,
              max_rows: int | None = None, prefixes: Mapping[str, str] | None = None) -> QueryResult:
    """How every query runs, here and in the server's workers: on `dataset` (None: the query's own FROM),
    parameters substituted by the engine, at most `max_rows` rows. Raises what pyoxigraph raises."""
    substitutions = {ox.Variable(name): term for name, term in (bindings or {}).items()}
    answer = store.query(query.text, prefixes=dict(prefixes) if prefixes else None,
                         substitutions=substitutions or None, **(dataset.options() if dataset else {}))
    return result_of(answer, query.form, max_rows)


# --- the project's dataset, assembled in this one place ----------------------------------------------------

# The merge of every asserted graph, filled by the store itself (no triple crosses into Python).
FILL_ASSERTED = f"""INSERT {{ GRAPH {ox.NamedNode(ASSERTED_GRAPH)} {{ ?s ?p ?o }} }}
WHERE {{ {{ ?s ?p ?o }} UNION {{ GRAPH ?g {{ ?s ?p ?o }} }} }}"""


def ontology_quads(loaded: LoadedProject) -> Iterator[ox.Quad]:
    for s, p, o in loaded.ontology:
        yield ox.Quad(to_ox(s), to_ox(p), to_ox(o), ox.DefaultGraph())  # type: ignore[arg-type]


def layout_store(data: ox.Store, ontology: Iterable[ox.Quad] = ()) -> ox.Store:
    """The store layout of the module docstring: the data as given (a project's, or a built file for
    `tipkg push --from`), the ontology in the default graph, and their merge in id:graph/asserted."""
    store = ox.Store()
    store.bulk_load(data.dump(format=ox.RdfFormat.N_QUADS) or b"", format=ox.RdfFormat.N_QUADS)
    store.bulk_extend(ontology)
    store.update(FILL_ASSERTED)
    return store


class ProjectStore:
    """One project's dataset in an in-memory Oxigraph store, built once per project load."""

    def __init__(self, loaded: LoadedProject) -> None:
        self.loaded = loaded
        self.store = layout_store(loaded.store, ontology_quads(loaded))
        self.graphs: tuple[str, ...] = tuple(sorted(
            g.value for g in self.store.named_graphs()
            if isinstance(g, ox.NamedNode) and g.value not in HELPER_GRAPHS))
        self.has_entailments = False

    @property
    def description(self) -> str:
        return "local graph"

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
        if inferred and not self.has_entailments:
            raise RuntimeError("ProjectStore.add_entailments() must come before an inferred query")
        try:
            dataset = None if query.has_dataset else self.dataset(inferred)
            return run_query(self.store, query, dataset, bindings, max_rows)
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

    def nquads(self) -> bytes:
        """The whole store as N-Quads (for the server's workers and for `tipkg push`)."""
        return self.store.dump(format=ox.RdfFormat.N_QUADS) or b""  # None only when given a path

    def quad_count(self) -> int:
        return len(self.store)
