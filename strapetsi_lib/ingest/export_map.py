"""How one wave's export is read: the column map, ignore list and value maps of ``dataset.yml``.

A survey tool's export is used as it is. ``dataset.yml`` says what its columns hold
(``columns``: item code, ``respondent_id``, ``provider_id`` or ``role`` → the header), which
columns hold no answers (``ignore``), whether the provider column holds names or business IDs
(``providers_by``) and what the export's codes mean (``values``: for a scale, ``role`` or
``provider_id``, each code → a number or label of the scale, ``missing``, a role, a provider).
A wave's own key replaces the top-level one, and a key of one file of a wave's ``responses``
list the wave's (:meth:`SpecReading.export_keys`).

:func:`export_map` resolves the keys of one wave into an :class:`ExportMap`;
:func:`export_problems` checks them against the instrument, the providers and the file's
headers, each problem located as ``dataset.yml:LINE:key``. Headers and codes are compared as
:func:`~strapetsi_lib.ingest.instrument.normalise_header` writes them (case, spaces and a final
full stop do not matter).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from strapetsi_lib.errors import Problem
from strapetsi_lib.ingest.dataset_spec import DATASET_FILE, KeyPath, SpecReading, key_name
from strapetsi_lib.ingest.instrument import Instrument, normalise_header
from strapetsi_lib.ingest.matching import did_you_mean, keyed
from strapetsi_lib.ingest.reading import (
    MISSING_CODE,
    RESPONSE_COLUMNS,
    AnswerParser,
    parse_roles,
)

#: ``values`` keys besides the instrument's scale codes.
CODED_COLUMNS = ("role", "provider_id")
PROVIDERS_BY = ("id", "name")


@dataclass(frozen=True)
class ExportMap:
    """The export keys that apply to one wave (empty when ``dataset.yml`` gives none).

    Attributes
    ----------
    columns
        What a column holds → its header, as written in ``dataset.yml``.
    ignore
        Headers of columns that hold no answers.
    providers_by
        ``id`` (business IDs) or ``name`` (the providers file's names).
    values
        For a scale code, ``role`` or ``provider_id``: code → meaning, as written.
    paths
        Where each given key is written in ``dataset.yml``, for the lines of problems.
    """

    columns: dict[str, str] = field(default_factory=dict)
    ignore: tuple[str, ...] = ()
    providers_by: str = "id"
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    paths: dict[str, KeyPath] = field(default_factory=dict)

    @property
    def maps_columns(self) -> bool:
        """Whether ``dataset.yml`` maps this export's columns (then an export without a
        respondent-id column is allowed: its rows are numbered)."""
        return "columns" in self.paths

    def targets(self) -> dict[str, str]:
        """What each mapped column holds, by normalised header."""
        return {normalise_header(header): target for target, header in self.columns.items()}

    def ignored(self) -> frozenset[str]:
        """The normalised headers of the ignored columns."""
        return frozenset(normalise_header(header) for header in self.ignore)

    def codes(self, what: str) -> dict[str, str]:
        """The value map of a scale code, ``role`` or ``provider_id``, by normalised code."""
        return {normalise_header(code): meaning
                for code, meaning in self.values.get(what, {}).items()}

    def line(self, reading: SpecReading, key: str, *more: str) -> tuple[int | None, str]:
        """The line and the ``key.sub`` name of an entry of one of these keys."""
        path = (*self.paths.get(key, (key,)), *more)
        return reading.line(*path), key_name(path)


def export_map(reading: SpecReading, wave: int, file: int = 0) -> ExportMap:
    """The export keys of the file at index ``file`` of the wave at index ``wave`` of
    ``dataset.yml``."""
    keys = reading.export_keys(wave, file)

    def value(key: str, default):
        return keys[key][0] if key in keys else default

    return ExportMap(columns=dict(value("columns", {})), ignore=tuple(value("ignore", ())),
                     providers_by=value("providers_by", "id"),
                     values={k: dict(v) for k, v in value("values", {}).items()},
                     paths={key: path for key, (_, path) in keys.items()})


def recode(values: pd.Series, codes: Mapping[str, str]) -> pd.Series:
    """Replace each cell that is a code of ``codes`` (normalised) by its meaning; ``missing``
    becomes an empty cell. Other cells are kept."""
    if not codes:
        return values

    def meaning(text):
        if not isinstance(text, str):
            return text
        found = codes.get(normalise_header(text))
        if found is None:
            return text
        return "" if normalise_header(found) == MISSING_CODE else found

    uniques = pd.unique(values.to_numpy(dtype=object))
    mapping = {u: meaning(u) for u in uniques}
    return values.map(mapping)


def resolve_providers(values: pd.Series, export: ExportMap, listing: pd.DataFrame | None
                      ) -> pd.Series:
    """The business ID each provider cell stands for.

    With ``providers_by: id`` that is the cell (after the ``values.provider_id`` map); with
    ``providers_by: name`` the cell is looked up among the providers' names (case and spacing
    do not matter; a listed business ID is accepted too), missing where it is neither.
    """
    recoded = recode(values, export.codes("provider_id"))
    if export.providers_by != "name":
        return recoded
    by_name = _provider_lookup(listing)
    return recoded.map(lambda text: by_name.get(normalise_header(text))
                       if isinstance(text, str) else None)


def provider_keys(listing: pd.DataFrame) -> tuple[dict[str, str], dict[str, str]]:
    """The providers' business IDs by normalised ID, and by normalised name."""
    ids = {normalise_header(pid): pid for pid in listing["provider_id"]}
    names = {normalise_header(name): pid for pid, name in zip(
        listing["provider_id"], listing["name"], strict=True) if name}
    return ids, names


