"""The entity graph as networkx: nodes are entities, edges the four relations.

Used by the explorer (layout, degree) and by analyses (centrality).  Node
attributes: type, label, aliases; edge attribute: kind.
"""
from __future__ import annotations

import networkx as nx
import pyoxigraph as ox

from .store import query as store_query

ENTITY_Q = """
SELECT ?e ?type ?label (GROUP_CONCAT(DISTINCT ?alt; separator="|") AS ?alts) WHERE {
  ?e a ?cls ; rdfs:label ?label .
  ?cls rdfs:subClassOf* kg:Entity .
  FILTER(?cls IN (kg:Enterprise, kg:Project, kg:Industry, kg:District, kg:Zone, kg:Institution, kg:Place))
  BIND(STRAFTER(STR(?cls), STR(kg:)) AS ?type)
  OPTIONAL { ?e skos:altLabel ?alt }
} GROUP BY ?e ?type ?label ORDER BY ?e
"""
ENTITY_Q_SIMPLE = """
SELECT ?e ?type ?label (GROUP_CONCAT(DISTINCT ?alt; separator="|") AS ?alts) WHERE {
  VALUES ?cls { kg:Enterprise kg:Project kg:Industry kg:District kg:Zone kg:Institution kg:Place }
  ?e a ?cls ; rdfs:label ?label .
  BIND(STRAFTER(STR(?cls), STR(kg:)) AS ?type)
  OPTIONAL { ?e skos:altLabel ?alt }
} GROUP BY ?e ?type ?label ORDER BY ?e
"""
EDGE_Q = """
SELECT DISTINCT ?s ?p ?o WHERE {
  VALUES ?p { kg:undertakenBy kg:inIndustry kg:locatedIn kg:partOf skos:broader }
  ?s ?p ?o .
} ORDER BY ?s ?p ?o
"""


def to_networkx(store: ox.Store, types: list[str] | None = None) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    for sol in store_query(store, ENTITY_Q_SIMPLE):
        typ = sol["type"].value
        if types and typ not in types:
            continue
        alts = sol["alts"].value if sol["alts"] is not None else ""
        g.add_node(sol["e"].value, type=typ, label=sol["label"].value, aliases=[a for a in alts.split("|") if a])
    for sol in store_query(store, EDGE_Q):
        s, o = sol["s"].value, sol["o"].value
        if s in g and o in g:
            kind = sol["p"].value.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
            g.add_edge(s, o, key=kind, kind=kind)
    return g
