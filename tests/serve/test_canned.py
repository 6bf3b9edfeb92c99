"""Every canned query of the bundled project, through the server, gives the rows its
`<name>.expected.csv` records (what `tipkg query` gives): the server's workers pick the same dataset as the
CLI (the entailments only for `inferred: yes`), so one engine, one answer.
"""

from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic
from tests.serve.conftest import REPO

from tipkg.queries import load_catalogue

QUERIES = REPO / "queries"
CATALOGUE = load_catalogue(QUERIES).questions() if QUERIES.is_dir() else []
WITH_EXPECTATIONS = [
    q for q in CATALOGUE if q.expected_path.is_file() or q.path.with_suffix(".expected.nt").is_file()
]


def test_the_bundled_project_has_canned_queries():
    assert WITH_EXPECTATIONS, "queries/ holds no canned query with expected results"


@pytest.mark.parametrize("query", WITH_EXPECTATIONS, ids=lambda q: q.name)
def test_canned_query_matches_its_expected_results(bundled_server, query):
    expected_nt = query.path.with_suffix(".expected.nt")
    params = dict(query.example)
    with bundled_server.client() as http:
        if expected_nt.is_file():
            response = http.get(
                f"/queries/{query.name}?" + urlencode(params), headers={"Accept": "application/n-triples"}
            )
            assert response.status_code == 200, response.text
            served = Graph().parse(data=response.text, format="nt")
            assert isomorphic(served, Graph().parse(expected_nt, format="nt"))
            return
        response = http.get(f"/queries/{query.name}?" + urlencode({**params, "format": "csv"}))
    assert response.status_code == 200, response.text
    served = list(csv.reader(io.StringIO(response.text)))
    expected = list(csv.reader(io.StringIO(query.expected_path.read_text(encoding="utf-8"))))
    assert served[0] == expected[0]
    assert sorted(served[1:]) == sorted(expected[1:])