def _provider_lookup(listing: pd.DataFrame | None) -> dict[str, str]:
    """Business ID by normalised name or normalised ID (an ID wins)."""
    if listing is None:
        return {}
    ids, names = provider_keys(listing)
    return {**names, **ids}


def provider_name_choices(listing: pd.DataFrame | None) -> dict[str, str]:
    """The providers' names by match key, for "did you mean"."""
    if listing is None:
        return {}
    return keyed({name: name for name in listing["name"] if name})


# --------------------------------------------------------------------------- problems


def export_problems(export: ExportMap, reading: SpecReading, headers: Iterable[str],
                    file_name: str, instrument: Instrument | None,
                    listing: pd.DataFrame | None) -> list[Problem]:
    """Every problem of one wave's export keys, located at their lines in ``dataset.yml``.

    Parameters
    ----------
    export
        The wave's keys (:func:`export_map`).
    reading
        ``dataset.yml`` as read, for lines.
    headers
        The headers of the wave's file as written.
    file_name
        The file's name, for messages.
    instrument
        Item codes and scales; ``None`` when it could not be loaded (items are then not
        checked).
    listing
        The providers' IDs and names; ``None`` when the providers file could not be read.
    """
    headers = list(headers)
    by_header = {normalise_header(h): h for h in headers}
    header_choices = keyed({h: h for h in headers})
    problems: list[Problem] = []

    def problem(key: str, *more: str, message: str) -> None:
        line, column = export.line(reading, key, *more)
        problems.append(Problem(DATASET_FILE, line, column, message))

    known = list(RESPONSE_COLUMNS) + (instrument.item_codes if instrument else [])
    target_choices = _target_choices(instrument)
    mapped_by: dict[str, str] = {}
    for target, header in export.columns.items():
        if instrument is not None and target not in known:
            problem("columns", target, message=(
                f"{target} is neither an item of instrument {instrument.id} nor one of "
                f"{', '.join(RESPONSE_COLUMNS)}{did_you_mean([target], target_choices)}"))
        key = normalise_header(header)
        if key not in by_header:
            problem("columns", target, message=(
                f"{file_name} has no column {header!r}{did_you_mean([header], header_choices)}"))
        elif key in mapped_by:
            problem("columns", target, message=(
                f"column {header!r} is already mapped to {mapped_by[key]}"))
        mapped_by.setdefault(key, target)
    for index, header in enumerate(export.ignore):
        if normalise_header(header) in mapped_by:
            problem("ignore", index, message=(
                f"column {header!r} is both ignored and mapped to "
                f"{mapped_by[normalise_header(header)]}: keep one"))
    if export.providers_by not in PROVIDERS_BY:  # the schema allows only these; kept safe
        problem("providers_by", message="providers_by must be id or name")
    for what, codes in export.values.items():
        problems += _value_problems(export, reading, what, codes, instrument, listing)
    return problems


def _target_choices(instrument: Instrument | None) -> dict[str, str]:
    names = list(RESPONSE_COLUMNS) + (instrument.item_codes if instrument else [])
    return keyed({name: name for name in names})


def _value_problems(export: ExportMap, reading: SpecReading, what: str, codes: dict[str, str],
                    instrument: Instrument | None, listing: pd.DataFrame | None
                    ) -> list[Problem]:
    problems: list[Problem] = []

    def problem(code: str | None, message: str) -> None:
        more = (what,) if code is None else (what, code)
        line, column = export.line(reading, "values", *more)
        problems.append(Problem(DATASET_FILE, line, column, message))

    scales = instrument.scales if instrument is not None else {}
    if what == "role":
        # the instrument declares the roles: without it they cannot be checked
        parsed = (parse_roles(pd.Series(list(codes.values()), dtype=object), instrument)
                  if instrument is not None else pd.Series(list(codes.values())))
        for (code, meaning), role in zip(codes.items(), parsed, strict=True):
            if role is None and normalise_header(meaning) != MISSING_CODE:
                problem(code, f"{meaning!r} is not a role")
    elif what == "provider_id":
        lookup = _provider_lookup(listing) if listing is not None else None
        for code, meaning in codes.items():
            if lookup is not None and normalise_header(meaning) not in lookup:
                kind = "a name or business ID" if export.providers_by == "name" else (
                    "a business ID")
                hint = (did_you_mean([meaning], provider_name_choices(listing))
                        if export.providers_by == "name" else "")
                problem(code, f"{meaning!r} is not {kind} of the providers file{hint}")
    elif what in scales:
        parser = AnswerParser(scales[what], instrument.missing_answers)
        for code, meaning in codes.items():
            if normalise_header(meaning) == MISSING_CODE:
                continue
            number, invalid = parser.parse(pd.Series([meaning], dtype=object))
            if invalid.iloc[0]:
                problem(code, parser.describe(meaning))
    elif instrument is not None:
        choices = keyed({name: name for name in (*scales, *CODED_COLUMNS)})
        problem(None, f"{what} is neither a scale of instrument {instrument.id} nor one of "
                      f"{', '.join(CODED_COLUMNS)}{did_you_mean([what], choices)}")
    return problems
