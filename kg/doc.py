"""The one document object every pipeline stage reads and enriches.

Like a spaCy ``Doc``: ingest creates it with the text and sentences, the
extractors append mentions, relations and quantities, resolve fills
``entities``.  Every span keeps character offsets into ``Document.text`` (the
decoded original), so ``doc.text[m.start:m.end] == m.exact`` always holds.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

ENTITY_TYPES = ("Enterprise", "Project", "Industry", "District", "Zone", "Institution", "Place")
RELATION_KINDS = ("undertakenBy", "inIndustry", "locatedIn", "partOf")
QUANTITY_KINDS = ("actual", "target", "plan")


@dataclass
class Sentence:
    """A sentence of the original text.

    ``clean`` is the sentence with line breaks (and whitespace between CJK
    characters) removed and full-width ASCII folded to half-width, so that
    patterns see the same string whatever the report's typography.
    ``pos[i]`` is the offset in ``Document.text`` of ``clean[i]``.
    """

    idx: int
    start: int
    end: int
    clean: str
    pos: list[int] = field(repr=False)
    paragraph: int = 0

    def span(self, cstart: int, cend: int) -> tuple[int, int]:
        """Map a [cstart, cend) span of ``clean`` to offsets in the document."""
        return self.pos[cstart], self.pos[cend - 1] + 1


@dataclass
class Mention:
    """A typed span.  ``label`` is the cleaned surface form (no line breaks)."""

    start: int
    end: int
    label: str
    type: str
    sentence: int
    rule: str = ""
    canonical: Optional[str] = None  # set by lexicon matches that know the official name
    attrs: dict = field(default_factory=dict)


@dataclass
class Entity:
    """A resolved entity: one IRI, one canonical label, many surface forms."""

    type: str
    label: str
    aliases: set[str] = field(default_factory=set)
    mentions: list[Mention] = field(default_factory=list)
    attrs: dict = field(default_factory=dict)  # e.g. code, parent_code, broader

    @property
    def key(self) -> tuple[str, str]:
        return (self.type, self.label)


@dataclass
class Relation:
    """A relation between two entity keys, with the evidence span."""

    kind: str
    subj: tuple[str, str]
    obj: tuple[str, str]
    sentence: int  # -1 when it comes from background knowledge (division table)
    start: int
    end: int
    rule: str = ""


@dataclass
class Quantity:
    """A number with a unit attached to an entity.

    ``value``/``unit`` are as written (20, "万吨"); ``norm_value``/``norm_unit``
    are in the base unit (200000, "unit:TONNE" as a QUDT local name or
    "CNY").  ``subject`` is an entity key, or None for the reporting
    jurisdiction (the graph stage attaches those to the Document's district).
    """

    subject: Optional[tuple[str, str]]
    attribute: str
    value: float
    unit: str
    norm_value: Optional[float]
    norm_unit: Optional[str]
    kind: str  # actual | target | plan
    start: int
    end: int
    sentence: int
    year: Optional[int] = None
    product: Optional[str] = None
    qualifier: Optional[str] = None  # about, at_least, at_most, more_than, ...
    indicator: Optional[str] = None  # headline indicator name, e.g. 地区生产总值
    exact: str = ""


@dataclass
class Document:
    doc_id: str
    source: str
    text: str
    sha256: str
    title: str = ""
    jurisdiction: Optional[str] = None  # canonical district name, e.g. 包头市
    jurisdiction_code: Optional[str] = None
    year: Optional[int] = None
    sentences: list[Sentence] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    quantities: list[Quantity] = field(default_factory=list)

    def entity(self, key: tuple[str, str]) -> Optional[Entity]:
        for e in self.entities:
            if e.key == key:
                return e
        return None
