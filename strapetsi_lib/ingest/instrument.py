"""The survey instrument: what the reports are built from.

An instrument declares its dimensions and items, the response scales, the respondent roles
(which one is the leadership), the development themes, the practices whose take-hold is
followed with the rules that decide their status, the item behind the development-discussion
section, its languages and the words of the reports that are its own (docs/instrument.md). The
reports show a section when the instrument declares what the section needs, and no code names
an item, scale or dimension of any instrument.

Instruments are YAML files, checked by :mod:`strapetsi_lib.ingest.instrument_spec`. The packaged
ones live in ``strapetsi_lib/instruments/``; a dataset may instead name a path to its own YAML
(relative to the dataset folder).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from strapetsi_lib.config import INSTRUMENTS_DIR, LANGUAGES
from strapetsi_lib.errors import InstrumentError, Problem
from strapetsi_lib.ingest.instrument_spec import (
    InstrumentSpec,
    check_instrument,
    default_roles,
    normalise_header,
    normalise_role,
)
from strapetsi_lib.ingest.takehold_rules import TakeholdRules

__all__ = ["DEFAULT_INSTRUMENT", "Dimension", "Instrument", "Item", "Practice", "Role", "Scale",
           "Theme",
           "load_instrument", "normalise_header", "normalise_role", "packaged_instruments",
           "parse_instrument"]

Texts = dict[str, str]

#: The network's own instrument: what ``strapetsi demo`` and ``strapetsi template`` use when no
#: instrument is named.
DEFAULT_INSTRUMENT = "competence_management_v1"


@dataclass(frozen=True)
class Scale:
    """A response scale: whole numbers from ``min`` to ``max``, labelled (some or all)."""

    code: str
    min: int
    max: int
    labels: dict[int, Texts]
    descriptions: dict[int, Texts] = field(default_factory=dict)
    #: How reports speak of the answers below (``low``) and above (``high``) the middle.
    sides: dict[str, Texts] = field(default_factory=dict)

    @property
    def values(self) -> list[int]:
        return list(range(self.min, self.max + 1))

    @property
    def middle(self) -> float:
        """The middle of the scale (3 on 1–5, 3.5 on 1–6): answers above it agree."""
        return (self.min + self.max) / 2

    def label(self, value: int, language: str) -> str:
        """The value's label, or the number itself where the scale labels only some values."""
        return self.labels[value][language] if value in self.labels else str(value)

    def side(self, which: str, language: str) -> str:
        """How a report quotes the answers on one side of the middle (``low`` or ``high``):
        the scale's own words for it ("samaa mieltä"), else the label of that end, in lower
        case as it reads inside a sentence ("kuvaa minua erittäin hyvin")."""
        if which not in ("low", "high"):
            raise ValueError(f"a scale's side is low or high, not {which!r}")
        if which in self.sides:
            return self.sides[which][language]
        label = self.label(self.min if which == "low" else self.max, language)
        return label[:1].lower() + label[1:]

    def span(self) -> str:
        """The scale as a range of numbers, ``1–5``."""
        return f"{self.min}\u2013{self.max}"


@dataclass(frozen=True)
class Dimension:
    """A dimension, scored as the mean of its items; ``higher_is_better`` False for a
    dimension where a lower score is the better one (stress, workload)."""

    code: str
    name: Texts
    higher_is_better: bool = True


@dataclass(frozen=True)
class Item:
    """One question. ``dimension`` is set for scale items, ``practice`` for adoption items;
    ``aliases`` are earlier wordings an export's header may still use."""

    code: str
    scale: str
    text: Texts
    reverse: bool = False
    dimension: str | None = None
    practice: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Practice:
    """A practice whose take-hold is followed: one Levels of Use item and NoMAD-style items."""

    code: str
    theme: str | None
    name: Texts
    use_item: str
    normalisation_items: tuple[str, ...]


@dataclass(frozen=True)
class Role:
    """A respondent group: its code, its name in the reports, the spellings accepted in files,
    and whether it is the leadership (compared with the rest of the staff)."""

    code: str
    label: Texts
    synonyms: tuple[str, ...] = ()
    leadership: bool = False


@dataclass(frozen=True)
class Theme:
    """A development theme providers may take part in."""

    code: str
    name: Texts


