"""The survey instrument: dimensions, items, response scales, practices and take-hold rules.

Instruments are YAML files. The packaged ones live in ``strapetsi_lib/instruments/``; a dataset
may instead name a path to its own YAML (relative to the dataset folder).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from strapetsi_lib.config import INSTRUMENTS_DIR, LANGUAGES
from strapetsi_lib.errors import InstrumentError
from strapetsi_lib.files import load_yaml
from strapetsi_lib.ingest.takehold_rules import TakeholdRules, parse_takehold_rules

Texts = dict[str, str]


@dataclass(frozen=True)
class Scale:
    """A response scale: whole numbers from ``min`` to ``max`` with a label per value."""

    code: str
    min: int
    max: int
    labels: dict[int, Texts]

    @property
    def values(self) -> list[int]:
        return list(range(self.min, self.max + 1))


@dataclass(frozen=True)
class Dimension:
    """A dimension of competence management, scored as the mean of its items."""

    code: str
    name: Texts


@dataclass(frozen=True)
class Item:
    """One question. ``dimension`` is set for scale items, ``practice`` for adoption items."""

    code: str
    scale: str
    text: Texts
    reverse: bool = False
    dimension: str | None = None
    practice: str | None = None


@dataclass(frozen=True)
class Practice:
    """A practice whose take-hold is followed: one Levels of Use item and NoMAD-style items."""

    code: str
    theme: str
    name: Texts
    use_item: str
    normalisation_items: tuple[str, ...]


@dataclass(frozen=True)
class Instrument:
    """A survey instrument as declared in its YAML file."""

    id: str
    title: Texts
    scales: dict[str, Scale]
    dimensions: tuple[Dimension, ...]
    items: tuple[Item, ...]
    practices: tuple[Practice, ...]
    #: When a practice counts as embedded, adopting or trying; ``None`` without practices.
    takehold_rules: TakeholdRules | None
    missing_answers: tuple[str, ...]
    source: Path | None = None
    _by_code: dict[str, Item] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_code.update({item.code: item for item in self.items})

    @property
    def item_codes(self) -> list[str]:
        """Every item code, in questionnaire order."""
        return [item.code for item in self.items]

    def item(self, code: str) -> Item:
        """The item with this code."""
        return self._by_code[code]

    def scale_of(self, code: str) -> Scale:
        """The response scale of an item."""
        return self.scales[self._by_code[code].scale]

    def dimension_items(self, dimension: str) -> list[Item]:
        """The items that make up one dimension."""
        return [item for item in self.items if item.dimension == dimension]

    @property
    def dimension_codes(self) -> list[str]:
        return [d.code for d in self.dimensions]

    @property
    def scale_item_codes(self) -> list[str]:
        """Codes of the items that belong to a dimension (not the practice items)."""
        return [item.code for item in self.items if item.dimension is not None]

    def dimension(self, code: str) -> Dimension:
        for dim in self.dimensions:
            if dim.code == code:
                return dim
        raise KeyError(code)

    def practice(self, code: str) -> Practice:
        for practice in self.practices:
            if practice.code == code:
                return practice
        raise KeyError(code)

    def header_lookup(self) -> dict[str, str]:
        """Map every accepted column header (code or question text, any language) to its code.

        Keys are normalised with :func:`normalise_header`, so case, spacing, Unicode form and
        trailing punctuation differences between survey tools do not matter.
        """
        lookup: dict[str, str] = {}
        for item in self.items:
            lookup[normalise_header(item.code)] = item.code
            for text in item.text.values():
                lookup[normalise_header(text)] = item.code
        return lookup


def normalise_header(text: str) -> str:
    """Normalise a header or label for matching: NFC, case-folded, single spaces, no end dot."""
    text = unicodedata.normalize("NFC", str(text)).replace("\u00a0", " ")
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"\s+", " ", text).strip().rstrip(".?!:").strip()
    return text.casefold()


def _texts(value, where: str, source: Path) -> Texts:
    if not isinstance(value, dict) or any(lang not in value for lang in LANGUAGES):
        raise InstrumentError(f"{source}: {where} needs a text in each of {', '.join(LANGUAGES)}")
    return {lang: str(value[lang]) for lang in LANGUAGES}


def parse_instrument(doc: dict, source: Path) -> Instrument:
    """Build an :class:`Instrument` from its parsed YAML, checking that references resolve."""
    try:
        scales = {
            code: Scale(code, int(s["min"]), int(s["max"]),
                        {int(v): _texts(t, f"scales.{code}.labels.{v}", source)
                         for v, t in s["labels"].items()})
            for code, s in doc["scales"].items()
        }
        dimensions = tuple(Dimension(d["code"], _texts(d["name"], f"dimension {d['code']}", source))
                           for d in doc["dimensions"])
        items = tuple(
            Item(code=i["code"], scale=i["scale"],
                 text=_texts(i["text"], f"item {i['code']}", source),
                 reverse=bool(i.get("reverse", False)), dimension=i.get("dimension"),
                 practice=i.get("practice"))
            for i in doc["items"]
        )
        practices = tuple(
            Practice(p["code"], p["theme"], _texts(p["name"], f"practice {p['code']}", source),
                     p["use_item"], tuple(p["normalisation_items"]))
            for p in doc.get("practices", [])
        )
        instrument_id, title = doc["id"], _texts(doc["title"], "title", source)
        missing_answers = tuple(doc.get("missing_answers", []))
    except (KeyError, TypeError, ValueError) as exc:
        raise InstrumentError(f"{source}: malformed instrument, missing or bad key {exc}") from exc
    codes = [i.code for i in items]
    items_by_code = {i.code: i for i in items}
    if len(set(codes)) != len(codes):
        raise InstrumentError(f"{source}: item codes are not unique")
    dim_codes = {d.code for d in dimensions}
    for item in items:
        if item.scale not in scales:
            raise InstrumentError(
                f"{source}: item {item.code} has unknown scale {item.scale}")
        if item.dimension is not None and item.dimension not in dim_codes:
            raise InstrumentError(
                f"{source}: item {item.code} has unknown dimension {item.dimension}")
    for practice in practices:
        for code in (practice.use_item, *practice.normalisation_items):
            if code not in codes:
                raise InstrumentError(
                    f"{source}: practice {practice.code} names unknown item {code}")
    rules = None
    if practices or "takehold_rules" in doc:
        levels = {(s.min, s.max) for s in (scales[items_by_code[p.use_item].scale]
                                           for p in practices)}
        if len(levels) > 1:
            raise InstrumentError(f"{source}: the practices' Levels of Use items use different "
                                  "scales")
        low, high = levels.pop() if levels else (None, None)
        rules = parse_takehold_rules(doc.get("takehold_rules"), source,
                                     None if low is None else range(low, high + 1))
    return Instrument(id=instrument_id, title=title, scales=scales, dimensions=dimensions,
                      items=items, practices=practices, takehold_rules=rules,
                      missing_answers=missing_answers, source=source)


@cache
def _load_cached(path: Path) -> Instrument:
    try:
        doc = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InstrumentError(f"{path}: cannot read instrument: {exc}") from exc
    return parse_instrument(doc, path)


def load_instrument(ref: str | Path, base_dir: Path | None = None) -> Instrument:
    """Load an instrument by packaged id (``competence_management_v1``) or by YAML path.

    Parameters
    ----------
    ref
        A packaged instrument id, or a path to a YAML file.
    base_dir
        Folder that a relative path is resolved against (the dataset folder).
    """
    packaged = INSTRUMENTS_DIR / f"{ref}.yml"
    if packaged.exists():
        return _load_cached(packaged)
    path = Path(ref)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in INSTRUMENTS_DIR.glob("*.yml")))
        raise InstrumentError(f"unknown instrument {ref!r}: neither a packaged id ({known}) "
                              f"nor an existing file")
    return _load_cached(path.resolve())
