"""The ASGI application: `create_app(loaded, settings)` returns a Starlette app that serves one graph.

Which library does what: Starlette routes and answers HTTP (uvicorn runs it), Jinja2 renders the pages,
pyoxigraph holds the project store (`tipkg.engine.ProjectStore`, built once here and loaded by each query
worker, engine.py), evaluates SPARQL and writes results and RDF (`tipkg.results`), rdflib parsed the project
(tipkg.load) and writes the pages' JSON-LD with the published context.
"""

from __future__ import annotations

import contextlib
import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from rdflib import Graph
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from tipkg import __version__
from tipkg.engine import ProjectStore, QueryDataset
from tipkg.load import LoadedProject
from tipkg.reason import reason
from tipkg.server import pages, sparql
from tipkg.server.catalogue import CannedQuery, MetadataRow, canned_queries, dataset_metadata, served_void
from tipkg.server.dataset import WELL_KNOWN_VOID, void_description
from tipkg.server.engine import EngineLimits, QueryEngine
from tipkg.server.headers import SecurityHeaders
from tipkg.server.responses import LRU, Representation
from tipkg.server.site import Site
from tipkg.server.worker import WorkerData
from tipkg.vocab import BASE, PREFIXES

STATIC_DIR = Path(__file__).resolve().parent / "static"


@dataclass(frozen=True)
class ServerSettings:
    """Everything `tipkg serve` can be told; the defaults are the documented safe ones."""

    base: str = BASE
    timeout: float = 10.0  # seconds a query may run before its worker is killed
    max_rows: int = 10_000  # rows (or triples) a query may return; more are cut off and flagged
    max_body: int = 1024 * 1024  # bytes a POST body may have (413 beyond)
    workers: int = 3  # query worker processes; all but one may run long queries (engine.py)
    dist_dir: Path | None = None  # a built dist/ folder: void.ttl for the home page, files to download
    inferred: bool = True  # also serve the OWL 2 RL entailments (graph id:graph/inferred) to SPARQL
    worker_memory: int = 2 * 1024**3  # bytes of address space a query worker may use (besides its stack)
    quick: float = 0.5  # a query still running after this many seconds is a long one (engine.py)
    queue: float = 5.0  # seconds a request may wait for an idle query worker (then 503)
    gzip_minimum: int = 1024  # bodies from this many bytes are gzipped for clients that accept it

    def engine_limits(self) -> EngineLimits:
        return EngineLimits(timeout=self.timeout, max_rows=self.max_rows, workers=self.workers,
                            memory_bytes=self.worker_memory, quick=self.quick, queue=self.queue)


@dataclass
class Server:
    """The state every handler shares; built once, read-only afterwards (caches aside)."""

    site: Site
    settings: ServerSettings
    engine: QueryEngine
    templates: Environment
    queries: dict[str, CannedQuery]
    title: str
    description: str
    metadata: list[MetadataRow]
    void: Graph  # the dataset's VoID + DCAT description, with this server's endpoint (/.well-known/void)
    dataset: QueryDataset  # what /sparql answers from when the client names no graphs
    default_triples: int  # triples in that dataset's default graph (the service description says so)
    pages: dict = field(default_factory=dict)  # (key, Format) -> Representation, for the server's life
    results: LRU = field(default_factory=LRU)  # ad-hoc SPARQL answers

    def render(self, template: str, status: int = 200, **context) -> Representation:
        html = self.templates.get_template(template).render(server=self, site=self.site, **context)
        headers = dict(context.get("headers", {}))  # the CSP and friends: headers.SECURITY_HEADERS
        return Representation.of(html.encode(), "text/html; charset=utf-8", headers, status)

    def downloads(self) -> list[tuple[str, str]]:
        """(label, href) of the data dumps: always the live ones, plus the files of a built dist/."""
        items = [
            ("All data, N-Quads (named graphs kept)", "/download/data.nq"),
            ("All data, TriG", "/download/data.trig"),
            ("Ontology, Turtle", "/ontology.ttl"),
            ("Dataset description with this SPARQL endpoint (VoID, DCAT), Turtle", WELL_KNOWN_VOID),
        ]
        dist = self.settings.dist_dir
        if dist is not None and dist.is_dir():
            items += [(f"dist/{p.name}", f"/dist/{p.name}") for p in sorted(dist.iterdir()) if p.is_file()]
        return items