@dataclass(frozen=True)
class DevelopmentDiscussion:
    """The item asking about development discussions, and the answers that count as yes."""

    item: str
    agreeing: tuple[int, ...]


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
    languages: tuple[str, ...] = ("fi", "sv", "en")
    roles: tuple[Role, ...] = ()
    themes: tuple[Theme, ...] = ()
    development_discussion: DevelopmentDiscussion | None = None
    #: The instrument's own report words (``report_texts`` of the YAML), by key.
    report_texts: dict[str, Texts] = field(default_factory=dict)
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

    @property
    def score_scale(self) -> Scale:
        """The scale of the dimensions' items (they share one), so of every dimension score."""
        return self.scale_of(self.scale_item_codes[0])

    def dimension(self, code: str) -> Dimension:
        for dim in self.dimensions:
            if dim.code == code:
                return dim
        raise KeyError(code)

    def higher_is_better(self, dimension: str) -> bool:
        """Whether a higher score on the dimension is the better one."""
        return self.dimension(dimension).higher_is_better

    @property
    def lower_is_better(self) -> list[str]:
        """The dimensions where a lower score is the better one, in instrument order."""
        return [d.code for d in self.dimensions if not d.higher_is_better]

    def practice(self, code: str) -> Practice:
        for practice in self.practices:
            if practice.code == code:
                return practice
        raise KeyError(code)

    @property
    def use_scale(self) -> Scale | None:
        """The Levels of Use scale of the practices (``None`` without practices)."""
        return self.scale_of(self.practices[0].use_item) if self.practices else None

    @property
    def normalisation_scale(self) -> Scale | None:
        """The scale of the practices' normalisation items (``None`` without practices)."""
        return (self.scale_of(self.practices[0].normalisation_items[0]) if self.practices
                else None)

    @property
    def role_codes(self) -> list[str]:
        """The respondent roles' codes, in the order the reports list them."""
        return [role.code for role in self.roles]

    def role(self, code: str) -> Role:
        for role in self.roles:
            if role.code == code:
                return role
        raise KeyError(code)

    @property
    def leadership_role(self) -> str | None:
        """The role that is the leadership, compared with the rest of the staff; ``None``
        when the instrument names none (the reports then show no leader–staff gap)."""
        return next((role.code for role in self.roles if role.leadership), None)

    def role_lookup(self) -> dict[str, str]:
        """Every accepted spelling of a role (normalised with :func:`normalise_role`) → code:
        the code, the labels in every language and the synonyms."""
        lookup: dict[str, str] = {}
        for role in self.roles:
            for name in (role.code, *role.label.values(), *role.synonyms):
                lookup.setdefault(normalise_role(name), role.code)
        return lookup

    @property
    def theme_codes(self) -> list[str]:
        """The development themes' codes, in instrument order."""
        return [theme.code for theme in self.themes]

    def theme(self, code: str) -> Theme:
        for theme in self.themes:
            if theme.code == code:
                return theme
        raise KeyError(code)

    def header_lookup(self) -> dict[str, str]:
        """Map every accepted column header (code, question text in any language, or an
        earlier wording of the question) to its code.

        Keys are normalised with :func:`normalise_header`, so case, spacing, Unicode form and
        trailing punctuation differences between survey tools do not matter.
        """
        lookup: dict[str, str] = {}
        for item in self.items:
            for name in (item.code, *item.text.values(), *item.aliases):
                lookup[normalise_header(name)] = item.code
        return lookup


def _instrument(spec: InstrumentSpec, source: Path | None) -> Instrument:
    """The :class:`Instrument` of a checked spec."""
    scales = {code: Scale(code, s.min, s.max, dict(s.labels), dict(s.descriptions),
                          {"low": dict(s.sides.low), "high": dict(s.sides.high)}
                          if s.sides else {})
              for code, s in spec.scales.items()}
    roles = spec.roles if spec.roles is not None else default_roles()
    discussion = spec.development_discussion
    return Instrument(
        id=spec.id, title=dict(spec.title), scales=scales,
        dimensions=tuple(Dimension(d.code, dict(d.name), d.higher_is_better)
                         for d in spec.dimensions),
        items=tuple(Item(i.code, i.scale, dict(i.text), i.reverse, i.dimension, i.practice,
                         tuple(i.aliases)) for i in spec.items),
        practices=tuple(Practice(p.code, p.theme, dict(p.name), p.use_item,
                                 tuple(p.normalisation_items)) for p in spec.practices),
        takehold_rules=spec.takehold_rules if spec.practices else None,
        missing_answers=tuple(spec.missing_answers), source=source,
        languages=tuple(spec.languages),
        roles=tuple(Role(r.code, dict(r.label), tuple(r.synonyms), r.leadership) for r in roles),
        themes=tuple(Theme(t.code, dict(t.name)) for t in spec.themes),
        development_discussion=(DevelopmentDiscussion(discussion.item,
                                                      tuple(discussion.agreeing))
                                if discussion is not None else None),
        report_texts={key: dict(texts) for key, texts in spec.report_texts if texts},
    )


