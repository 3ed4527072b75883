"""The DCAT-AP export: the real catalogue validates against the official DCAT-AP 3.0.1 SHACL shapes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rdflib import RDF, Graph, Namespace, URIRef

from livinglab.catalog import CatalogError, load_catalog
from livinglab.cli import main
from livinglab.dcat import export_jsonld

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SH = Namespace("http://www.w3.org/ns/shacl#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")

# rdflib's own JSON-LD parser still builds a ConjunctiveGraph internally.
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")


def _violations(data: Graph, shapes: Graph) -> tuple[int, str]:
    """Number of SHACL results (the official shapes only state violations) and pyshacl's report text."""
    import pyshacl

    # The shapes are plain SHACL core (no SPARQL, no rules) and the export states every type
    # explicitly, so no inference and no advanced features are needed.
    _, report, text = pyshacl.validate(data, shacl_graph=shapes, inference="none")
    return len(set(report.subjects(RDF.type, SH.ValidationResult))), text


@pytest.fixture
def dcat_ap_shapes(shared_data_dir) -> Graph:
    return Graph().parse(shared_data_dir / "dcat-ap" / "dcat-ap-3.0.1-SHACL.ttl", format="turtle")


@pytest.fixture
def project_catalogue(monkeypatch) -> Path:
    """The committed catalogue (data/catalog), whatever the working directory."""
    monkeypatch.setenv("LIVINGLAB_ROOT", str(PROJECT_ROOT))
    return PROJECT_ROOT / "data" / "catalog"


@pytest.mark.realdata
def test_project_catalogue_export_is_valid_dcat_ap(project_catalogue, dcat_ap_shapes, tmp_path):
    out = tmp_path / "catalogue.jsonld"
    assert main(["catalog", "export", "--out", str(out)]) == 0
    data = Graph().parse(out, format="json-ld")

    datasets = load_catalog(project_catalogue)
    assert set(data.subjects(RDF.type, DCAT.Dataset)) and len(
        set(data.subjects(RDF.type, DCAT.Dataset))
    ) == len(datasets)
    n_dists = sum(len(ds.distributions) for ds in datasets.values())
    assert len(set(data.subjects(RDF.type, DCAT.Distribution))) == n_dists

    count, text = _violations(data, dcat_ap_shapes)
    assert count == 0, f"{count} DCAT-AP 3.0.1 violation(s) in the export of data/catalog:\n{text}"

    # The validation bites: without the licence typing the same export is rejected.
    for licence in set(data.objects(None, DCT.license)):
        data.remove((licence, RDF.type, DCT.LicenseDocument))
    count, text = _violations(data, dcat_ap_shapes)
    assert count >= n_dists and "LicenseDocument" in text


def test_export_without_out_prints_the_json_ld(project_catalogue, capsys):
    assert main(["catalog", "export"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["@graph"][0]["@type"] == "dcat:Catalog"
    assert len(doc["@graph"][0]["dcat:dataset"]) == len(load_catalog(project_catalogue))


def test_export_has_the_mandatory_properties_and_typed_resources(fixture_project):
    doc = export_jsonld()
    catalog, *resources = doc["@graph"]
    for prop in ("dct:title", "dct:description", "dct:publisher"):
        assert catalog[prop], prop
    titles = {d["dct:title"]["@value"]: d for d in catalog["dcat:dataset"]}
    assert set(titles) == {"A tiny table", "Fixture amounts"}
    dataset = titles["A tiny table"]
    assert dataset["dct:description"]["@value"]
    (dist,) = dataset["dcat:distribution"]
    assert dist["dcat:accessURL"]["@id"].startswith("http")
    assert dist["spdx:checksum"]["spdx:checksumValue"]["@value"].startswith("e036f8")
    types = {node["@id"]: node["@type"] for node in resources}
    theme = "http://publications.europa.eu/resource/authority/data-theme/GOVE"
    assert dataset["dcat:theme"] == [{"@id": theme}] and types[theme] == "skos:Concept"
    assert types[dist["dct:license"]["@id"]] == "dct:LicenseDocument"
    assert types[dist["dcat:mediaType"]["@id"]] == "dct:MediaType"
    assert types[dist["spdx:checksum"]["spdx:algorithm"]["@id"]] == "spdx:ChecksumAlgorithm"
    assert types[dataset["dct:spatial"]["@id"]] == "dct:Location"
    assert types[dataset["dcat:landingPage"]["@id"]] == "foaf:Document"
    # The JSON-LD is RDF: the dataset's licence document comes out of rdflib.
    graph = Graph().parse(data=json.dumps(doc), format="json-ld")
    assert (URIRef(dist["dct:license"]["@id"]), RDF.type, DCT.LicenseDocument) in graph


@pytest.mark.parametrize(
    ("action", "file", "broken", "line"),
    [
        ("export", "_catalog.yaml", "title: Fixture catalogue: with a colon\n", 1),
        ("export", "fixture-table.yaml", "identifier: fixture-table\ntitle: A tiny table: broken\n", 2),
        ("list", "fixture-table.yaml", "identifier: fixture-table\ntitle: A tiny table: broken\n", 2),
    ],
)
def test_broken_catalogue_yaml_is_one_line_and_exit_2(fixture_project, capsys, action, file, broken, line):
    path = fixture_project / "data" / "catalog" / file
    path.write_text(broken + path.read_text().split("\n", line)[-1])  # replaces the first `line` lines
    assert main(["catalog", action]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("livinglab: ") and "Traceback" not in err
    assert f"{path}: invalid YAML at line {line}," in err and "double quotes" in err


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("theme", "[TRANSPORT]", "theme 'TRANSPORT' is not a code of the EU data-theme table"),
        (
            "spatial",
            "Luxembourg and its neighbours",
            "spatial 'Luxembourg and its neighbours' is not a known place",
        ),
        ("license", "CC BY 4.0", "license must be an http(s) address"),
    ],
)
def test_values_the_export_cannot_type_are_named(fixture_project, field, value, message):
    path = fixture_project / "data" / "catalog" / "fixture-table.yaml"
    lines = [
        f"{field}: {value}" if ln.startswith(f"{field}:") else ln for ln in path.read_text().splitlines()
    ]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(CatalogError, match=re.escape(f"catalogue entry 'fixture-table': {message}")):
        export_jsonld()
