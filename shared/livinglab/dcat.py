"""Export the catalogue as DCAT-AP 3 JSON-LD, harvestable by data.europa.eu-style portals."""

from __future__ import annotations

from typing import Any

from .catalog import Dataset, catalog_metadata, load_catalog

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "spdx": "http://spdx.org/rdf/terms#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "adms": "http://www.w3.org/ns/adms#",
}
THEME_BASE = "http://publications.europa.eu/resource/authority/data-theme/"
MEDIA_TYPE_BASE = "https://www.iana.org/assignments/media-types/"
BASE_IRI = "https://livinglab.example.lu/catalogue/"


def _agent(publisher: dict[str, str]) -> dict[str, Any]:
    agent: dict[str, Any] = {"@type": "foaf:Agent", "foaf:name": publisher.get("name", "")}
    if publisher.get("url"):
        agent["foaf:homepage"] = {"@id": publisher["url"]}
    return agent


def dataset_node(ds: Dataset) -> dict[str, Any]:
    node: dict[str, Any] = {
        "@id": f"{BASE_IRI}dataset/{ds.identifier}",
        "@type": "dcat:Dataset",
        "dct:identifier": ds.identifier,
        "dct:title": {"@value": ds.title, "@language": "en"},
        "dct:description": {"@value": ds.description.strip(), "@language": "en"},
        "dct:publisher": _agent(ds.publisher),
        "dcat:landingPage": {"@id": ds.landing_page},
        "dcat:theme": [{"@id": THEME_BASE + t} for t in ds.theme],
        "dcat:keyword": list(ds.keywords),
    }
    if ds.spatial:
        node["dct:spatial"] = {"@id": ds.spatial} if ds.spatial.startswith("http") else ds.spatial
    if ds.temporal:
        period: dict[str, Any] = {"@type": "dct:PeriodOfTime"}
        if ds.temporal.get("start"):
            period["dcat:startDate"] = {"@value": str(ds.temporal["start"]), "@type": "xsd:date"}
        if ds.temporal.get("end"):
            period["dcat:endDate"] = {"@value": str(ds.temporal["end"]), "@type": "xsd:date"}
        node["dct:temporal"] = period
    if ds.citation:
        node["dct:bibliographicCitation"] = ds.citation
    distributions = []
    for dist in ds.distributions:
        dnode: dict[str, Any] = {
            "@id": f"{BASE_IRI}dataset/{ds.identifier}/distribution/{dist.name}",
            "@type": "dcat:Distribution",
            "dct:title": dist.title or dist.name,
            # DCAT-AP: accessURL is mandatory; a mirror-only file is reached through the landing page.
            "dcat:accessURL": {"@id": dist.download_url or ds.landing_page},
            "dct:license": {"@id": ds.license},
        }
        if dist.download_url:
            dnode["dcat:downloadURL"] = {"@id": dist.download_url}
        if dist.media_type:
            dnode["dcat:mediaType"] = {"@id": MEDIA_TYPE_BASE + dist.media_type}
        if dist.byte_size:
            dnode["dcat:byteSize"] = {"@value": str(dist.byte_size), "@type": "xsd:nonNegativeInteger"}
        if dist.sha256:
            dnode["spdx:checksum"] = {
                "@type": "spdx:Checksum",
                "spdx:algorithm": {"@id": "http://spdx.org/rdf/terms#checksumAlgorithm_sha256"},
                "spdx:checksumValue": {"@value": dist.sha256, "@type": "xsd:hexBinary"},
            }
        distributions.append(dnode)
    node["dcat:distribution"] = distributions
    return node


def export_jsonld() -> dict[str, Any]:
    meta = catalog_metadata()
    datasets = load_catalog()
    catalog: dict[str, Any] = {
        "@id": BASE_IRI,
        "@type": "dcat:Catalog",
        "dct:title": {"@value": meta.get("title", "Living lab catalogue"), "@language": "en"},
        "dct:description": {"@value": str(meta.get("description", "")).strip(), "@language": "en"},
        "dct:publisher": _agent(meta.get("publisher") or {"name": "Luxembourg living lab for applied AI"}),
        "dcat:dataset": [dataset_node(ds) for ds in datasets.values()],
    }
    if meta.get("homepage"):
        catalog["foaf:homepage"] = {"@id": meta["homepage"]}
    if meta.get("license"):
        catalog["dct:license"] = {"@id": meta["license"]}
    return {"@context": CONTEXT, "@graph": [catalog]}
