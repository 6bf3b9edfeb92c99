"""file:line of the statement that defines a resource, as the validation report shows it."""

from __future__ import annotations

from pathlib import Path

from rdflib import URIRef

from tipkg.load import LoadedProject
from tipkg.locate import definition_index

ID = "https://w3id.org/tipkg/id/"


def test_prefixed_full_and_escaped_names(tmp_path: Path) -> None:
    path = tmp_path / "data.trig"
    path.write_text(
        "@prefix id: <https://w3id.org/tipkg/id/> .\n"
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "\n"
        "id:graph\\/s-1 {\n"
        '    id:a skos:prefLabel "A"@en ;\n'
        "        skos:related id:b .\n"
        "    id:b a skos:Concept .\n"
        "    <https://w3id.org/tipkg/id/c> a skos:Concept ;\n"
        "        skos:related id:a .\n"
        "}\n"
        "id:graph\\/s-2 { id:a a skos:Concept . }\n"
    )
    index = definition_index([path])
    assert index[URIRef(ID + "b")].line == 7
    assert index[URIRef(ID + "c")].line == 8
    assert index[URIRef(ID + "a")].line == 11  # the line that types it wins over the first mention
    assert index[URIRef(ID + "graph/s-1")].line == 4
    assert URIRef("http://www.w3.org/2004/02/skos/core#related") not in index


def test_every_typed_subject_of_the_bundled_data_is_found(loaded: LoadedProject) -> None:
    index = definition_index(loaded.files)
    data = loaded.data_graph()
    typed = {
        s
        for s in data.subjects(predicate=URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"))
        if isinstance(s, URIRef)
    }
    missing = sorted(s for s in typed if s not in index)
    assert not missing, missing[:10]
    for subject in typed:
        line = index[subject].path.read_text(encoding="utf-8").splitlines()[index[subject].line - 1]
        assert subject.split("/")[-1] in line.replace("\\/", "/") or str(subject) in line