def parse_instrument(doc: dict, source: Path) -> Instrument:
    """Build an :class:`Instrument` from its parsed YAML, checking everything.

    Raises
    ------
    InstrumentError
        Listing every problem (without line numbers, which only a file has).
    """
    from strapetsi_lib.ingest.instrument_spec import check_document
    from strapetsi_lib.ingest.yaml_lines import YamlLines

    spec, problems = check_document(doc, YamlLines(str(source)))
    if spec is None:
        raise InstrumentError(source, problems)
    return _instrument(spec, source)


@cache
def _load_cached(path: Path, name: str) -> Instrument:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InstrumentError(path, [Problem(name, None, None,
                                             f"cannot read the instrument: {exc}")]) from exc
    spec, problems = check_instrument(text, name)
    if spec is None:
        raise InstrumentError(path, problems)
    return _instrument(spec, path)


def loaded_items(ref: str | Path, base_dir: Path | None = None) -> Instrument | None:
    """The items of an instrument that has problems, as far as its YAML gives them: for
    checking a dataset's columns against the item codes and question texts while the
    instrument is being corrected, so that its problems do not hide the data's.

    Returns
    -------
    Instrument or None
        Only ``id``, ``languages`` and the items whose code and texts are readable (scales,
        dimensions and the rest are left empty: they are what may be wrong); ``None`` when the
        file cannot be read as YAML or names no such item.
    """
    from strapetsi_lib.files import load_yaml

    path = INSTRUMENTS_DIR / f"{ref}.yml"
    if not path.exists():
        path = Path(ref) if Path(ref).is_absolute() or base_dir is None else base_dir / ref
    try:
        doc = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):  # reported as its own problem
        return None
    entries = doc.get("items") if isinstance(doc, dict) else None
    items = []
    for entry in entries if isinstance(entries, list) else []:
        code = entry.get("code") if isinstance(entry, dict) else None
        texts = entry.get("text") if isinstance(entry, dict) else None
        if not (isinstance(code, str) and isinstance(texts, dict)):
            continue
        aliases = entry.get("aliases") if isinstance(entry.get("aliases"), list) else []
        items.append(Item(code, str(entry.get("scale")),
                          {str(k): str(v) for k, v in texts.items() if isinstance(v, str)},
                          aliases=tuple(str(a) for a in aliases)))
    if not items:
        return None
    languages = doc.get("languages")
    languages = tuple(lang for lang in languages if lang in LANGUAGES) if isinstance(
        languages, list) else LANGUAGES
    return Instrument(id=str(doc.get("id", ref)), title={}, scales={}, dimensions=(),
                      items=tuple(items), practices=(), takehold_rules=None,
                      missing_answers=(), source=path, languages=languages or LANGUAGES)


def packaged_instruments() -> list[str]:
    """The ids of the packaged instruments."""
    return sorted(path.stem for path in INSTRUMENTS_DIR.glob("*.yml"))


def load_instrument(ref: str | Path, base_dir: Path | None = None) -> Instrument:
    """Load an instrument by packaged id (see :func:`packaged_instruments`) or by YAML path.

    Parameters
    ----------
    ref
        A packaged instrument id, or a path to a YAML file.
    base_dir
        Folder that a relative path is resolved against (the dataset folder); problems name
        the file relative to it.

    Raises
    ------
    InstrumentError
        When the instrument cannot be found or read, or has problems; ``problems`` lists them
        all, each ``file:line:key: message``.
    """
    packaged = INSTRUMENTS_DIR / f"{ref}.yml"
    if packaged.exists():
        return _load_cached(packaged, packaged.name)
    path = Path(ref)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    if not path.is_file():
        known = ", ".join(packaged_instruments())
        raise InstrumentError(ref, [Problem(str(ref), None, None,
                                            f"unknown instrument {str(ref)!r}: neither a "
                                            f"packaged id ({known}) nor an existing file")],
                              missing=True)
    return _load_cached(path.resolve(), str(ref))
