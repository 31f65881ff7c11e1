"""RDF namespaces as objects (``KG.Project``), never strings pasted around.

The ontology and data namespaces are a public contract: saved queries use them.
"""
from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

KG = Namespace("https://w3id.org/govkg/ontology#")
KGD = Namespace("https://w3id.org/govkg/id/")
OA = Namespace("http://www.w3.org/ns/oa#")
QUDT = Namespace("http://qudt.org/schema/qudt/")
UNIT = Namespace("http://qudt.org/vocab/unit/")
CUR = Namespace("http://qudt.org/vocab/currency/")

PREFIXES = {
    "kg": KG,
    "kgd": KGD,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "prov": PROV,
    "dcterms": DCTERMS,
    "oa": OA,
    "qudt": QUDT,
    "unit": UNIT,
    "cur": CUR,
}


def sparql_prologue() -> str:
    """PREFIX lines for every namespace, so users' queries can omit them."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
