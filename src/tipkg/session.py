"""Where a command's queries run: the project's local store (built once, entailments added when a question
needs them) or a remote endpoint. `tipkg query`, `tipkg sparql` and `tipkg query check` go through here."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tipkg.engine import ProjectStore, QueryResult
from tipkg.load import load_project
from tipkg.project import find_project
from tipkg.queries import CannedQuery, Store
from tipkg.reason import reason
from tipkg.remote import DEFAULT_TIMEOUT, RemoteStore


@dataclass
class QuerySession:
    project_dir: Path | None = None
    endpoint: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    notes: Callable[[str], None] = field(default=lambda _message: None)
    _local: ProjectStore | None = None
    _remote: RemoteStore | None = None

    def store(self, inferred: bool = False) -> Store:
        """The store to ask; locally, with the entailments added first when `inferred`."""
        if self.endpoint is not None:
            if self._remote is None:
                self._remote = RemoteStore(self.endpoint, self.timeout, notes=self.notes)
            return self._remote
        if self._local is None:
            self._local = ProjectStore(load_project(find_project(self.project_dir)))
        if inferred and not self._local.has_entailments:
            self.notes("computing the OWL 2 RL entailments")
            self._local.add_entailments(reason(self._local.loaded).entailments)
        return self._local

    def run(self, query: CannedQuery, params: Iterable[str] = (), inferred: bool = False) -> QueryResult:
        """Run a query with `NAME=VALUE` parameters; `inferred` (or the query's header) adds entailments."""
        bindings = query.bindings(params)
        inferred = inferred or query.inferred
        return self.store(inferred).query(query.sparql, bindings, inferred)

    def unanswerable(self, query: CannedQuery) -> str | None:
        """Why the endpoint cannot answer this check as the project would (None locally, or when it can)."""
        if self.endpoint is None or not query.inferred:
            return None
        remote = self.store()
        assert isinstance(remote, RemoteStore)
        if not remote.laid_out() or not remote.has_entailments():
            return f"{remote.endpoint} holds no entailments; `tipkg push` uploads them"
        return None
