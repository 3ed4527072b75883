"""Export the data catalogue as DCAT-AP 3.0.1 JSON-LD, harvestable by data.europa.eu-style portals.

Every value that DCAT-AP expects to be a resource is one, typed with the class its official SHACL
shapes ask for:

- themes: skos:Concept of the EU data-theme table (with its English label), in that skos:ConceptScheme;
- licences: dct:LicenseDocument (the licence address the catalogue entry gives);
- media types: the IANA media type as dct:MediaType, plus the EU file type as dct:format;
- places: dct:Location from the EU country, continent and place tables (or an IRI in the entry);
- languages of the catalogue: dct:LinguisticSystem from the EU language table;
- checksums: spdx:Checksum whose algorithm is the SPDX sha256 spdx:ChecksumAlgorithm;
- landing pages and homepages: foaf:Document; publishers: foaf:Agent with foaf:name.

Shared resources are written once, as top-level nodes of the ``@graph``, and referenced by IRI
elsewhere. tests/test_dcat.py validates the export of the real catalogue against the official shapes.
A catalogue value that cannot be expressed this way raises :class:`CatalogError` naming the entry.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from .catalog import CatalogError, Dataset, catalog_metadata, load_catalog

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "spdx": "http://spdx.org/rdf/terms#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
BASE_IRI = "https://livinglab.example.lu/catalogue/"
EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"
THEME_SCHEME = EU_AUTHORITY + "data-theme"
MEDIA_TYPE_BASE = "https://www.iana.org/assignments/media-types/"
SHA256 = "http://spdx.org/rdf/terms#checksumAlgorithm_sha256"

# The EU data-theme authority table: code -> English label.
THEMES = {
    "AGRI": "Agriculture, fisheries, forestry and food",
    "ECON": "Economy and finance",
    "EDUC": "Education, culture and sport",
    "ENER": "Energy",
    "ENVI": "Environment",
    "GOVE": "Government and public sector",
    "HEAL": "Health",
    "INTR": "International issues",
    "JUST": "Justice, legal system and public safety",
    "OP_DATPRO": "Provisional data",
    "REGI": "Regions and cities",
    "SOCI": "Population and society",
    "TECH": "Science and technology",
    "TRAN": "Transport",
}
# IANA media type -> code in the EU file-type table (dct:format); types not listed get no dct:format.
FILE_TYPES = {
    "application/geo+json": "GEOJSON",
    "application/json": "JSON",
    "application/vnd.ms-excel": "XLS",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
    "application/xml": "XML",
    "application/zip": "ZIP",
    "text/csv": "CSV",
    "text/plain": "TXT",
    "text/tab-separated-values": "TSV",
    "text/xml": "XML",
}
# Place names used in the catalogue's ``spatial`` field -> (EU authority IRI, English label).
PLACES = {
    "Europe": (EU_AUTHORITY + "continent/EUROPE", "Europe"),
    "Luxembourg": (EU_AUTHORITY + "country/LUX", "Luxembourg"),
    "Luxembourg City": (EU_AUTHORITY + "place/LUX_LUX", "Luxembourg (city)"),
    "United States": (EU_AUTHORITY + "country/USA", "United States"),
}
# ISO 639-1 codes of the catalogue's ``language`` field -> code in the EU language table.
LANGUAGES = {
    "de": "DEU",
    "en": "ENG",
    "es": "SPA",
    "fr": "FRA",
    "it": "ITA",
    "lb": "LTZ",
    "nl": "NLD",
    "pt": "POR",
}
MEDIA_TYPE_PATTERN = re.compile(r"^[a-z]+/[a-z0-9][a-z0-9!#$&^_.+-]*$")


def _en(text: str) -> dict[str, str]:
    return {"@value": text, "@language": "en"}


def _iri(value: str | None, what: str, where: str) -> str:
    if not value or not str(value).startswith(("http://", "https://")):
        raise CatalogError(f"{where}: {what} must be an http(s) address, got {value!r}.")
    return str(value)


class Resources:
    """The resources the catalogue refers to (vocabulary terms, licences, documents), each written once."""

    def __init__(self) -> None:
        self.nodes: dict[str, dict[str, Any]] = {}

    def ref(self, iri: str, rdf_type: str, properties: dict[str, Any] | None = None) -> dict[str, str]:
        node = self.nodes.setdefault(iri, {"@id": iri, "@type": rdf_type})
        types = node["@type"] if isinstance(node["@type"], list) else [node["@type"]]
        if rdf_type not in types:  # one address may be, say, a licence and a homepage
            node["@type"] = [*types, rdf_type]
        node.update(properties or {})
        return {"@id": iri}

    def document(self, url: str) -> dict[str, str]:
        return self.ref(url, "foaf:Document")

    def theme(self, code: str, where: str) -> dict[str, str]:
        if code not in THEMES:
            raise CatalogError(
                f"{where}: theme {code!r} is not a code of the EU data-theme table; use one of "
                f"{', '.join(THEMES)}."
            )
        properties = {"skos:prefLabel": _en(THEMES[code]), "skos:inScheme": {"@id": THEME_SCHEME}}
        return self.ref(f"{THEME_SCHEME}/{code}", "skos:Concept", properties)

    def location(self, place: str, where: str) -> dict[str, str]:
        if place.startswith(("http://", "https://")):
            return self.ref(place, "dct:Location")
        if place not in PLACES:
            raise CatalogError(
                f"{where}: spatial {place!r} is not a known place ({', '.join(PLACES)}); give the IRI "
                f"of the place instead, e.g. {EU_AUTHORITY}country/BEL."
            )
        iri, label = PLACES[place]
        return self.ref(iri, "dct:Location", {"skos:prefLabel": _en(label)})

    def language(self, code: str, where: str) -> dict[str, str]:
        if code not in LANGUAGES:
            raise CatalogError(
                f"{where}: language {code!r} is not one of {', '.join(LANGUAGES)}; add its EU language "
                "code to livinglab.dcat.LANGUAGES."
            )
        return self.ref(f"{EU_AUTHORITY}language/{LANGUAGES[code]}", "dct:LinguisticSystem")

    def agent(self, publisher: dict[str, str] | str, where: str) -> dict[str, Any]:
        """A publisher as a foaf:Agent (a blank node: publishers have no IRI of their own here)."""
        if isinstance(publisher, str):
            publisher = {"name": publisher}
        if not publisher.get("name"):
            raise CatalogError(f"{where}: the publisher has no name.")
        agent: dict[str, Any] = {"@type": "foaf:Agent", "foaf:name": publisher["name"]}
        if publisher.get("url"):
            agent["foaf:homepage"] = self.document(_iri(publisher["url"], "the publisher url", where))
        return agent


def dataset_node(ds: Dataset, res: Resources) -> dict[str, Any]:
    where = f"catalogue entry {ds.identifier!r}"
    dataset_iri = f"{BASE_IRI}dataset/{quote(ds.identifier)}"
    landing_page = _iri(ds.landing_page, "landing_page", where)
    licence = res.ref(_iri(ds.license, "license", where), "dct:LicenseDocument")
    node: dict[str, Any] = {
        "@id": dataset_iri,
        "@type": "dcat:Dataset",
        "dct:identifier": ds.identifier,
        "dct:title": _en(ds.title),
        "dct:description": _en(ds.description.strip()),
        "dct:publisher": res.agent(ds.publisher, where),
        "dcat:landingPage": res.document(landing_page),
        "dcat:theme": [res.theme(code, where) for code in ds.theme],
        "dcat:keyword": [_en(k) for k in ds.keywords],
    }
    if ds.spatial:
        node["dct:spatial"] = res.location(ds.spatial, where)
    if ds.temporal:
        period: dict[str, Any] = {"@type": "dct:PeriodOfTime"}
        if ds.temporal.get("start"):
            period["dcat:startDate"] = {"@value": str(ds.temporal["start"]), "@type": "xsd:date"}
        if ds.temporal.get("end"):
            period["dcat:endDate"] = {"@value": str(ds.temporal["end"]), "@type": "xsd:date"}
        node["dct:temporal"] = period
    if ds.citation:
        node["dct:bibliographicCitation"] = ds.citation.strip()

    distributions = []
    for dist in ds.distributions:
        dnode: dict[str, Any] = {
            "@id": f"{dataset_iri}/distribution/{quote(dist.name)}",
            "@type": "dcat:Distribution",
            "dct:title": _en(dist.title or dist.name),
            # DCAT-AP: accessURL is mandatory; a mirror-only file is reached through the landing page.
            "dcat:accessURL": {"@id": dist.download_url or landing_page},
            "dct:license": licence,
        }
        if dist.download_url:
            dnode["dcat:downloadURL"] = {"@id": _iri(dist.download_url, "download_url", where)}
        if dist.media_type:
            if not MEDIA_TYPE_PATTERN.match(dist.media_type):
                raise CatalogError(
                    f"{where}: media_type {dist.media_type!r} of {dist.name} is not an IANA media type "
                    "such as text/csv."
                )
            dnode["dcat:mediaType"] = res.ref(MEDIA_TYPE_BASE + dist.media_type, "dct:MediaType")
            if dist.media_type in FILE_TYPES:
                file_type = f"{EU_AUTHORITY}file-type/{FILE_TYPES[dist.media_type]}"
                dnode["dct:format"] = res.ref(file_type, "dct:MediaTypeOrExtent")
        if dist.byte_size is not None:
            dnode["dcat:byteSize"] = {"@value": str(int(dist.byte_size)), "@type": "xsd:nonNegativeInteger"}
        if dist.sha256:
            dnode["spdx:checksum"] = {
                "@type": "spdx:Checksum",
                "spdx:algorithm": res.ref(SHA256, "spdx:ChecksumAlgorithm"),
                "spdx:checksumValue": {"@value": dist.sha256.lower(), "@type": "xsd:hexBinary"},
            }
        distributions.append(dnode)
    node["dcat:distribution"] = distributions
    return node


def export_jsonld() -> dict[str, Any]:
    """The whole catalogue as one JSON-LD document: the dcat:Catalog, then the shared resources."""
    meta = catalog_metadata()
    datasets = load_catalog()
    res = Resources()
    where = "the catalogue metadata (_catalog.yaml)"
    catalog: dict[str, Any] = {
        "@id": BASE_IRI,
        "@type": "dcat:Catalog",
        "dct:title": _en(str(meta.get("title", "Living lab catalogue"))),
        "dct:description": _en(str(meta.get("description", "")).strip()),
        "dct:publisher": res.agent(meta.get("publisher") or "Luxembourg living lab for applied AI", where),
        "dcat:themeTaxonomy": res.ref(THEME_SCHEME, "skos:ConceptScheme", {"dct:title": _en("Data theme")}),
    }
    if meta.get("homepage"):
        catalog["foaf:homepage"] = res.document(_iri(meta["homepage"], "homepage", where))
    if meta.get("license"):
        catalog["dct:license"] = res.ref(_iri(meta["license"], "license", where), "dct:LicenseDocument")
    if meta.get("language"):
        codes = [meta["language"]] if isinstance(meta["language"], str) else meta["language"]
        catalog["dct:language"] = [res.language(str(code), where) for code in codes]
    catalog["dcat:dataset"] = [dataset_node(ds, res) for ds in datasets.values()]
    return {"@context": CONTEXT, "@graph": [catalog, *sorted(res.nodes.values(), key=lambda n: n["@id"])]}