def worker_data(loaded: LoadedProject, inferred: bool) -> tuple[WorkerData, QueryDataset, int]:
    """The project store every worker loads (with the entailments when `inferred`), the dataset /sparql
    answers from by default, and the number of triples in its default graph."""
    store = ProjectStore(loaded)
    if inferred:
        store.add_entailments(reason(loaded).entailments)
    dataset = store.dataset(inferred)
    default_triples = store.default_graph_size(inferred)
    data = WorkerData(store.nquads(), store.graphs, dict(PREFIXES))
    return data, dataset, default_triples


def create_app(loaded: LoadedProject, settings: ServerSettings | None = None) -> Starlette:
    settings = settings or ServerSettings()
    base = settings.base if settings.base.endswith(("/", "#")) else settings.base + "/"
    settings = dataclasses.replace(settings, base=base)
    site = Site.build(loaded, base)
    void_file = settings.dist_dir / "void.ttl" if settings.dist_dir else None
    void = served_void(site, void_file)
    title, description, metadata = dataset_metadata(site, void)
    templates = Environment(
        loader=PackageLoader("tipkg.server", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    data, dataset, default_triples = worker_data(loaded, settings.inferred)
    server = Server(
        site=site,
        settings=settings,
        engine=QueryEngine(data, settings.engine_limits()),
        templates=templates,
        queries=canned_queries(loaded.project.queries_dir),
        title=title,
        description=description,
        metadata=metadata,
        void=void,
        dataset=dataset,
        default_triples=default_triples,
    )
    templates.globals.update(version=__version__, label=site.label, href=site.href)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        await server.engine.start()
        app.state.server = server
        try:
            yield
        finally:
            await server.engine.close()

    routes = [
        Route("/", pages.home, name="home"),
        Route(WELL_KNOWN_VOID, void_description, name="void"),
        Route("/sparql", sparql.endpoint, methods=["GET", "POST"], name="sparql"),
        Route("/queries/{name}", sparql.canned, name="canned"),
        Route("/ontology", pages.ontology, name="ontology"),
        Route("/ontology{suffix:path}", pages.ontology_with_suffix),
        Route("/id/", pages.index, name="index"),
        Route("/id", lambda request: RedirectResponse("/id/", status_code=308)),
        Route("/download/{name}", pages.download, name="download"),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    if settings.dist_dir is not None and settings.dist_dir.is_dir():
        routes.append(Mount("/dist", StaticFiles(directory=settings.dist_dir), name="dist"))
    routes.append(Route("/{path:path}", pages.resource, name="resource"))
    middleware = [
        # Level 6, not Starlette's 9: nearly the same size for text, at about half the CPU per request.
        Middleware(GZipMiddleware, minimum_size=settings.gzip_minimum, compresslevel=6),
        Middleware(
            CORSMiddleware,
            allow_origins=["*"],
            allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
            # What YASGUI and SPARQLWrapper send (no credentials are ever honoured: the origin is "*").
            allow_headers=["Accept", "Content-Type", "If-None-Match", "X-Requested-With", "Authorization",
                           "Cache-Control"],
            max_age=86400,
            expose_headers=["Link", "Content-Location", "ETag", "Tipkg-Truncated", "Tipkg-Row-Limit"],
        )
    ]
    app = App(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={HTTPException: http_error},
    )
    app.state.server = server
    return app


class App(Starlette):
    """Starlette, with `SecurityHeaders` outside even its error handler (a 500 gets the headers too)."""

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(super().build_middleware_stack())


async def http_error(request: Request, exc: Exception) -> Response:
    """404/405 and friends: a readable page for a browser, one line of text for a program."""
    assert isinstance(exc, HTTPException)
    server: Server = request.app.state.server
    if exc.status_code == 404:
        return pages.not_found(request, server, request.url.path)
    return pages.error_response(
        request,
        server,
        exc.status_code,
        "Request not accepted",
        str(exc.detail),
        headers=dict(exc.headers or {}),
    )
