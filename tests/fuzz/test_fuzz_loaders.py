"""Property tests (Hypothesis) of the loaders: any bytes in a project file give quads or an InputError
(exit 2, with the file's name), never another exception; and through `tipkg validate`, exit 0, 1 or 2 and
no traceback. Inputs are arbitrary bytes, and mutations of valid files (which reach deeper into the
parsers than random bytes do)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tipkg.cli import main
from tipkg.errors import InputError
from tipkg.load import OX_FORMATS, parse_file

REPO = Path(__file__).resolve().parents[2]
MINI = REPO / "tests" / "pipeline" / "fixtures" / "mini"
SEEDS = {
    ".ttl": (MINI / "ontology" / "mini.ttl").read_bytes(),
    ".trig": (MINI / "data" / "state.trig").read_bytes(),
    ".nt": b'<https://w3id.org/tipkg/id/dos> <http://www.w3.org/2004/02/skos/core#note> "x"@en .\n',
    ".nq": b'<http://e/s> <http://e/p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> <http://e/g> .\n',
    ".rdf": b'<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    b'xmlns:ex="http://example.org/"><rdf:Description rdf:about="http://example.org/a">'
    b'<ex:p rdf:datatype="http://www.w3.org/2001/XMLSchema#date">2009-04-01</ex:p></rdf:Description></rdf:RDF>\n',
}
SEEDS[".owl"] = SEEDS[".rdf"]
# Pieces that make parsers take their rarer paths: escapes, datatypes, nesting, entities, control bytes.
PIECES = [b"<", b">", b'"', b'"""', b"\\u0000", b"\\", b"^^xsd:integer", b"@en", b"[", b"]", b"(", b")", b"{",
          b"}", b" . ", b";", b",", b"_:b", b"\x00", b"\xff", b"\xef\xbb\xbf", b"<!ENTITY e 'x'>", b"&e;",
          b"<!DOCTYPE r [", b"]>", b"\n", b"\r", b"@prefix : <http://e/> .", b"a", b"GRAPH"]
FUZZ = settings(max_examples=150, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@st.composite
def mutated(draw: st.DrawFn, suffix: str) -> bytes:
    """A valid file of that type with a few splices: bytes cut out, or pieces put in."""
    data = bytearray(SEEDS[suffix])
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        if draw(st.booleans()):
            data[at : at + draw(st.integers(1, 20))] = b""
        else:
            data[at:at] = draw(st.sampled_from(PIECES) | st.binary(max_size=8))
    return bytes(data)


def contents(suffix: str) -> st.SearchStrategy[bytes]:
    return st.binary(max_size=300) | mutated(suffix)


def parsed_or_refused(suffix: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzz{suffix}"
        path.write_bytes(data)
        try:
            quads = parse_file(path)
        except InputError as exc:
            assert str(path) in str(exc)
            return
        assert quads and all(isinstance(q, ox.Quad) for q in quads)


@pytest.mark.parametrize("suffix", sorted(OX_FORMATS))
def test_any_bytes_give_quads_or_an_input_error(suffix: str) -> None:
    @FUZZ
    @given(data=contents(suffix))
    def check(data: bytes) -> None:
        parsed_or_refused(suffix, data)

    check()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("fuzz") / "mini"
    shutil.copytree(MINI, target)
    return target


@pytest.mark.parametrize("folder", ["data", "ontology", "shapes"])
def test_validate_with_a_fuzzed_file_exits_0_1_or_2(folder: str, project: Path) -> None:
    """The whole command, in-process: an exception that escapes the CLI fails the test."""
    suffix = ".trig" if folder == "data" else ".ttl"
    path = project / folder / f"fuzz{suffix}"

    @settings(max_examples=12, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(data=mutated(suffix))
    def check(data: bytes) -> None:
        path.write_bytes(data)
        try:
            result = CliRunner().invoke(main, ["validate", "--project", str(project)], catch_exceptions=False)
        finally:
            path.unlink()
        assert result.exit_code in (0, 1, 2), result.output
        assert "Traceback" not in result.output
        if result.exit_code == 2:  # the loading line, progress lines of the stages done, then the error
            lines = result.stderr.splitlines()
            said = [line for line in lines[1:] if not line.startswith("tipkg: ")]
            assert lines[0] == f"tipkg: loading {project}" and said[0].startswith("error: "), result.stderr

    check()
